"""Fixtures of the clock tests (SPEC §3): the reference data of `load_reference_data`, a small cast of
people on the seeded org tree, and helpers to make orders the way the product makes them."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F
from django.utils import timezone

from complaints.models import ComplaintCategory
from complaints.services import reference_seed
from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar
from notifications.models import Notification
from org.models import OrgUnit
from org.services import org_units_seed, roles_seed
from tickets import services
from tickets.models import WorkOrder

SH = ZoneInfo("Asia/Shanghai")
BASE_DIR = Path(settings.BASE_DIR)
CARD_LEAF = "分销商充值卡/储值卡被盗用/遗失"


def at(*args) -> datetime:
    """An aware instant in Asia/Shanghai (the project's time zone)."""
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Test rollbacks send no post_delete signals: never let a compiled calendar outlive its test.
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture(autouse=True)
def delivery_kicks(monkeypatch):
    """The clock sweep asks for `notifications_sweep` after commit (a shortcut: beat runs it anyway).
    In this process the call is recorded instead of published, so that no test leaves messages on a
    broker; the end-to-end test runs the real thing in its worker."""
    from notifications.tasks import notifications_sweep

    kicks = []
    monkeypatch.setattr(notifications_sweep, "delay", lambda *a, **kw: kicks.append((a, kw)))
    return kicks


@pytest.fixture
def reference(db):
    """What `load_reference_data` loads: roles, the org tree, categories and skill groups, calendars,
    holidays and the SPEC §3.2 clock policies."""
    data = json.loads((BASE_DIR / "fixtures" / "reference_data.json").read_text(encoding="utf-8"))
    roles_seed()
    org_units_seed(units=data["units"])
    reference_seed(
        categories=data["categories"], call_reasons=data["call_reasons"], business_items=data["business_items"],
        skill_groups=data["skill_groups"],
    )  # fmt: skip
    calendar_seed_defaults()
    holiday_seed_from_chinese_calendar()
    clock_policies_seed()
    calendar_cache_clear()


@dataclass
class Cast:
    hall: OrgUnit  # the accepting unit; its supervisor hears of breaches
    billing: OrgUnit  # the handling department
    clerk: object  # front line at the hall: first-contact owner of the orders
    supervisor: object  # OrgUnit.supervisor of the hall
    dispatcher: object  # customer-service centre
    handler: object  # billing department


def _person(username: str, role: str, unit_code: str):
    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.cn", password=None)
    user.groups.add(Group.objects.get(name=role))
    OrgUnit.objects.get(code=unit_code).members.add(user)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def cast(reference) -> Cast:
    hall = OrgUnit.objects.get(code="hall-huaqiang")
    supervisor = _person("wang.min", "store_manager", "hall-huaqiang")
    hall.supervisor = supervisor
    hall.save(update_fields=["supervisor"])
    return Cast(
        hall=hall,
        billing=OrgUnit.objects.get(code="dept-billing"),
        clerk=_person("lin.xiao", "front_line", "hall-huaqiang"),
        supervisor=supervisor,
        dispatcher=_person("he.fang", "dispatcher", "cs-centre"),
        handler=_person("ma.jun", "handler", "dept-billing"),
    )


def intake(**overrides) -> services.OrderIntake:
    """A phone complaint to be transferred (转派) to a department, received ten minutes ago."""
    values = {
        "order_type": "complaint",
        "channel": "phone",
        "handling_method": "transfer",
        "accepted_number": "13812345678",
        "content": "客户称充值卡密码被盗用，要求查明并补偿。",
        "received_at": timezone.now() - timedelta(minutes=10),
        "category_id": ComplaintCategory.objects.get(name=CARD_LEAF).id,
        "customer": {"name": "李先生", "home_city": "深圳"},
    }
    values.update(overrides)
    return services.OrderIntake(**values)


def order_make(cast: Cast, **overrides) -> WorkOrder:
    return services.work_order_create(actor=cast.clerk, intake=intake(**overrides))


def fresh(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


def live_clock(order: WorkOrder, kind: str) -> Clock:
    """The one running or overdue clock of this kind on the order."""
    return Clock.objects.get(order=order, kind=kind, state__in=ClockState.live())


def clocks_of(order: WorkOrder, kind: str) -> list[Clock]:
    return list(Clock.objects.filter(order=order, kind=kind).order_by("started_at", "id"))


DEPT_REPLY = {
    "cause": "分销商渠道充值卡密码泄露。",
    "process": "已冻结被盗用卡号并向分销商核实。",
    "result": "余额已恢复。",
    "customer_attitude": "客户表示理解。",
    "service_restored": True,
}
FINAL_REPLY = {
    "method": "phone",
    "process": "核实充值记录。",
    "content": "已补足被盗金额。",
    "satisfaction": "satisfied",
}


def dispatch(order, cast, due_at=None):
    return services.work_order_dispatch(
        order_id=order.pk, actor=cast.dispatcher, unit_id=cast.billing.id, due_at=due_at
    )


def claim_and_reply(order, cast):
    services.work_order_claim(order_id=order.pk, actor=cast.handler)
    return services.work_order_dept_reply(order_id=order.pk, actor=cast.handler, **DEPT_REPLY)


# --- real processes against the test database (PostgreSQL) ---------------------------------------------
def child_database_url() -> str:
    """A DATABASE_URL for child processes that points at *this* test database."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    role = s.get("OPTIONS", {}).get("assume_role")  # DATABASE_APP_ROLE (tests/conftest.py): children too
    query = f"?assume_role={quote(role, safe='')}" if role else ""
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}{query}"


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": child_database_url()}
    env.update(extra)
    return env


def process_stop(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop a child we started and reap it (an unreaped child is a ResourceWarning)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


def sessions_waiting_for_a_lock() -> int:
    """Sessions of the test database blocked on a lock now (a race test's "the other one is waiting")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def wait_for(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` (a real external process is being observed: time cannot be frozen there)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def clock_rows_due(*, orders: list[WorkOrder], policy, count: int, now: datetime, warn: bool = True) -> list[Clock]:
    """`count` running dispatch clocks spread over `orders`, all past their due time (and their warning
    time, not yet recorded), written in bulk: what a sweep finds after a long outage."""
    rows = []
    for i in range(count):
        started = now - timedelta(hours=3) - timedelta(seconds=i)
        due = started + timedelta(hours=2)
        warn_at = started + timedelta(minutes=96) if warn else None
        rows.append(
            Clock(
                order=orders[i % len(orders)], policy=policy, kind=ClockKind.DISPATCH, calendar_code="CAL-24x7",
                limit=timedelta(hours=2), started_at=started, due_at=due, warn_at=warn_at,
                next_check_at=warn_at or due, note="bulk",
            )
        )  # fmt: skip
    return Clock.objects.bulk_create(rows, batch_size=1000)


def breach_notice_counts() -> dict[int, int]:
    """Breach notices per clock, from their idempotency keys ("clock-<id>-breach-<user>-<channel>")."""
    per_clock: dict[int, int] = {}
    for key in Notification.objects.filter(kind="clock_breach").values_list("idempotency_key", flat=True):
        clock_id = int(key.split("-")[1])
        per_clock[clock_id] = per_clock.get(clock_id, 0) + 1
    return per_clock


def assert_each_breached_once(clock_ids: list[int]) -> None:
    """Every clock overdue with its breach dated at its due time, and exactly one set of 4 breach notices."""
    swept = Clock.objects.filter(pk__in=clock_ids)
    assert swept.filter(
        state=ClockState.OVERDUE, breached_at=F("due_at"), warned_at=F("warn_at"), next_check_at=None
    ).count() == len(clock_ids)
    breaches = Notification.objects.filter(kind="clock_breach")
    assert breaches.count() == len(clock_ids) * 4
    assert breaches.values("idempotency_key").distinct().count() == breaches.count()
    assert breach_notice_counts() == dict.fromkeys(clock_ids, 4)
    assert not Notification.objects.filter(kind="clock_warn").exists()


def pg_session_count(application_name: str) -> int:
    """Sessions of a (possibly killed) child process still known to PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return cursor.fetchone()[0]


PYTHON = sys.executable
