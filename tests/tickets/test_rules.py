"""The rules an administrator tunes in the admin (R-WO-10 back-dating, R-FL-5 unreachable customer) take effect
at once, in the services, the error texts and the intake form; nonsense is refused with the field named."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory, another_number, work_order_make
from tickets.models import WorkOrderRules
from tickets.services.rules import work_order_rules_seed

from .test_create import refused_fields
from .test_replies import order_with_failed_attempts, reply_unreachable

pytestmark = pytest.mark.django_db


def rules_set(**values) -> WorkOrderRules:
    rules = work_order_rules_seed()
    for name, value in values.items():
        setattr(rules, name, value)
    rules.full_clean()
    rules.save()
    return rules


def test_the_defaults_are_the_specs_until_an_administrator_saves_a_row(world):
    assert not WorkOrderRules.objects.exists()
    assert refused_fields(world, received_at=timezone.now() - timedelta(days=31)) == {
        "received_at": ["The time of receipt cannot be more than 30 days ago."]
    }
    rules = work_order_rules_seed()
    assert (rules.backdate_limit_days, rules.unreachable_attempts) == (30, 3)
    assert (rules.unreachable_spacing, rules.unreachable_window) == (timedelta(hours=3), timedelta(hours=48))
    assert work_order_rules_seed().pk == rules.pk  # seeding again keeps the one row


def test_a_shorter_back_dating_limit_applies_to_the_next_order(world):
    rules_set(backdate_limit_days=7)

    assert refused_fields(world, received_at=timezone.now() - timedelta(days=8)) == {
        "received_at": ["The time of receipt cannot be more than 7 days ago."]
    }
    assert work_order_make(actor=world.clerk, received_at=timezone.now() - timedelta(days=6)).pk


def test_the_intake_form_tells_the_limit(world, client):
    rules_set(backdate_limit_days=10)
    client.force_login(world.clerk)
    html = client.get("/orders/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "up to 10 days back" in html


def test_fewer_attempts_closer_together_may_record_the_customer_unreachable(world):
    # given: the administrator asks for 2 more attempts at least 2 h apart within 24 h
    rules_set(unreachable_attempts=2, unreachable_spacing=timedelta(hours=2), unreachable_window=timedelta(hours=24))

    # then 0 → 2 → 4 is enough, which the SPEC defaults would refuse
    reply = reply_unreachable(order_with_failed_attempts(world, [0, 2, 4]), world, 5)
    assert reply.method == "unreachable"

    # and a refusal states the numbers in force
    with pytest.raises(ValidationError) as exc:
        reply_unreachable(order_with_failed_attempts(world, [0, 1], accepted_number=another_number()), world, 2)
    assert "2 more attempts at least 2 hours apart within 24 hours" in exc.value.message_dict["method"][0]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"backdate_limit_days": 0}, "backdate_limit_days"),
        ({"unreachable_spacing": timedelta(0)}, "unreachable_spacing"),
        ({"unreachable_attempts": 3, "unreachable_spacing": timedelta(hours=20)}, "unreachable_window"),
    ],
)
def test_rules_that_cannot_work_are_refused_with_the_field_named(world, values, field):
    with pytest.raises(ValidationError) as exc:
        rules_set(**values)
    assert field in exc.value.message_dict
    assert WorkOrderRules.objects.get().backdate_limit_days == 30  # nothing saved


def test_the_admin_edits_the_one_row_and_keeps_its_history(world, client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    rules = work_order_rules_seed()

    assert client.get("/admin/tickets/workorderrules/add/").status_code == 403  # one row only
    response = client.post(
        f"/admin/tickets/workorderrules/{rules.pk}/change/",
        {"backdate_limit_days": 14, "unreachable_attempts": 3, "unreachable_spacing": "03:00:00",
         "unreachable_window": "2 00:00:00", "repeat_window_days": 20},
    )  # fmt: skip

    assert response.status_code == 302
    assert WorkOrderRules.objects.get().backdate_limit_days == 14
    assert WorkOrderRules.objects.get().repeat_window_days == 20  # R-SP-1 (b)'s window is the same row
    change = LogEntry.objects.get(object_id=str(rules.pk), content_type__model="workorderrules")
    assert (change.user, change.is_change()) == (admin, True)
