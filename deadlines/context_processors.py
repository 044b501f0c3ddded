from django.utils import timezone

from .selectors import holiday_coverage_warning


def admin_calendar_warning(request) -> dict:
    """The admin banner of SPEC §3.1 (R-CAL-YEAR): this year, or after 1 December next year, not confirmed.
    Admin pages only; the workspace dashboard shows the same warning to administrators."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/admin/") or not (user and user.is_authenticated and user.is_staff):
        return {}
    return {"calendar_warning": holiday_coverage_warning(timezone.localdate())}
