"""The holiday-duty API (R-API-1): lists paged, actions through the services, 404 for what one may not see (ids in
a body too), 400 naming the field, the day's log as CSV (UTF-8 BOM) and XLSX in the browser."""

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook

from holiday_duty.models import CallTask, DutyLogEntry

from .conftest import at, dispatched, duty_order_of, reread

pytestmark = pytest.mark.django_db

NOW = at(2026, 10, 2, 10)
BASE = "/api/v1/holiday-duty"


@pytest.fixture
def landed(world, duty):
    return duty_order_of(dispatched(world, duty.am_south, NOW - timedelta(minutes=5)))


def test_duty_staff_work_an_order_through_the_api(duty, landed, api):
    api.force_login(duty.duty)
    with time_machine.travel(NOW, tick=False):
        listed = api.get(f"{BASE}/duty-orders/", {"state": "queued"}).json()
        assert (listed["count"], listed["results"][0]["order_number"]) == (1, landed.order.number)
        confirmed = api.post(f"{BASE}/duty-orders/{landed.id}/confirm-handler/",
                             {"handler_id": duty.account_manager.id}, format="json")  # fmt: skip
        assert confirmed.status_code == 200, confirmed.json()
        assert confirmed.json()["state"] == "notified"
        call = confirmed.json()["calls"][0]
        outcome = api.post(f"{BASE}/call-tasks/{call['id']}/outcome/", {"outcome": "not_reached"}, format="json")
        assert outcome.json()["outcome"] == "not_reached"
        escalated = api.post(f"{BASE}/duty-orders/{landed.id}/escalate/")
        assert escalated.json()["escalation"]["level"] == 1
        fed = api.post(f"{BASE}/duty-orders/{landed.id}/feedback/",
                       {"channel": "phone", "note": "主管已联系客户", "from_user_id": duty.am_supervisor.id},
                       format="json")  # fmt: skip
        assert fed.json()["state"] == "feedback"
        assert fed.json()["escalation"]["state"] == "resolved"
        log = api.get(f"{BASE}/log-entries/", {"hall": duty.hall.id, "day": "2026-10-02"}).json()
    assert [row["kind"] for row in log["results"]] == ["landed", "notification", "call", "escalation", "feedback"]


def test_outsiders_get_404_and_the_handler_sees_only_their_own(duty, landed, api):
    api.force_login(duty.general_staff)
    assert api.get(f"{BASE}/duty-orders/{landed.id}/").status_code == 404
    assert api.post(f"{BASE}/duty-orders/{landed.id}/escalate/").status_code == 404
    assert api.post(f"{BASE}/log-entries/", {"hall": duty.hall.id, "text": "x"}, format="json").status_code == 404
    assert api.get(f"{BASE}/duty-orders/").json()["count"] == 0


def test_a_duty_order_id_in_a_body_that_one_may_not_see_is_404(world, duty, landed, api):
    other = duty.hall.__class__.objects.create(unit=world.hall_south)
    api.force_login(duty.duty)
    answer = api.post(f"{BASE}/log-entries/", {"hall": other.id, "text": "x"}, format="json")
    assert answer.status_code == 404


def test_bad_input_is_400_naming_the_field(duty, landed, api):
    api.force_login(duty.duty)
    answer = api.post(f"{BASE}/duty-orders/{landed.id}/confirm-handler/", {"handler_id": "x"}, format="json")
    assert answer.status_code == 400 and "handler_id" in answer.json()
    answer = api.post(f"{BASE}/duty-orders/{landed.id}/confirm-handler/", {}, format="json")
    assert answer.status_code == 400 and "handler_id" in answer.json()
    assert api.get(f"{BASE}/duty-orders/", {"state": "nope"}).status_code == 400
    assert api.get(f"{BASE}/log-entries/", {"day": "2026-13-01"}).status_code == 400
    assert api.get(f"{BASE}/duty-orders/", {"hall": "1x"}).status_code == 400
    assert api.get(f"{BASE}/handovers/?unsigned=null&unsigned=null").status_code == 400  # found by schemathesis
    assert api.get(f"{BASE}/handovers/", {"unsigned": "true"}).status_code == 200
    # the boolean filters parse alike: empty is absent, anything but true/false (1/0) names the parameter
    for path, name in ((f"{BASE}/handovers/", "unsigned"), (f"{BASE}/call-tasks/", "open")):
        assert api.get(path, {name: ""}).status_code == 200
        answer = api.get(path, {name: "maybe"})
        assert answer.status_code == 400 and list(answer.json()) == [name]
    answer = api.post(f"{BASE}/duty-orders/{landed.id}/feedback/", {"channel": "fax", "note": ""}, format="json")
    assert answer.status_code == 400 and {"channel", "note"} <= set(answer.json())


