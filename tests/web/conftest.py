"""Fixtures of the workspace's view tests: the shared small branch (`world`, tests/factories.py), the clock
policies of SPEC §3.2 when a test looks at clocks, and clients logged in as its people."""

import pytest
from django.test import Client

from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults
from tests.factories import roles_ensure


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the role groups once per session (see tests/tickets/conftest.py)."""
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture
def clocks(db):
    """Calendars and the SPEC §3.2 clock policies: orders made after this get their clocks."""
    calendar_cache_clear()
    calendar_seed_defaults()
    clock_policies_seed()
    yield
    calendar_cache_clear()


@pytest.fixture
def login():
    """login(user) → a test client with that user's session (Chinese, the default language)."""

    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make
