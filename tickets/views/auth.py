"""Login throttling's answer (R-SEC-3): django-axes calls `lockout` when a user name + address pair, or an
address alone (org/throttling.py), is locked — on the login page and on the API token endpoint."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout(request, original_response=None, credentials=None):
    """429 with Retry-After (the cool-off, which restarts with each attempt made while locked): the lockout
    page saying for how long and after how many failures, or a JSON body for the API."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = seconds // 60
    if request.path.startswith("/api/"):
        detail = _("Too many failed login attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
        response = JsonResponse({"detail": detail, "code": "locked_out"}, status=429)
    else:
        context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