def test_a_manual_log_entry_and_the_day_exported_as_csv_and_xlsx(duty, landed, api, login):
    api.force_login(duty.duty)
    with time_machine.travel(NOW, tick=False):
        created = api.post(f"{BASE}/log-entries/", {"hall": duty.hall.id, "text": "交班前巡查营业厅，一切正常。"},
                           format="json")  # fmt: skip
        assert created.status_code == 201 and created.json()["kind"] == "manual"
        client = login(duty.duty)
        csv = client.get("/holiday-duty/log.csv", {"hall": duty.hall.id, "day": "2026-10-02"})
        xlsx = client.get("/holiday-duty/log.xlsx", {"hall": duty.hall.id, "day": "2026-10-02"})

    assert csv.content.startswith("\ufeff".encode())
    text = csv.content.decode("utf-8-sig")
    assert "交班前巡查营业厅" in text and landed.order.number in text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时间", "类别", "工单", "记录人", "内容")
    assert len(rows) == 1 + DutyLogEntry.objects.filter(day=NOW.date()).count() == 3


def test_the_duty_screen_shows_the_queue_with_its_countdown_and_the_nav_count(duty, landed, login):
    with time_machine.travel(NOW, tick=False):
        from holiday_duty import services

        services.duty_order_handler_confirm(
            duty_order_id=landed.id, actor=duty.duty, handler_id=duty.account_manager.id
        )
        page = login(duty.duty).get("/holiday-duty/").content.decode()
    assert f'data-duty-order="{landed.order.number}"' in page
    assert 'data-countdown="14400"' in page  # 4 h to go at the notification
    assert "data-holiday-duty-count>2<" in page  # the notified order and its call
    assert CallTask.objects.filter(duty_order=landed).exists()
    assert reread(landed).state == "notified"


def test_the_screen_is_404_for_people_without_a_duty_hall(duty, login):
    assert login(duty.general_staff).get("/holiday-duty/").status_code == 404


def test_screen_actions_refused_show_the_reason_and_change_nothing(duty, landed, login):
    client = login(duty.duty)
    with time_machine.travel(NOW, tick=False):
        answer = client.post("/holiday-duty/do/escalate/", {"hall": duty.hall.id, "duty_order": landed.id}, follow=True)
    assert answer.status_code == 200
    assert not hasattr(reread(landed), "escalation_id")
    assert "409" not in answer.content.decode()
    assert reread(landed).state == "queued"


def test_the_handler_feeds_back_from_the_order_page(duty, landed, login):
    from holiday_duty import services

    with time_machine.travel(NOW, tick=False):
        services.duty_order_handler_confirm(
            duty_order_id=landed.id, actor=duty.duty, handler_id=duty.account_manager.id
        )
        client = login(duty.account_manager)
        page = client.get(f"/orders/{landed.order.id}/").content.decode()
        assert "data-holiday-duty-panel" in page and 'data-action="duty-feedback"' in page
        answer = client.post(
            "/holiday-duty/do/feedback/",
            {"order_page": landed.order.id, "duty_order": landed.id, "channel": "logged_in", "note": "已与客户沟通。"},
        )
        shown = client.get(answer.url).content.decode()
    assert answer.status_code == 302 and answer.url == f"/orders/{landed.order.id}/"
    assert "反馈已记录。" in shown  # the page says what was done
    duty_order = reread(landed)
    assert (duty_order.state, duty_order.feedback_by, duty_order.feedback_channel) == (
        "feedback", duty.account_manager, "logged_in",
    )  # fmt: skip


@pytest.mark.parametrize("value", ["-2.2e-309", "maybe", "2"])
def test_a_call_task_filter_that_is_not_true_or_false_is_a_400_naming_it(api, duty, value):
    """schemathesis found `?open=-2.225073858507203e-309` answered with every task (R-API-1)."""
    api.force_login(duty.duty)

    response = api.get("/api/v1/holiday-duty/call-tasks/", {"open": value})

    assert response.status_code == 400, response.content
    assert "open" in response.json()


def test_the_open_call_tasks_are_those_not_made_yet(api, duty, landed):
    with time_machine.travel(NOW, tick=False):
        api.force_login(duty.duty)
        api.post(
            f"{BASE}/duty-orders/{landed.id}/confirm-handler/", {"handler_id": duty.account_manager.id}, format="json"
        )
        assert api.get(f"{BASE}/call-tasks/", {"open": "true"}).json()["count"] == 1
        assert api.get(f"{BASE}/call-tasks/", {"open": ""}).json()["count"] == 1
        call = api.get(f"{BASE}/call-tasks/").json()["results"][0]
        api.post(f"{BASE}/call-tasks/{call['id']}/outcome/", {"outcome": "reached"}, format="json")
        assert api.get(f"{BASE}/call-tasks/", {"open": "true"}).json()["count"] == 0
        assert api.get(f"{BASE}/call-tasks/", {"open": "false"}).json()["count"] == 1
