"""Health check for the holiday calendar (SPEC §3.1: administrators are warned when next year's
holidays are missing). Wired in config/urls.py by the URL owner."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from deadlines.selectors import holiday_coverage_warning


@require_GET
def health_calendar(request: HttpRequest) -> JsonResponse:
    """200 {"status": "ok"} or 503 {"status": "warning", "detail": …}. No authentication: it
    reveals only whether a year of holidays is missing."""
    today = timezone.localdate()
    warning = holiday_coverage_warning(today)
    if warning:
        return JsonResponse({"status": "warning", "date": today.isoformat(), "detail": warning}, status=503)
    return JsonResponse({"status": "ok", "date": today.isoformat()})
