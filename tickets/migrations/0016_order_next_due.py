"""Issue 13 §3: WorkOrder.next_due_at, the earliest due time of the order's running and overdue clocks (NULL when
it has none), kept by the database so that every queue is read in deadline order without computing it per
candidate row.

Triggers, not services: deadlines sits below tickets and several paths write clocks (the per-order events, the
bulk ones of a batch, the sweep, the recomputation of a holiday year), so the clocks table itself recomputes the
orders it touched, in the statement that touched them:
- PostgreSQL: statement-level AFTER triggers on INSERT, UPDATE and DELETE of clocks with transition tables (a bulk
  statement recomputes each order once); an UPDATE recomputes only orders of rows whose liveness, due time or
  order changed (the sweep's running → overdue and its warnings change nothing and lock no order row).
- SQLite: the same as row-level triggers.
- On both, a trigger on the orders table recomputes any other value written to the column (a save() of a copy
  read before its clocks changed; an INSERT), so nothing but the clocks decides it.
The value is what the queues computed before (`tickets/queues.py`: the first due_at of the live clocks, states
running and overdue); tests/web/test_next_due.py compares the two. Backfilled here."""

from django.db import migrations, models

LIVE = "('running', 'overdue')"
# What a queue filters and sorts by (tickets.models.order.QUEUE_COLUMNS, as of this migration).
QUEUE_COLUMNS = [
    "accepting_unit", "handling_unit", "accepted_by", "assignee", "state", "priority", "accepted_at", "next_due_at"
]  # fmt: skip
NEXT_DUE = f"(SELECT min(c.due_at) FROM deadlines_clock c WHERE c.order_id = {{id}} AND c.state IN {LIVE})"

# One function per operation: a plpgsql function may only name the transition tables its trigger declares.
PG_FUNCTIONS = {
    "insert": f"""
        UPDATE tickets_workorder o SET next_due_at = d.due
        FROM (SELECT ids.order_id, {NEXT_DUE.format(id="ids.order_id")} AS due
              FROM (SELECT DISTINCT order_id FROM new_clocks WHERE state IN {LIVE}) ids) d
        WHERE o.id = d.order_id AND o.next_due_at IS DISTINCT FROM d.due;""",
    "delete": f"""
        UPDATE tickets_workorder o SET next_due_at = d.due
        FROM (SELECT ids.order_id, {NEXT_DUE.format(id="ids.order_id")} AS due
              FROM (SELECT DISTINCT order_id FROM old_clocks WHERE state IN {LIVE}) ids) d
        WHERE o.id = d.order_id AND o.next_due_at IS DISTINCT FROM d.due;""",
    "update": f"""
        UPDATE tickets_workorder o SET next_due_at = d.due
        FROM (SELECT ids.order_id, {NEXT_DUE.format(id="ids.order_id")} AS due
              FROM (SELECT DISTINCT u.order_id
                    FROM new_clocks n JOIN old_clocks p ON p.id = n.id
                    CROSS JOIN LATERAL unnest(ARRAY[n.order_id, p.order_id]) AS u(order_id)
                    WHERE (p.state IN {LIVE} OR n.state IN {LIVE})
                      AND ((p.state IN {LIVE}) <> (n.state IN {LIVE})
                           OR p.due_at IS DISTINCT FROM n.due_at OR p.order_id <> n.order_id)) ids) d
        WHERE o.id = d.order_id AND o.next_due_at IS DISTINCT FROM d.due;""",
}
PG_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_clocks",
    "delete": "REFERENCING OLD TABLE AS old_clocks",
    "update": "REFERENCING OLD TABLE AS old_clocks NEW TABLE AS new_clocks",
}


