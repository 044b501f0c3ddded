import os

import pytest
from django.db import connection

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
ON_REDIS = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
# R-AUD-1: with DATABASE_APP_ROLE set (PostgreSQL), the suite runs its SQL as that role, which owns nothing
# (README, Production): the owner creates and migrates the test database, then every connection — this
# process's, live-server threads', child processes' (tests/clocks/conftest.py) — does SET ROLE to it.
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "") if ON_POSTGRES else ""


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` skips on SQLite with the default reason (row locks), or the marker's own
    (`@pytest.mark.postgres(reason="…")`)."""
    default_pg = "SQLite ignores SELECT ... FOR UPDATE"
    skip_redis = pytest.mark.skip(reason="needs Redis and a live Celery worker; set CELERY_BROKER_URL to run it")
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None and not ON_POSTGRES:
            why = marker.kwargs.get("reason", default_pg)
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {why}; set DATABASE_URL to run it"))
        if "redis" in item.keywords and not ON_REDIS:
            item.add_marker(skip_redis)


def _flush_as_owner(original):
    """Django's test flush (after each transaction=True test) empties the tables with TRUNCATE, which the
    append-only triggers refuse (R-AUD-1) and which the app role may not run at all. The owner does it: in
    the flush's own transaction it takes back its role (SET LOCAL ROLE NONE) and disables the user triggers
    of the protected tables, which only an owner may; both end with that transaction."""

    def execute_sql_flush(self, sql_list):
        import pgtrigger

        tables = sorted({model._meta.db_table for model, _ in pgtrigger.registered()})
        qn = self.quote_name
        owner = ["SET LOCAL ROLE NONE"] if APP_ROLE else []
        off = [f"ALTER TABLE {qn(t)} DISABLE TRIGGER USER" for t in tables]
        on = [f"ALTER TABLE {qn(t)} ENABLE TRIGGER USER" for t in tables]
        return original(self, [*owner, *off, *sql_list, *on] if sql_list else sql_list)

    return execute_sql_flush


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL: the flush above; with DATABASE_APP_ROLE, the grants (manage.py db_app_role, as the
    owner, on the fresh test database) and then SET ROLE on every connection (Django's `assume_role`)."""
    if not ON_POSTGRES:
        yield
        return
    from django.db import connections
    from django.db.backends.postgresql.operations import DatabaseOperations

    from tickets.management.commands.db_app_role import app_role_grant

    original = DatabaseOperations.execute_sql_flush
    DatabaseOperations.execute_sql_flush = _flush_as_owner(original)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    if APP_ROLE:
        with django_db_blocker.unblock():
            app_role_grant(role=APP_ROLE)
            with connection.cursor() as cursor:
                # Tests only: the race tests watch other sessions wait for a lock (pg_stat_activity), which a
                # plain role sees only for its own sessions. Read-only monitoring; production does not need it.
                cursor.execute(f"GRANT pg_read_all_stats TO {connection.ops.quote_name(APP_ROLE)}")
            connections.close_all()
        options["assume_role"] = APP_ROLE
    yield
    if APP_ROLE:  # the owner drops the test database
        with django_db_blocker.unblock():
            connections.close_all()
        options.pop("assume_role", None)
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Per-process caches of reference rows (tickets.reference, the clock policies) start empty in each test: a
    rolled-back test's rows, or a QuerySet.update() no signal saw, must not leak into the next (issue 12 §3)."""
    from deadlines.clocks import policies_cache_clear
    from tickets.reference import reference_cache_clear

    reference_cache_clear()
    policies_cache_clear()
    yield
    reference_cache_clear()
    policies_cache_clear()


# --- work-order core (tests/tickets, tests/complaints, tests/org) ----------------------------------------
@pytest.fixture
def world(db):
    """The small branch of tests/factories.py: org tree, one user per role needed, reference data."""
    from tests.factories import world_build

    return world_build()


@pytest.fixture
def api():
    """An API client; `api.force_login(user)` logs in through the session (a fresh user per request)."""
    from rest_framework.test import APIClient

    return APIClient()
