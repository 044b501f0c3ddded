"""What every bench script does before Django starts: recreate its own PostgreSQL database (refusing any name
without "bench", so a bench never drops a real database). Imported by the scripts beside it (`python bench/x.py`
puts this folder first on sys.path); plain psycopg2, no Django."""

from urllib.parse import unquote, urlparse

import psycopg2
from psycopg2 import sql


def database_recreate(url: str, *, variable: str, require_bench: bool = True) -> None:
    """DROP and CREATE the database of `url` through the server's maintenance database. `variable` names the
    environment variable the URL came from, for the refusal's message."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name or parts.scheme not in {"postgres", "postgresql"} or (require_bench and "bench" not in name):
        raise SystemExit(f"{variable} must be a PostgreSQL URL whose database name contains 'bench', not {url!r}")
    admin = psycopg2.connect(
        dbname="postgres", host=parts.hostname or "localhost", port=parts.port or 5432,
        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
    )  # fmt: skip
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
