"""The major complaint itself (R-MAJ-1, R-MAJ-5): opened when an order becomes major (at intake or by a flag
change, through tickets' life-cycle event), reported to the supervisor with everyone told at once, the
supervisor's 1 h opinion, the designated replier's reply."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from deadlines.clock_models import Clock, ClockKind
from escalation import services
from escalation.models import MajorComplaint
from notifications.models import Notification
from tests.factories import another_number, work_order_make
from tickets.services import TransitionRefused

from .conftest import criteria_ids, major_make

pytestmark = pytest.mark.django_db


def test_a_major_flag_at_intake_reports_to_the_store_manager_and_tells_everyone_at_once(
    world, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        major = major_make(world)

    assert (major.interface.code, major.supervisor, major.reported_by) == ("hall", world.store_manager, world.clerk)
    assert major.accepted_at == major.order.accepted_at
    told = Notification.objects.filter(kind="major_complaint")
    assert {n.recipient for n in told} == {world.store_manager, people.hall_admin, people.chief}
    assert all(n.urgent for n in told)  # R-MAJ-5 at once, outside quiet hours too (R-NT-2)
    assert major.order.timeline.filter(kind="major_reported").exists()


def test_a_dispatcher_classifies_an_unflagged_complaint_and_the_dispatch_clock_shortens(world, people, clocks):
    # given an ordinary complaint: 2 h to dispatch
    order = work_order_make(actor=world.clerk)
    dispatch = Clock.objects.get(order=order, kind=ClockKind.DISPATCH)
    assert dispatch.due_at - dispatch.started_at == __import__("datetime").timedelta(hours=2)

    # when the dispatcher classifies it as major with the checklist
    major = services.major_complaint_classify(order_id=order.id, actor=world.dispatcher, criterion_ids=criteria_ids())

    # then the order is flagged, its record open, the dispatch clock re-baselined to 30 min (R-CLK-RECALC)
    order.refresh_from_db(fields=["is_major"])
    assert order.is_major and major.criteria.count() == 2 and major.classified_by == world.dispatcher
    dispatch = Clock.objects.get(pk=dispatch.pk)
    assert dispatch.due_at - dispatch.started_at == __import__("datetime").timedelta(minutes=30)


def test_the_clerk_sets_the_checklist_of_a_complaint_flagged_at_intake(world, people):
    major = major_make(world)
    with pytest.raises(ValidationError) as refused:
        services.major_complaint_classify(order_id=major.order_id, actor=world.clerk, criterion_ids=[])
    assert "criterion_ids" in refused.value.message_dict
    major = services.major_complaint_classify(order_id=major.order_id, actor=world.clerk, criterion_ids=criteria_ids())
    assert major.criteria.count() == 2


def test_classification_refusals(world, people):
    with pytest.raises(PermissionDenied):  # legal holds no classify permission
        services.major_complaint_classify(
            order_id=major_make(world).order_id, actor=world.legal, criterion_ids=criteria_ids()
        )
    consultation = work_order_make(
        actor=world.clerk,
        order_type="consultation",
        call_reason_id=world.call_reason.id,
        accepted_number=another_number(),
    )
    with pytest.raises(ValidationError) as refused:
        services.major_complaint_classify(
            order_id=consultation.id, actor=world.dispatcher, criterion_ids=criteria_ids()
        )
    assert "order" in refused.value.message_dict
    assert not MajorComplaint.objects.filter(order=consultation).exists()


def test_the_supervisor_gives_the_opinion_once_and_designates_the_replier(world, people):
    major = major_make(world)
    with pytest.raises(PermissionDenied):
        services.major_complaint_opinion(major_id=major.id, actor=world.dispatcher, opinion="x")
    with pytest.raises(ValidationError):
        services.major_complaint_opinion(major_id=major.id, actor=world.store_manager, opinion=" ")
    major = services.major_complaint_opinion(
        major_id=major.id,
        actor=world.store_manager,
        opinion="先安抚，补偿方案报批。",
        plan="预处理方案",
        reply_script="应急口径",
    )
    assert major.opinion_at and major.replier == world.clerk  # the first-contact owner by default
    with pytest.raises(TransitionRefused):
        services.major_complaint_opinion(major_id=major.id, actor=world.store_manager, opinion="again")

    with pytest.raises(PermissionDenied):
        services.major_complaint_reply(major_id=major.id, actor=world.store_manager, content="已答复")
    major = services.major_complaint_reply(major_id=major.id, actor=world.clerk, content="已按口径答复客户。")
    assert major.replied_at
    assert {"major_opinion", "major_replied"} <= set(major.order.timeline.values_list("kind", flat=True))
