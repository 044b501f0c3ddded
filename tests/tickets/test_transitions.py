"""Every transition of SPEC §2.1, allowed and refused: by state (TransitionRefused → 409), by role
(PermissionDenied → 403) and by unit (an invisible order does not exist for the actor → 404). A refused
request changes nothing (R-REL-1)."""

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import DEPT_REPLY, FINAL_REPLY, LIFE_CYCLE, UserFactory, fresh, work_order_at, work_order_make
from tickets import services
from tickets.models import Callback, DepartmentReply, FinalReply, OrderState, WorkOrder
from tickets.selectors import work_order_allowed_transitions

pytestmark = pytest.mark.django_db

S = OrderState


def attempt(name: str, order: WorkOrder, actor, world):
    """Run one transition service with valid input, so that only state, role or unit can refuse it."""
    pk = order.id
    calls = {
        "dispatch": lambda: services.work_order_dispatch(order_id=pk, actor=actor, unit_id=world.dept_billing.id),
        "claim": lambda: services.work_order_claim(order_id=pk, actor=actor),
        "dept_reply": lambda: services.work_order_dept_reply(order_id=pk, actor=actor, **DEPT_REPLY),
        "return_reply": lambda: services.work_order_return_reply(order_id=pk, actor=actor, reason="不合格"),
        "approve_reply": lambda: services.work_order_approve_reply(order_id=pk, actor=actor),
        "reply_customer": lambda: services.work_order_reply_customer(order_id=pk, actor=actor, **FINAL_REPLY),
        "callback": lambda: services.work_order_callback(order_id=pk, actor=actor, outcome="satisfied"),
        "close": lambda: services.work_order_close(order_id=pk, actor=actor, reason="x"),
        "redispatch": lambda: services.work_order_redispatch(
            order_id=pk, actor=actor, unit_id=world.dept_billing.id, reason="x"
        ),
    }
    return calls[name]()


# The states each transition leaves from (SPEC §2.1).
SOURCES = {
    "dispatch": {S.ACCEPTED},
    "claim": {S.DISPATCHED},
    "dept_reply": {S.PROCESSING},
    "return_reply": {S.DEPT_REPLIED},
    "approve_reply": {S.DEPT_REPLIED},
    "reply_customer": {S.REPLY_APPROVED},
    "callback": {S.CUSTOMER_REPLIED},
    "close": {S.CALLBACK_DONE},
    "redispatch": set(),  # only from callback_done after an *unsatisfied* callback, tested below
}


def snapshot(order: WorkOrder) -> tuple:
    order = fresh(order)
    return (
        order.state, order.cycle, order.assignee_id, order.handling_unit_id, order.handling_due_at, order.closed_at,
        order.timeline.count(), DepartmentReply.objects.count(), FinalReply.objects.count(), Callback.objects.count(),
    )  # fmt: skip


@pytest.mark.parametrize("state", LIFE_CYCLE)
def test_every_transition_not_allowed_from_a_state_is_refused_and_changes_nothing(world, state):
    # given: an order in `state`; the dispatcher sees every order, so only the state can refuse
    order = work_order_at(state, world=world)
    refused = [name for name, sources in SOURCES.items() if state not in sources]
    assert refused

    for name in refused:
        before = snapshot(order)

        # when
        with pytest.raises(services.TransitionRefused) as exc:
            attempt(name, order, world.dispatcher, world)

        # then
        assert exc.value.transition == name
        assert snapshot(order) == before, name


@pytest.mark.parametrize("method", ["record", "direct_reply"])
def test_order_closed_at_creation_cannot_be_dispatched(world, method):
    order = work_order_make(actor=world.clerk, handling_method=method, direct_reply="已答复")
    with pytest.raises(services.TransitionRefused):
        attempt("dispatch", order, world.dispatcher, world)
    assert fresh(order).state == S.CLOSED


def test_second_dispatch_of_the_same_order_is_refused(world):
    order = work_order_at(S.DISPATCHED, world=world)
    with pytest.raises(services.TransitionRefused) as exc:
        attempt("dispatch", order, world.dispatcher, world)
    assert "not allowed while the order is" in exc.value.detail


