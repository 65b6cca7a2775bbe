"""The nightly integrity check as the scheduler runs it: polled by the one scheduler process, it
runs once a night at the configured company time (02:00 unless configured), catches up on a night
the scheduler was down, records each run in the system stream, and tells every auditor and
administrator through the outbox when the check fails. Time is a FakeClock; the job is called
as the scheduler would call it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import integrity
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db
from engine.identity import create_user
from engine.models import AuditEvent
from engine.timers import outbox
from tests.audit.demo_cases import tamper
from web.server import INTEGRITY_POLL_SECONDS, build_scheduler, integrity_check_time

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def nightly(app):
    """The integrity job of the scheduler `aftercare serve` builds in its leader process."""
    jobs = {job_id: (func, seconds) for job_id, func, seconds in build_scheduler(app)._periodic}
    func, seconds = jobs["integrity.nightly"]
    assert seconds == INTEGRITY_POLL_SECONDS
    return func


def runs():
    return list(db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.SYSTEM_STREAM, AuditEvent.type == integrity.EVENT_TYPE)
        .order_by(AuditEvent.seq)).scalars())


@pytest.fixture
def check_at(app):
    previous = app.config.get("INTEGRITY_CHECK_AT")
    yield lambda value: app.config.update(INTEGRITY_CHECK_AT=value)
    app.config["INTEGRITY_CHECK_AT"] = previous


def test_the_check_runs_once_a_night_at_two_and_catches_up_after_downtime(app, cases, clock):
    job = nightly(app)  # the scheduler starts on Monday at 09:00
    cases.approval()
    assert job() is None and runs() == []  # a first start waits for the night, not the working day
    clock.set(shanghai(2026, 3, 3, 1, 59))
    assert job() is None
    clock.set(shanghai(2026, 3, 3, 2, 3))
    first = job()
    assert first.ok and first.rechecked == 1
    for minutes in (5, 10, 600):  # later polls of the same night and day
        clock.set(shanghai(2026, 3, 3, 2, 3) + dt.timedelta(minutes=minutes))
        assert job() is None
    clock.set(shanghai(2026, 3, 4, 2, 1))
    assert job().rechecked == 0  # only cases finished since the last run are re-executed
    clock.set(shanghai(2026, 3, 7, 11, 0))  # down Thursday and Friday nights: one run on return
    assert job() is not None and job() is None
    assert [r.at for r in runs()] == [dt.datetime(2026, 3, 2, 18, 3), dt.datetime(2026, 3, 3, 18, 1),
                                      dt.datetime(2026, 3, 7, 3, 0)]
    assert all(r.data["ok"] and r.actor == "system" for r in runs())


def test_a_failed_night_tells_every_auditor_and_administrator_once(app, cases, clock, users, api):
    with transaction():
        create_user("audit_admin1", "pw-audit_admin1", ["auditor", "admin"])
    job = nightly(app)
    case = cases.claim()
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, data={**done.data, "submitted": {**done.data["submitted"], "comment": "改过"}})
    clock.set(shanghai(2026, 3, 3, 2, 1))
    report = job()
    assert not report.ok and runs()[-1].data["ok"] is False

    for username in ("auditor1", "admin", "audit_admin1"):
        [note] = outbox.list_for(username).items
        assert note.kind == integrity.NOTIFICATION_KIND and note.instance_id is None
        assert note.payload["title"] == {"zh": "审计完整性检查未通过", "en": "Audit integrity check failed"}
        assert f"第 {done.seq} 步" in note.payload["body"]["zh"]
        assert f"{case.case_number} step {done.seq}" in note.payload["body"]["en"]
        assert note.payload["link"] == f"/cases/{case.id}/check"
    for bystander in ("manager1", "desk1", "sales1"):  # told of their tasks and cases, not of the check
        assert not [n for n in outbox.list_for(bystander).items if n.kind == integrity.NOTIFICATION_KIND]

    [note] = outbox.list_for("auditor1").items
    opened = api("auditor1").client.get(f"/notifications/{note.id}", headers=api("auditor1").headers)
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/{case.id}/check")

    clock.set(shanghai(2026, 3, 4, 2, 1))
    assert not job().ok
    assert outbox.list_for("auditor1").total == 2  # each failed night is told again


def test_a_night_that_passes_tells_nobody(app, cases, clock, users):
    job = nightly(app)
    cases.dmn()
    clock.set(shanghai(2026, 3, 3, 2, 1))
    assert job().ok
    assert outbox.list_for("auditor1").total == 0 and outbox.list_for("admin").total == 0


def test_the_time_of_the_check_is_configurable(app, cases, clock, check_at):
    check_at("03:30")
    job = nightly(app)
    cases.dmn()
    clock.set(shanghai(2026, 3, 3, 3, 29))
    assert job() is None
    clock.set(shanghai(2026, 3, 3, 3, 31))
    assert job() is not None and len(runs()) == 1


def test_the_configured_time_is_read_as_a_time_of_day_or_an_hour():
    assert integrity_check_time({"INTEGRITY_CHECK_AT": "02:00"}) == dt.time(2, 0)
    assert integrity_check_time({"INTEGRITY_CHECK_AT": 4}) == dt.time(4, 0)
    assert integrity_check_time({}) == dt.time(2, 0)
    with pytest.raises(ValueError, match="AFTERCARE_INTEGRITY_CHECK_AT must be a time of day such as 02:00"):
        integrity_check_time({"INTEGRITY_CHECK_AT": "2 am"})
