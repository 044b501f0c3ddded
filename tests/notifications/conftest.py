import pytest

from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults


class CountingSmsGateway:
    """Test gateway: records every message; `fail_next` makes the next sends raise."""

    sent: list[tuple[str, str]] = []
    fail_next = 0
    on_send = None  # a callable run inside send(), to simulate a concurrent worker

    def send(self, number: str, text: str) -> str:
        cls = type(self)
        if cls.on_send is not None:
            cls.on_send()
        if cls.fail_next:
            cls.fail_next -= 1
            raise ConnectionError("gateway down")
        cls.sent.append((number, text))
        return f"fake-{len(cls.sent)}"


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "tests.notifications.conftest.CountingSmsGateway"
    CountingSmsGateway.sent = []
    CountingSmsGateway.fail_next = 0
    CountingSmsGateway.on_send = None
    yield CountingSmsGateway
    CountingSmsGateway.on_send = None


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="li.wei", email="li.wei@example.cn", password="x")


@pytest.fixture(autouse=True)
def service_calendar(request):
    """CAL-SERVICE as seeded reference data (quiet hours read it from deadlines). Compiled calendars
    are cached per process and test rollbacks send no signals, so the cache is cleared around each test."""
    calendar_cache_clear()
    if "django_db" in request.keywords:
        request.getfixturevalue("db")
        calendar_seed_defaults()
    yield
    calendar_cache_clear()
