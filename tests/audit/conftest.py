"""Fixtures of the audit tests (R-AUD-1, R-SEC-2): one order in every kind of history row."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import fresh, roles_ensure, work_order_at, work_order_make
from tickets import services
from tickets.models import OrderState


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the role groups once per session (see tests/tickets/conftest.py)."""
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@dataclass
class History:
    closed: object  # walked to CLOSED: timeline, approved department reply, sent phone reply, callback
    handled: object  # PROCESSING: a contact, an unmask audit, a pending extension request
    replied: object  # DEPT_REPLIED: a department reply awaiting review
    drafting: object  # REPLY_APPROVED: a written draft (not sent) with one approval


@pytest.fixture
def history(world) -> History:
    closed = work_order_at(OrderState.CLOSED, world=world)
    handled = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000011")
    services.contact_log(
        order_id=handled.id, actor=world.handler, direction="outbound", channel="phone", reached=True, summary="进度"
    )
    services.number_unmask(order_id=handled.id, actor=world.dispatcher, reason="回访核实")
    services.extension_request(
        order_id=handled.id, actor=world.handler, progress="已联系厂家", reason="需等待厂家检测",
        requested_due_at=(fresh(handled).handling_due_at or timezone.now()) + timedelta(days=3),
    )  # fmt: skip
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000012")
    drafting = work_order_at(OrderState.REPLY_APPROVED, world=world, accepted_number="13900000013")
    draft = services.final_reply_draft_create(
        order_id=drafting.id, actor=world.dispatcher, method="written", process="核实并补偿", content="尊敬的客户：……"
    )
    services.final_reply_approve(reply_id=draft.id, actor=world.handler, kind="professional")
    return History(closed=closed, handled=handled, replied=replied, drafting=drafting)


@pytest.fixture
def fresh_order(world):
    return lambda **kw: work_order_make(actor=world.clerk, **kw)
