"""Issue 12 §3: the guard of WorkOrder.next_due_at (tickets 0016) recomputes a value written to the column by
anyone but the clocks' own triggers. The clocks' trigger writes the value it has just computed from the clocks
table, so recomputing it again in the guard (the same subquery, once more per create, per dispatch …) was
work for nothing: the guard now runs only for an UPDATE issued outside a trigger (pg_trigger_depth() = 0), i.e.
by the application. PostgreSQL only; SQLite's row triggers stay as they are."""

from django.db import migrations

GUARD = (
    "CREATE TRIGGER tickets_next_due_guard_update BEFORE UPDATE OF next_due_at ON tickets_workorder "
    "FOR EACH ROW WHEN (OLD.next_due_at IS DISTINCT FROM NEW.next_due_at{depth}) "
    "EXECUTE FUNCTION tickets_next_due_guard();"
)


def _recreate(schema_editor, depth: str):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS tickets_next_due_guard_update ON tickets_workorder;")
    schema_editor.execute(GUARD.format(depth=depth))


def forward(apps, schema_editor):
    _recreate(schema_editor, " AND pg_trigger_depth() = 0")


def backward(apps, schema_editor):
    _recreate(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0017_search_bigrams")]

    operations = [migrations.RunPython(forward, backward)]
