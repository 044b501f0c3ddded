"""Issue 13 §1: words of the request found by their overlapping 2-character pieces (bigrams), the standard index for
Chinese text, on PostgreSQL (`tickets.search`).

pg_trgm (tickets 0011) cannot serve a two-character word — the commonest kind of Chinese search term (掉线, 宽带,
扣费): `LIKE '%掉线%'` has no full trigram, so it read every row (230–275 ms at 1,000,000 orders, bench/search.py).

`tickets_bigrams(text)` is the array of a text's lower-cased bigrams. `tickets_search_tokens(…)` adds to an order's
content bigrams a token of its accepted day (UTC, `@d<days since 2000-01-01>`) and one per column of the visibility
rule (SPEC §1: `@a<accepting unit>`, `@h<handling unit>`, `@b<accepted by>`, `@s<assignee>`); a GIN index holds it.
A search then asks the index, in one scan, for the orders holding every bigram of the term, accepted on one of the
days of a window, that the user may see (`@>` the term's bigrams, `&&` the window's days, `&&` the user's units and
self) — so only rows that are likely hits are read from the table, where the ILIKE (a longer term's bigrams may sit
apart), the exact time and the visibility rule are checked again. Tokens start with `@` and are longer than two
characters, so that no bigram equals one. (A bigram index alone left the time and the visibility to the table: the
planner, which multiplies the frequencies of a term's bigrams as if independent, then read every match of the term
before filtering — 33,000 rows for 物联网卡.)

An expression index: no column to fill, so an order's creation sends no more statements (the INSERT maintains the
index) and an existing table needs no rewrite or backfill; the functions are IMMUTABLE, as index expressions must be
(plpgsql: three times faster than the same in SQL, which cannot be inlined here; COST tells the planner that
computing them per row is dearer than reading the index — at the default it once chose filtering a range of
accepted_at by the function, 57 µs a row). The content's trigram index of 0011 served only this search and is
dropped (one GIN index less to maintain per write); the numbers' and names' trigram indexes stay. CONCURRENTLY,
outside a transaction, so that building the index on a large table does not block intake. Nothing on SQLite (the
development default scans with LIKE)."""

from django.db import migrations

BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_bigrams(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
DECLARE
    s text := pg_catalog.lower(t);
    pieces text[] := '{}';
BEGIN
    FOR i IN 1 .. pg_catalog.char_length(s) - 1 LOOP
        pieces := pieces || pg_catalog.substr(s, i, 2);
    END LOOP;
    RETURN pieces;
END
$$
"""
TOKENS_FUNCTION = """
CREATE OR REPLACE FUNCTION tickets_search_tokens(
    content text, accepted_at timestamptz, accepting_unit bigint, handling_unit bigint, accepted_by bigint,
    assignee bigint
) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
BEGIN
    RETURN pg_catalog.array_remove(
        tickets_bigrams(coalesce(content, '')) || ARRAY[
            '@d' || ((accepted_at AT TIME ZONE 'UTC')::date - DATE '2000-01-01'),
            '@a' || accepting_unit, '@h' || handling_unit, '@b' || accepted_by, '@s' || assignee
        ],
        NULL
    );
END
$$
"""
TOKEN_COLUMNS = ("content", "accepted_at", "accepting_unit_id", "handling_unit_id", "accepted_by_id", "assignee_id")
INDEX_NAME = "order_search_tokens_idx"
INDEX_SQL = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX_NAME} ON tickets_workorder "
    f"USING gin (tickets_search_tokens({', '.join(TOKEN_COLUMNS)}))"
)
TRIGRAM_INDEX = "order_content_trgm_idx"  # tickets 0011's, restored on the way back
TRIGRAM_INDEX_SQL = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} ON tickets_workorder USING gin (content gin_trgm_ops)"
)


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
        ("tickets", "0016_order_next_due"),
    ]

    operations = [
        PostgresOnlySQL(BIGRAMS_FUNCTION, "DROP FUNCTION IF EXISTS tickets_bigrams(text)"),
        PostgresOnlySQL(
            TOKENS_FUNCTION,
            "DROP FUNCTION IF EXISTS tickets_search_tokens(text, timestamptz, bigint, bigint, bigint, bigint)",
        ),
        PostgresOnlySQL(INDEX_SQL, f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX_NAME}"),
        PostgresOnlySQL(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}", TRIGRAM_INDEX_SQL),
    ]
