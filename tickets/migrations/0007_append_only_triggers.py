"""R-AUD-1 in the database: on PostgreSQL a trigger refuses UPDATE and DELETE of timeline entries, contacts
and unmask audits, so a bulk QuerySet.update()/delete(), a cascade from deleting an order or a stray SQL
statement cannot rewrite history either (the models refuse single-row saves and deletes on every database).
SQLite keeps only the model guard: Django's test flush empties its tables with DELETE. TRUNCATE, which only
the table owner may run, is not covered."""

from django.db import migrations

APPEND_ONLY = ("TimelineEntry", "Contact", "NumberUnmaskAudit")

FUNCTION = """
CREATE OR REPLACE FUNCTION workorders_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (R-AUD-1): % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""


def tables(apps):
    return [apps.get_model("tickets", name)._meta.db_table for name in APPEND_ONLY]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # no parameters: the % are PL/pgSQL's
    for table in tables(apps):
        schema_editor.execute(
            f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION workorders_append_only()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables(apps):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS workorders_append_only()")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_work_order_rules")]

    operations = [migrations.RunPython(create, drop)]
