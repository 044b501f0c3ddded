"""SPEC §1 / R-SEC-2: a user sees the orders of their units and sub-units, those they accepted and those
assigned to them; branch-level users see all. The list (selector) and the single-order check agree."""

import pytest

from tests.factories import UserFactory, work_order_at, work_order_make
from tickets.models import OrderState
from tickets.permissions import order_visible_to
from tickets.selectors import work_order_visible_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    """One order accepted at each hall; the southern one is handled by dept_billing."""
    south = work_order_at(OrderState.PROCESSING, world=world)
    north = work_order_make(actor=world.clerk_north, accepted_number="13900000002")
    return {"south": south, "north": north}


def visible(user, orders) -> set[str]:
    listed = {o.pk for o in work_order_visible_list(user=user)}
    checked = {o.pk for o in orders.values() if order_visible_to(o, user)}
    assert listed == checked, "the list and the single-order check disagree"
    return {name for name, o in orders.items() if o.pk in listed}


def test_front_line_sees_only_their_hall(world, orders):
    assert visible(world.clerk, orders) == {"south"}
    assert visible(world.clerk_north, orders) == {"north"}


def test_region_sees_its_halls(world, orders):
    regional = UserFactory(roles=["front_line"], units=[world.south])
    assert visible(regional, orders) == {"south"}


def test_handling_department_sees_what_was_dispatched_to_it(world, orders):
    assert visible(world.handler_peer, orders) == {"south"}
    assert visible(world.handler_network, orders) == set()


def test_first_contact_owner_keeps_seeing_the_order_after_leaving_the_unit(world, orders):
    world.clerk.org_units.clear()
    moved = type(world.clerk).objects.get(pk=world.clerk.pk)  # a fresh user: no cached scope
    assert visible(moved, orders) == {"south"}


def test_assignee_keeps_seeing_the_order_after_leaving_the_department(world, orders):
    world.handler.org_units.clear()
    moved = type(world.handler).objects.get(pk=world.handler.pk)
    assert visible(moved, orders) == {"south"}


def test_branch_level_sees_all(world, orders):
    by_permission = world.legal  # legal holds view_all_orders
    by_membership = UserFactory(roles=["front_line"], units=[world.branch])
    assert visible(by_permission, orders) == {"south", "north"}
    assert visible(by_membership, orders) == {"south", "north"}
    assert visible(world.dispatcher, orders) == {"south", "north"}


def test_user_in_no_unit_sees_nothing(world, orders):
    assert visible(UserFactory(roles=["front_line"]), orders) == set()


def test_inactive_user_sees_nothing(world, orders):
    world.clerk.is_active = False
    world.clerk.save()
    assert not order_visible_to(orders["south"], world.clerk)
