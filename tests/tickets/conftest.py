import pytest

from tests.factories import roles_ensure


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the role groups once per session (`roles_seed` is ~180 queries); every test rolls back to this
    state. A transactional test flushes them; `roles_ensure` then seeds them again for whoever needs them."""
    with django_db_blocker.unblock():
        roles_ensure()
