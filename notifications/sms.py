"""SMS gateways (SPEC R-NT-1). Chosen by settings.SMS_BACKEND, a dotted path (like EMAIL_BACKEND):

- `notifications.sms.ConsoleSmsGateway` (default): logs the message; nothing leaves the machine.
- `notifications.sms.HttpSmsGateway`: POSTs JSON {"to", "text"} to settings.SMS_GATEWAY_URL with an
  optional bearer token (settings.SMS_GATEWAY_TOKEN) and a timeout (settings.SMS_GATEWAY_TIMEOUT).

A gateway's `send` returns the gateway's message id and raises on any failure; the outbox records
the error and retries (notifications.services.notification_deliver).
"""

import json
import logging
import uuid
from typing import Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_SMS_BACKEND = "notifications.sms.ConsoleSmsGateway"


class SmsGatewayError(Exception):
    """The gateway did not accept the message."""


class SmsGateway(Protocol):
    def send(self, number: str, text: str) -> str:
        """Send one message; return the gateway's message id. Raise on failure."""
        ...


class ConsoleSmsGateway:
    """Development default: writes the message to the log."""

    def send(self, number: str, text: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        logger.info("SMS to %s (%s): %s", number, message_id, text)
        return message_id


class HttpSmsGateway:
    """POST {"to": number, "text": text} as JSON. Any non-2xx answer, a network error or a timeout
    raises SmsGatewayError. The message id is taken from the JSON answer ("id" or "message_id")
    when there is one."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = url if url is not None else getattr(settings, "SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "SMS_GATEWAY_TOKEN", "")
        self.timeout = timeout if timeout is not None else float(getattr(settings, "SMS_GATEWAY_TIMEOUT", 10))
        # urllib also opens file:// and ftp:// URLs; a gateway is only ever HTTP(S).
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// URL.")

    def send(self, number: str, text: str) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps({"to": number, "text": text}, ensure_ascii=False).encode()
        request = Request(self.url, data=payload, headers=headers, method="POST")
        try:
            with urlopen(request, timeout=self.timeout) as response:
                status, content = response.status, response.read()
        except HTTPError as exc:
            with exc:  # close the error's response body
                detail = exc.read(500).decode(errors="replace")
            raise SmsGatewayError(f"SMS gateway answered HTTP {exc.code}: {detail}") from exc
        except (URLError, TimeoutError, OSError) as exc:
            raise SmsGatewayError(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsGatewayError(f"SMS gateway answered HTTP {status}")
        return _message_id(content)


def _message_id(content: bytes) -> str:
    try:
        answer = json.loads(content or b"null")
    except ValueError:
        return ""
    if isinstance(answer, dict):
        return str(answer.get("id") or answer.get("message_id") or "")[:100]
    return ""


def sms_gateway() -> SmsGateway:
    """A gateway instance of the class named by settings.SMS_BACKEND."""
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_SMS_BACKEND))()
