"""Server-side prepared statements for the few plain-SQL statements every order creation sends (issue 12 §3).

Planning the joins of these statements cost PostgreSQL more than running them (the actor's permissions and units:
~1 ms to plan, 0.2 ms to run). A statement prepared once per database session (PREPARE) and run with EXECUTE is
planned once: after its first five runs PostgreSQL keeps a generic plan when it is as good as the custom ones. So a
statement given here must carry its constants in its text (a partial index is only chosen when the WHERE clause
names its condition's values) and take as parameters only what varies.

Prepared statements live as long as the database session and do not roll back with a transaction. The sessions are
Django's own connections to PostgreSQL (CONN_MAX_AGE keeps them): which statements a session holds is remembered by
its driver connection object, so a new or reopened connection prepares again. Not for a transaction-pooling proxy in
front of the database (a session there is not one client's). Elsewhere (SQLite) the statement simply runs."""

import re
import weakref

from django.db import connection

_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")


def prepared_execute(cursor, name: str, sql: str, params: list) -> None:
    """Run `sql` (placeholders `%s`) with `params` on `cursor`, as the session's prepared statement `name` on
    PostgreSQL. `name` must be unique to the statement for the life of the process (its text never changes)."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    session = connection.connection
    names = _prepared.get(session)
    if names is None:
        names = _prepared[session] = set()
    if name not in names:
        counter = iter(range(1, len(params) + 1))
        numbered = _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)
        cursor.execute(f"PREPARE {name} AS {numbered}")
        names.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
