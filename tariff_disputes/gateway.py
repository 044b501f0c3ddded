"""The billing gateway refunds are credited through (R-TD-6). Chosen by settings.BILLING_BACKEND:

- `tariff_disputes.gateway.ConsoleBillingGateway` (default): records what it would credit in its outbox table
  (`GatewayCredit`), once per idempotency key, and logs it; nothing leaves the machine.
- `tariff_disputes.gateway.HttpBillingGateway`: `POST {BILLING_GATEWAY_URL}/credits` with the JSON credit and an
  `Idempotency-Key` header; `GET {BILLING_GATEWAY_URL}/credits/{key}` asks about a key (404: never seen).

The contract every backend keeps: `credit` with a key already credited returns the first credit's reference and
credits nothing (Stripe's idempotency keys); `lookup` answers what the gateway knows of a key. A timeout raises
`GatewayTimeout` (the credit may or may not have happened); a refusal raises `GatewayRefused` (it did not)."""

import json
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from .models import GatewayCredit

logger = logging.getLogger(__name__)


class GatewayTimeout(Exception):
    """No answer: the credit may have happened. The refund becomes *unknown*; the next attempt asks first."""


class GatewayRefused(Exception):
    """The gateway answered and did not credit (reason in the message)."""


@dataclass(frozen=True)
class GatewayCreditRecord:
    key: str
    reference: str
    amount: Decimal


class BillingGateway(Protocol):
    def credit(self, *, key: str, account: str, amount: Decimal, form: str, memo: str) -> GatewayCreditRecord: ...

    def lookup(self, *, key: str) -> GatewayCreditRecord | None: ...


class ConsoleBillingGateway:
    """Development default: the outbox table is the far side. Idempotent per key under its unique constraint.
    Written in its own transaction (autocommit), like a remote system: a rollback of the caller keeps it."""

    def credit(self, *, key: str, account: str, amount: Decimal, form: str, memo: str) -> GatewayCreditRecord:
        existing = self.lookup(key=key)
        if existing:
            return existing
        try:
            with transaction.atomic():
                row = GatewayCredit.objects.create(
                    idempotency_key=key, reference=f"console-{uuid.uuid4().hex[:16]}", account=account,
                    amount=amount, form=form, memo=memo[:200],
                )  # fmt: skip
        except IntegrityError:
            return self.lookup(key=key)
        logger.info("Billing credit %s: ¥%s to %s (%s) key=%s", row.reference, amount, account, form, key)
        return GatewayCreditRecord(key=key, reference=row.reference, amount=row.amount)

    def lookup(self, *, key: str) -> GatewayCreditRecord | None:
        row = GatewayCredit.objects.filter(idempotency_key=key).first()
        return GatewayCreditRecord(key=key, reference=row.reference, amount=row.amount) if row else None


class HttpBillingGateway:
    """JSON over HTTP(S) with an optional bearer token and a timeout (settings.BILLING_GATEWAY_*)."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.url = (url if url is not None else settings.BILLING_GATEWAY_URL).rstrip("/")
        self.token = token if token is not None else settings.BILLING_GATEWAY_TOKEN
        self.timeout = timeout if timeout is not None else settings.BILLING_GATEWAY_TIMEOUT
        if urlsplit(self.url).scheme not in {"http", "https"}:
            raise ImproperlyConfigured("BILLING_GATEWAY_URL must be an http:// or https:// URL.")

    def _call(self, method: str, path: str, *, key: str, body: dict | None = None) -> dict | None:
        headers = {"Accept": "application/json", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked above)
                return json.loads(response.read() or b"{}")
        except HTTPError as error:
            with error:  # an HTTPError holds the response's socket
                text = error.read()[:200].decode(errors="replace")
            if error.code == 404 and method == "GET":
                return None
            if error.code >= 500 or error.code in (408, 429):
                raise GatewayTimeout(f"HTTP {error.code}") from error
            raise GatewayRefused(f"HTTP {error.code}: {text}") from error
        except (URLError, TimeoutError, OSError) as error:
            raise GatewayTimeout(str(error)) from error
        except ValueError as error:
            raise GatewayTimeout(f"unreadable answer: {error}") from error

    def credit(self, *, key: str, account: str, amount: Decimal, form: str, memo: str) -> GatewayCreditRecord:
        body = {"account": account, "amount": str(amount), "form": form, "memo": memo, "idempotency_key": key}
        answer = self._call("POST", "/credits", key=key, body=body) or {}
        reference = str(answer.get("reference") or answer.get("id") or "")
        if not reference:
            raise GatewayTimeout("the gateway's answer has no reference")
        return GatewayCreditRecord(key=key, reference=reference, amount=Decimal(str(answer.get("amount", amount))))

    def lookup(self, *, key: str) -> GatewayCreditRecord | None:
        answer = self._call("GET", f"/credits/{quote(key, safe='')}", key=key)
        if not answer or not (answer.get("reference") or answer.get("id")):
            return None
        reference = str(answer.get("reference") or answer.get("id"))
        return GatewayCreditRecord(key=key, reference=reference, amount=Decimal(str(answer.get("amount", "0"))))


def billing_gateway() -> BillingGateway:
    return import_string(settings.BILLING_BACKEND)()
