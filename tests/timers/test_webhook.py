"""The outgoing webhook for a chat tool: every notification is posted as JSON by the scheduler's
job, never inside the command; a failing chat tool is retried with back-off and given up in time."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import threading

import pytest
import sqlalchemy as sa

from engine.commands import transaction
from engine.db import db
from engine.models import User
from engine.timers import outbox, webhook
from engine.timers.outbox import WebhookDelivery

PAYLOAD = {"title": {"zh": "新任务：售后服务部审核", "en": "New task: Service desk review"},
           "body": {"zh": "INS-2026-00001 的任务已指派给你。", "en": "A task of INS-2026-00001 is yours."},
           "case_number": "INS-2026-00001", "link": "/tasks/abc"}


class _Sink(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 - the http.server protocol
        length = int(self.headers["Content-Length"])
        _Sink.received.append({"type": self.headers["Content-Type"], "body": json.loads(self.rfile.read(length))})
        self.send_response(_Sink.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def chat():
    _Sink.received, _Sink.status = [], 200
    server = http.server.HTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Sink
    server.shutdown()


@pytest.fixture
def forwarding():
    outbox.forward_to_webhook(True)
    yield
    outbox.forward_to_webhook(False)


def _deliveries() -> list[WebhookDelivery]:
    return list(db.session.execute(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


def test_each_notification_is_posted_as_json_naming_the_recipient(users, clock, chat, forwarding):
    url, sink = chat
    with transaction():
        db.session.execute(sa.update(User).where(User.username == "manager1").values(display_name="张经理",
                                                                                        locale="en"))
        db.session.execute(sa.update(User).where(User.username == "desk1").values(display_name="李客服"))
        outbox.notify("desk1", "task_assigned", PAYLOAD, instance_id=1)
        outbox.notify("manager1", "task_assigned", PAYLOAD, instance_id=1)
    assert sink.received == []  # nothing is posted by the command itself
    report = webhook.deliver(webhook.WebhookSettings(url=url, base_url="https://aftercare.example.com"))
    assert report.sent == 2 and [d.status for d in _deliveries()] == ["sent", "sent"]
    first, second = (r["body"] for r in sink.received)
    assert sink.received[0]["type"].startswith("application/json")
    assert first["text"] == "李客服：新任务：售后服务部审核\nINS-2026-00001 的任务已指派给你。"
    assert first["recipient_name"] == "李客服" and first["link"] == "https://aftercare.example.com/tasks/abc"
    assert second["title"] == "New task: Service desk review" and second["text"].startswith("张经理: ")
    assert webhook.deliver(webhook.WebhookSettings(url=url)).sent == 0  # each once


def test_a_failing_chat_tool_is_retried_then_given_up(users, clock, chat, forwarding):
    url, sink = chat
    sink.status = 503
    with transaction():
        outbox.notify("desk1", "task_assigned", PAYLOAD)
    settings = webhook.WebhookSettings(url=url)
    report = webhook.deliver(settings)
    assert report.retrying == 1 and len(sink.received) == 1
    [delivery] = _deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1 and "503" in delivery.error
    assert webhook.deliver(settings).retrying == 0 and len(sink.received) == 1  # waits for its next try
    sink.status = 200
    clock.advance(minutes=1)
    assert webhook.deliver(settings).sent == 1 and _deliveries()[0].status == "sent"
    # a chat tool that never answers: five tries, then it is given up (the in-app notification stays)
    sink.status = 500
    with transaction():
        outbox.notify("desk1", "task_assigned", PAYLOAD)
    for _ in range(outbox.MAIL_MAX_ATTEMPTS):
        webhook.deliver(settings)
        clock.advance(hours=3)
    assert _deliveries()[1].status == "failed" and outbox.unread_count("desk1") == 2


def test_nothing_is_queued_without_a_webhook_and_bad_urls_are_refused(users, clock):
    with transaction():
        outbox.notify("desk1", "task_assigned", PAYLOAD)
    assert _deliveries() == []
    with pytest.raises(ValueError):
        webhook.WebhookSettings(url="file:///etc/passwd")
    assert dt.timedelta(seconds=60) == outbox.retry_delay(1)
