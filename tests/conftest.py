import os

import pytest
from django.db import connection

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
ON_REDIS = os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(
        reason="needs PostgreSQL: SQLite ignores SELECT ... FOR UPDATE; set DATABASE_URL to run it"
    )
    skip_redis = pytest.mark.skip(reason="needs Redis and a live Celery worker; set CELERY_BROKER_URL to run it")
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not ON_REDIS:
            item.add_marker(skip_redis)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
