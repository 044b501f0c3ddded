"""The in-app inbox behind the navigation badge (R-NT-1)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notifications.selectors import notification_list_for_user
from notifications.services import notification_mark_all_read


@login_required
@require_GET
def inbox(request):
    page = Paginator(notification_list_for_user(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "tickets/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_all_read(request):
    notification_mark_all_read(user=request.user)
    return redirect("inbox")
