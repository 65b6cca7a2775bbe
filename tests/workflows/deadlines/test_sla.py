"""The manual's SLAs on tiny diagrams (the rules are pointed at them as a process owner would):
deadlines on the business calendar, the 75 % warning, the breach with its escalation task, and
met/breached per case for the KPI reports."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import commands, loader, queries
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import AuditEvent, Instance, Timer
from engine.timers import firing as timers
from engine.timers import outbox
from workflows.deadlines import sla, sla_tracking

UTC = dt.UTC
BPMN = Path(__file__).resolve().parents[3] / "bpmn"
POINTED = {"service_request_response": "t_request", "tech_question_answer": "t_question",
           "revisit": "t_followup", "complaint_urgent_response": "t_complaint",
           "complaint_urgent_resolution": "t_complaint", "complaint_ordinary_response": "t_complaint",
           "complaint_ordinary_resolution": "t_complaint"}

SLA_KINDS = ("sla_warning", "sla_breached", "sla_intervention", "calendar_unknown", "task_reassigned")


def sla_notes(username: str, *, unread: bool = False):
    """The deadline notifications of a person (newest first), leaving aside what other triggers
    tell them (tasks arriving in their queue, tasks assigned to them)."""
    return [n for n in outbox.list_for(username, unread_only=unread, per_page=200).items if n.kind in SLA_KINDS]



def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)


def naive_utc(*args) -> dt.datetime:
    return shanghai(*args).replace(tzinfo=None)


@pytest.fixture
def slas(users, deploy):
    with transaction():
        for key, process_id in POINTED.items():
            sla.update_rule(key, processes=[process_id], actor=users["owner1"])
        loader.deploy(loader.read_folder_bundle([BPMN / "sla_escalation.bpmn"]), actor="owner1")
    deploy("t_request", "t_question", "t_complaint", "t_followup")
    return users


def ready(instance_id):
    return {t.element_id: t for t in queries.tasks_of(instance_id, "ready")}


def record(instance_id, rule):
    return db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == instance_id,
                                                             sla.SlaRecord.rule == rule)).scalar_one()


def event_types(instance_id):
    return [e.type for e in audit.events_of(instance_id)]


def request(users, received_at=None, **extra):
    data = {"customer_name": "成都华西机械", **({"received_at": received_at} if received_at else {}), **extra}
    return commands.start_instance(process_id="t_request", data=data, actor=users["sales1"])


def test_request_received_friday_is_due_on_the_make_up_saturday(slas, clock):
    clock.set(shanghai(2026, 2, 13, 10, 5))
    case = request(slas, "2026-02-13 10:00")
    review = ready(case.id)["review"]
    assert review.due_at == naive_utc(2026, 2, 14, 10, 0)  # shown in the inbox
    rec = record(case.id, "service_request_response")
    assert (rec.task_id, rec.outcome, rec.due_at) == (review.id, "open", naive_utc(2026, 2, 14, 10, 0))
    assert rec.warn_at == naive_utc(2026, 2, 13, 16, 45)  # 75 % of 9 working hours
    kinds = dict(db.session.execute(sa.select(Timer.kind, Timer.due_at).where(Timer.instance_id == case.id)).all())
    assert kinds == {"sla_warn": naive_utc(2026, 2, 13, 16, 45), "sla_breach": naive_utc(2026, 2, 14, 10, 0)}
    assert "sla_started" in event_types(case.id)


def test_request_received_before_national_day_is_due_after_it(slas, clock):
    clock.set(shanghai(2026, 9, 30, 10, 0))
    case = request(slas, "2026-09-30 10:00")
    assert ready(case.id)["review"].due_at == naive_utc(2026, 10, 8, 10, 0)
    assert record(case.id, "service_request_response").warn_at == naive_utc(2026, 9, 30, 16, 45)


def test_without_received_at_the_clock_starts_with_the_case(slas, clock):
    clock.set(shanghai(2026, 3, 6, 16, 0))  # Friday afternoon
    case = request(slas)
    assert ready(case.id)["review"].due_at == naive_utc(2026, 3, 9, 16, 0)


def test_met_when_done_in_time_and_nothing_fires_afterwards(slas, clock):
    case = request(slas, "2026-03-02 09:00")
    clock.advance(hours=3)
    commands.complete_task(task_id=ready(case.id)["review"].id, data={}, actor=slas["desk1"])
    rec = record(case.id, "service_request_response")
    assert (rec.outcome, rec.assignee) == ("met", "desk1")
    assert set(db.session.execute(sa.select(Timer.status).where(Timer.instance_id == case.id)).scalars()) == \
        {"cancelled"}
    clock.advance(days=3)
    assert timers.fire_due().fired == 0
    assert len(sla_notes("desk1", unread=True)) == 0 and len(sla_notes("manager1", unread=True)) == 0
    assert event_types(case.id)[-1] == "sla_closed"


def test_warning_then_breach_escalates_to_the_manager(slas, clock):
    case = request(slas, "2026-03-02 09:00")  # Monday: due Tuesday 09:00, warning Monday 15:45
    review = ready(case.id)["review"]
    commands.claim_task(task_id=review.id, actor=slas["desk1"])
    clock.set(shanghai(2026, 3, 2, 15, 44))
    assert timers.fire_due().fired == 0
    clock.set(shanghai(2026, 3, 2, 15, 46))
    assert timers.fire_due().fired == 1
    assert len(sla_notes("desk1", unread=True)) == 1 and len(sla_notes("desk2", unread=True)) == 0  # the assignee only
    [warning] = sla_notes("desk1")
    assert warning.kind == "sla_warning" and "服务申请首次响应" in warning.payload["title"]["zh"]
    assert "2026-03-03 09:00" in warning.payload["body"]["zh"]
    assert record(case.id, "service_request_response").warned_at == naive_utc(2026, 3, 2, 15, 46)

    clock.set(shanghai(2026, 3, 3, 9, 1))
    assert timers.fire_due().fired == 1
    rec = record(case.id, "service_request_response")
    assert (rec.outcome, rec.assignee, rec.breached_at) == ("breached", "desk1", naive_utc(2026, 3, 3, 9, 1))
    assert event_types(case.id)[-1] == "sla_breached"
    assert [n.kind for n in sla_notes("manager1")] == ["sla_breached"]
    assert len(sla_notes("desk1", unread=True)) == 2

    escalation = db.session.get(Instance, rec.escalation_id)
    assert (escalation.process_id, escalation.parent_id) == ("sla_escalation", case.id)
    handle = ready(escalation.id)["handle"]
    assert handle.role == "service_manager"
    assert escalation.data["breached_case_number"] == case.case_number
    assert escalation.data["task_name"] == "Review request" and escalation.data["assignee"] == "desk1"

    with pytest.raises(ValidationFailed) as refused:
        commands.complete_task(task_id=handle.id, data={"decision": "reassign", "new_assignee": "eng1"},
                               actor=slas["manager1"])
    assert "new_assignee" in refused.value.errors
    assert ready(case.id)["review"].assignee == "desk1"  # nothing half-done
    commands.complete_task(task_id=handle.id, data={"decision": "reassign", "new_assignee": "desk2",
                                                    "note": "desk1 出差"}, actor=slas["manager1"])
    review = ready(case.id)["review"]
    assert review.assignee == "desk2"
    reassigned = audit.events_of(case.id)[-1]
    assert (reassigned.type, reassigned.actor, reassigned.data["to"]) == ("task_reassigned", "manager1", "desk2")
    assert [n.kind for n in sla_notes("desk2")] == ["task_reassigned"]

    clock.advance(hours=1)
    commands.complete_task(task_id=review.id, data={}, actor=slas["desk2"])
    rec = record(case.id, "service_request_response")
    assert (rec.outcome, rec.assignee) == ("breached", "desk2")  # done, but late
    assert audit.verify_all().ok


def test_manager_may_intervene_instead(slas, clock):
    case = request(slas, "2026-03-02 09:00")
    clock.set(shanghai(2026, 3, 3, 9, 1))
    timers.fire_due()
    escalation_id = record(case.id, "service_request_response").escalation_id
    commands.complete_task(task_id=ready(escalation_id)["handle"].id,
                           data={"decision": "intervene", "note": "我来联系客户"}, actor=slas["manager1"])
    last = audit.events_of(case.id)[-1]
    assert (last.type, last.actor, last.data["note"]) == ("sla_intervention", "manager1", "我来联系客户")
    assert ready(case.id)["review"].assignee is None


def test_breach_recorded_even_when_the_scheduler_was_late(slas, clock):
    clock.set(shanghai(2026, 3, 2, 16, 0))
    case = commands.start_instance(process_id="t_question", data={"question": "主轴异响", "received_at":
                                                                  "2026-03-02 16:00"}, actor=slas["sales1"])
    answer = ready(case.id)["answer"]
    assert answer.due_at == naive_utc(2026, 3, 3, 0, 0)  # within 8 clock hours
    assert record(case.id, "tech_question_answer").warn_at == naive_utc(2026, 3, 2, 22, 0)
    clock.set(shanghai(2026, 3, 3, 0, 30))  # answered late, before the scheduler ran
    commands.complete_task(task_id=answer.id, data={}, actor=slas["eng1"])
    rec = record(case.id, "tech_question_answer")
    assert (rec.outcome, rec.breached_at) == ("breached", naive_utc(2026, 3, 3, 0, 0))
    assert timers.fire_due().fired == 0  # no escalation for work already done


@pytest.mark.parametrize(("priority", "respond_due", "resolve_due"), [
    ("urgent", (2026, 3, 2, 11, 0), (2026, 3, 4, 9, 0)),
    ("ordinary", (2026, 3, 3, 9, 0), (2026, 3, 9, 9, 0)),
])
def test_complaints_have_their_own_response_and_resolution_times(slas, clock, priority, respond_due, resolve_due):
    case = commands.start_instance(process_id="t_complaint", data={"priority": priority,
                                                                   "received_at": "2026-03-02 09:00"},
                                   actor=slas["desk1"])
    response = record(case.id, f"complaint_{priority}_response")
    resolution = record(case.id, f"complaint_{priority}_resolution")
    assert response.due_at == naive_utc(*respond_due) == ready(case.id)["respond"].due_at
    assert (resolution.due_at, resolution.task_id) == (naive_utc(*resolve_due), None)
    other = "ordinary" if priority == "urgent" else "urgent"
    assert not [r for r in sla.records_of(case.id) if r.rule.startswith(f"complaint_{other}")]
    clock.advance(hours=1)
    commands.complete_task(task_id=ready(case.id)["respond"].id, data={}, actor=slas["desk1"])
    commands.complete_task(task_id=ready(case.id)["resolve"].id, data={}, actor=slas["manager1"])
    assert {r.rule: r.outcome for r in sla.records_of(case.id)} == {
        f"complaint_{priority}_response": "met", f"complaint_{priority}_resolution": "met"}


def test_urgent_complaint_resolution_breach_warns_the_managers(slas, clock):
    case = commands.start_instance(process_id="t_complaint", data={"priority": "urgent",
                                                                   "received_at": "2026-03-02 09:00"},
                                   actor=slas["desk1"])
    commands.complete_task(task_id=ready(case.id)["respond"].id, data={}, actor=slas["desk1"])
    assert record(case.id, "complaint_urgent_resolution").warn_at == naive_utc(2026, 3, 3, 13, 30)  # 13.5 of 18 h
    clock.set(shanghai(2026, 3, 3, 13, 31))
    assert timers.fire_due().fired == 1
    assert [n.kind for n in sla_notes("manager1")] == ["sla_warning"]
    clock.set(shanghai(2026, 3, 4, 9, 1))
    timers.fire_due()
    assert record(case.id, "complaint_urgent_resolution").outcome == "breached"
    assert [n.kind for n in sla_notes("manager1")] == ["sla_breached", "sla_warning"]


def test_no_stale_warning_after_downtime_past_the_deadline(slas, clock):
    case = request(slas, "2026-03-02 09:00")
    clock.set(shanghai(2026, 3, 5, 9, 0))  # the server was down for two days
    assert timers.fire_due().fired == 2
    assert [n.kind for n in sla_notes("manager1")] == ["sla_breached"]
    assert record(case.id, "service_request_response").warned_at is None


def test_phone_revisit_due_fourteen_days_after_the_case_ended(slas, clock):
    case = request(slas, "2026-03-02 09:00")
    commands.complete_task(task_id=ready(case.id)["review"].id, data={}, actor=slas["desk1"])
    clock.set(shanghai(2026, 3, 5, 17, 0))
    case = commands.complete_task(task_id=ready(case.id)["visit"].id, data={}, actor=slas["eng1"])
    assert case.status == "completed"
    clock.advance(minutes=5)
    revisit = commands.start_instance(process_id="t_followup", data={}, actor=slas["desk1"], parent_id=case.id)
    assert ready(revisit.id)["call"].due_at == naive_utc(2026, 3, 19, 17, 0)
    assert record(revisit.id, "revisit").warn_at == naive_utc(2026, 3, 16, 5, 0)  # after 10.5 of 14 days


def test_a_revisit_with_its_own_due_date_is_due_at_the_close_of_that_day(slas, clock):
    revisit = commands.start_instance(process_id="t_followup", data={"mode": "phone", "due_date": "2026-03-20"},
                                      actor=slas["desk1"])
    assert ready(revisit.id)["call"].due_at == naive_utc(2026, 3, 20, 18, 0)  # as the revisit flow reads it
    assert record(revisit.id, "revisit").warn_at == naive_utc(2026, 3, 16, 3, 45)  # 75 % of the way


def question(users, received_at):
    return commands.start_instance(process_id="t_question", data={"question": "主轴异响", "received_at": received_at},
                                   actor=users["sales1"])


def in_working_hours(users):
    with transaction():
        sla.update_rule("tech_question_answer", unit="working_hours", actor=users["owner1"])


def test_the_written_answer_is_due_eight_clock_hours_after_the_question(slas, clock):
    clock.set(shanghai(2026, 9, 30, 16, 0))  # the afternoon before the National Day holiday
    case = question(slas, "2026-09-30 16:00")
    assert sla.rule("tech_question_answer").unit == "hours"
    assert ready(case.id)["answer"].due_at == naive_utc(2026, 10, 1, 0, 0)  # midnight, not 8 October
    assert record(case.id, "tech_question_answer").warn_at == naive_utc(2026, 9, 30, 22, 0)


def test_the_same_question_counted_in_working_hours_waits_for_the_holiday_to_end(slas, clock):
    in_working_hours(slas)
    clock.set(shanghai(2026, 9, 30, 16, 0))
    case = question(slas, "2026-09-30 16:00")
    assert ready(case.id)["answer"].due_at == naive_utc(2026, 10, 8, 15, 0)  # 1.5 hours on the 30th, 6.5 on the 8th


def test_a_question_a_minute_before_midnight_is_due_the_next_morning(slas, clock):
    clock.set(shanghai(2026, 3, 6, 23, 59))  # Friday night: a weekend does not stop clock hours
    case = question(slas, "2026-03-06 23:59")
    assert ready(case.id)["answer"].due_at == naive_utc(2026, 3, 7, 7, 59)


def test_a_deadline_in_an_unknown_year_is_flagged(slas, clock):
    in_working_hours(slas)
    clock.set(shanghai(2026, 12, 31, 16, 0))
    case = commands.start_instance(process_id="t_question", data={"question": "?", "received_at":
                                                                  "2026-12-31 16:00"}, actor=slas["sales1"])
    rec = record(case.id, "tech_question_answer")
    assert (rec.outcome, rec.due_at) == ("unscheduled", None)
    assert "does not know 2027" in rec.note
    assert ready(case.id)["answer"].due_at is None
    assert "sla_unscheduled" in event_types(case.id)
    [flag] = sla_notes("manager1")
    assert flag.kind == "calendar_unknown" and "2027" in flag.payload["body"]["zh"]


def test_cancelled_case_cancels_its_sla(slas, clock):
    case = request(slas, "2026-03-02 09:00")
    commands.cancel_instance(instance_id=case.id, actor=slas["manager1"], reason="客户撤回")
    assert record(case.id, "service_request_response").outcome == "cancelled"
    clock.advance(days=2)
    assert timers.fire_due().fired == 0


def test_process_owner_changes_a_setting_for_new_cases(slas, clock):
    first = request(slas, "2026-03-02 09:00")
    with transaction():
        changed = sla.update_rule("service_request_response", amount=2, warn_percent=50, actor=slas["owner1"])
    assert (changed.amount, changed.unit, changed.warn_percent) == (2, "working_days", 50)
    second = request(slas, "2026-03-02 09:00")
    assert ready(first.id)["review"].due_at == naive_utc(2026, 3, 3, 9, 0)  # not retroactive
    assert ready(second.id)["review"].due_at == naive_utc(2026, 3, 4, 9, 0)
    assert record(second.id, "service_request_response").warn_at == naive_utc(2026, 3, 3, 9, 0)
    changes = db.session.execute(sa.select(AuditEvent).where(AuditEvent.type == "sla_setting_changed")
                                 .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert (changes.actor, changes.data["changes"]["amount"]) == ("owner1", "2")


def test_settings_are_checked_and_guarded(slas):
    with pytest.raises(Forbidden):
        sla.update_rule("service_request_response", amount=3, actor=slas["desk1"])
    for bad in ({"amount": 0}, {"amount": "1.5"}, {"unit": "weeks"}, {"warn_percent": 100}, {"processes": []}):
        with pytest.raises(ValidationFailed):
            sla.update_rule("service_request_response", actor=slas["owner1"], **bad)
    assert sla.rule("service_request_response").amount == 1


def test_kpi_counts_met_and_breached_per_rule_and_person(slas, clock):
    on_time = request(slas, "2026-03-02 09:00")
    late = request(slas, "2026-03-02 09:00")
    commands.complete_task(task_id=ready(on_time.id)["review"].id, data={}, actor=slas["desk1"])
    clock.set(shanghai(2026, 3, 3, 10, 0))
    timers.fire_due()
    commands.complete_task(task_id=ready(late.id)["review"].id, data={}, actor=slas["desk2"])
    window = {"since": shanghai(2026, 3, 1, 0, 0), "until": shanghai(2026, 4, 1, 0, 0)}
    assert sla_tracking.summary(**window)["service_request_response"] == {
        "open": 0, "met": 1, "breached": 1, "cancelled": 0, "unscheduled": 0}
    assert sla_tracking.by_assignee(**window) == {"desk1": {"met": 1, "breached": 0},
                                                  "desk2": {"met": 0, "breached": 1}}
