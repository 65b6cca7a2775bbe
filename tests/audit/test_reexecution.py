"""The re-execution check: every finished demo case replays to its stored state; a changed record
is caught at the step where it was changed."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import replay
from engine.audit import chain as audit
from engine.db import db
from engine.models import AuditEvent, Instance, Task
from tests.audit.demo_cases import FINISHED, tamper


@pytest.mark.parametrize("name", [*FINISHED, "timer_late_submission", "failed", "cancelled"])
def test_demo_case_replays_to_its_stored_state(cases, name):
    case = getattr(cases, name)()
    report = replay.check(case.id)
    assert report.ok, report.to_dict()
    assert report.checked_through == report.steps


def _event(case, seq):
    return next(e for e in audit.events_of(case.id) if e.seq == seq)


def _chain(case):
    return audit.verify_stream(audit.instance_stream(case.id))


def test_a_changed_comment_is_caught_at_its_step_by_both_checks(cases):
    case = cases.claim()
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    submitted = {**done.data["submitted"], "comment": "不同意"}
    tamper(done.id, data={**done.data, "submitted": submitted})

    report = replay.check(case.id)
    assert not report.ok and report.first_step == done.seq
    [difference] = [d for d in report.differences if d.step == done.seq]
    assert (difference.what, difference.recorded, difference.replayed) == (
        "data", "同意赔偿，配件随下批发货", "不同意")
    chain = _chain(case)
    assert not chain.ok and chain.first_bad_seq == done.seq


def test_a_changed_decision_takes_another_path_and_is_caught_at_its_step(cases):
    case = cases.approval(approved=True)
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, data={**done.data, "submitted": {**done.data["submitted"], "approved": False}})
    report = replay.check(case.id)
    assert report.first_step == done.seq
    assert {"events", "completed", "active"} <= {d.what for d in report.differences}
    assert _chain(case).first_bad_seq == done.seq


def test_a_changed_amount_reaches_another_approver(cases):
    case = cases.claim(amount="800")
    started = _event(case, 1)
    start_data = {**started.data["start_data"], "amount": "8000.00"}
    tamper(started.id, data={**started.data, "start_data": start_data})
    report = replay.check(case.id)
    assert report.first_step == 1
    assert any(d.what == "active" and d.replayed == ["vp_ok"] for d in report.differences)
    assert _chain(case).first_bad_seq == 1


def test_a_changed_outcome_is_blamed_on_the_event_holding_it(cases):
    case = cases.approval()
    last = next(e for e in audit.events_of(case.id) if "case_data" in e.state and e.seq > 1)
    state = {**last.state, "case_data": {**last.state["case_data"], "customer_name": "别的客户"}}
    tamper(last.id, state=state)
    report = replay.check(case.id)
    assert report.first_step == last.seq and report.differences[0].what == "data"
    assert _chain(case).first_bad_seq == last.seq


def test_a_changed_intermediate_state_is_caught(cases):
    case = cases.approval()
    gateway = next(e for e in audit.events_of(case.id) if e.type == "gateway_taken")
    tamper(gateway.id, state={**gateway.state, "completed": ["start"]})
    report = replay.check(case.id)
    assert report.first_step == gateway.seq and report.differences[0].what == "state"


def test_a_moved_timer_firing_no_longer_fires(cases):
    """Timer firings replay at their recorded time: moving one before the deadline is caught."""
    case = cases.timer()
    fired = next(e for e in audit.events_of(case.id) if e.type == "timer_fired")
    command = [e for e in audit.events_of(case.id) if e.at == fired.at]
    for event in command:
        tamper(event.id, at=_event(case, 1).at + dt.timedelta(seconds=1))
    report = replay.check(case.id)
    assert report.first_step == fired.seq
    assert any(d.what == "events" and d.recorded == ["timer_fired", "sla", []] for d in report.differences)


def test_the_inbox_row_must_agree_with_the_history(cases):
    """Task rows are not chained; the re-execution check compares them with the history."""
    case = cases.approval()
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    db.session.execute(sa.update(Task).where(Task.id == done.task_id).values(data={"approved": False}))
    db.session.commit()
    report = replay.check(case.id)
    assert [(d.step, d.what) for d in report.differences] == [(done.seq, "inbox")]
    assert _chain(case).ok


def test_the_case_row_must_agree_with_the_replayed_end(cases):
    case = cases.parallel()
    db.session.execute(sa.update(Instance).where(Instance.id == case.id).values(data={**case.data, "hours": 60}))
    db.session.commit()
    report = replay.check(case.id)
    assert [d.what for d in report.differences] == ["final"] and "hours" in report.differences[0].message


def test_service_results_come_from_the_record_not_from_a_new_call(cases, booking):
    case = cases.claim()
    assert len(booking) == 1
    assert replay.check(case.id).ok
    assert len(booking) == 1  # the handler was not called again


def test_re_execution_writes_nothing(cases):
    case = cases.timer()
    before = {t.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
              for t in (AuditEvent, Instance, Task)}
    version = case.version
    assert replay.check(case.id).ok
    db.session.rollback()
    after = {t.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
             for t in (AuditEvent, Instance, Task)}
    assert before == after and db.session.get(Instance, case.id).version == version


def test_a_recorded_amount_that_is_no_number_is_caught_at_its_step(cases):
    case = cases.claim(approved_amount="750")
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, data={**done.data, "submitted": {**done.data["submitted"], "amount": "七百五"}})
    report = replay.check(case.id)
    assert [(d.step, d.what) for d in report.differences] == [(done.seq, "input")]
