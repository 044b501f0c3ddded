"""R-AUD-1 below Django (issue 8 §5): on PostgreSQL the pgtrigger triggers declared on the models refuse raw
SQL UPDATE, DELETE and TRUNCATE of every history table, let through only the one decision of a decided-once
row, and cannot be switched off with pgtrigger's `pgtrigger.ignore` setting."""

import pgtrigger
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from tests.conftest import APP_ROLE
from tickets.models import (
    Callback,
    Contact,
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    FinalReplyApproval,
    NumberUnmaskAudit,
    TimelineEntry,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres(reason="the append-only triggers exist on PostgreSQL only")]

# model → a text column whose rewrite is refused
PROTECTED = {
    TimelineEntry: "note",
    Contact: "summary",
    NumberUnmaskAudit: "reason",
    Callback: "note",
    FinalReplyApproval: "note",
    DepartmentReply: "process",
    FinalReply: "content",
    ExtensionRequest: "reason",
}
IDS = [model.__name__ for model in PROTECTED]


def sql(statement: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def refused(statement: str, params=(), match="append-only"):
    with pytest.raises(DatabaseError, match=match):
        sql(statement, params)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@pytest.mark.parametrize("model", PROTECTED, ids=IDS)
def test_raw_update_delete_and_truncate_are_refused(history, model):
    rows = model.objects.count()
    assert rows, "the fixture makes at least one row of each"
    column = connection.ops.quote_name(PROTECTED[model])

    refused(f"UPDATE {table(model)} SET {column} = %s", ["改写历史"])
    refused(f"DELETE FROM {table(model)}")
    # The app role may not TRUNCATE at all (README, Production); the owner is refused by the trigger.
    with connection.cursor() as cursor:  # TRUNCATE waits for no deferred FK check of the fixture's rows
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    refused(f"TRUNCATE {table(model)} CASCADE", match="permission denied" if APP_ROLE else "append-only")

    assert model.objects.count() == rows
    assert not model.objects.filter(**{PROTECTED[model]: "改写历史"}).exists()


def test_deleting_an_order_is_refused_by_its_history(history):
    from tickets.models import WorkOrder

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        WorkOrder.objects.filter(pk=history.closed.pk).delete()
    assert WorkOrder.objects.filter(pk=history.closed.pk).exists()


@pytest.mark.parametrize(
    ("model", "order", "decision", "undecided"),
    [
        (DepartmentReply, "replied", "status = 'approved', reviewed_at = now()", "status = 'submitted'"),
        (ExtensionRequest, "handled", "status = 'rejected', decided_at = now(), decision_note = '不予延期'",
         "status = 'pending'"),
        (FinalReply, "drafting", "sent_at = now(), satisfaction = 'satisfied'", "sent_at = NULL"),
    ],
    ids=["DepartmentReply", "ExtensionRequest", "FinalReply"],
)  # fmt: skip
def test_a_decided_once_row_takes_its_decision_once_and_nothing_else(history, model, order, decision, undecided):
    row = model.objects.get(order=getattr(history, order))
    where, text = f"WHERE id = {row.pk}", connection.ops.quote_name(PROTECTED[model])

    refused(f"UPDATE {table(model)} SET {text} = 'x' {where}")  # the text, alone
    refused(f"UPDATE {table(model)} SET {decision}, {text} = 'x' {where}")  # the decision with the text
    assert sql(f"UPDATE {table(model)} SET {decision} {where}") == 1  # the decision alone: the one UPDATE
    refused(f"UPDATE {table(model)} SET {decision} {where}")  # … never again
    refused(f"UPDATE {table(model)} SET {undecided} {where}")  # … nor undone


def test_pgtrigger_ignore_does_not_switch_the_triggers_off(history):
    """pgtrigger's escape hatch is a session setting any role may set; these triggers reset it."""
    every_trigger = "{" + ",".join(trigger.get_pgid(model) for model, trigger in pgtrigger.registered()) + "}"

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [every_trigger])
        cursor.execute(f"UPDATE {table(TimelineEntry)} SET note = 'x'")
    # (the atomic block inside the ignore: pgtrigger resets its setting on the way out, after the rollback)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        pgtrigger.ignore("tickets.TimelineEntry:append_only_update"),
        transaction.atomic(),
    ):
        TimelineEntry.objects.update(note="x")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        pgtrigger.ignore("tickets.Contact:append_only_delete"),
        transaction.atomic(),
    ):
        Contact.objects.all().delete()

    assert not TimelineEntry.objects.filter(note="x").exists() and Contact.objects.exists()


def test_every_history_model_declares_its_triggers():
    """The protection is on the models (Meta.triggers, pgtrigger), not in a hand-written migration."""
    declared = {(model, trigger.name) for model, trigger in pgtrigger.registered()}
    for model in PROTECTED:
        decided_once = model in (DepartmentReply, ExtensionRequest, FinalReply)
        update = "decided_once_update" if decided_once else "append_only_update"
        assert {(model, update), (model, "append_only_delete"), (model, "append_only_truncate")} <= declared
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%\\_append\\_only' AND NOT tgisinternal")
        assert cursor.fetchone()[0] == 0, "0007's hand-written triggers are gone"
