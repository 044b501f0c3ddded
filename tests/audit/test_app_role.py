"""R-AUD-1 (issue 8 §5): the app runs under a database role that owns nothing (manage.py db_app_role), so it
cannot disable the triggers, TRUNCATE or drop them. With DATABASE_APP_ROLE set (.ci/run sets it) the whole
suite runs its SQL as that role (tests/conftest.py); these tests prove it."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from tests.conftest import APP_ROLE
from tickets.management.commands.db_app_role import app_role_grant
from tickets.models import TimelineEntry

pytestmark = pytest.mark.django_db
needs_role = pytest.mark.skipif(not APP_ROLE, reason="set DATABASE_APP_ROLE (and DATABASE_URL=postgres://…)")


def current_user(conn=connection) -> str:
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


@needs_role
def test_the_suite_runs_as_the_app_role_in_every_connection():
    assert current_user() == APP_ROLE

    seen = []

    def other_thread():  # live-server threads and the concurrency tests open their own connections
        try:
            seen.append(current_user(connections["default"]))
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert seen == [APP_ROLE]


@needs_role
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("ALTER TABLE {t} DISABLE TRIGGER ALL", "must be owner"),
        ("ALTER TABLE {t} DISABLE TRIGGER USER", "must be owner"),
        ("DROP TABLE {t}", "must be owner"),
        ("TRUNCATE {t} CASCADE", "permission denied"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE wo_app_owns_this (id int)", "permission denied"),
    ],
    ids=["disable-all", "disable-user", "drop", "truncate", "replica", "create"],
)
def test_the_app_role_cannot_get_past_the_triggers(world, statement, message):
    with pytest.raises(DatabaseError, match=message), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(t=connection.ops.quote_name(TimelineEntry._meta.db_table)))


@pytest.mark.postgres(reason="roles and grants are PostgreSQL's")
def test_the_role_script_refuses_a_role_that_could_act_as_the_owner():
    owner = connection.settings_dict["USER"] or "postgres"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # back to the owner for this test's transaction
    with pytest.raises(CommandError, match="must own nothing"):
        app_role_grant(role=owner)


def test_the_role_script_prints_its_grants_for_a_dba(capsys):
    call_command("db_app_role", "workorders_app", "--sql")
    out = capsys.readouterr().out
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public" in out
    assert "TRUNCATE" not in out and "TRIGGER" not in out and "OWNER" not in out
