"""The content rules of the life cycle: department reply (R-FL-2), final reply and its approvals (R-FL-4),
the unreachable customer (R-FL-5), the callback (R-FL-6) and contacts (R-FL-1)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import (
    DEPT_REPLY,
    FINAL_REPLY,
    STANDARD_NUMBER,
    UserFactory,
    fresh,
    work_order_at,
    work_order_make,
    work_order_walk,
)
from tickets import services
from tickets.models import Callback, Contact, DepartmentReply, FinalReply, FinalReplyApproval, OrderState

pytestmark = pytest.mark.django_db

S = OrderState
SHANGHAI = ZoneInfo("Asia/Shanghai")
PART_MISSING = "This part of the department reply is required (R-FL-2)."


def refused(call, order) -> dict:
    """Run a service call that must be refused with field errors; check the order did not move."""
    state, entries = fresh(order).state, order.timeline.count()
    with pytest.raises(ValidationError) as exc:
        call()
    assert (fresh(order).state, order.timeline.count()) == (state, entries)
    return exc.value.message_dict


# --- R-FL-2 department reply ---------------------------------------------------------------------------
def test_department_reply_names_every_missing_part(world):
    order = work_order_at(S.PROCESSING, world=world)

    errors = refused(
        lambda: services.work_order_dept_reply(
            order_id=order.id, actor=world.handler, cause="", process=" ", result="", customer_attitude=""
        ),
        order,
    )

    assert errors == {
        "cause": ["State the cause, or mark it explicitly as unknown."],
        "process": [PART_MISSING],
        "result": [PART_MISSING],
        "customer_attitude": [PART_MISSING],
        "service_restored": ["Say whether service is restored."],
    }
    assert not DepartmentReply.objects.exists()


@pytest.mark.parametrize("part", ["cause", "process", "result", "customer_attitude"])
def test_each_missing_part_alone_is_refused(world, part):
    order = work_order_at(S.PROCESSING, world=world)
    errors = refused(
        lambda: services.work_order_dept_reply(order_id=order.id, actor=world.handler, **{**DEPT_REPLY, part: ""}),
        order,
    )
    assert list(errors) == [part]


def test_cause_unknown_is_accepted_instead_of_a_cause(world):
    order = work_order_at(S.PROCESSING, world=world)

    reply = services.work_order_dept_reply(
        order_id=order.id, actor=world.handler, **{**DEPT_REPLY, "cause": ""}, cause_unknown=True
    )

    assert reply.cause_unknown
    assert fresh(order).state == S.DEPT_REPLIED


def test_collective_problem_also_needs_measures_recovery_time_and_coordinator(world):
    order = work_order_at(S.PROCESSING, world=world, is_collective=True)

    errors = refused(
        lambda: services.work_order_dept_reply(order_id=order.id, actor=world.handler, **DEPT_REPLY), order
    )
    assert errors == {
        "measures": [PART_MISSING],
        "expected_recovery_at": [PART_MISSING],
        "coordinating_unit": [PART_MISSING],
    }

    errors = refused(
        lambda: services.work_order_dept_reply(
            order_id=order.id, actor=world.handler, **DEPT_REPLY, measures="扩容基站",
            expected_recovery_at=timezone.now() + timedelta(days=2), coordinating_unit_id=999_999,
        ),
        order,
    )  # fmt: skip
    assert list(errors) == ["coordinating_unit"]

    reply = services.work_order_dept_reply(
        order_id=order.id, actor=world.handler, **DEPT_REPLY, measures="扩容基站",
        expected_recovery_at=timezone.now() + timedelta(days=2), coordinating_unit_id=world.dept_network.id,
    )  # fmt: skip
    assert reply.coordinating_unit == world.dept_network
    assert fresh(order).state == S.DEPT_REPLIED


def test_ordinary_problem_does_not_need_the_collective_parts(world):
    order = work_order_at(S.PROCESSING, world=world)
    services.work_order_dept_reply(order_id=order.id, actor=world.handler, **DEPT_REPLY)
    assert fresh(order).state == S.DEPT_REPLIED


def test_a_coordinating_unit_that_does_not_exist_is_refused_on_any_order(world):
    # Before: checked only on collective orders, so the foreign key failed at commit (a 500 on PostgreSQL).
    order = work_order_at(S.PROCESSING, world=world)

    errors = refused(
        lambda: services.work_order_dept_reply(
            order_id=order.id, actor=world.handler, **DEPT_REPLY, coordinating_unit_id=999_999
        ),
        order,
    )

    assert list(errors) == ["coordinating_unit"]
    assert not DepartmentReply.objects.filter(order=order).exists()


# --- R-FL-4 final reply: five elements ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("missing", "field"),
    [("process", "process"), ("content", "content"), ("satisfaction", "satisfaction"), ("method", "method")],
)
def test_final_reply_needs_its_five_elements(world, missing, field):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    values = {**FINAL_REPLY, missing: "bogus" if missing == "method" else ""}

    errors = refused(lambda: services.work_order_reply_customer(order_id=order.id, actor=world.clerk, **values), order)

    assert list(errors) == [field]
    assert not FinalReply.objects.exists()


def test_final_reply_records_replier_and_reply_time(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    earlier = timezone.now() - timedelta(hours=1)

    reply = services.work_order_reply_customer(order_id=order.id, actor=world.clerk, **FINAL_REPLY, replied_at=earlier)

    assert (reply.replier, reply.replied_at, reply.cycle) == (world.clerk, earlier, 1)
    assert reply.sent_at is not None
    assert fresh(order).state == S.CUSTOMER_REPLIED


def test_final_reply_time_cannot_be_in_the_future(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    errors = refused(
        lambda: services.work_order_reply_customer(
            order_id=order.id, actor=world.clerk, **FINAL_REPLY, replied_at=timezone.now() + timedelta(hours=1)
        ),
        order,
    )
    assert list(errors) == ["replied_at"]


# --- R-FL-4 written / email replies: a draft with three approvals --------------------------------------------
def draft(order, world, method="written"):
    return services.final_reply_draft_create(
        order_id=order.id, actor=world.dispatcher, method=method, process="核实并补偿", content="尊敬的客户：……"
    )


@pytest.mark.parametrize("method", ["written", "email"])
def test_written_reply_is_sent_only_after_professional_legal_and_manager_approval(world, method):
    # given
    order = work_order_at(S.REPLY_APPROVED, world=world)
    reply = draft(order, world, method)

    # when: sent without approvals → refused, naming all three
    errors = refused(
        lambda: services.work_order_reply_customer(
            order_id=order.id, actor=world.dispatcher, method=method, draft_id=reply.id, satisfaction="satisfied"
        ),
        order,
    )
    assert list(errors) == ["approvals"]
    assert (
        "专业部门" in errors["approvals"][0] and "法律室" in errors["approvals"][0] and "经理" in errors["approvals"][0]
    )

    # each approval is given by someone holding its permission
    services.final_reply_approve(reply_id=reply.id, actor=world.handler, kind="professional")
    services.final_reply_approve(reply_id=reply.id, actor=world.legal, kind="legal")
    errors = refused(
        lambda: services.work_order_reply_customer(
            order_id=order.id, actor=world.dispatcher, method=method, draft_id=reply.id, satisfaction="satisfied"
        ),
        order,
    )
    assert errors == {"approvals": ["Approvals still missing: Manager (经理)."]}
    services.final_reply_approve(reply_id=reply.id, actor=world.store_manager, kind="manager")

    sent = services.work_order_reply_customer(
        order_id=order.id, actor=world.dispatcher, method=method, draft_id=reply.id, satisfaction="basically_satisfied"
    )

    # then
    assert sent.pk == reply.pk
    assert sent.sent_at is not None
    assert sent.satisfaction == "basically_satisfied"
    assert fresh(order).state == S.CUSTOMER_REPLIED
    assert order.timeline.filter(kind="final_reply_approved").count() == 3
    assert FinalReply.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("handler", "legal"),
        ("handler", "manager"),
        ("legal", "professional"),
        ("dispatcher", "legal"),
        ("clerk", "manager"),
    ],
)
def test_each_approval_needs_its_own_permission(world, who, kind):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    reply = draft(order, world)

    with pytest.raises(PermissionDenied):
        services.final_reply_approve(reply_id=reply.id, actor=getattr(world, who), kind=kind)
    assert not FinalReplyApproval.objects.exists()


def test_each_approval_is_given_once(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    reply = draft(order, world)
    services.final_reply_approve(reply_id=reply.id, actor=world.legal, kind="legal")
    other_lawyer = UserFactory(roles=["legal"], units=[world.dept_legal])

    with pytest.raises(services.TransitionRefused) as exc:
        services.final_reply_approve(reply_id=reply.id, actor=other_lawyer, kind="legal")

    assert exc.value.detail == "Approve the final reply: This approval has already been given."
    assert reply.approvals.count() == 1


def test_unknown_approval_kind_is_a_field_error(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    reply = draft(order, world)
    with pytest.raises(ValidationError) as exc:
        services.final_reply_approve(reply_id=reply.id, actor=world.dispatcher, kind="ceo")
    assert list(exc.value.message_dict) == ["kind"]


def test_written_reply_without_a_draft_is_refused(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    errors = refused(
        lambda: services.work_order_reply_customer(
            order_id=order.id, actor=world.dispatcher, method="written", satisfaction="satisfied"
        ),
        order,
    )
    assert list(errors) == ["draft_id"]


def test_only_written_and_email_replies_are_drafted(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    with pytest.raises(ValidationError) as exc:
        draft(order, world, method="phone")
    assert list(exc.value.message_dict) == ["method"]
    assert not FinalReply.objects.exists()


def test_draft_is_only_possible_once_the_department_reply_is_approved(world):
    order = work_order_at(S.DEPT_REPLIED, world=world)
    with pytest.raises(services.TransitionRefused):
        draft(order, world)


def test_sent_reply_can_no_longer_be_approved(world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    reply = draft(order, world)
    for actor, kind in ((world.handler, "professional"), (world.legal, "legal")):
        services.final_reply_approve(reply_id=reply.id, actor=actor, kind=kind)
    services.final_reply_approve(reply_id=reply.id, actor=world.dispatcher, kind="manager")
    services.work_order_reply_customer(
        order_id=order.id, actor=world.dispatcher, method="written", draft_id=reply.id, satisfaction="satisfied"
    )

    with pytest.raises(services.TransitionRefused):
        services.final_reply_approve(reply_id=reply.id, actor=world.store_manager, kind="manager")


# --- R-FL-5 unreachable customer ----------------------------------------------------------------------------
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
UNREACHABLE = {"method": "unreachable", "process": "多次致电客户均关机", "content": "已短信告知处理结果"}


def order_with_failed_attempts(world, hours_after_t0: list[float], accepted_number=STANDARD_NUMBER, **contact):
    """An order whose department reply is approved at T0, then failed outbound calls at the given hours."""
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        order = work_order_at(S.REPLY_APPROVED, world=world, accepted_number=accepted_number)
    last = max(hours_after_t0, default=0)
    with time_machine.travel(T0 + timedelta(hours=last, minutes=5), tick=False):
        for hours in hours_after_t0:
            services.contact_log(
                order_id=order.id, actor=world.clerk, direction=contact.get("direction", "outbound"), channel="phone",
                reached=contact.get("reached", False), summary="关机", occurred_at=T0 + timedelta(hours=hours),
            )  # fmt: skip
    return order


def reply_unreachable(order, world, at_hours: float):
    with time_machine.travel(T0 + timedelta(hours=at_hours), tick=False):
        return services.work_order_reply_customer(order_id=order.id, actor=world.clerk, **UNREACHABLE)


def test_unreachable_is_accepted_after_three_more_attempts_three_hours_apart(world):
    order = order_with_failed_attempts(world, [0, 3, 6, 9])

    reply = reply_unreachable(order, world, 10)

    assert reply.method == "unreachable"
    assert reply.satisfaction == ""  # satisfaction cannot be asked of an unreachable customer
    assert fresh(order).state == S.CUSTOMER_REPLIED


@pytest.mark.parametrize(
    ("hours", "still_missing"),
    [
        ([], 3),
        ([0], 3),  # the first failure alone
        ([0, 3, 6], 1),  # only two more
        ([0, 1, 2, 2.9], 3),  # too close together: none is 3 h after the first
        ([0, 1, 3, 4, 5], 2),  # only 0 → 3 counts; 4 and 5 are too close to 3
        ([0, 20, 40, 50], 1),  # the fourth attempt falls outside the 48 h window
    ],
)
def test_unreachable_is_refused_until_the_attempts_are_made(world, hours, still_missing):
    order = order_with_failed_attempts(world, hours)

    with pytest.raises(ValidationError) as exc:
        reply_unreachable(order, world, max(hours, default=0) + 1)

    assert list(exc.value.message_dict) == ["method"]
    assert f"{still_missing} still missing" in exc.value.message_dict["method"][0]
    assert fresh(order).state == S.REPLY_APPROVED
    assert not FinalReply.objects.exists()


@pytest.mark.parametrize("contact", [{"reached": True}, {"direction": "inbound"}])
def test_only_failed_outbound_attempts_count(world, contact):
    order = order_with_failed_attempts(world, [0, 3, 6, 9], **contact)
    with pytest.raises(ValidationError):
        reply_unreachable(order, world, 10)


def test_attempts_before_the_dispatch_do_not_count(world):
    # given: four spaced failed calls logged while the order was still waiting for dispatch
    with time_machine.travel(T0 - timedelta(hours=20), tick=False):
        order = work_order_make(actor=world.clerk)
        for hours in (30, 27, 24, 21):
            services.contact_log(
                order_id=order.id, actor=world.clerk, direction="outbound", channel="phone", reached=False,
                summary="关机", occurred_at=T0 - timedelta(hours=hours),
            )  # fmt: skip
    with time_machine.travel(T0, tick=False):
        order = work_order_walk(order, to=S.REPLY_APPROVED, world=world)

    # when / then
    with pytest.raises(ValidationError) as exc:
        reply_unreachable(order, world, 1)
    assert "3 still missing" in exc.value.message_dict["method"][0]


# --- R-FL-6 callback ------------------------------------------------------------------------------------------
def test_one_callback_per_cycle(world):
    order = work_order_at(S.CALLBACK_DONE, world=world)

    with pytest.raises(services.TransitionRefused):
        services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome="satisfied")

    assert Callback.objects.filter(order=order).count() == 1


def test_unsatisfied_callback_needs_the_analysis(world):
    order = work_order_at(S.CUSTOMER_REPLIED, world=world)

    errors = refused(
        lambda: services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome="unsatisfied"), order
    )

    assert errors == {"customer_unreasonable": ["Analyse the dissatisfaction: is the customer's demand unreasonable?"]}
    assert not Callback.objects.exists()


def test_callback_outcome_must_be_known(world):
    order = work_order_at(S.CUSTOMER_REPLIED, world=world)
    errors = refused(
        lambda: services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome="happy"), order
    )
    assert list(errors) == ["outcome"]


@pytest.mark.parametrize("outcome", ["satisfied", "basically_satisfied", "unreachable"])
def test_callback_results_that_need_no_analysis(world, outcome):
    order = work_order_at(S.CUSTOMER_REPLIED, world=world)
    callback = services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome=outcome)
    assert (callback.cycle, callback.outcome, callback.by) == (1, outcome, world.dispatcher)
    assert fresh(order).state == S.CALLBACK_DONE


# --- R-FL-1 contacts ------------------------------------------------------------------------------------------
def test_contact_is_logged_with_its_time_and_on_the_timeline(world):
    order = work_order_at(S.PROCESSING, world=world)
    occurred = timezone.now() - timedelta(hours=2)

    contact = services.contact_log(
        order_id=order.id, actor=world.handler, direction="outbound", channel="phone", reached=True,
        summary="  告知客户处理进度 ", occurred_at=occurred,
    )  # fmt: skip

    assert (contact.summary, contact.occurred_at, contact.recorded_by) == ("告知客户处理进度", occurred, world.handler)
    entry = order.timeline.get(kind="contact")
    assert entry.data["reached"] is True
    assert fresh(order).state == S.PROCESSING  # a contact is not a transition


def test_contact_in_the_future_or_without_summary_is_refused(world):
    order = work_order_at(S.PROCESSING, world=world)
    with pytest.raises(ValidationError) as exc:
        services.contact_log(
            order_id=order.id, actor=world.handler, direction="sideways", channel="phone", reached=True, summary="",
            occurred_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"direction", "summary", "occurred_at"}
    assert not Contact.objects.exists()


def test_no_contact_on_a_closed_order(world):
    order = work_order_at(S.CLOSED, world=world)
    with pytest.raises(services.TransitionRefused):
        services.contact_log(
            order_id=order.id,
            actor=world.dispatcher,
            direction="inbound",
            channel="phone",
            reached=True,
            summary="催办",
        )
    assert not Contact.objects.exists()


def test_contact_needs_the_role(world):
    order = work_order_at(S.PROCESSING, world=world)
    inspector = UserFactory(roles=["qa_inspector"], units=[world.branch])
    with pytest.raises(PermissionDenied):
        services.contact_log(
            order_id=order.id, actor=inspector, direction="inbound", channel="phone", reached=True, summary="x"
        )


def test_dept_reply_is_stored_with_its_cycle_and_author(world):
    order = work_order_at(S.DEPT_REPLIED, world=world)
    reply = order.department_replies.get()
    assert (reply.cycle, reply.author, reply.status, reply.cause) == (
        1,
        world.handler,
        "submitted",
        DEPT_REPLY["cause"],
    )
