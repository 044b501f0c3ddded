import pytest

from tests.factories import roles_ensure


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the role groups once per session (`roles_seed` is ~180 queries); every test rolls back to this
    state. A transactional test flushes them; `roles_ensure` then seeds them again for whoever needs them."""
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture(autouse=True)
def english():
    """These tests assert the rules' messages in their English source wording. The product speaks Simplified
    Chinese by default (LANGUAGE_CODE, locale/zh_Hans); tests/web and tests/browser check the Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def api():
    """An API client that asks for English (the default language of a request is Simplified Chinese)."""
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")
