"""Issue 13 §1: substring search (Chinese words of the request, the last digits of a number) answered from pg_trgm
GIN indexes on PostgreSQL (`tickets.search`), and the customer's name by trigrams and by its start; SQLite, the
development default, scans with LIKE and gets nothing here.

Not declared in WorkOrder.Meta.indexes: an index with an operator class of a PostgreSQL extension would make the
SQLite schema fail. The extension is created here, by the owner who migrates (the app role owns nothing and may
not, README "Production"). CONCURRENTLY, so that building them on a large table does not block intake; that needs a
migration outside a transaction."""

from django.db import migrations

INDEXES = {
    "order_content_trgm_idx": "content",
    "order_accepted_number_trgm_idx": "accepted_number",
    "order_contact_number_trgm_idx": "contact_number",
}
# The customer's name, searched by tickets.search (complaints, below tickets, has no search of its own): trigrams for
# a part of a name, and a btree for a name's start — a two-character name ("林晓") has no trigram to look up.
CUSTOMER_INDEXES = {
    "customer_name_trgm_idx": "USING gin (name gin_trgm_ops)",
    "customer_name_prefix_idx": "(name text_pattern_ops)",
}


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0002_replyscript"),
        ("tickets", "0010_batch"),
    ]

    operations = [
        # Kept on the way back: other objects may use the extension, and dropping it needs the owner anyway.
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        *(
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
                f"ON tickets_workorder USING gin ({column} gin_trgm_ops)",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, column in INDEXES.items()
        ),
        *(
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON complaints_customer {how}",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, how in CUSTOMER_INDEXES.items()
        ),
    ]
