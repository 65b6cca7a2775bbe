"""The re-execution check and the replay with the timers the scheduler fires: cycle timers that fire
without completing, timers that failed for good (the case in error), and SLA deadlines, whose
events are annotations and may open an escalation case."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands, hooks, queries, replay
from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance
from engine.timers import firing as timers
from tests.audit.demo_cases import ready, tamper
from tests.audit.flow_cases import overdue_answer
from workflows.deadlines import sla

QUICK_RETRY = timers.RetryPolicy(max_attempts=3, delays=(10, 60))


def _events(case, kind):
    return [e for e in audit.events_of(case.id) if e.type == kind]


def _assert_replays(case):
    report = replay.check(case.id)
    assert report.ok, report.to_dict()
    assert report.checked_through == report.steps
    return report


@pytest.fixture
def failing_hook():
    """An after-command hook that fails while `broken` is set (a ledger that is down): the scheduler's
    firing of a BPMN timer is rolled back and tried again."""
    previous = hooks.get()
    state = {"broken": True}

    def ledger(context):
        if state["broken"] and any(event["type"] == "timer_fired" for event in context.events):
            raise RuntimeError("ledger unreachable")

    hooks.configure(dataclasses.replace(previous, after_command=[*previous.after_command, ledger]))
    yield state
    hooks.configure(previous)


# ---------------------------------------------------------------- cycle timers
def test_cycle_reminders_are_reproduced_firing_by_firing(deploy, users, clock, api):
    deploy("t_reminder")
    case = commands.start_instance(process_id="t_reminder", data={}, actor=users["eng1"])
    clock.advance(minutes=31)
    assert timers.fire_due().fired == 1
    clock.advance(minutes=5)
    commands.complete_task(task_id=ready(case.id)["chase"].id, data={}, actor=users["manager1"])
    clock.advance(minutes=31)
    assert timers.fire_due().fired == 1
    clock.advance(minutes=31)
    timers.fire_due()  # R2: the third due time ends the timer
    for task in sorted(ready(case.id).values(), key=lambda t: t.element_id):
        clock.advance(minutes=1)
        case = commands.complete_task(task_id=task.id, data={}, actor=users["eng1" if task.element_id == "answer"
                                                                             else "manager1"])
    assert case.status == "completed"
    fired = _events(case, "timer_fired")
    assert [e.data.get("cycle") for e in fired] == [True, True, None]
    report = _assert_replays(case)
    assert report.commands == 7

    auditor = api("auditor1")
    for event in fired[:2]:  # a reminder that fired waits for its next round: not completed
        step = auditor.get(f"/process-instances/{case.id}/replay?step={event.seq}").get_json()
        assert "remind" in step["waiting"] and "remind" not in step["completed"]
        assert step["active"] == event.state["active"]
    last = auditor.get(f"/process-instances/{case.id}/replay?step={fired[2].seq}").get_json()
    assert "remind" in last["completed"] and "remind" not in last["waiting"]


def test_cycle_start_timer_rounds_are_reproduced(deploy, users, clock):
    deploy("t_start_cycle")
    case = commands.start_instance(process_id="t_start_cycle", data={}, actor=users["eng1"])
    for _ in range(2):
        clock.advance(minutes=61)
        assert timers.fire_due().fired == 1
    clock.advance(hours=5)
    timers.fire_due()
    for task in queries.tasks_of(case.id, "ready"):
        clock.advance(minutes=1)
        case = commands.complete_task(task_id=task.id, data={}, actor=users["eng1"])
    assert case.status == "completed" and len(_events(case, "task_completed")) == 2
    _assert_replays(case)


def test_a_reminder_due_when_the_answer_comes_in_fires_inside_that_command(deploy, users, clock):
    deploy("t_reminder")
    case = commands.start_instance(process_id="t_reminder", data={}, actor=users["eng1"])
    clock.advance(minutes=31)  # the scheduler has not got to it: the submission fires it first
    case = commands.complete_task(task_id=ready(case.id)["answer"].id, data={}, actor=users["eng1"])
    [reminder] = _events(case, "timer_fired")
    submitted = _events(case, "task_completed")[0]
    assert reminder.data["cycle"] is True and reminder.at == submitted.at
    _assert_replays(case)


def test_a_reminder_moved_before_its_due_time_is_caught_where_it_fired(deploy, users, clock):
    deploy("t_reminder")
    case = commands.start_instance(process_id="t_reminder", data={}, actor=users["eng1"])
    clock.advance(minutes=31)
    timers.fire_due()
    clock.advance(minutes=1)
    commands.complete_task(task_id=ready(case.id)["answer"].id, data={}, actor=users["eng1"])
    [reminder] = _events(case, "timer_fired")
    early = audit.events_of(case.id)[0].at + dt.timedelta(minutes=10)  # 20 minutes before it was due
    for event_id in [e.id for e in audit.events_of(case.id) if e.at == reminder.at]:  # its whole command
        tamper(event_id, at=early)
    report = replay.check(case.id)
    assert report.first_step == reminder.seq
    assert any(d.what == "events" and d.recorded == ["timer_fired", "remind", []] for d in report.differences)


# ---------------------------------------------------------------- timers that failed for good
def test_a_timer_that_failed_for_good_explains_the_error_status(deploy, users, clock, failing_hook):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    for _ in range(QUICK_RETRY.max_attempts):
        clock.advance(minutes=5)
        timers.fire_due(retry=QUICK_RETRY)
    db.session.refresh(case)
    assert case.status == "error" and case.error["type"] == "timer_failed"
    [failure] = _events(case, "timer_failed")
    assert failure.element_id == "sla" and failure.state["waiting"] == ["sla"]
    _assert_replays(case)  # the error status is the failed timer's, not the engine's

    failing_hook["broken"] = False
    [row] = timers.failed_timers(case.id)
    clock.advance(minutes=3)
    timers.retry_failed(row.id, actor=users["admin"])
    clock.advance(seconds=1)
    assert timers.fire_due().fired == 1
    db.session.refresh(case)
    assert case.status == "running" and set(ready(case.id)) == {"escalate"}
    _assert_replays(case)
    clock.advance(minutes=5)
    case = commands.complete_task(task_id=ready(case.id)["escalate"].id, data={}, actor=users["manager1"])
    assert case.status == "completed"
    _assert_replays(case)


def test_an_error_status_no_failure_explains_is_caught(cases):
    case = cases.pending()
    db.session.execute(sa.update(Instance).where(Instance.id == case.id).values(status="error"))
    db.session.commit()
    [difference] = replay.check(case.id).differences
    assert (difference.what, difference.recorded, difference.replayed) == ("final", "error", "running")


def test_a_case_taken_out_of_error_behind_the_failed_timers_back_is_caught(deploy, users, clock, failing_hook):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    for _ in range(QUICK_RETRY.max_attempts):
        clock.advance(minutes=5)
        timers.fire_due(retry=QUICK_RETRY)
    [failure] = _events(case, "timer_failed")
    db.session.execute(sa.update(Instance).where(Instance.id == case.id).values(status="running", error=None))
    db.session.commit()
    [difference] = replay.check(case.id).differences
    assert (difference.what, difference.recorded, difference.replayed) == ("final", "running", "error")
    assert f"timer 'sla' failed for good at step {failure.seq}" in difference.message


def test_a_failed_sla_timer_is_an_incident_too(flows, actors, clock):
    """A breach whose handling fails every try (the escalation cannot be opened) puts the case in error."""
    previous = hooks.get()

    def breach_fails(_context):
        raise RuntimeError("escalation flow not deployed")

    hooks.configure(dataclasses.replace(previous, timer_handlers={**previous.timer_handlers,
                                                                   "sla_breach": breach_fails}))
    flows.actors = actors
    try:
        case = overdue_answer(flows, clock)
        for _ in range(timers.DEFAULT_RETRY.max_attempts - 1):
            clock.advance(hours=1)
            timers.fire_due()
    finally:
        hooks.configure(previous)
    db.session.refresh(case)
    [failure] = _events(case, "timer_failed")
    assert case.status == "error" and failure.data["kind"] == "sla_breach"
    _assert_replays(case)


# ---------------------------------------------------------------- SLA deadlines on a real flow
def test_an_sla_breach_and_its_escalation_replay_as_annotations(demo, api):
    case = demo("tech_support_sla_breached")
    kinds = [e.type for e in audit.events_of(case.id)]
    for kind in ("sla_started", "sla_warning", "sla_breached", "task_reassigned", "sla_closed"):
        assert kind in kinds
    record = db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == case.id)).scalar_one()
    escalation = db.session.get(Instance, record.escalation_id)
    assert (record.outcome, escalation.status) == ("breached", "completed")
    _assert_replays(case)
    _assert_replays(escalation)

    auditor = api("auditor1")
    previous = None
    for event in audit.events_of(case.id):
        step = auditor.get(f"/process-instances/{case.id}/replay?step={event.seq}").get_json()
        sets = {name: step[name] for name in ("completed", "active", "waiting", "error")}
        if event.type.startswith("sla_") or event.type == "task_reassigned":
            assert sets == previous, event.type  # an SLA note leaves the diagram as it was
            assert "sla" in step["event"]["categories"] or event.type == "task_reassigned"
        previous = sets


def test_an_sla_event_that_claims_to_move_the_case_is_caught(demo):
    case = demo("tech_support_sla_breached")
    [breach] = _events(case, "sla_breached")
    tamper(breach.id, state={**breach.state, "active": [], "completed": [*breach.state["completed"], "answer"]})
    report = replay.check(case.id)
    assert report.first_step == breach.seq
    assert report.differences[0].what == "state" and "'sla_breached' must not change" in report.differences[0].message
