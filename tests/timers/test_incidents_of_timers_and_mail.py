"""Failed timers and undelivered mail are incidents like failed steps: listed with the error, ended
by a retry or by resolving them; a case's re-execution check still explains it afterwards."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from engine import commands, hooks, incidents, recovery, replay
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict
from engine.models import Instance, Timer
from engine.timers import firing as timers
from engine.timers import outbox
from engine.timers.outbox import Notification, SmtpSettings
from tests.timers.test_outbox import PAYLOAD, closed_port, mailboxes  # noqa: F401 - the users' mail addresses


@pytest.fixture
def warning_fails(ctx):
    """A deadline-notice timer kind whose handler always fails."""
    previous = hooks.get()

    def broken(_context):
        raise RuntimeError("notice template missing")

    hooks.configure(dataclasses.replace(previous, timer_handlers={**previous.timer_handlers, "notice": broken}))
    yield
    hooks.configure(previous)


def failed_notice(deploy, users, clock):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "华西"}, actor=users["sales1"])
    with transaction():
        row = Timer(instance_id=case.id, task_id="sla:1", element_id="service_request_response", kind="notice",
                    due_at=utc_naive(clock.now()), status="pending", created_at=utc_naive(clock.now()))
        db.session.add(row)
    clock.advance(seconds=1)
    assert timers.fire_due(retry=timers.RetryPolicy(max_attempts=1)).failed == 1
    return case, row.id


def test_a_failed_deadline_notice_is_an_incident_that_can_be_dismissed(deploy, users, clock, warning_fails):
    case, timer_id = failed_notice(deploy, users, clock)
    [incident] = incidents.open_of(case.id)
    assert (incident.kind, incident.timer_id, incident.element_id) == ("timer", timer_id, "service_request_response")
    assert "notice template missing" in incident.message
    assert db.session.get(Instance, case.id).status == "error"
    assert not replay.check(case.id).differences  # the open timer failure explains the error status

    resolved = recovery.resolve(incident_id=incident.id, actor=users["manager1"], data={}, reason="已电话提醒")
    assert (resolved.status, resolved.resolution, resolved.reason) == ("closed", "resolved", "已电话提醒")
    db.session.expire_all()
    assert db.session.get(Timer, timer_id).status == "resolved"
    assert db.session.get(Instance, case.id).status == "running"
    clock.advance(days=1)
    assert timers.fire_due().fired == 0  # a dismissed notice never fires
    assert [e.type for e in audit.events_of(case.id)][-2:] == ["timer_failed", "timer_resolved"]
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def test_a_diagram_timer_can_only_be_retried(deploy, users, clock, monkeypatch):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])

    def down(**_kwargs):
        raise RuntimeError("database restarted")

    monkeypatch.setattr(commands, "fire_timers", down)
    clock.advance(seconds=3)
    assert timers.fire_due(retry=timers.RetryPolicy(max_attempts=1)).failed == 1
    [incident] = incidents.open_of(case.id)
    with pytest.raises(Conflict):
        recovery.resolve(incident_id=incident.id, actor=users["admin"], data={})
    monkeypatch.undo()
    recovery.retry(incident_id=incident.id, actor=users["admin"], reason="数据库已恢复")
    clock.advance(seconds=1)
    assert timers.fire_due().fired == 1
    assert db.session.get(Instance, case.id).status == "running" and incidents.open_count() == 0
    assert replay.check(case.id).ok


def test_mail_that_fails_after_its_retries_is_an_incident(mailboxes, clock, users):  # noqa: F811
    with transaction():
        outbox.notify("desk1", "sla_breached", PAYLOAD)
    down = SmtpSettings(host="127.0.0.1", port=closed_port(), timeout=2)
    for _ in range(outbox.MAIL_MAX_ATTEMPTS - 1):
        outbox.deliver(down)
        clock.advance(hours=3)
        assert incidents.open_count() == 0  # still retrying
    outbox.deliver(down)
    [incident] = db.session.execute(sa.select(incidents.Incident)).scalars()
    assert incident.kind == "notification" and incident.status == "open" and "desk1" in incident.message
    recovery.retry(incident_id=incident.id, actor=users["manager1"], reason="邮件服务器已恢复")
    row = db.session.execute(sa.select(Notification)).scalar_one()
    assert (row.mail_status, row.mail_attempts) == ("pending", 0)
    assert incidents.open_count() == 0
