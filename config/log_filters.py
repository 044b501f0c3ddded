"""Logging filters (settings.LOGGING)."""

import logging

from django.core.exceptions import PermissionDenied


class PermissionDeniedWithoutTraceback(logging.Filter):
    """django.request logs a refused permission ("Forbidden (Permission denied): /path") with the exception's
    traceback. A refusal is an expected answer, not a fault: keep the one warning line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
