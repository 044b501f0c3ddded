"""Response headers and cookies (issue 8 §4): a Content-Security-Policy with no inline script or style, under
which the workspace, the admin and Swagger UI still work in a real browser without a single violation; a
Permissions-Policy; the language cookie like the others; X-Forwarded-Proto trusted only behind a proxy.
The browser half (no violation in the workspace, the admin, Swagger UI) is tests/browser/test_csp.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

ROOT = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script(world):
    client = Client()
    client.force_login(world.clerk)
    response = client.get("/")

    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_api_and_the_login_page_carry_it_too():
    assert "script-src 'self'" in Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in Client().get("/api/v1/orders/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_permissions_policy_switches_off_camera_microphone_and_location():
    header = Client().get("/accounts/login/")["Permissions-Policy"]
    features = dict(part.strip().split("=") for part in header.split(","))
    assert features["camera"] == features["microphone"] == features["geolocation"] == "()"
    assert features["payment"] == features["usb"] == "()"


TEMPLATES = ROOT / "templates"


INLINE = (" style=", "<style", " onclick=", " onload=", " onchange=", " onsubmit=", "javascript:", "hx-on")


def test_no_template_has_inline_script_style_or_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for needle in (
            " style=",
            "<style",
            " onclick=",
            " onload=",
            " onchange=",
            " onsubmit=",
            "javascript:",
            "hx-on",
        ):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle.strip()}")
        for chunk in text.split("<script")[1:]:
            if "src=" not in chunk.split(">")[0]:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
    assert offenders == []


def test_htmx_is_told_not_to_inject_its_indicator_style_nor_to_eval():
    base = (TEMPLATES / "base.html").read_text()
    meta = base.split('<meta name="htmx-config" content=\'')[1].split("'>")[0]
    config = json.loads(meta)
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert ".htmx-indicator" in (ROOT / "static" / "css" / "workspace.css").read_text()


# --- cookies ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_language_cookie_is_samesite_lax_and_not_readable_by_script():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True


@pytest.mark.django_db
@override_settings(LANGUAGE_COOKIE_SECURE=True)
def test_the_language_cookie_is_secure_when_so_configured():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"] is True


def production_settings(**env) -> dict:
    """The settings a production process computes from its environment (a fresh interpreter)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'proxy': s.SECURE_PROXY_SSL_HEADER, 'lang_secure': s.LANGUAGE_COOKIE_SECURE, "
        "'session_secure': s.SESSION_COOKIE_SECURE, 'lang_samesite': s.LANGUAGE_COOKIE_SAMESITE}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "example.com",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=base | env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_in_production_the_language_cookie_is_secure_like_the_session_cookie():
    prod = production_settings()
    assert prod["session_secure"] is True
    assert prod["lang_secure"] is True and prod["lang_samesite"] == "Lax"


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy():
    assert production_settings()["proxy"] is None
    assert production_settings(DJANGO_BEHIND_PROXY="1")["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_without_the_proxy_setting_a_forged_header_does_not_make_a_request_secure():
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.django_db
@override_settings(BEHIND_PROXY=True, PROXY_COUNT=1)
def test_behind_the_proxy_throttling_counts_the_address_the_proxy_saw(world):
    from axes.models import AccessAttempt

    Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/", {"username": "clerk", "password": "x"}, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


@pytest.mark.django_db
def test_without_a_proxy_a_client_cannot_pick_its_address(world):
    from axes.models import AccessAttempt

    Client(REMOTE_ADDR="10.0.0.1").post(
        "/accounts/login/", {"username": "clerk", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.1"]


# The same policy in a real browser (the workspace, the admin, Swagger UI): tests/browser/test_csp.py
