"""The timeout ladder (issue 9 §1): a declaration waiting at a step reminds its person every N hours, at most M
times, then tells the level above once; it never moves the declaration; a new step starts the ladder again."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from escalation import services
from escalation.models import Declaration, Interface
from escalation.models import DeclarationState as S
from notifications.models import Notification

from .conftest import declaration_make, opinions_give

pytestmark = pytest.mark.django_db


def test_reminds_every_n_hours_at_most_m_times_then_escalates_once(world, people, django_capture_on_commit_callbacks):
    hall = Interface.objects.get(code="hall")
    hall.remind_every, hall.remind_max = timedelta(hours=2), 2
    hall.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        d = declaration_make(world)
        opinions_give(world, d)
        d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)

    def sweep(hours):
        with django_capture_on_commit_callbacks(execute=True):
            return services.declaration_reminders_sweep(now=start + timedelta(hours=hours))

    assert sweep(1) == 0  # not yet due
    assert sweep(2) == 1  # reminder 1 to the reviewer
    assert sweep(2.5) == 0  # the same sweep again: nothing new
    assert sweep(4) == 1  # reminder 2
    assert sweep(6) == 1  # escalated: the interface admins hear of it
    assert sweep(30) == 0  # once

    reminded = Notification.objects.filter(
        recipient=world.store_manager, channel="in_app", subject__startswith="Reminder"
    )
    assert reminded.count() == 2
    assert Notification.objects.filter(recipient=people.hall_admin, subject__contains="escalated").exists()
    fresh = Declaration.objects.get(pk=d.id)
    assert fresh.state == S.SUBMITTED and fresh.escalated_at is not None  # nothing approved by itself
    kinds = list(fresh.major.order.timeline.values_list("kind", flat=True))
    assert kinds.count("declaration_reminded") == 2 and kinds.count("declaration_escalated") == 1


def test_a_new_step_starts_the_ladder_again(world, people):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        d = declaration_make(world)
        opinions_give(world, d)
        d = services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    services.declaration_reminders_sweep(now=start + timedelta(hours=2))
    assert Declaration.objects.get(pk=d.id).reminders_sent == 1
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        d = services.declaration_approve(declaration_id=d.id, actor=world.store_manager)
    assert (d.reminders_sent, d.next_reminder_at) == (0, start + timedelta(hours=5))
