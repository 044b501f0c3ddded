"""Escalated complaints (R-SP-3, R-SP-4) and media (R-SP-6): the dispatcher names a tracker and a deadline; the
escalated-reply form (用户申诉处理反馈单) needs every part (400 naming each) and prints; a complaint with a
journalist present tells the media liaison (综合部, data) at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from escalation import services
from escalation.models import EscalatedCase, EscalatedReply, EscalationRules
from escalation.selectors import declaration_figures, escalation_tendency_counts
from notifications.models import Notification
from tests.factories import (
    FINAL_REPLY,
    OrgUnitFactory,
    UserFactory,
    another_number,
    fresh,
    work_order_at,
    work_order_make,
    work_order_walk,
)
from tickets import services as tickets_services
from tickets.models import OrderState

from .conftest import declaration_make, opinions_give

pytestmark = pytest.mark.django_db

FORM = {
    "result": "已为客户退还多收费用 30 元。",
    "liable": True,
    "cause": "套餐变更时系统未同步。",
    "responsible_department": "计费支撑部",
    "related_issues": "1. 套餐变更未生效；2. 多收月租。",
    "handling_summary": "核查计费记录后退费并致歉。",
    "complained_to_body_before": True,
    "earlier_complaint_proof": "工信部申诉转办单 2026-11-20。",
    "first_findings": "首次投诉时核实为系统问题。",
    "first_acceptance": "客户未接受首次答复。",
    "external_findings": "申诉中心转办后复核属实。",
    "external_final_opinion": "退费并赔偿。",
    "external_acceptance": "客户接受。",
}


@pytest.fixture
def escalated(world):
    return work_order_make(
        actor=world.dispatcher, channel="external", external_source="miit", accepted_number=another_number()
    )


def test_the_dispatcher_names_the_tracker_and_the_deadline(world, escalated, django_capture_on_commit_callbacks):
    assert escalated.is_escalated
    due = timezone.now() + timedelta(days=2)
    with pytest.raises(PermissionDenied):
        services.escalated_case_set(order_id=escalated.id, actor=world.legal, tracker_id=world.handler.id, due_at=due)
    with pytest.raises(ValidationError) as refused:
        services.escalated_case_set(order_id=escalated.id, actor=world.dispatcher, tracker_id=None, due_at=None)
    assert set(refused.value.message_dict) == {"tracker_id", "due_at"}
    # a tracker must be someone who may see the order: the billing handler does not (not dispatched there yet)
    with pytest.raises(ValidationError) as refused:
        services.escalated_case_set(
            order_id=escalated.id, actor=world.dispatcher, tracker_id=world.handler.id, due_at=due
        )
    assert list(refused.value.message_dict) == ["tracker_id"]
    tracker = UserFactory(roles=["front_line"], units=[world.cs_centre])
    with django_capture_on_commit_callbacks(execute=True):
        case = services.escalated_case_set(
            order_id=escalated.id, actor=world.dispatcher, tracker_id=tracker.id, due_at=due
        )
    assert (case.tracker, case.due_at) == (tracker, due)
    assert Notification.objects.filter(recipient=tracker, order=escalated, kind="major_complaint").exists()
    ordinary = work_order_make(actor=world.clerk)
    with pytest.raises(ValidationError) as refused:
        services.escalated_case_set(
            order_id=ordinary.id, actor=world.dispatcher, tracker_id=world.handler.id, due_at=due
        )
    assert "order" in refused.value.message_dict


def test_the_escalated_reply_form_names_each_missing_part(world, escalated):
    with pytest.raises(ValidationError) as refused:
        services.escalated_reply_record(order_id=escalated.id, actor=world.dispatcher, result="", liable=True)
    missing = set(refused.value.message_dict)
    assert {"result", "handling_summary", "first_complaint_at", "external_acceptance", "complained_to_body_before",
            "cause", "responsible_department", "related_issues"} <= missing  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        parts = {**FORM, "earlier_complaint_proof": "", "first_complaint_at": timezone.now() - timedelta(days=10)}
        services.escalated_reply_record(order_id=escalated.id, actor=world.dispatcher, **parts)
    assert set(refused.value.message_dict) == {"earlier_complaint_proof"}

    not_liable = {**FORM, "liable": False, "cause": "", "responsible_department": "", "related_issues": ""}
    reply = services.escalated_reply_record(
        order_id=escalated.id, actor=world.dispatcher, first_complaint_at=timezone.now() - timedelta(days=10),
        **not_liable,
    )  # fmt: skip
    assert reply.liable is False
    assert escalated.timeline.filter(kind="escalated_reply").exists()


def test_the_form_over_the_api_and_printed(api, login, world, escalated):
    api.force_authenticate(world.dispatcher)
    url = f"/api/v1/escalation/escalated/{escalated.id}/reply/"
    response = api.post(url, {"result": "x"}, format="json")
    assert response.status_code == 400 and {"liable", "handling_summary"} <= set(response.json())
    body = {**FORM, "first_complaint_at": (timezone.now() - timedelta(days=10)).isoformat()}
    assert api.post(url, body, format="json").status_code == 201
    assert api.get(url).json()["result"] == FORM["result"]
    assert EscalatedReply.objects.count() == 1

    page = login(world.dispatcher).get(f"/escalation/orders/{escalated.id}/escalated-reply/")
    assert page.status_code == 200 and "用户申诉处理反馈单" in page.content.decode()
    download = login(world.dispatcher).get(f"/escalation/orders/{escalated.id}/escalated-reply/?download=1")
    assert "attachment" in download["Content-Disposition"]
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    assert login(stranger).get(f"/escalation/orders/{escalated.id}/escalated-reply/").status_code == 404


def test_a_complaint_with_media_tells_the_media_liaison_at_once(world, django_capture_on_commit_callbacks):
    general = OrgUnitFactory(code="dept-general", name="综合管理部", parent=world.branch)
    liaison = UserFactory(roles=["qa_inspector"], units=[general])
    with django_capture_on_commit_callbacks(execute=True):
        order = work_order_make(
            actor=world.clerk, is_media=True, accepted_number=another_number(),
            journalist={"name": "张记者", "outlet": "深圳晚报", "phone": "13900000000"},
        )  # fmt: skip
    told = Notification.objects.filter(recipient=liaison, order=order)
    assert told.exists() and all(n.urgent for n in told)
    assert "深圳晚报" in told.first().subject

    # the liaison unit is data
    other = OrgUnitFactory(code="press", name="新闻办", parent=world.branch)
    press = UserFactory(roles=["qa_inspector"], units=[other])
    EscalationRules.objects.create(media_liaison_unit=other)
    with django_capture_on_commit_callbacks(execute=True):
        work_order_make(
            actor=world.clerk, is_media=True, accepted_number=another_number(),
            journalist={"name": "李记者", "outlet": "南方日报", "phone": "13900000001"},
        )  # fmt: skip
    assert Notification.objects.filter(recipient=press).exists()


def test_tendency_and_declaration_figures_are_queryable(world, people):
    start = timezone.now() - timedelta(days=1)
    work_order_make(actor=world.clerk, escalation_tendency=True, accepted_number=another_number())
    end = timezone.now() + timedelta(days=1)
    assert escalation_tendency_counts(start=start, end=end)["hall-huaqiang"] == {"tendency": 1, "escalated": 0}

    d = declaration_make(world)
    opinions_give(world, d)
    services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    services.declaration_resolve(declaration_id=d.id, actor=people.hall_admin, resolution="已解决")
    [row] = declaration_figures(start=start, end=end)
    assert (row["interface__code"], row["declarations"], row["resolved"], row["at_chief"]) == ("hall", 1, 1, 0)
    assert row["to_resolution"] is not None and row["to_resolution"] >= 0


def test_the_form_in_the_browser_names_each_missing_part_keeps_the_input_and_then_prints(login, world, escalated):
    """R-SP-4 on the order page's escalated panel: every part a field (in Chinese); a refused form (400) names
    each missing part beside it with what was typed kept; a saved one shows the print / download links."""
    client = login(world.dispatcher)
    html = client.get(f"/orders/{escalated.id}/").content.decode()
    form = html[html.find('data-action-form="escalated_reply"') :]
    form = form[: form.find("</form>")]
    for name in [*FORM, "first_complaint_at"]:
        assert f'name="{name}"' in form
    assert "公司是否有责" in form and "处理过程简述" in form and "首次投诉时间" in form  # labels in Chinese

    url = f"/escalation/orders/{escalated.id}/do/escalated_reply/"
    typed = {"result": "已退还多收费用。", "liable": "yes", "responsible_department": "计费支撑部"}
    response = client.post(url, typed)
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("handling_summary", "first_complaint_at", "complained_to_body_before", "cause", "related_issues",
                 "external_acceptance"):  # fmt: skip
        assert f'data-errors-for="{name}"' in html
    assert 'data-errors-for="result"' not in html
    assert "已退还多收费用。" in html and 'value="计费支撑部"' in html
    assert 'value="yes" checked' in html
    assert not EscalatedReply.objects.exists()

    first = timezone.localtime(timezone.now() - timedelta(days=10))
    body = {**FORM, "liable": "yes", "complained_to_body_before": "yes"}
    body["first_complaint_at"] = f"{first:%Y-%m-%dT%H:%M}"
    response = client.post(url, body)
    assert response.status_code == 302 and response.url.endswith("#escalated")
    reply = EscalatedReply.objects.get()
    assert reply.liable is True and reply.result == FORM["result"] and reply.author == world.dispatcher
    html = client.get(response.url.split("#")[0]).content.decode()
    assert f'href="/escalation/orders/{escalated.id}/escalated-reply/"' in html and "?download=1" in html


def test_the_browser_form_only_for_who_may_write_it(login, world, escalated):
    # the same rule as the service and the API: the tracker, or who replies to customers on the order
    client = login(world.legal)  # sees every order, does not reply to customers
    assert 'data-action-form="escalated_reply"' not in client.get(f"/orders/{escalated.id}/").content.decode()
    assert client.post(f"/escalation/orders/{escalated.id}/do/escalated_reply/", {"result": "x"}).status_code == 403
    assert not EscalatedReply.objects.exists()
    services.escalated_case_set(
        order_id=escalated.id, actor=world.dispatcher, tracker_id=world.legal.id,
        due_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    assert 'data-action-form="escalated_reply"' in client.get(f"/orders/{escalated.id}/").content.decode()


def test_the_customer_reply_of_an_escalated_complaint_needs_its_escalated_reply_form(api, world, escalated):
    # given an escalated complaint whose reply is approved, and no escalated-reply form yet
    order = work_order_walk(escalated, to=OrderState.REPLY_APPROVED, world=world)

    # the final reply is refused, naming the form, and nothing moves
    with pytest.raises(ValidationError) as refused:
        tickets_services.work_order_reply_customer(order_id=order.id, actor=world.dispatcher, **FINAL_REPLY)
    assert list(refused.value.message_dict) == ["escalated_reply"]
    api.force_authenticate(world.dispatcher)
    answer = api.post(f"/api/v1/orders/{order.id}/reply-customer/", FINAL_REPLY, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["escalated_reply"], answer.content
    assert fresh(order).state == OrderState.REPLY_APPROVED and not order.final_replies.filter(sent_at__isnull=False)

    # once the form is written, the reply goes out
    services.escalated_reply_record(
        order_id=order.id, actor=world.dispatcher, first_complaint_at=timezone.now() - timedelta(days=3), **FORM
    )
    tickets_services.work_order_reply_customer(order_id=order.id, actor=world.dispatcher, **FINAL_REPLY)
    assert fresh(order).state == OrderState.CUSTOMER_REPLIED


def test_an_ordinary_complaint_replies_without_the_form(world):
    order = work_order_at(OrderState.CUSTOMER_REPLIED, world=world, accepted_number=another_number())
    assert not order.is_escalated and not EscalatedReply.objects.filter(order=order).exists()


def test_the_dispatcher_names_the_tracker_and_the_deadline_in_the_browser(login, world, escalated):
    tracker = UserFactory(roles=["front_line"], units=[world.cs_centre])
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    url = f"/escalation/orders/{escalated.id}/do/escalated_tracker/"
    # only the dispatcher has the form; it offers people who see the order
    assert (
        'data-action-form="escalated_tracker"'
        not in login(world.legal).get(f"/orders/{escalated.id}/").content.decode()
    )
    client = login(world.dispatcher)
    html = client.get(f"/orders/{escalated.id}/").content.decode()
    form = html[html.find('data-action-form="escalated_tracker"') :]
    assert f'value="{tracker.id}"' in form[: form.find("</form>")]
    assert f'value="{stranger.id}"' not in form[: form.find("</form>")]

    due = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    refused = client.post(url, {"tracker": stranger.id, "due_at": f"{due:%Y-%m-%dT%H:%M}"})
    assert refused.status_code == 400 and not EscalatedCase.objects.exists()
    assert login(world.legal).post(url, {"tracker": tracker.id, "due_at": f"{due:%Y-%m-%dT%H:%M}"}).status_code == 403
    answer = client.post(url, {"tracker": tracker.id, "due_at": f"{due:%Y-%m-%dT%H:%M}"})
    assert answer.status_code == 302 and answer.url.endswith("#escalated")
    case = EscalatedCase.objects.get(order=escalated)
    assert (case.tracker, case.due_at) == (tracker, due)
