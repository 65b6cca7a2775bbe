"""The notification outbox: in-app list per user, e-mail through SMTP, nothing lost when mail fails."""
from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from engine.commands import transaction
from engine.db import db
from engine.models import User
from engine.timers import outbox
from engine.timers.outbox import Notification, SmtpSettings

PAYLOAD = {"title": {"zh": "响应时限即将到期", "en": "Response deadline near"},
           "body": {"zh": "案件 INS-2026-00001 的首次响应还剩 25%。", "en": "25% of the time is left."},
           "case_number": "INS-2026-00001", "link": "/cases/1"}


@pytest.fixture
def mailboxes(users):
    with transaction():
        for name, locale in (("desk1", "zh"), ("manager1", "en")):
            user = db.session.execute(sa.select(User).where(User.username == name)).scalar_one()
            user.email, user.locale = f"{name}@example.com", locale
    return users


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_in_app_list_unread_count_and_mark_read(users, clock):
    with transaction():
        first = outbox.notify("desk1", "sla_warning", PAYLOAD, instance_id=1)
        clock.advance(minutes=1)
        second = outbox.notify("desk1", "sla_breached", PAYLOAD, instance_id=1)
        outbox.notify("eng1", "sla_warning", PAYLOAD)
    assert outbox.unread_count("desk1") == 2
    page = outbox.list_for("desk1")
    assert [n.id for n in page.items] == [second.id, first.id] and page.total == 2
    with transaction():
        assert outbox.mark_read("desk1", [first.id, 999_999]) == 1
        assert outbox.mark_read("eng1", [second.id]) == 0  # not his
    assert outbox.unread_count("desk1") == 1
    assert [n.id for n in outbox.list_for("desk1", unread_only=True).items] == [second.id]
    with transaction():
        assert outbox.mark_read("desk1") == 1
    assert outbox.unread_count("desk1") == 0 and outbox.unread_count("eng1") == 1


def test_notify_role_reaches_every_active_member(users):
    with transaction():
        rows = outbox.notify_role("service_desk", "sla_breached", PAYLOAD, exclude=["desk2"])
    assert [r.username for r in rows] == ["desk1"]


def test_a_rolled_back_command_notifies_nobody(users):
    with pytest.raises(RuntimeError), transaction():
        outbox.notify("desk1", "sla_warning", PAYLOAD)
        raise RuntimeError("the command failed")
    assert outbox.unread_count("desk1") == 0


def test_mail_is_sent_in_the_users_language(mailboxes, smtp_sink, clock):
    with transaction():
        outbox.notify("desk1", "sla_warning", PAYLOAD)
        outbox.notify("manager1", "sla_warning", PAYLOAD)
        outbox.notify("eng1", "sla_warning", PAYLOAD)  # no e-mail address
    report = outbox.deliver(SmtpSettings(host="127.0.0.1", port=smtp_sink.port, sender="aftercare@example.com"))
    assert (report.sent, report.skipped) == (2, 1)
    by_rcpt = {m["To"]: m for m in smtp_sink.messages}
    assert by_rcpt["desk1@example.com"]["Subject"] == "响应时限即将到期"
    assert "INS-2026-00001" in by_rcpt["desk1@example.com"].get_content()
    assert by_rcpt["manager1@example.com"]["Subject"] == "Response deadline near"
    statuses = dict(db.session.execute(sa.select(Notification.username, Notification.mail_status)).all())
    assert statuses == {"desk1": "sent", "manager1": "sent", "eng1": "none"}
    assert outbox.deliver(SmtpSettings(host="127.0.0.1", port=smtp_sink.port)).sent == 0  # never twice


def test_a_failing_mail_server_loses_nothing(mailboxes, smtp_sink, clock):
    with transaction():
        outbox.notify("desk1", "sla_breached", PAYLOAD)
    down = SmtpSettings(host="127.0.0.1", port=closed_port(), timeout=2)
    report = outbox.deliver(down)
    assert report.retrying == 1 and report.sent == 0
    [row] = db.session.execute(sa.select(Notification)).scalars()
    assert row.mail_status == "pending" and row.mail_attempts == 1 and "ConnectionRefused" in row.mail_error
    assert outbox.unread_count("desk1") == 1  # the in-app notification is there all along
    up = SmtpSettings(host="127.0.0.1", port=smtp_sink.port)
    assert outbox.deliver(up).sent == 0  # backing off
    clock.advance(minutes=2)
    assert outbox.deliver(up).sent == 1
    assert [m["To"] for m in smtp_sink.messages] == ["desk1@example.com"]


def test_mail_gives_up_after_the_last_try_but_stays_in_app(mailboxes, clock):
    with transaction():
        outbox.notify("desk1", "sla_breached", PAYLOAD)
    down = SmtpSettings(host="127.0.0.1", port=closed_port(), timeout=2)
    for _ in range(outbox.MAIL_MAX_ATTEMPTS):
        outbox.deliver(down)
        clock.advance(hours=3)
    [row] = db.session.execute(sa.select(Notification)).scalars()
    assert row.mail_status == "failed" and row.mail_attempts == outbox.MAIL_MAX_ATTEMPTS
    assert outbox.unread_count("desk1") == 1


def test_old_unsent_mail_expires(mailboxes, smtp_sink, clock):
    with transaction():
        outbox.notify("desk1", "sla_warning", PAYLOAD)
    clock.advance(days=4)  # mail was not configured until now
    assert outbox.deliver(SmtpSettings(host="127.0.0.1", port=smtp_sink.port)).sent == 0
    assert smtp_sink.messages == []
    assert db.session.execute(sa.select(Notification.mail_status)).scalar_one() == "failed"
