"""The SLAs and the revisit plan on the real flows of bpmn/, with their default settings."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import Instance
from engine.timers import firing as timers
from engine.timers import outbox
from tests.workflows.flowkit import attachment, complete, task_of
from workflows.deadlines import revisit_plan, sla
from workflows.records.tables import Customer

UTC = dt.UTC
INSTALLATION = {"contract_number": "HT-2026-018", "equipment": [{"model": "HX-200 压滤机", "quantity": 2}],
                "wished_date": "2026-03-20"}
FAULT = {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-09-29T15:30:00",
         "damage_extent": "serious"}

SLA_KINDS = ("sla_warning", "sla_breached", "sla_intervention", "calendar_unknown", "task_reassigned")


def sla_notes(username: str, *, unread: bool = False):
    """The deadline notifications of a person (newest first), leaving aside what other triggers
    tell them (tasks arriving in their queue, tasks assigned to them)."""
    return [n for n in outbox.list_for(username, unread_only=unread, per_page=200).items if n.kind in SLA_KINDS]



def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)


def naive_utc(*args) -> dt.datetime:
    return shanghai(*args).replace(tzinfo=None)


def record(case, rule):
    return db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == case.id,
                                                             sla.SlaRecord.rule == rule)).scalar_one()


def test_installation_request_taken_friday_is_due_on_the_make_up_saturday(flows, actors, clock):
    clock.set(shanghai(2026, 2, 13, 10, 0))
    case = commands.start_instance(process_id="installation", data={"customer_id": flows.sw, **INSTALLATION},
                                   actor=actors["sales1"])
    assert task_of(case, "desk_review").due_at == naive_utc(2026, 2, 14, 10, 0)
    clock.set(shanghai(2026, 2, 14, 9, 0))
    case = complete(case, "desk_review", actors["desk1"])
    assert record(case, "service_request_response").outcome == "met"


def test_fault_received_before_national_day_is_due_after_it(flows, actors, clock):
    clock.set(shanghai(2026, 9, 30, 11, 0))
    case = commands.start_instance(process_id="fault_handling", data={**FAULT, "photos": [attachment("photo-a")],
                                                                      "received_at": "2026-09-30T10:00:00+08:00"},
                                   actor=actors["sales1"])
    assert task_of(case, "desk_analysis").due_at == naive_utc(2026, 10, 8, 10, 0)


@pytest.mark.parametrize(("received", "due"), [
    ((2026, 9, 18, 10, 0), (2026, 9, 20, 10, 0)),  # Friday -> the make-up Sunday
    ((2026, 10, 9, 15, 0), (2026, 10, 10, 15, 0)),  # Friday -> the make-up Saturday
])
def test_a_fault_received_before_a_make_up_day_is_due_on_it(flows, actors, clock, received, due):
    clock.set(shanghai(*received))
    case = commands.start_instance(process_id="fault_handling", data={**FAULT, "photos": [attachment("photo-a")]},
                                   actor=actors["sales1"])
    assert task_of(case, "desk_analysis").due_at == naive_utc(*due)
    clock.set(shanghai(*due) + dt.timedelta(minutes=1))
    timers.fire_due()
    assert record(case, "service_request_response").outcome == "breached"  # the make-up day counted


def test_written_answer_late_escalates_and_the_manager_reassigns(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 16, 0))
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.sw, "question": "请提供液压站维护手册"}, actor=actors["desk1"])
    answer = task_of(case, "answer")
    assert (answer.assignee, answer.due_at) == ("eng_sw1", naive_utc(2026, 3, 3, 0, 0))  # within 8 clock hours
    clock.set(shanghai(2026, 3, 2, 22, 1))
    timers.fire_due()
    assert [n.kind for n in sla_notes("eng_sw1")] == ["sla_warning"]
    clock.set(shanghai(2026, 3, 3, 0, 1))
    timers.fire_due()
    assert record(case, "tech_question_answer").outcome == "breached"
    escalation = db.session.get(Instance, record(case, "tech_question_answer").escalation_id)
    complete(escalation, "handle", actors["manager1"], decision="reassign", new_assignee="eng_sw2", note="eng_sw1 休假")
    assert task_of(case, "answer").assignee == "eng_sw2"
    case = complete(case, "answer", actors["eng_sw2"], channel="email", answer="已发送")
    assert (record(case, "tech_question_answer").outcome, record(case, "tech_question_answer").assignee) == \
        ("breached", "eng_sw2")


def test_phone_revisit_after_a_remote_fault_fix_is_due_in_fourteen_days(flows, actors, clock):
    case = commands.start_instance(process_id="fault_handling", data=FAULT, actor=actors["sales1"])
    case = complete(case, "desk_analysis", actors["desk1"], suggested_mode="remote")
    case = complete(case, "vp_decision", actors["salesvp1"], service_mode="remote")
    case = complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    case = complete(case, "remote_guidance", actors["eng_sw2"], resolved=True)
    clock.set(shanghai(2026, 3, 5, 15, 0))
    case = complete(case, "manager_review", actors["manager1"])
    assert case.status == "completed"
    revisit = db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id,
                                                           Instance.process_id == "revisit")).scalar_one()
    assert task_of(revisit, "phone_revisit").due_at == naive_utc(2026, 3, 19, 15, 0)
    assert record(revisit, "revisit").due_at == naive_utc(2026, 3, 19, 15, 0)
    assert db.session.get(Customer, flows.sw).key_revisit  # a remote fix: key target of the plan


def test_the_yearly_plan_on_real_customers(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 9, 0))
    assert revisit_plan.run().started == []
    clock.set(shanghai(2026, 3, 17, 9, 0))
    report = revisit_plan.run()
    by_customer = {s.customer_id: s for s in db.session.execute(sa.select(revisit_plan.PlanSlot)).scalars()}
    assert set(by_customer) == {flows.sw, flows.cq, flows.north, flows.south}  # key monthly, ordinary Q1
    assert {by_customer[flows.sw].line, by_customer[flows.cq].line} == {"key_phone", "ordinary_phone"}
    assert len(report.started) == 4 and report.failed == []
    case = db.session.get(Instance, by_customer[flows.sw].instance_id)
    assert (case.data["source"], case.data["mode"], case.data["due_date"]) == ("yearly_plan", "phone", "2026-03-31")
    assert task_of(case, "phone_revisit").due_at == naive_utc(2026, 3, 31, 18, 0)
    assert revisit_plan.run().started == []
