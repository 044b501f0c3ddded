"""Fixtures of the tariff-dispute tests: the shared small branch (`world`) plus a branch leader, a second
CS-centre member, a fee complaint order, a fake billing gateway that records every key it saw."""

import importlib
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tariff_disputes import services
from tariff_disputes.gateway import GatewayCreditRecord, GatewayRefused, GatewayTimeout
from tariff_disputes.models import Cause, Evidence
from tests.factories import UserFactory, another_number, category_leaf, roles_ensure, work_order_make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make


@dataclass
class FakeGateway:
    """Records every call; `timeouts` / `refusals` make the next calls fail that way."""

    credits: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    timeouts: int = 0
    refusals: int = 0
    credit_then_timeout: bool = False

    def credit(self, *, key, account, amount, form, memo):
        self.calls.append(("credit", key))
        if self.refusals:
            self.refusals -= 1
            raise GatewayRefused("account closed")
        if self.timeouts and not self.credit_then_timeout:
            self.timeouts -= 1
            raise GatewayTimeout("timed out")
        record = self.credits.setdefault(key, GatewayCreditRecord(key=key, reference=f"ref-{key}", amount=amount))
        if self.timeouts:
            self.timeouts -= 1
            raise GatewayTimeout("timed out after crediting")
        return record

    def lookup(self, *, key):
        self.calls.append(("lookup", key))
        return self.credits.get(key)

    def credit_count(self):
        return sum(1 for kind, _ in self.calls if kind == "credit")


@pytest.fixture
def gateway():
    return FakeGateway()


@dataclass
class People:
    leader: object
    dispatcher2: object


@pytest.fixture
def people(world):
    return People(
        leader=UserFactory(username="leader", roles=["branch_leader"], units=[world.branch]),
        dispatcher2=UserFactory(username="dispatcher2", roles=["dispatcher"], units=[world.cs_centre]),
    )


@pytest.fixture
def fee_order(world):
    """A fee complaint: its category is under the top-level 通信费用 (R-TD-1)."""
    return work_order_make(
        actor=world.clerk, accepted_number=another_number(), category_id=category_leaf("通信费用", "计费差错").id
    )


def pdf(name="bill.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 bill details", content_type="application/pdf")


def cause(code: str) -> Cause:
    return Cause.objects.get(code=code)


def dispute_verifying(world, order, *, amount="58.20", **extra):
    dispute = services.dispute_create(
        actor=world.clerk, order_id=order.id, billing_period="2026-10", disputed_amount=amount,
        charge_items="长途通话费", **extra,
    )  # fmt: skip
    services.dispute_verification_start(dispute_id=dispute.id, actor=world.clerk)
    services.dispute_evidence_add(
        dispute_id=dispute.id, actor=world.clerk, uploaded_file=pdf(), kind=Evidence.Kind.BILL
    )
    return dispute


def dispute_justified(world, order, *, amount="45.50", cause_code="company-rules", form="bill_credit", **extra):
    dispute = dispute_verifying(world, order, amount=amount, **extra)
    return services.dispute_outcome_record(
        dispute_id=dispute.id, actor=world.clerk, outcome="justified", explanation="套餐规则设计缺陷，重复计费",
        outcome_kind="wrong_charge", confirmed_amount=amount, cause_id=cause(cause_code).id, remedy_form=form,
        cash_reason="客户坚持要现金" if form == "cash" else "",
    )  # fmt: skip


def dispute_pending(world, order, **kwargs):
    dispute = dispute_justified(world, order, **kwargs)
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    return dispute


D2 = Decimal


@pytest.fixture(autouse=True)
def reference_data(db):
    """Transactional tests flush the seeded rows: seed them again (get or create)."""
    from django.apps import apps

    seed = importlib.import_module("tariff_disputes.migrations.0002_seed_reference_data")
    seed.reference_seed(apps)


def recharge_scripts_seeded() -> None:
    """R-TD-7: the recharge-card category and the two reply scripts, as tariff_disputes migration 0003 seeds them."""
    from django.apps import apps

    category_leaf()  # 信息安全 → 分销商充值卡/储值卡被盗用/遗失
    importlib.import_module("tariff_disputes.migrations.0003_seed_recharge_card_scripts").seed(apps, None)
