import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from notifications.models import NotificationState
from notifications.services import NotificationDeliveryError, notification_deliver, notification_enqueue
from notifications.sms import HttpSmsGateway, SmsGatewayError


class FakeGateway(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {"auth": self.headers.get("Authorization"), "body": json.loads(self.rfile.read(length))}
        )
        status, answer = type(self).answers.pop(0)
        content = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway_url():
    FakeGateway.answers, FakeGateway.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()
    thread.join()


def test_posts_json_with_bearer_token_and_returns_message_id(gateway_url):
    FakeGateway.answers = [(200, {"id": "m-42"})]

    message_id = HttpSmsGateway(url=gateway_url, token="s3cret", timeout=2).send("13800138000", "工单已超时")

    assert message_id == "m-42"
    assert FakeGateway.received == [{"auth": "Bearer s3cret", "body": {"to": "13800138000", "text": "工单已超时"}}]


def test_non_2xx_raises(gateway_url):
    FakeGateway.answers = [(503, {"error": "busy"})]

    with pytest.raises(SmsGatewayError, match="HTTP 503"):
        HttpSmsGateway(url=gateway_url, timeout=2).send("13800138000", "x")


def test_only_http_urls_are_accepted():
    with pytest.raises(ImproperlyConfigured):
        HttpSmsGateway(url="file:///etc/passwd")


@pytest.mark.django_db
def test_gateway_error_is_recorded_then_the_retry_succeeds(gateway_url, settings):
    settings.SMS_BACKEND = "notifications.sms.HttpSmsGateway"
    settings.SMS_GATEWAY_URL = gateway_url
    settings.SMS_GATEWAY_TIMEOUT = 2
    FakeGateway.answers = [(500, {"error": "boom"}), (202, {"message_id": "m-7"})]
    now = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    with time_machine.travel(now, tick=False):
        notification = notification_enqueue(
            channel="sms", idempotency_key="k", address="13800138000", subject="Breach", body="", urgent=True
        )
        with pytest.raises(NotificationDeliveryError) as failure:
            notification_deliver(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.state == NotificationState.PENDING
        assert notification.attempts == 1
        assert "HTTP 500" in notification.last_error

        assert notification_deliver(notification_id=notification.pk, now=failure.value.retry_at) is True

    notification.refresh_from_db()
    assert (notification.state, notification.external_id, notification.attempts) == (NotificationState.SENT, "m-7", 2)
    assert len(FakeGateway.received) == 2
