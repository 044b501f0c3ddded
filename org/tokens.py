"""API tokens (issue 8 §4, R-SEC-1): several per user, stored as a SHA-256 of the key, each with an expiry
(settings.API_TOKEN_TTL). A token stops working — and is deleted — when it expires, when its user is
deactivated, or when the user's password changes (the token remembers the session auth hash of the password
it was issued under, as Django's sessions do). `last_used_at` is written at most once a minute per token."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_token_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new token for an authenticated user. Returns the row and the key; the key is not stored and
    cannot be shown again. Expired tokens of the user are deleted on the way."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_hex(20)  # 40 characters, as DRF's keys were: clients keep sending "Token <key>"
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_hash=api_token_key_hash(key),
        auth_hash=user.get_session_auth_hash(),
        expires_at=now + settings.API_TOKEN_TTL,
    )
    return token, key


def api_token_revoke(*, user, token_id: int) -> None:
    """Revoke one of the user's own tokens. Raises ApiToken.DoesNotExist (→ 404) for anyone else's."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ApiToken.DoesNotExist


def api_tokens_revoke_stale(*, user) -> int:
    """Delete the user's tokens that no longer hold: all of them for an inactive user, else those issued
    under another password, and the expired ones. Returns how many were deleted."""
    tokens = ApiToken.objects.filter(user=user)
    if user.is_active:
        current = user.get_session_auth_hash()
        stale = [t.pk for t in tokens.only("pk", "auth_hash", "expires_at") if not _holds(t, current)]
        tokens = tokens.filter(pk__in=stale)
    return tokens.delete()[0]


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first."""
    current = user.get_session_auth_hash()
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now(), auth_hash=current)


def _holds(token: ApiToken, auth_hash: str) -> bool:
    return token.expires_at > timezone.now() and constant_time_compare(token.auth_hash, auth_hash)


def api_token_authenticate(key: str):
    """The (user, token) a key stands for, or None. A stale token is deleted when it is presented."""
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_key_hash(key)).first()
    if token is None:
        return None
    user = token.user
    if not user.is_active or not _holds(token, user.get_session_auth_hash()):
        token.delete()
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A plain UPDATE, no lock: concurrent requests may both write; either time is right.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` against ApiToken (the header and 401 answer of DRF's TokenAuthentication,
    whose schema extension drf-spectacular applies to subclasses)."""

    def authenticate_credentials(self, key):
        found = api_token_authenticate(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return found


def _user_saved(sender, instance, created, update_fields=None, **kwargs):
    """Deactivation or a new password revokes the user's tokens at once, whichever way the user was saved
    (admin, changepassword, a script). A save of other fields only (last_login at each login) is skipped."""
    if created or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    api_tokens_revoke_stale(user=instance)


def signals_connect() -> None:
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="org.tokens.user_saved")
