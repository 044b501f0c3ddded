"""Issue 8 §1 (R-SEC-2): full customer numbers never reach logs — defence in depth. The application keeps
numbers out of URLs (tests/browser/test_number_logs.py greps the access log of a browser run); the production
access log masks any number a client still puts in a URL: gunicorn, started with config/gunicorn.conf.py
(the Procfile's and README's command), logs through `config.gunicorn_logging.NumberMaskingLogger`."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from config.gunicorn_logging import mask_numbers


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("GET /api/v1/customers/?number=13812345678 HTTP/1.1", "GET /api/v1/customers/?number=138****5678 HTTP/1.1"),
        ("/orders/?accepted_number=%2B8613812345678&open=1", "/orders/?accepted_number=138****5678&open=1"),
        ("?q=138%201234%205678", "?q=138****5678"),
        ("?q=138+1234+5678", "?q=138****5678"),
        ("?q=8613812345678", "?q=138****5678"),
        ("?next=/x%3Fnumber%3D13812345678", "?next=/x%3Fnumber%3D138****5678"),
        ("?q=0755-87654321", "?q=075*****4321"),
        ("?q=010-12345678", "?q=010****5678"),
    ],
)
def test_numbers_are_masked_however_they_are_typed(raw, masked):
    assert mask_numbers(raw) == masked


@pytest.mark.parametrize(
    "kept",
    [
        "/api/v1/orders/?number=TS202611210001",  # an order number is not a customer's
        "/api/v1/orders/?accepted_after=2026-12-01%2010:00:00",
        "/api/v1/orders/?id=123456789012345",  # too long for a phone number
        "/orders/42/clocks/",
    ],
)
def test_other_values_are_kept(kept):
    assert mask_numbers(kept) == kept


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorns_access_log_masks_numbers_in_the_request_line(tmp_path):
    log, port = tmp_path / "access.log", _free_port()
    env = {**os.environ, "GUNICORN_ACCESS_LOG": str(log), "WEB_CONCURRENCY": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    errors = (tmp_path / "gunicorn.err").open("wb")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "config/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "--no-control-socket",
         "tests.security.wsgi_echo:app"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=errors,
    )  # fmt: skip
    try:
        paths = ["/api/v1/customers/?number=13812345678", "/api/v1/orders/?accepted_number=%2B86%20139%200000%207777"]
        for path in paths:
            _get_when_up(f"http://127.0.0.1:{port}{path}", server, tmp_path / "gunicorn.err")
        text = _wait_for_lines(log, len(paths))
    finally:
        server.terminate()
        server.wait(timeout=10)
        errors.close()
    assert "13812345678" not in text and "7777" in text and "0000%207777" not in text
    assert "number=138****5678" in text and "accepted_number=139****7777" in text


def _get_when_up(url: str, server: subprocess.Popen, errors: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local test server)
                assert response.status == 200
                return
        except OSError:
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited: {errors.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_for_lines(log: Path, count: int) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.count("\n") >= count:
            return text
        time.sleep(0.1)
    return log.read_text() if log.exists() else ""


def test_the_procfile_and_readmes_command_start_gunicorn_with_the_masking_logger():
    base = Path(settings.BASE_DIR)
    web = next(line for line in (base / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert "gunicorn config.wsgi -c config/gunicorn.conf.py" in web
    assert "gunicorn config.wsgi -c config/gunicorn.conf.py" in (base / "README.md").read_text()
    conf: dict = {}
    exec((base / "config" / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 (our own settings file)
    assert conf["logger_class"] == "config.gunicorn_logging.NumberMaskingLogger"
