"""Login throttling (R-SEC-3) with two limits: django-axes locks a user name + address pair after
AXES_FAILURE_LIMIT failures, and — against password spraying, one address trying many user names — the
address alone after AXES_IP_FAILURE_LIMIT failures (higher: a hall's counters may share one address).

Axes itself compares every entry of AXES_LOCKOUT_PARAMETERS with the one AXES_FAILURE_LIMIT; this handler
gives the address-only entry its own limit and reports the result on the pair's scale."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

IP_ONLY = (["ip_address"], "ip_address")


def _limit(parameter) -> int:
    return settings.AXES_IP_FAILURE_LIMIT if parameter in IP_ONLY else settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        parameters = settings.AXES_LOCKOUT_PARAMETERS
        pair = max((n for n, p in zip(counts, parameters, strict=True) if p not in IP_ONLY), default=0)
        if any(n >= _limit(p) for n, p in zip(counts, parameters, strict=True)):
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return min(pair, settings.AXES_FAILURE_LIMIT - 1)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login clears the failures of its own user name + address only, never the address's
        count of other user names (else one known password would reset a spraying run)."""
        attempts = self.filter_user_attempts(request, credentials)
        parameters = settings.AXES_LOCKOUT_PARAMETERS
        return sum(qs.delete()[0] for qs, p in zip(attempts, parameters, strict=True) if p not in IP_ONLY)


def client_ip(request) -> str | None:
    """The address login throttling counts. Behind our own proxy (DJANGO_BEHIND_PROXY) that is the entry the
    proxies appended to X-Forwarded-For, DJANGO_PROXY_COUNT from the end — entries before it are whatever the
    client sent. Otherwise REMOTE_ADDR: a client's own X-Forwarded-For must not pick its address."""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= settings.PROXY_COUNT and forwarded[-settings.PROXY_COUNT]:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")
