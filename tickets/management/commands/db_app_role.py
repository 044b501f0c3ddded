"""manage.py db_app_role ROLE [--password-env VAR] [--sql]

The database role the app runs under in production (R-AUD-1): it owns nothing, so it cannot disable the
append-only triggers (ALTER TABLE … DISABLE TRIGGER is the owner's), TRUNCATE, ALTER or DROP a table.
Run it as the owner role that runs the migrations (DATABASE_URL of the owner), after `migrate`:

- creates ROLE when missing (NOLOGIN; with --password-env VAR it may LOG IN with the password in $VAR —
  creating a role needs CREATEROLE; a DBA may create it instead and this only grants);
- grants CONNECT on the database, USAGE on schema public, SELECT/INSERT/UPDATE/DELETE on every table and
  USAGE/SELECT on every sequence — nothing else (no TRUNCATE, no TRIGGER, no REFERENCES, no CREATE);
- sets the owner's default privileges so that tables of later migrations get the same grants;
- refuses a role that is a superuser, owns a table here or is a member of the owner role (it could then
  act as the owner).

--sql prints the statements instead of running them (for a DBA)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

DML = "SELECT, INSERT, UPDATE, DELETE"


def app_role_statements(*, role: str, database: str, quote) -> list[str]:
    r, db = quote(role), quote(database)
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT {DML} ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {DML} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]


def app_role_grant(*, role: str, using: str = DEFAULT_DB_ALIAS, password: str | None = None) -> None:
    """Create (when missing) and grant the app role on the database of `using`, connected as its owner."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise CommandError(f"An app role is a PostgreSQL matter; this database is {connection.vendor}.")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Concurrent runs (several test databases on one server) may race to create it: either wins.
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {quote(role)} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
        if password:
            cursor.execute(f"ALTER ROLE {quote(role)} LOGIN PASSWORD %s", [password])
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(r.oid, current_user, 'MEMBER'), "
            "EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = %s",
            [role],
        )
        superuser, member_of_owner, owns = cursor.fetchone()
        if superuser or member_of_owner or owns:
            raise CommandError(
                f"Role {role!r} must own nothing: superuser={superuser}, member of the owner role="
                f"{member_of_owner}, owns tables={owns}."
            )
        for sql in app_role_statements(role=role, database=connection.settings_dict["NAME"], quote=quote):
            cursor.execute(sql)


class Command(BaseCommand):
    help = "Create/grant the PostgreSQL role the app runs under: DML only, owns nothing (R-AUD-1)."

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--password-env", default="", help="environment variable with the role's password")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--sql", action="store_true", help="print the statements instead of running them")

    def handle(self, *args, role, password_env, database, sql, **options):
        password = os.environ.get(password_env, "") if password_env else None
        if password_env and not password:
            raise CommandError(f"${password_env} is empty.")
        connection = connections[database]
        if sql:
            quote = connection.ops.quote_name
            self.stdout.write(f"CREATE ROLE {quote(role)} {'LOGIN PASSWORD …' if password else 'NOLOGIN'};")
            for statement in app_role_statements(role=role, database=connection.settings_dict["NAME"], quote=quote):
                self.stdout.write(statement + ";")
            return
        app_role_grant(role=role, using=database, password=password)
        name = connection.settings_dict["NAME"]
        self.stdout.write(f"Role {role} may read and write the tables of {name}; it owns nothing.")