# --- by role -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "name", "who"),
    [
        (S.ACCEPTED, "dispatch", "clerk"),  # front line sees its hall's order but may not dispatch
        (S.DISPATCHED, "claim", "dispatcher"),  # no claim role
        (S.DISPATCHED, "claim", "clerk"),
        (S.PROCESSING, "dept_reply", "handler_peer"),  # same department, but not the handler who claimed it
        (S.PROCESSING, "dept_reply", "dispatcher"),
        (S.DEPT_REPLIED, "return_reply", "handler"),  # the author cannot review their own reply
        (S.DEPT_REPLIED, "approve_reply", "handler"),
        (S.DEPT_REPLIED, "approve_reply", "clerk"),
        (S.REPLY_APPROVED, "reply_customer", "handler"),
        (S.CUSTOMER_REPLIED, "callback", "clerk"),
        (S.CUSTOMER_REPLIED, "callback", "handler"),
        (S.CALLBACK_DONE, "close", "clerk"),
        (S.CALLBACK_DONE, "redispatch", "clerk"),
    ],
)
def test_transition_is_refused_without_the_role(world, state, name, who):
    callback = "unsatisfied" if name == "redispatch" else "satisfied"
    order = work_order_at(state, world=world, callback=callback)
    before = snapshot(order)

    with pytest.raises(PermissionDenied):
        attempt(name, order, getattr(world, who), world)

    assert snapshot(order) == before


@pytest.mark.parametrize(("state", "name"), [(S.ACCEPTED, "dispatch"), (S.DEPT_REPLIED, "approve_reply")])
def test_read_only_inspector_sees_everything_but_moves_nothing(world, state, name):
    inspector = UserFactory(roles=["qa_inspector"], units=[world.branch])
    order = work_order_at(state, world=world)
    with pytest.raises(PermissionDenied):
        attempt(name, order, inspector, world)
    assert fresh(order).state == state


# --- by unit -------------------------------------------------------------------------------------------------
def test_handler_of_another_department_cannot_see_or_claim(world):
    order = work_order_at(S.DISPATCHED, world=world)  # dispatched to dept_billing

    with pytest.raises(WorkOrder.DoesNotExist):
        attempt("claim", order, world.handler_network, world)

    assert fresh(order).state == S.DISPATCHED
    assert fresh(order).assignee is None


def test_handler_who_sees_the_order_from_elsewhere_still_cannot_claim_it(world):
    # given: a handler in the south region sees hall_south's orders, but the order went to dept_billing
    regional = UserFactory(roles=["handler"], units=[world.south])
    order = work_order_at(S.DISPATCHED, world=world)

    with pytest.raises(PermissionDenied):
        attempt("claim", order, regional, world)
    assert fresh(order).state == S.DISPATCHED


def test_member_of_a_parent_unit_may_claim_for_its_sub_unit(world):
    # given: the order is dispatched to a group under the billing department
    team = world.dept_billing.children.create(code="billing-team", name="计费一组", kind="group")
    lead = UserFactory(roles=["handler"], units=[world.dept_billing])
    order = work_order_make(actor=world.clerk)
    services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=team.id)

    services.work_order_claim(order_id=order.id, actor=lead)

    assert fresh(order).assignee == lead


@pytest.mark.parametrize(("state", "name"), [(S.REPLY_APPROVED, "reply_customer"), (S.ACCEPTED, "dispatch")])
def test_front_line_of_another_hall_cannot_see_the_order(world, state, name):
    order = work_order_at(state, world=world)
    before = snapshot(order)

    with pytest.raises(WorkOrder.DoesNotExist):
        attempt(name, order, world.clerk_north, world)

    assert snapshot(order) == before


def test_state_is_checked_before_role(world):
    """The front line asking to dispatch an order already dispatched learns it is too late (409), not 403."""
    order = work_order_at(S.DISPATCHED, world=world)
    with pytest.raises(services.TransitionRefused):
        attempt("dispatch", order, world.clerk, world)


# --- what the user is offered (R-UI-1 buttons) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "who", "offered"),
    [
        (S.ACCEPTED, "dispatcher", ["dispatch"]),
        (S.ACCEPTED, "clerk", []),
        (S.DISPATCHED, "handler", ["claim"]),
        (S.DISPATCHED, "handler_network", []),
        (S.PROCESSING, "handler", ["dept_reply"]),
        (S.PROCESSING, "handler_peer", []),
        (S.DEPT_REPLIED, "dispatcher", ["return_reply", "approve_reply"]),
        (S.REPLY_APPROVED, "clerk", ["reply_customer"]),
        (S.CUSTOMER_REPLIED, "dispatcher", ["callback"]),
        (S.CALLBACK_DONE, "dispatcher", ["close"]),
        (S.CLOSED, "dispatcher", []),
    ],
)
def test_allowed_transitions_match_state_role_and_unit(world, state, who, offered):
    order = work_order_at(state, world=world)
    assert work_order_allowed_transitions(order=fresh(order), user=getattr(world, who)) == offered


def test_redispatch_is_offered_only_after_an_unsatisfied_callback(world):
    unsatisfied = work_order_at(S.CALLBACK_DONE, world=world, callback="unsatisfied")
    assert work_order_allowed_transitions(order=unsatisfied, user=world.dispatcher) == ["close", "redispatch"]
