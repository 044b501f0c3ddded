"""The dispatch form offers the units grouped under their parent units, with the category's usual handling unit
(a routing rule, data) chosen and marked (issue 13 §7)."""

import re

import pytest

from tests.factories import another_number, work_order_make
from tickets.models import RoutingRule

pytestmark = pytest.mark.django_db


def dispatch_select(html: str) -> str:
    return html.split('name="dispatch-unit"', 1)[1].split("</select>", 1)[0]


def test_the_usual_unit_of_the_category_or_its_parent_is_suggested(world, login):
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    client = login(world.dispatcher)

    # without a rule: nothing chosen, units grouped by kind
    select = dispatch_select(client.get(f"/orders/{order.pk}/").content.decode())
    assert "<optgroup" in select and "selected" not in select.split("</option>", 1)[1]

    # a rule on the parent category serves the leaf
    RoutingRule.objects.create(category=world.category.parent, unit=world.dept_billing)
    select = dispatch_select(client.get(f"/orders/{order.pk}/").content.decode())
    chosen = re.search(r'<option value="(\d+)"[^>]*selected[^>]*>([^<]*)<', select)
    assert chosen and int(chosen.group(1)) == world.dept_billing.pk and "常用" in chosen.group(2)

    # the leaf's own rule wins over the parent's
    RoutingRule.objects.create(category=world.category, unit=world.dept_network)
    select = dispatch_select(client.get(f"/orders/{order.pk}/").content.decode())
    assert int(re.search(r'<option value="(\d+)"[^>]*selected', select).group(1)) == world.dept_network.pk


def test_a_suggestion_does_not_dispatch_by_itself(world, login):
    RoutingRule.objects.create(category=world.category, unit=world.dept_network)
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    answer = login(world.dispatcher).post(
        f"/orders/{order.pk}/do/dispatch/", {"dispatch-unit": str(world.dept_billing.pk)}
    )
    assert answer.status_code in (200, 302)
    order.refresh_from_db()
    assert order.handling_unit_id == world.dept_billing.pk  # the dispatcher's choice, not the rule's
