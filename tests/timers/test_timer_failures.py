"""Timer kinds with handlers from the registry; failures retried with back-off, then an incident."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from engine import commands, hooks, queries
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.errors import Forbidden
from engine.models import Instance, Timer
from engine.timers import firing as timers


@pytest.fixture
def registry():
    previous = hooks.get()

    def install(**handlers):
        hooks.configure(dataclasses.replace(previous, timer_handlers={**previous.timer_handlers, **handlers}))

    yield install
    hooks.configure(previous)


@pytest.fixture
def case(deploy, users):
    deploy("t_approval")
    return commands.start_instance(process_id="t_approval", data={"customer_name": "华西"}, actor=users["sales1"])


def add_timer(case, kind, due, task_id="t-1"):
    with commands.transaction():
        row = Timer(instance_id=case.id, task_id=task_id, element_id="review", kind=kind, due_at=utc_naive(due),
                    status="pending", created_at=utc_naive(due))
        db.session.add(row)
    return row.id


def note(context):
    audit.append(audit.instance_stream(context.instance.id), [{
        "type": "reminder_sent", "at": context.now, "actor": "system", "element_id": context.timer.element_id}],
        instance_id=context.instance.id)


def events(case, kind):
    return [e for e in audit.events_of(case.id) if e.type == kind]


def test_handler_runs_once_in_the_firing_transaction(case, registry, clock):
    registry(reminder=note)
    timer_id = add_timer(case, "reminder", clock.now() + dt.timedelta(minutes=10))
    assert timers.next_due() == clock.now() + dt.timedelta(minutes=10)
    assert timers.fire_due().fired == 0
    clock.advance(minutes=11)
    assert timers.fire_due().fired == 1
    assert timers.fire_due().fired == 0
    assert len(events(case, "reminder_sent")) == 1
    row = db.session.get(Timer, timer_id)
    assert row.status == "fired" and row.attempts == 0
    assert timers.next_due() is None


def test_failing_timer_backs_off_then_becomes_an_incident(case, registry, clock, users):
    calls = []

    def broken(context):
        note(context)  # written, then rolled back with the failure
        calls.append(context.now)
        raise RuntimeError("mail relay refused")

    registry(reminder=broken)
    timer_id = add_timer(case, "reminder", clock.now())
    clock.advance(seconds=1)
    policy = timers.RetryPolicy(max_attempts=3, delays=(10, 60))
    report = timers.fire_due(retry=policy)
    assert report.retrying == 1 and report.fired == 0
    row = db.session.get(Timer, timer_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "RuntimeError: mail relay refused"
    assert row.due_at == utc_naive(clock.now() + dt.timedelta(seconds=10))
    clock.advance(seconds=9)
    assert timers.fire_due(retry=policy).retrying == 0  # backing off
    clock.advance(seconds=2)
    assert timers.fire_due(retry=policy).retrying == 1
    clock.advance(seconds=61)
    assert timers.fire_due(retry=policy).failed == 1
    assert len(calls) == 3 and events(case, "reminder_sent") == []

    row = db.session.get(Timer, timer_id)
    instance = db.session.get(Instance, case.id)
    assert row.status == "failed"
    assert instance.status == "error"
    assert instance.error["type"] == "timer_failed" and instance.error["timer_id"] == timer_id
    assert "mail relay refused" in instance.error["message"]
    [incident] = events(case, "timer_failed")
    assert incident.data["attempts"] == 3
    assert [r.id for r in timers.failed_timers(case.id)] == [timer_id]
    clock.advance(days=1)
    assert timers.fire_due(retry=policy).failed == 0  # stays failed until someone retries

    with pytest.raises(Forbidden):
        timers.retry_failed(timer_id, actor=users["eng1"])
    registry(reminder=note)  # the relay is fixed
    timers.retry_failed(timer_id, actor=users["manager1"])
    instance = db.session.get(Instance, case.id)
    assert instance.status == "running" and instance.error is None
    clock.advance(seconds=1)
    assert timers.fire_due().fired == 1
    assert len(events(case, "reminder_sent")) == 1
    assert [e.type for e in audit.events_of(case.id)][-3:] == ["timer_failed", "timer_retried", "reminder_sent"]
    assert audit.verify_all().ok


def test_kind_without_handler_is_reported_not_lost(case, clock):
    timer_id = add_timer(case, "unknown_kind", clock.now())
    assert timers.unhandled_kinds() == ["unknown_kind"]  # the scheduler warns at start-up
    clock.advance(seconds=1)
    timers.fire_due()
    row = db.session.get(Timer, timer_id)
    assert row.status == "pending" and row.attempts == 1
    assert "no handler is registered for timers of kind 'unknown_kind'" in row.last_error


def test_bpmn_timer_retried_after_a_transient_failure(deploy, users, clock, monkeypatch):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    real = commands.fire_timers
    failures = [RuntimeError("database restarted")]

    def flaky(**kwargs):
        if failures:
            raise failures.pop()
        return real(**kwargs)

    monkeypatch.setattr(commands, "fire_timers", flaky)
    clock.advance(seconds=3)
    assert timers.fire_due().retrying == 1
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["repair"]
    clock.advance(seconds=11)
    assert timers.fire_due().fired == 1
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["escalate"]


def test_timer_of_a_cancelled_case_is_dropped(case, registry, clock, users):
    registry(reminder=note)
    timer_id = add_timer(case, "reminder", clock.now() + dt.timedelta(minutes=1))
    commands.cancel_instance(instance_id=case.id, actor=users["manager1"], reason="customer withdrew")
    clock.advance(minutes=2)
    timers.fire_due()
    assert db.session.get(Timer, timer_id).status == "cancelled"
    assert events(case, "reminder_sent") == []
