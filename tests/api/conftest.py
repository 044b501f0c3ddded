import pytest

from tests.factories import roles_ensure


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the role groups once per session, as tests/tickets does."""
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture
def api():
    """An API client that asks for English (the product's default language is Simplified Chinese)."""
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")
