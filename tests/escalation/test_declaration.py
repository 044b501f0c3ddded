"""The declaration (申告表) machine: every transition allowed and refused, by state (409) and by role × interface
and the person fixed for the step (403); submission without each opinion (R-MAJ-3); rounds and returns
(R-MAJ-4); an interface edited mid-review (issue 9 §1)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escalation import services
from escalation.models import DeclarationState as S
from escalation.models import Interface
from tests.factories import UserFactory, another_number, work_order_make
from tickets.services import TransitionRefused

from .conftest import CONTENT, criteria_ids, declaration_make, major_make, opinions_give

pytestmark = pytest.mark.django_db


def at(declaration_id):
    from escalation.models import Declaration

    return Declaration.objects.get(pk=declaration_id)


def submitted(world, people, **kw):
    declaration = declaration_make(world, **kw)
    opinions_give(world, declaration)
    return services.declaration_submit(declaration_id=declaration.id, actor=world.clerk)


def test_the_whole_way_through_the_hall_interface_to_the_chief(world, people):
    # given a hall complaint flagged major, drafted, with both opinions
    declaration = declaration_make(world)
    assert declaration.state == S.DRAFT and declaration.interface.code == "hall"
    opinions_give(world, declaration)

    # when it goes through every step
    d = services.declaration_submit(declaration_id=declaration.id, actor=world.clerk)
    assert (d.state, d.reviewer) == (S.SUBMITTED, world.store_manager)
    d = services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    assert (d.state, d.interface_admin) == (S.APPROVED, people.hall_admin)
    d = services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    assert d.state == S.ACCEPTED
    d = services.declaration_refer(declaration_id=d.id, actor=people.hall_admin, reason="界面无法协调集团资源。")
    assert (d.state, d.chief) == (S.REFERRED, people.chief)
    d = services.declaration_resolve(declaration_id=d.id, actor=people.chief, resolution="总管协调补偿，客户接受。")
    assert (d.state, d.resolved_step) == (S.RESOLVED, "chief")
    d = services.declaration_close(declaration_id=d.id, actor=people.chief)

    # then it is closed, every step on the order's timeline (R-AUD-1), decisions on the round
    assert d.state == S.CLOSED
    kinds = list(d.major.order.timeline.values_list("kind", flat=True))
    for kind in ("major_reported", "declaration_created", "declaration_opinion_support", "declaration_opinion_legal",
                 "declaration_submitted", "declaration_approved", "declaration_accepted", "declaration_referred",
                 "declaration_resolved", "declaration_closed"):  # fmt: skip
        assert kind in kinds
    decisions = list(d.decisions.values_list("decision", flat=True))
    assert decisions == ["submit", "approve", "accept", "refer", "resolve", "close"]


def test_resolved_at_the_interface_is_closed_by_its_admin(world, people):
    d = submitted(world, people)
    services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    d = services.declaration_resolve(declaration_id=d.id, actor=people.hall_admin, resolution="界面解决。")
    assert d.resolved_step == "interface"
    with pytest.raises(PermissionDenied):
        services.declaration_close(declaration_id=d.id, actor=people.chief)
    assert services.declaration_close(declaration_id=d.id, actor=people.hall_admin).state == S.CLOSED


@pytest.mark.parametrize("missing", ["support", "legal", "both"])
def test_submit_is_refused_naming_each_missing_opinion(world, people, missing):
    declaration = declaration_make(world)
    if missing not in ("support", "both"):
        services.declaration_opinion_give(
            declaration_id=declaration.id, actor=world.handler, kind="support", text="意见"
        )
    if missing not in ("legal", "both"):
        services.declaration_opinion_give(declaration_id=declaration.id, actor=world.legal, kind="legal", text="意见")

    with pytest.raises(ValidationError) as refused:
        services.declaration_submit(declaration_id=declaration.id, actor=world.clerk)

    expected = {
        "support": {"support_opinion"},
        "legal": {"legal_opinion"},
        "both": {"support_opinion", "legal_opinion"},
    }
    assert set(refused.value.message_dict) == expected[missing]
    assert at(declaration.id).state == S.DRAFT


def test_submit_names_every_missing_part_of_the_form(world, people):
    declaration = declaration_make(world, problem="", cause_trace=" ")
    opinions_give(world, declaration)
    with pytest.raises(ValidationError) as refused:
        services.declaration_submit(declaration_id=declaration.id, actor=world.clerk)
    assert set(refused.value.message_dict) == {"problem", "cause_trace"}


def test_a_declaration_needs_a_ticked_criterion(world, people):
    with pytest.raises(ValidationError) as refused:
        services.declaration_update(declaration_id=declaration_make(world).id, actor=world.clerk, criterion_ids=[])
    assert "criterion_ids" in refused.value.message_dict


def test_return_then_resubmit_unchanged_keeps_the_opinions_and_goes_back_to_the_same_reviewer(world, people):
    d = submitted(world, people)
    with pytest.raises(ValidationError) as refused:
        services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason=" ")
    assert "reason" in refused.value.message_dict

    d = services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="请补充沟通记录。")
    assert (d.state, d.round_number, d.returned_from) == (S.RETURNED, 2, "review")
    first = d.rounds.get(number=1)
    assert first.closed_at and first.return_reason == "请补充沟通记录。" and first.returned_by == world.store_manager

    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)  # nothing changed: opinions still count
    assert (d.state, d.reviewer) == (S.SUBMITTED, world.store_manager)
    assert d.opinions.filter(round__number=1).count() == 2 and d.opinions.filter(round__number=2).count() == 0


def test_a_changed_declaration_needs_fresh_opinions_and_the_old_ones_stay_on_record(world, people):
    d = submitted(world, people)
    d = services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="请补充沟通记录。")
    services.declaration_update(
        declaration_id=d.id, actor=world.clerk, communication=CONTENT["communication"] + "第四次沟通。"
    )

    with pytest.raises(ValidationError) as refused:
        services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    assert set(refused.value.message_dict) == {"support_opinion", "legal_opinion"}

    opinions_give(world, d)
    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    assert d.state == S.SUBMITTED
    assert d.opinions.filter(round__number=1).count() == 2  # the earlier round's opinions stay with it
    assert d.opinions.filter(round__number=2).count() == 2


def test_resubmission_goes_back_to_the_step_that_returned_it(world, people):
    d = submitted(world, people)
    services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    d = services.declaration_return(declaration_id=d.id, actor=people.hall_admin, reason="溯源不清。")
    assert d.returned_from == "interface"
    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    assert (d.state, d.interface_admin) == (S.APPROVED, people.hall_admin)

    services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    services.declaration_refer(declaration_id=d.id, actor=people.hall_admin, reason="界面无法解决。")
    d = services.declaration_return(declaration_id=d.id, actor=people.chief, reason="请补充金额。")
    assert services.declaration_submit(declaration_id=d.id, actor=world.clerk).state == S.REFERRED


# --- refused by state: 409 ----------------------------------------------------------------------------------
def _in_state(world, people, state):
    d = declaration_make(world)
    if state == S.DRAFT:
        return d
    opinions_give(world, d)
    d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    if state == S.SUBMITTED:
        return d
    d = services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    if state == S.APPROVED:
        return d
    d = services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)
    if state == S.ACCEPTED:
        return d
    d = services.declaration_refer(declaration_id=d.id, actor=people.hall_admin, reason="转总管")
    if state == S.REFERRED:
        return d
    d = services.declaration_resolve(declaration_id=d.id, actor=people.chief, resolution="已解决")
    if state == S.RESOLVED:
        return d
    return services.declaration_close(declaration_id=d.id, actor=people.chief)


ALLOWED_FROM = {
    "submit": {S.DRAFT, S.RETURNED},
    "approve": {S.SUBMITTED},
    "return": {S.SUBMITTED, S.APPROVED, S.ACCEPTED, S.REFERRED},
    "accept": {S.APPROVED},
    "refer": {S.ACCEPTED},
    "resolve": {S.ACCEPTED, S.REFERRED},
    "close": {S.RESOLVED},
    "opinion": {S.DRAFT, S.RETURNED},
    "edit": {S.DRAFT, S.RETURNED},
}


def _attempt(name, d, world, people):
    holder = {S.SUBMITTED: world.store_manager, S.APPROVED: people.hall_admin, S.ACCEPTED: people.hall_admin,
              S.REFERRED: people.chief, S.RESOLVED: people.chief}.get(d.state, world.clerk)  # fmt: skip
    calls = {
        "submit": lambda: services.declaration_submit(declaration_id=d.id, actor=world.clerk),
        "approve": lambda: services.declaration_approve(declaration_id=d.id, actor=world.store_manager),
        "return": lambda: services.declaration_return(declaration_id=d.id, actor=holder, reason="退回"),
        "accept": lambda: services.declaration_accept(declaration_id=d.id, actor=people.hall_admin),
        "refer": lambda: services.declaration_refer(declaration_id=d.id, actor=people.hall_admin, reason="转"),
        "resolve": lambda: services.declaration_resolve(declaration_id=d.id, actor=holder, resolution="解决"),
        "close": lambda: services.declaration_close(declaration_id=d.id, actor=holder),
        "opinion": lambda: services.declaration_opinion_give(
            declaration_id=d.id, actor=world.legal, kind="legal", text="意见"
        ),
        "edit": lambda: services.declaration_update(declaration_id=d.id, actor=world.clerk, problem="新的问题描述"),
    }
    return calls[name]()


@pytest.mark.parametrize(
    ("name", "state"),
    [(name, state) for name, allowed in ALLOWED_FROM.items()
     for state in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.ACCEPTED, S.REFERRED, S.RESOLVED, S.CLOSED)
     if state not in allowed],
)  # fmt: skip
def test_refused_by_state_changes_nothing(world, people, name, state):
    d = _in_state(world, people, state)
    before = (at(d.id).state, d.decisions.count(), d.opinions.count())
    with pytest.raises(TransitionRefused):
        _attempt(name, d, world, people)
    assert (at(d.id).state, d.decisions.count(), d.opinions.count()) == before


# --- refused by role × interface and person: 403 ------------------------------------------------------------
def test_a_store_manager_cannot_review_a_group_interface_declaration(world, people):
    order = work_order_make(actor=people.account_manager, is_major=True, accepted_number=another_number())
    major = order.major_complaint
    assert major.interface.code == "group" and major.supervisor == people.am_supervisor
    d = declaration_make(world, major=major, actor=people.account_manager)
    opinions_give(world, d)
    d = services.declaration_submit(declaration_id=d.id, actor=people.account_manager)
    assert d.reviewer == people.am_supervisor

    with pytest.raises(PermissionDenied):
        services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    with pytest.raises(PermissionDenied):
        services.declaration_approve(declaration_id=d.id, actor=people.hall_admin)
    d = services.declaration_approve(declaration_id=d.id, actor=people.am_supervisor)
    assert d.interface_admin == people.group_admin
    with pytest.raises(PermissionDenied):
        services.declaration_accept(declaration_id=d.id, actor=people.hall_admin)


def test_a_hall_clerk_cannot_declare_through_the_group_interface(world, people):
    order = work_order_make(actor=people.account_manager, is_major=True, accepted_number=another_number())
    with pytest.raises(PermissionDenied):
        declaration_make(world, major=order.major_complaint, actor=world.dispatcher)


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("legal", "accept"), ("handler", "accept"), ("clerk", "accept"), ("store_manager", "accept"),
        ("chief", "accept"), ("legal", "approve"), ("clerk", "approve"), ("hall_admin", "approve"),
    ],
)  # fmt: skip
def test_only_the_person_of_the_step_moves_it(world, people, who, action):
    d = submitted(world, people)
    if action == "accept":
        services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    actor = getattr(world, who, None) or getattr(people, who)
    call = services.declaration_accept if action == "accept" else services.declaration_approve
    with pytest.raises(PermissionDenied):
        call(declaration_id=d.id, actor=actor)


def test_opinions_only_from_their_roles_and_the_support_department_asked(world, people):
    d = declaration_make(world)
    with pytest.raises(PermissionDenied):
        services.declaration_opinion_give(declaration_id=d.id, actor=world.handler, kind="legal", text="x")
    with pytest.raises(PermissionDenied):
        services.declaration_opinion_give(declaration_id=d.id, actor=world.legal, kind="support", text="x")
    with pytest.raises(PermissionDenied):  # a handler of another department than the one asked
        services.declaration_opinion_give(declaration_id=d.id, actor=world.handler_network, kind="support", text="x")
    with pytest.raises(PermissionDenied):
        services.declaration_opinion_give(declaration_id=d.id, actor=world.clerk, kind="support", text="x")
    with pytest.raises(ValidationError):
        services.declaration_opinion_give(declaration_id=d.id, actor=world.legal, kind="legal", text=" ")
    opinion = services.declaration_opinion_give(declaration_id=d.id, actor=world.legal, kind="legal", text="合规")
    assert (opinion.author, opinion.round.number, opinion.content_version) == (world.legal, 1, 1)


def test_only_the_declarer_edits_and_submits(world, people):
    d = declaration_make(world)
    opinions_give(world, d)
    other_clerk = UserFactory(roles=["front_line"], units=[world.hall_south])
    with pytest.raises(PermissionDenied):
        services.declaration_update(declaration_id=d.id, actor=other_clerk, problem="改")
    with pytest.raises(PermissionDenied):
        services.declaration_submit(declaration_id=d.id, actor=other_clerk)


def test_a_store_manager_of_another_hall_is_not_the_reviewer(world, people):
    other = UserFactory(roles=["store_manager"], units=[world.hall_north])
    d = submitted(world, people)
    with pytest.raises(PermissionDenied):
        services.declaration_approve(declaration_id=d.id, actor=other)


def test_only_one_declaration_per_major_complaint(world, people):
    d = declaration_make(world)
    with pytest.raises(TransitionRefused):
        declaration_make(world, major=d.major)


# --- people fixed when the step starts --------------------------------------------------------------------
def test_an_interface_edited_mid_review_does_not_move_the_step_in_flight(world, people):
    # given a declaration waiting for its reviewer, then approved and waiting for the hall admin
    d = submitted(world, people)
    hall = Interface.objects.get(code="hall")
    new_manager = UserFactory(roles=["store_manager", "channel_supervisor"], units=[world.hall_south])

    # when the administrator changes the interface's reviewing role and its admins mid-way
    hall.reviewing_role = "channel_supervisor"
    hall.save()
    with pytest.raises(PermissionDenied):
        services.declaration_approve(declaration_id=d.id, actor=new_manager)
    d = services.declaration_approve(declaration_id=d.id, actor=world.store_manager)  # the fixed reviewer
    new_admin = UserFactory(roles=["interface_admin"], units=[world.cs_centre])
    hall.admins.set([new_admin])

    # then the in-flight step keeps the admin fixed when it started
    with pytest.raises(PermissionDenied):
        services.declaration_accept(declaration_id=d.id, actor=new_admin)
    assert services.declaration_accept(declaration_id=d.id, actor=people.hall_admin).state == S.ACCEPTED


def test_approval_needs_an_interface_admin(world, people):
    d = submitted(world, people)
    Interface.objects.get(code="hall").admins.clear()
    with pytest.raises(ValidationError) as refused:
        services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    assert "interface_admin" in refused.value.message_dict
    assert at(d.id).state == S.SUBMITTED


def test_criteria_are_data(world, people):
    major = major_make(world)
    with pytest.raises(ValidationError) as refused:
        services.declaration_create(major_id=major.id, actor=world.clerk, criterion_ids=[999999], **CONTENT)
    assert "criterion_ids" in refused.value.message_dict
    d = services.declaration_create(major_id=major.id, actor=world.clerk, criterion_ids=criteria_ids(), **CONTENT)
    assert d.criteria.count() == 2
