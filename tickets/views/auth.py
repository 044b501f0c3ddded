"""Login throttling's answer (R-SEC-3): django-axes calls `lockout` when a username+address pair is locked."""

from django.conf import settings
from django.shortcuts import render


def lockout(request, original_response=None, credentials=None):
    """The lockout page, 429, saying for how long (settings.AXES_COOLOFF_TIME) and after how many failures."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
