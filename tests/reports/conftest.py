"""Fixtures of the reports' tests: the shared small branch with its clock policies (orders made get their
clocks), and clients logged in as its people."""

import pytest
from django.test import Client

from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults
from tests.factories import roles_ensure


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture
def clocks(db):
    calendar_cache_clear()
    calendar_seed_defaults()
    clock_policies_seed()
    yield
    calendar_cache_clear()


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make
