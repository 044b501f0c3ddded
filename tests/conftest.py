import os

import pytest
from django.db import connection

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
ON_REDIS = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")


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


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


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
