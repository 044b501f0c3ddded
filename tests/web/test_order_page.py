"""The order page (R-UI-1, R-NT-3, R-SEC-2): what it shows, the forms it offers to whom, and what happens
when a transition is posted — by someone allowed, someone not allowed, or at the wrong moment."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import DEPT_REPLY, fresh, work_order_at, work_order_make, work_order_walk
from tickets.models import NumberUnmaskAudit, OrderState, TimelineEntry

pytestmark = pytest.mark.django_db


def page(client, order) -> str:
    response = client.get(f"/orders/{order.id}/")
    assert response.status_code == 200
    return response.content.decode()


def post(client, order, name, data=None, **extra):
    return client.post(f"/orders/{order.id}/do/{name}/", {f"{name}-{k}": v for k, v in (data or {}).items()}, **extra)


def buttons(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-action-button="([^"]+)"', html))


def test_the_page_shows_the_order_with_the_number_masked(world, login):
    order = work_order_make(actor=world.clerk)
    html = page(login(world.clerk), order)
    assert order.number in html and 'data-state="accepted"' in html
    assert "138****5678" in html and "13812345678" not in html
    assert "信息安全 → 分销商充值卡/储值卡被盗用/遗失" in html
    assert 'data-timeline="created"' in html


def test_an_order_the_user_may_not_see_is_404(world, login):
    order = work_order_make(actor=world.clerk)
    assert login(world.clerk_north).get(f"/orders/{order.id}/").status_code == 404
    assert post(login(world.clerk_north), order, "contact").status_code == 404


def test_only_the_allowed_transitions_are_offered(world, login):
    order = work_order_make(actor=world.clerk)
    assert buttons(page(login(world.dispatcher), order)) >= {"dispatch", "contact", "attachment"}
    clerk_buttons = buttons(page(login(world.clerk), order))
    assert "dispatch" not in clerk_buttons and "claim" not in clerk_buttons
    assert "contact" in clerk_buttons


def test_a_transition_not_offered_is_refused_by_the_service_and_changes_nothing(world, login):
    # given: the front line may not dispatch
    order = work_order_make(actor=world.clerk)
    entries = TimelineEntry.objects.count()

    # when: the clerk posts a dispatch anyway
    response = post(login(world.clerk), order, "dispatch", {"unit": world.dept_billing.id})

    # then: 403, the page says why, nothing changed
    assert response.status_code == 403
    assert "data-refusal" in response.content.decode()
    assert "你无权在此工单上执行“dispatch”" in response.content.decode()
    assert fresh(order).state == OrderState.ACCEPTED
    assert TimelineEntry.objects.count() == entries


def test_a_transition_at_the_wrong_moment_is_409(world, login):
    order = work_order_make(actor=world.clerk)
    response = post(login(world.dispatcher), order, "claim")  # state is checked first (409), then role
    assert response.status_code == 409
    assert "不能执行“接单”" in response.content.decode()  # the transition by its name on the page (issue 8 §3)
    assert fresh(order).state == OrderState.ACCEPTED


def test_each_missing_part_of_the_department_reply_is_named(world, login):
    order = work_order_at(OrderState.PROCESSING, world=world)

    response = post(login(world.handler), order, "dept_reply", {"process": "已核实。"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "原因：请说明原因，或明确勾选原因不明。" in html
    assert "处理结果（目前使用情况）：回单必须包含此项。" in html
    assert "客户态度：回单必须包含此项。" in html
    assert "业务已恢复：请说明业务是否已恢复。" in html
    assert 'class="action is-failed"' in html
    assert fresh(order).state == OrderState.PROCESSING


def test_the_life_cycle_through_the_page(world, login):
    order = work_order_make(actor=world.clerk)
    dispatcher, handler, clerk = login(world.dispatcher), login(world.handler), login(world.clerk)
    due = timezone.localtime(timezone.now() + timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
    reply = {**DEPT_REPLY, "service_restored": "true", "is_final": "on"}

    steps = [
        (dispatcher, "dispatch", {"unit": world.dept_billing.id, "due_at": due}, OrderState.DISPATCHED),
        (handler, "claim", {}, OrderState.PROCESSING),
        (handler, "dept_reply", reply, OrderState.DEPT_REPLIED),
        (dispatcher, "return_reply", {"reason": "原因不够详细。"}, OrderState.PROCESSING),
        (handler, "dept_reply", reply, OrderState.DEPT_REPLIED),
        (dispatcher, "approve_reply", {}, OrderState.REPLY_APPROVED),
        (clerk, "reply_customer", {"method": "phone", "process": "已核实。", "content": "已补足金额。",
                                   "satisfaction": "satisfied"}, OrderState.CUSTOMER_REPLIED),
        (dispatcher, "callback", {"outcome": "satisfied"}, OrderState.CALLBACK_DONE),
        (dispatcher, "close", {"reason": "已解决"}, OrderState.CLOSED),
    ]  # fmt: skip
    for client, name, data, state in steps:
        response = post(client, order, name, data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert fresh(order).state == state, name
    order = fresh(order)
    assert timezone.localtime(order.handling_due_at).strftime("%Y-%m-%dT%H:%M") == due  # the dispatcher's deadline
    assert buttons(page(dispatcher, order)) == {"attachment"}  # evidence may still arrive; nothing else


def test_unsatisfied_callback_needs_the_analysis(world, login):
    order = work_order_at(OrderState.CUSTOMER_REPLIED, world=world)
    response = post(login(world.dispatcher), order, "callback", {"outcome": "unsatisfied"})
    assert response.status_code == 400
    assert "客户诉求是否不合理？：请分析不满意原因" in response.content.decode()


def test_repeat_complaint_reply_starts_from_the_previous_wording(world, login):
    previous = work_order_at(OrderState.CLOSED, world=world, accepted_number="13900003333")  # R-SP-1: same number
    order = work_order_make(
        actor=world.clerk, accepted_number="13900003333", is_repeat=True, previous_order_id=previous.id,
        repeat_reason="对补偿金额不满意",
    )  # fmt: skip
    order = work_order_walk(order, to=OrderState.REPLY_APPROVED, world=world)

    html = page(login(world.clerk), order)

    assert "data-reply-voice" in html
    assert "已为您补足被盗金额，请妥善保管卡密。" in html  # tests/factories.py FINAL_REPLY content


def test_written_reply_needs_three_approvals_then_is_sent(world, login):
    order = work_order_at(OrderState.REPLY_APPROVED, world=world)
    clerk = login(world.clerk)
    draft = {"method": "written", "process": "核实充值记录。", "content": "书面答复：已补足金额。"}
    assert post(clerk, order, "reply_draft", draft).status_code == 302
    draft_id = order.final_replies.get().id

    html = page(clerk, order)
    assert "data-approvals" in html and "reply_send" not in buttons(html)
    # the front line holds none of the three approvals
    assert not {"approve-professional", "approve-legal", "approve-manager"} & buttons(html)

    for user, kind in ((world.handler, "professional"), (world.legal, "legal"), (world.dispatcher, "manager")):
        client = login(user)
        assert f"approve-{kind}" in buttons(page(client, order))
        response = post(client, order, "final_approval", {"draft": draft_id, "kind": kind})
        assert response.status_code == 302, response.content.decode()[:1500]

    assert "reply_send" in buttons(page(clerk, order))
    assert post(clerk, order, "reply_send", {"draft": draft_id, "satisfaction": "satisfied"}).status_code == 302
    assert fresh(order).state == OrderState.CUSTOMER_REPLIED


def test_an_approval_without_its_permission_is_refused(world, login):
    order = work_order_at(OrderState.REPLY_APPROVED, world=world)
    post(login(world.clerk), order, "reply_draft", {"method": "email", "process": "核实。", "content": "邮件答复。"})
    draft_id = order.final_replies.get().id

    response = post(login(world.clerk), order, "final_approval", {"draft": draft_id, "kind": "legal"})

    assert response.status_code == 403
    assert not order.final_replies.get().approvals.exists()


def test_extension_request_and_decision(world, login):
    order = work_order_at(OrderState.PROCESSING, world=world)
    later = timezone.localtime(fresh(order).handling_due_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    handler, dispatcher = login(world.handler), login(world.dispatcher)

    assert "extension_request" in buttons(page(handler, order))
    response = post(handler, order, "extension_request", {"progress": "已联系厂家。", "reason": "等待备件。",
                                                          "requested_due_at": later})  # fmt: skip
    assert response.status_code == 302
    request = order.extension_requests.get()
    assert "extension_approve" in buttons(page(dispatcher, order))
    assert "extension_approve" not in buttons(page(handler, order))

    response = post(dispatcher, order, "extension_decide", {"extension": request.id, "approve": "1"})

    assert response.status_code == 302
    assert timezone.localtime(fresh(order).handling_due_at).strftime("%Y-%m-%dT%H:%M") == later
    assert order.extension_requests.get().status == "approved"


def extension_toggle(html: str) -> str:
    """The <details> opening tag that holds the extension request form (issue 13 §7)."""
    import re

    found = re.search(r'<details class="secondary" data-secondary="extension_request"[^>]*>', html)
    assert found, "the extension request is not behind a button"
    return found.group(0)


def test_the_extension_request_is_behind_a_button_and_opens_again_when_refused(world, login):
    # given: a handler's order in processing, whose page offers the extension request as a secondary action
    order = work_order_at(OrderState.PROCESSING, world=world)
    handler = login(world.handler)
    html = page(handler, order)
    toggle = extension_toggle(html)
    assert " open" not in toggle  # folded: the department reply (the step due now) is what stands out
    folded = html[html.index(toggle) :]
    assert folded.index('data-open-form="extension_request"') < folded.index('data-action-button="extension_request"')
    assert folded.index('data-action-button="extension_request"') < folded.index("</details>")

    # when: the request is sent without its reason
    response = post(handler, order, "extension_request", {"progress": "已联系厂家。"})

    # then: refused, nothing saved, and the form is shown open with its error at the field and the text kept
    assert response.status_code == 400
    html = response.content.decode()
    assert " open" in extension_toggle(html)
    section = html[html.index('id="action-extension_request"') :]
    section = section[: section.index("</section>")]
    assert "已联系厂家。" in section and 'data-field="extension_request-reason"' in section
    assert "has-error" in section.split('data-field="extension_request-reason"')[0].rsplit("<div", 1)[1]
    assert not order.extension_requests.exists()
    # the other secondary actions stay folded
    assert (
        '<details class="secondary" open><summary class="button button--quiet button--small" data-open-form="contact"'
        not in html
    )


def test_contacts_are_logged(world, login):
    order = work_order_make(actor=world.clerk)
    client = login(world.clerk)

    missing = post(client, order, "contact", {"direction": "outbound", "channel": "phone", "reached": "true"})
    logged = post(client, order, "contact", {"direction": "outbound", "channel": "phone", "reached": "false",
                                             "summary": "客户关机。"})  # fmt: skip

    assert missing.status_code == 400 and "摘要：请填写沟通摘要。" in missing.content.decode()
    assert logged.status_code == 302 and logged["Location"].endswith("#contacts")
    assert "客户关机。" in page(client, order)


def test_attachments_are_uploaded_and_downloaded_by_those_who_see_the_order(world, login):
    order = work_order_make(actor=world.clerk)
    client = login(world.clerk)

    refused = post(client, order, "attachment", {"file": SimpleUploadedFile("x.exe", b"MZ"), "kind": "other"})
    added = post(client, order, "attachment", {"file": SimpleUploadedFile("bill.pdf", b"%PDF"), "kind": "bill"})

    assert refused.status_code == 400 and "不接受“.exe”类型的文件" in refused.content.decode()
    assert added.status_code == 302
    attachment = order.attachments.get()
    url = f"/orders/{order.id}/attachments/{attachment.id}/"
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF"
    assert login(world.clerk_north).get(url).status_code == 404


def test_show_number_is_for_permitted_users_and_audited(world, login):
    order = work_order_make(actor=world.clerk)
    assert "data-unmask" not in page(login(world.clerk), order)
    assert login(world.clerk).post(f"/orders/{order.id}/unmask/", {"reason": "好奇"}).status_code == 403

    dispatcher = login(world.dispatcher)
    assert "data-unmask" in page(dispatcher, order)
    response = dispatcher.post(f"/orders/{order.id}/unmask/", {"reason": "回访核实"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "13812345678" in response.content.decode()
    assert NumberUnmaskAudit.objects.filter(order=order, user=world.dispatcher, granted=True).count() == 1
    assert NumberUnmaskAudit.objects.filter(order=order, user=world.clerk, granted=False).count() == 1


def test_every_clock_is_shown_separately_with_its_countdown(world, login, clocks):
    order = work_order_at(OrderState.DISPATCHED, world=world)
    live = order.clocks.filter(state__in=["running", "overdue"])

    html = page(login(world.clerk), order)
    partial = login(world.clerk).get(f"/orders/{order.id}/clocks/", HTTP_HX_REQUEST="true").content.decode()

    assert live.count() >= 2  # handling and 48 h feedback at least
    for text in (html, partial):
        assert text.count("data-countdown=") == live.count()
        for clock in live:
            assert f'data-clock="{clock.kind}"' in text
    assert 'hx-trigger="every 60s"' in partial
    assert "剩余" in html
    assert 'data-clock-state="met"' in html  # the dispatch clock stopped in time, shown muted


def test_an_overdue_clock_says_by_how_much(world, login, clocks):
    order = work_order_at(OrderState.DISPATCHED, world=world)
    order.clocks.filter(kind="handle").update(
        due_at=timezone.now() - timedelta(hours=2, minutes=5), state="overdue", breached_at=timezone.now()
    )

    html = page(login(world.clerk), order)

    assert "clock--overdue" in html
    assert "超时 2 小时 5 分" in html or "超时 2 小时 4 分" in html


def test_unsatisfied_callback_then_redispatch_starts_a_new_cycle(world, login):
    order = work_order_at(OrderState.CUSTOMER_REPLIED, world=world)
    dispatcher = login(world.dispatcher)
    callback = {"outcome": "unsatisfied", "customer_unreasonable": "false", "note": "客户仍不满意。"}
    assert post(dispatcher, order, "callback", callback).status_code == 302

    assert {"close", "redispatch"} <= buttons(page(dispatcher, order))
    response = post(dispatcher, order, "redispatch", {"unit": world.dept_network.id, "reason": "需网络部复核。"})

    order = fresh(order)
    assert response.status_code == 302
    assert (order.state, order.cycle, order.handling_unit) == (OrderState.DISPATCHED, 2, world.dept_network)