def _pg_create() -> list[str]:
    statements = []
    for op, body in PG_FUNCTIONS.items():
        statements += [
            f"CREATE OR REPLACE FUNCTION tickets_next_due_clock_{op}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN{body}\n    RETURN NULL;\nEND $$;",
            f"DROP TRIGGER IF EXISTS tickets_next_due_clock_{op} ON deadlines_clock;",
            f"CREATE TRIGGER tickets_next_due_clock_{op} AFTER {op.upper()} ON deadlines_clock "
            f"{PG_REFERENCING[op]} FOR EACH STATEMENT EXECUTE FUNCTION tickets_next_due_clock_{op}();",
        ]
    statements += [
        "CREATE OR REPLACE FUNCTION tickets_next_due_guard() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    NEW.next_due_at := {NEXT_DUE.format(id='NEW.id')};\n    RETURN NEW;\nEND $$;",
        "DROP TRIGGER IF EXISTS tickets_next_due_guard_insert ON tickets_workorder;",
        "CREATE TRIGGER tickets_next_due_guard_insert BEFORE INSERT ON tickets_workorder "
        "FOR EACH ROW EXECUTE FUNCTION tickets_next_due_guard();",
        "DROP TRIGGER IF EXISTS tickets_next_due_guard_update ON tickets_workorder;",
        "CREATE TRIGGER tickets_next_due_guard_update BEFORE UPDATE OF next_due_at ON tickets_workorder "
        "FOR EACH ROW WHEN (OLD.next_due_at IS DISTINCT FROM NEW.next_due_at) "
        "EXECUTE FUNCTION tickets_next_due_guard();",
    ]
    return statements


PG_DROP = [
    *(f"DROP TRIGGER IF EXISTS tickets_next_due_clock_{op} ON deadlines_clock;" for op in PG_FUNCTIONS),
    *(f"DROP FUNCTION IF EXISTS tickets_next_due_clock_{op}();" for op in PG_FUNCTIONS),
    "DROP TRIGGER IF EXISTS tickets_next_due_guard_insert ON tickets_workorder;",
    "DROP TRIGGER IF EXISTS tickets_next_due_guard_update ON tickets_workorder;",
    "DROP FUNCTION IF EXISTS tickets_next_due_guard();",
]


def _sqlite_set(id_: str) -> str:
    due = NEXT_DUE.format(id=id_)
    return f"UPDATE tickets_workorder SET next_due_at = {due} WHERE id = {id_} AND next_due_at IS NOT {due};"


# SQLite runs triggers row by row; recursive_triggers is off (its default), so the guard's own UPDATE does not fire
# it again, and a clock trigger's UPDATE fires the guard only to find the value right.
SQLITE_CREATE = [
    "CREATE TRIGGER tickets_next_due_clock_insert AFTER INSERT ON deadlines_clock "
    f"WHEN NEW.state IN {LIVE} BEGIN {_sqlite_set('NEW.order_id')} END;",
    "CREATE TRIGGER tickets_next_due_clock_delete AFTER DELETE ON deadlines_clock "
    f"WHEN OLD.state IN {LIVE} BEGIN {_sqlite_set('OLD.order_id')} END;",
    "CREATE TRIGGER tickets_next_due_clock_update AFTER UPDATE OF state, due_at, order_id ON deadlines_clock "
    f"WHEN OLD.state IN {LIVE} OR NEW.state IN {LIVE} "
    f"BEGIN {_sqlite_set('NEW.order_id')} {_sqlite_set('OLD.order_id')} END;",
    "CREATE TRIGGER tickets_next_due_guard_insert AFTER INSERT ON tickets_workorder "
    f"BEGIN {_sqlite_set('NEW.id')} END;",
    "CREATE TRIGGER tickets_next_due_guard_update AFTER UPDATE OF next_due_at ON tickets_workorder "
    f"BEGIN {_sqlite_set('NEW.id')} END;",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS tickets_next_due_{name};"
    for name in ("clock_insert", "clock_delete", "clock_update", "guard_insert", "guard_update")
]

BACKFILL = {
    "postgresql": f"""
        UPDATE tickets_workorder o SET next_due_at = m.due
        FROM (SELECT order_id, min(due_at) AS due FROM deadlines_clock WHERE state IN {LIVE} GROUP BY order_id) m
        WHERE o.id = m.order_id""",
    "sqlite": f"UPDATE tickets_workorder SET next_due_at = {NEXT_DUE.format(id='tickets_workorder.id')}",
}


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _pg_create(), "sqlite": SQLITE_CREATE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)
    if vendor in BACKFILL:
        schema_editor.execute(BACKFILL[vendor])


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": PG_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0008_reassign_events"),
        ("tickets", "0015_batch_scope_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="next_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="next deadline"),
        ),
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(("state", "closed"), _negated=True),
                fields=["id"],
                include=QUEUE_COLUMNS,
                name="order_open_rows_idx",
            ),
        ),
    ]
