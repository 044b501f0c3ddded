"""API tokens (issue 8 §4, R-SEC-1) and login throttling on the token endpoint (R-SEC-3): tokens expire,
die with a password change or a deactivation, are listed and revoked by their owner (never showing the
key again), and the token endpoint answers 429 with Retry-After while the lockout applies; one address
trying many user names is locked too."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from org.models import ApiToken
from org.tokens import api_token_key_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
ORDERS = "/api/v1/orders/"
PASSWORD = "s3cret-pass-2026"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clerk(world):
    world.clerk.set_password(PASSWORD)
    world.clerk.save()
    return world.clerk


def obtain(client=None, username="clerk", password=PASSWORD, **extra):
    client = client or APIClient()
    return client.post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_stored_only_as_its_sha256_and_works(clerk):
    response = obtain(name="nightly export")

    assert response.status_code == 200
    key = response.data["token"]
    token = ApiToken.objects.get(user=clerk)
    assert token.key_hash == api_token_key_hash(key) and key not in token.key_hash
    assert token.name == "nightly export"
    assert with_token(key).get(ORDERS).status_code == 200


def test_a_user_may_hold_several_tokens(clerk):
    first, second = obtain().data["token"], obtain().data["token"]

    assert first != second
    assert ApiToken.objects.filter(user=clerk).count() == 2
    assert with_token(first).get(ORDERS).status_code == 200
    assert with_token(second).get(ORDERS).status_code == 200


def test_a_token_expires_after_30_days_by_default(clerk):
    with time_machine.travel(timezone.now(), tick=False):
        response = obtain()
        issued = timezone.now()
    key = response.data["token"]
    assert ApiToken.objects.get().expires_at == issued + timedelta(days=30)

    with time_machine.travel(issued + timedelta(days=29, hours=23), tick=False):
        assert with_token(key).get(ORDERS).status_code == 200
    with time_machine.travel(issued + timedelta(days=30, seconds=1), tick=False):
        assert with_token(key).get(ORDERS).status_code == 401
    assert not ApiToken.objects.exists()  # an expired token presented is deleted


def test_the_lifetime_is_a_setting(clerk, settings):
    settings.API_TOKEN_TTL = timedelta(hours=1)
    key = obtain().data["token"]

    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert with_token(key).get(ORDERS).status_code == 401


def test_a_password_change_revokes_every_token(clerk):
    keys = [obtain().data["token"], obtain().data["token"]]

    clerk.set_password("another-pass-2027")
    clerk.save()

    assert not ApiToken.objects.filter(user=clerk).exists()
    assert all(with_token(key).get(ORDERS).status_code == 401 for key in keys)


def test_a_password_changed_behind_the_models_back_still_revokes(clerk):
    key = obtain().data["token"]
    clerk.set_password("another-pass-2027")
    type(clerk).objects.filter(pk=clerk.pk).update(password=clerk.password)  # no save(), no signal

    assert with_token(key).get(ORDERS).status_code == 401


def test_deactivation_revokes_every_token(clerk):
    key = obtain().data["token"]

    clerk.is_active = False
    clerk.save()

    assert not ApiToken.objects.filter(user=clerk).exists()
    assert with_token(key).get(ORDERS).status_code == 401


def test_a_login_does_not_touch_the_tokens(clerk):
    key = obtain().data["token"]
    assert Client().post("/accounts/login/", {"username": "clerk", "password": PASSWORD}).status_code == 302
    assert with_token(key).get(ORDERS).status_code == 200


def test_the_list_shows_name_times_and_never_the_key(clerk):
    with time_machine.travel(timezone.now(), tick=False):
        key = obtain(name="报表脚本").data["token"]
        with_token(key).get(ORDERS)
        now = timezone.now()
    other = obtain(name="手机").data["token"]
    obtain(APIClient(), username="clerk", password=PASSWORD)  # a third one, seen from the second

    response = with_token(other).get(TOKENS)

    assert response.status_code == 200
    rows = response.data["results"]
    assert len(rows) == 3
    assert set(rows[0]) == {"id", "name", "created_at", "last_used_at", "expires_at", "current"}
    assert key not in response.content.decode() and other not in response.content.decode()
    by_name = {row["name"]: row for row in rows}
    assert by_name["手机"]["current"] is True and by_name["报表脚本"]["current"] is False
    assert by_name["报表脚本"]["last_used_at"] is not None and by_name["报表脚本"]["last_used_at"] == (
        timezone.localtime(now).isoformat()
    )


def test_last_used_is_written_at_most_once_a_minute(clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = obtain().data["token"]
        with_token(key).get(ORDERS)
    token = ApiToken.objects.get()
    assert token.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        with_token(key).get(ORDERS)
    assert ApiToken.objects.get().last_used_at == start

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        with_token(key).get(ORDERS)
    assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=61)


def test_a_user_revokes_one_of_their_tokens(clerk):
    keep, drop = obtain().data["token"], obtain().data["token"]
    drop_id = ApiToken.objects.get(key_hash=api_token_key_hash(drop)).id

    response = with_token(keep).delete(f"{TOKENS}{drop_id}/")

    assert response.status_code == 204
    assert with_token(drop).get(ORDERS).status_code == 401
    assert with_token(keep).get(ORDERS).status_code == 200


def test_nobody_revokes_or_sees_another_users_token(clerk, world):
    key = obtain().data["token"]
    token_id = ApiToken.objects.get().id
    other = APIClient()
    other.force_login(world.dispatcher)

    assert other.get(TOKENS).data["results"] == []
    assert other.delete(f"{TOKENS}{token_id}/").status_code == 404
    assert other.delete(f"{TOKENS}abc/").status_code == 404
    assert with_token(key).get(ORDERS).status_code == 200


def test_the_token_list_needs_a_login():
    assert APIClient().get(TOKENS).status_code == 401


def test_missing_fields_are_named_and_a_wrong_password_is_400(clerk):
    missing = APIClient().post(TOKEN, {}, format="json")
    wrong = obtain(password="nope")

    assert missing.status_code == 400 and {"username", "password"} <= set(missing.data)
    assert wrong.status_code == 400
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(clerk):
    clerk.is_active = False
    clerk.save()
    assert obtain().status_code == 400


# --- lockout (R-SEC-3) --------------------------------------------------------------------------------------
def test_the_token_endpoint_answers_429_with_retry_after_when_locked(clerk):
    client = APIClient()
    for _ in range(4):
        assert obtain(client, password="nope").status_code == 400

    fifth = obtain(client, password="nope")
    right = obtain(client)

    for response in (fifth, right):
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        assert response.json()["code"] == "locked_out"
    assert not ApiToken.objects.exists()


def test_a_token_issued_clears_the_failures_like_a_login(clerk):
    client = APIClient()
    for _ in range(4):
        obtain(client, password="nope")
    assert obtain(client).status_code == 200

    answers = [obtain(client, password="nope").status_code for _ in range(4)]

    assert answers == [400] * 4  # counting starts again: four more failures do not lock
    clerk.refresh_from_db()
    assert clerk.last_login is not None


def test_the_api_lockout_is_shared_with_the_login_page(clerk):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "clerk", "password": "nope"})

    assert obtain().status_code == 429


def test_one_address_trying_many_user_names_is_locked(world, settings):
    # given: a spraying run — one wrong password per user name, never 5 for the same one
    settings.AXES_IP_FAILURE_LIMIT = 8
    victim = UserFactory(username="victim")
    victim.set_password(PASSWORD)
    victim.save()
    client = Client(REMOTE_ADDR="10.9.9.9")
    answers = [
        client.post("/accounts/login/", {"username": f"user{n}", "password": "Passw0rd!"}).status_code for n in range(8)
    ]

    # when: the right password of a real user, from that address and from another one
    same_address = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    api = obtain(APIClient(REMOTE_ADDR="10.9.9.9"), username="victim")
    elsewhere = Client(REMOTE_ADDR="10.1.1.1").post("/accounts/login/", {"username": "victim", "password": PASSWORD})

    # then: the eighth failure locks the address; other addresses are untouched
    assert answers == [200] * 7 + [429]
    assert same_address.status_code == 429 and same_address["Retry-After"] == str(15 * 60)
    assert api.status_code == 429
    assert elsewhere.status_code == 302


def test_the_address_limit_is_higher_than_the_pair_limit(world, settings):
    assert settings.AXES_IP_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    client = Client(REMOTE_ADDR="10.9.9.8")
    answers = [
        client.post("/accounts/login/", {"username": f"user{n}", "password": "x"}).status_code for n in range(10)
    ]
    assert answers == [200] * 10


def test_a_successful_login_does_not_reset_the_address_count(world, settings):
    settings.AXES_IP_FAILURE_LIMIT = 6
    victim = UserFactory(username="victim")
    victim.set_password(PASSWORD)
    victim.save()
    client = Client(REMOTE_ADDR="10.9.9.7")
    for n in range(5):
        client.post("/accounts/login/", {"username": f"user{n}", "password": "x"})

    assert client.post("/accounts/login/", {"username": "victim", "password": PASSWORD}).status_code == 302
    assert AccessAttempt.objects.filter(ip_address="10.9.9.7").count() == 5
    assert Client(REMOTE_ADDR="10.9.9.7").post("/accounts/login/", {"username": "u9", "password": "x"}).status_code == (
        429
    )


def test_an_administrator_sees_tokens_in_the_admin_without_keys_and_may_revoke_one(clerk):
    key = obtain(name="导出脚本").data["token"]
    token = ApiToken.objects.get()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)

    listing = admin.get("/admin/org/apitoken/")
    revoked = admin.post(f"/admin/org/apitoken/{token.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "导出脚本" in listing.content.decode()
    assert key not in listing.content.decode() and token.key_hash not in listing.content.decode()
    assert admin.get("/admin/org/apitoken/add/").status_code == 403
    assert revoked.status_code == 302
    assert with_token(key).get(ORDERS).status_code == 401


def test_a_json_number_for_a_text_field_is_a_400_naming_it(clerk):
    # The schema says string; DRF alone would take 0 as "0" (schemathesis' negative-data check).
    response = APIClient().post(TOKEN, {"username": 0, "password": PASSWORD}, format="json")

    assert response.status_code == 400 and "username" in response.json()
    assert not ApiToken.objects.exists()
