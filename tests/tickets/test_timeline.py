"""R-AUD-1: the timeline is append-only; so are contacts and the unmask audit."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import work_order_at, work_order_make
from tickets import services
from tickets.models import Contact, NumberUnmaskAudit, OrderState, TimelineEntry, WorkOrder
from tickets.models.records import AppendOnlyError

pytestmark = pytest.mark.django_db


def test_existing_timeline_entry_cannot_be_changed(world):
    order = work_order_make(actor=world.clerk)
    entry = order.timeline.get()
    entry.note = "改写历史"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert TimelineEntry.objects.get(pk=entry.pk).note == ""


def test_timeline_entry_cannot_be_deleted(world):
    order = work_order_make(actor=world.clerk)
    entry = order.timeline.get()

    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_contact_and_unmask_audit_are_append_only_too(world):
    order = work_order_at(OrderState.PROCESSING, world=world)
    contact = services.contact_log(
        order_id=order.id, actor=world.handler, direction="outbound", channel="phone", reached=True, summary="进度"
    )
    services.number_unmask(order_id=order.id, actor=world.dispatcher, reason="回访核实")
    audit = NumberUnmaskAudit.objects.get()

    for row in (contact, audit):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
    assert Contact.objects.count() == 1
    assert NumberUnmaskAudit.objects.count() == 1


def test_every_transition_appends_one_entry_with_actor_and_states(world):
    order = work_order_at(OrderState.CLOSED, world=world)

    entries = list(order.timeline.all())

    assert [e.kind for e in entries] == [
        "created", "dispatch", "claim", "dept_reply", "approve_reply", "reply_customer", "callback", "close",
    ]  # fmt: skip
    assert all(e.actor_id for e in entries)
    assert all(e.state_before != e.state_after for e in entries)
    # each entry starts where the previous one ended
    assert [e.state_before for e in entries[1:]] == [e.state_after for e in entries[:-1]]


@pytest.mark.postgres(reason="the append-only triggers exist on PostgreSQL only")
def test_the_database_refuses_bulk_rewrites_and_deletes_of_history(world):
    """R-AUD-1 below the models: a QuerySet.update()/delete() or a cascade from the order bypasses save()
    and delete(); the PostgreSQL trigger refuses them all the same."""
    order = work_order_at(OrderState.PROCESSING, world=world)
    services.contact_log(
        order_id=order.id, actor=world.handler, direction="outbound", channel="phone", reached=True, summary="进度"
    )
    services.number_unmask(order_id=order.id, actor=world.dispatcher, reason="回访核实")
    plain = work_order_make(actor=world.clerk, accepted_number="13900000008")  # nothing PROTECTs it but history
    entries = order.timeline.count()

    refused = [
        lambda: TimelineEntry.objects.filter(order=order).update(note="改写历史"),
        lambda: TimelineEntry.objects.filter(order=order).delete(),
        lambda: Contact.objects.update(summary="改写"),
        lambda: NumberUnmaskAudit.objects.all().delete(),
        lambda: WorkOrder.objects.filter(pk=plain.pk).delete(),  # would cascade to its timeline
    ]
    for attempt in refused:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()

    assert order.timeline.count() == entries and not TimelineEntry.objects.filter(note="改写历史").exists()
    assert (Contact.objects.get().summary, NumberUnmaskAudit.objects.count()) == ("进度", 1)
    assert WorkOrder.objects.filter(pk=plain.pk).exists()
