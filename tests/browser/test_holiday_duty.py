"""Holiday duty (issue 11 §3) in a real browser (Playwright + Debian chromium), National Day 2026-10-02 (time
frozen, ticking, in the live server's process too): a duty staff member sees the order dispatched to the south
account managers in the duty hall's queue, confirms the handler (SMS + a call task), logs the call as not
reached, escalates now (level 1: the group's supervisor), records the feedback the supervisor gave, writes the
handover; the incoming staff member signs it and the order becomes theirs."""

from datetime import timedelta

import pytest
import time_machine

from holiday_duty.models import DutyOrder, Handover
from tests.browser.conftest import PASSWORD
from tests.factories import world_build
from tests.holiday_duty.conftest import at, dispatched, duty_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = at(2026, 10, 2, 9)


@pytest.fixture
def cast(transactional_db, fast_passwords):
    world = world_build()
    duty = duty_build(world)
    for user in (duty.duty, duty.duty_peer):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return world, duty


def test_a_holiday_order_chased_escalated_fed_back_and_handed_over(cast, open_as, shot):
    world, duty = cast
    order = dispatched(world, duty.am_south, MORNING - timedelta(minutes=10))
    with time_machine.travel(MORNING, tick=True):
        staff = open_as(duty.duty)
        staff.click("[data-holiday-duty-nav]")
        row = f"[data-duty-order='{order.number}']"
        staff.wait_for_selector(f"{row}[data-state=queued]")
        shot(staff, "holiday-duty-1-queue")

        staff.select_option(f"{row} [data-action=confirm] select[name=handler]", str(duty.account_manager.id))
        staff.click(f"{row} [data-action=confirm] button")
        staff.wait_for_selector(f"{row}[data-state=notified]")
        assert staff.locator(f"{row} [data-countdown]").count() == 1  # the 4-hour clock counts down

        call = "[data-call] [data-action=call]"
        staff.select_option(f"{call} select[name=outcome]", "not_reached")
        staff.fill(f"{call} input[name=note]", "关机")
        staff.click(f"{call} button")
        staff.wait_for_selector("[data-log=call]")

        staff.click(f"{row} [data-action=escalate] button")
        staff.wait_for_selector(f"{row} [data-escalation-level='1']")
        assert "客户经理主管" in staff.inner_text("#log")

        form = f"{row} [data-action=feedback]"
        staff.select_option(f"{form} select[name=channel]", "phone")
        staff.fill(f"{form} input[name=from_name]", "客户经理主管")
        staff.fill(f"{form} textarea[name=note]", "主管已致电客户，约定今日下午上门处理。")
        staff.click(f"{form} button")
        staff.wait_for_selector(f"{row}[data-state=feedback]")
        shot(staff, "holiday-duty-2-feedback")

        form = "[data-action=handover]"
        staff.select_option(f"{form} select[name=incoming]", str(duty.duty_peer.id))
        staff.fill(f"{form} textarea[name=open_problems]", "客户下午上门，请接班同事跟进回单。")
        staff.click(f"{form} button")
        staff.wait_for_selector("[data-handover][data-signed='0']")

        incoming = open_as(duty.duty_peer)
        incoming.goto("/holiday-duty/")
        incoming.wait_for_selector("[data-to-sign]")
        assert order.number in incoming.inner_text("[data-to-sign]")
        incoming.click("[data-action=sign] button")
        incoming.wait_for_selector("[data-handover][data-signed='1']")
        shot(incoming, "holiday-duty-3-signed")

    duty_order = DutyOrder.objects.get(order=order)
    assert (duty_order.state, duty_order.owner, duty_order.feedback_from_name) == (
        "feedback", duty.duty_peer, "客户经理主管",
    )  # fmt: skip
    handover = Handover.objects.get()
    assert (handover.outgoing, handover.signed_by) == (duty.duty, duty.duty_peer)
    assert duty_order.calls.get(level=0).outcome == "not_reached"
