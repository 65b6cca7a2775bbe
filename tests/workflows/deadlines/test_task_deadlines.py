"""Every user task has a deadline: each approval step within one working day of reaching the
approver, a low-satisfaction follow-up within two; a stalled approval shows as overdue, warns its
approvers and breaches as the other SLAs do."""
from __future__ import annotations

import sqlalchemy as sa

from engine import commands, queries
from engine.db import db
from engine.timers import firing as timers
from tests.workflows.deadlines.test_sla_flows import naive_utc, record, shanghai, sla_notes
from tests.workflows.flowkit import attachment, complete, task_of
from workflows.deadlines import sla


def claim(flows, amount: str, emergency: bool):
    return {"customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report",
            "evidence": [attachment("photo-sha-1", "desk1")], "description": "主轴承滚道剥落", "emergency": emergency,
            "lines": [{"part_code": "BRG-6205", "quantity": 1, "unit_price": amount}]}


def overdue(actor, clock) -> list[str]:
    rows = db.session.execute(queries.task_query(actor, queries.TaskFilter(overdue=True, now=clock.now())))
    return [task.element_id for task in rows.scalars()]


def test_a_stalled_approval_is_overdue_warns_and_breaches(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 10, 0))  # Monday
    case = commands.start_instance(process_id="compensation_approval", data=claim(flows, "6000.00", False),
                                   actor=actors["desk1"])
    clock.set(shanghai(2026, 3, 2, 11, 0))
    case = complete(case, "desk_verify", actors["desk1"])
    assert task_of(case, "vp_approval").due_at == naive_utc(2026, 3, 3, 11, 0)  # one working day
    assert record(case, "approval_vp").outcome == "open"

    clock.set(shanghai(2026, 3, 3, 9, 46))  # 75 % of the working day
    timers.fire_due()
    assert [n.kind for n in sla_notes("salesvp1")] == ["sla_warning"]
    assert overdue(actors["manager1"], clock) == []

    clock.set(shanghai(2026, 3, 3, 11, 1))
    timers.fire_due()
    assert overdue(actors["manager1"], clock) == ["vp_approval"]  # "overdue only" finds it
    rec = record(case, "approval_vp")
    assert (rec.outcome, rec.breached_at) == ("breached", naive_utc(2026, 3, 3, 11, 1))
    assert {n.kind for n in sla_notes("salesvp1")} == {"sla_warning", "sla_breached"}
    [told] = [n for n in sla_notes("manager1") if n.kind == "sla_breached"]
    assert "分管副总审批期限" in told.payload["title"]["zh"]
    assert rec.escalation_id is not None

    clock.set(shanghai(2026, 3, 3, 15, 0))
    case = complete(case, "vp_approval", actors["salesvp1"])
    gm = task_of(case, "gm_approval")
    assert gm.due_at == naive_utc(2026, 3, 4, 15, 0)  # the next approver's own day
    clock.set(shanghai(2026, 3, 4, 14, 0))
    case = complete(case, "gm_approval", actors["gm1"])
    assert (record(case, "approval_gm").outcome, record(case, "approval_gm").assignee) == ("met", "gm1")
    assert record(case, "approval_vp").outcome == "breached"


def test_the_service_managers_approval_has_its_own_deadline(flows, actors, clock):
    clock.set(shanghai(2026, 3, 6, 16, 0))  # Friday afternoon: due Monday afternoon
    case = commands.start_instance(process_id="compensation_approval", data=claim(flows, "800.00", True),
                                   actor=actors["desk1"])
    case = complete(case, "desk_verify", actors["desk1"])
    assert task_of(case, "manager_approval").due_at == naive_utc(2026, 3, 9, 16, 0)
    case = complete(case, "manager_approval", actors["manager1"])
    assert record(case, "approval_manager").outcome == "met"
    assert not db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == case.id,
                                                                 sla.SlaRecord.rule == "approval_gm")).first()


def test_a_low_satisfaction_follow_up_is_due_in_two_working_days(flows, actors, clock):
    clock.set(shanghai(2026, 3, 5, 10, 0))  # Thursday
    case = commands.start_instance(process_id="revisit", data={"customer_id": flows.sw, "mode": "phone",
                                                               "due_date": "2026-03-20"}, actor=actors["desk1"])
    clock.set(shanghai(2026, 3, 5, 14, 0))
    case = complete(case, "phone_revisit", actors["eng_sw1"], satisfaction=1, complaint=False, comment="经常停机")
    assert task_of(case, "follow_up").due_at == naive_utc(2026, 3, 9, 14, 0)  # Friday and Monday
    clock.set(shanghai(2026, 3, 9, 14, 1))
    timers.fire_due()
    assert record(case, "low_satisfaction_follow_up").outcome == "breached"
    assert "sla_breached" in {n.kind for n in sla_notes("manager1")}
