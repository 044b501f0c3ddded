"""R-CLK-HANDLE on a reassignment (issue 13 §4): a supervisor who reassigns an order and sets a new handling
deadline sends `handling_due_reset` (tickets.events); the handle policy cancels the live handling clock (a breach
already recorded stays, R-CLK-BREACH) and starts one that takes its due time from the order's handling deadline,
as the dispatch event does. A reassignment that keeps the deadline sends no such event: the clock runs on.
Only adds the event to the `handle` row's lists; an administrator's other edits are kept."""

from django.db import migrations

EVENT = "handling_due_reset"


def add(apps, schema_editor):
    ClockPolicy = apps.get_model("deadlines", "ClockPolicy")
    for policy in ClockPolicy.objects.filter(kind="handle"):
        for name in ("start_events", "cancel_events"):
            events = list(getattr(policy, name) or [])
            if EVENT not in events:
                setattr(policy, name, [*events, EVENT])
        policy.save(update_fields=["start_events", "cancel_events"])


def remove(apps, schema_editor):
    ClockPolicy = apps.get_model("deadlines", "ClockPolicy")
    for policy in ClockPolicy.objects.filter(kind="handle"):
        policy.start_events = [e for e in policy.start_events or [] if e != EVENT]
        policy.cancel_events = [e for e in policy.cancel_events or [] if e != EVENT]
        policy.save(update_fields=["start_events", "cancel_events"])


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0007_major_complaint_policies")]

    operations = [migrations.RunPython(add, remove)]
