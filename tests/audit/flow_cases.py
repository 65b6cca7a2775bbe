"""Finished demo cases of the real flows, driven through the engine with the flows' usual form
data (tests/workflows/flowkit.py) by whoever holds each task."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine import commands, queries
from engine.db import db
from engine.models import Instance
from engine.timers import firing as timers
from tests.workflows.flowkit import FORM_DATA, attachment, complete
from workflows.deadlines import sla

BY_ROLE = {"sales": "sales1", "service_desk": "desk1", "service_manager": "manager1", "sales_vp": "salesvp1",
           "quality_vp": "qualityvp1", "general_manager": "gm1", "engineer": "eng_sw1", "production": "prod1",
           "logistics": "logi1", "mfg_tech": "mfg1"}
CLAIM = {"equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report", "evidence": ["photo-sha-1"],
         "description": "主轴承滚道剥落"}
FAULT = {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30:00",
         "damage_extent": "serious", "photos": ["photo-a"]}


FILE_FIELDS = ("evidence", "photos")  # named files are uploaded first: forms accept only stored attachments


def _start(world, process_id, who, **data):
    uploader = world.actors[who].username
    data = {key: [attachment(name, uploader) for name in value] if key in FILE_FIELDS else value
            for key, value in data.items()}
    customer = {"customer_id": world.sw} if process_id != "fault_handling" else {}
    return commands.start_instance(process_id=process_id, data={**customer, **data}, actor=world.actors[who])


def _finish(world, case, clock, answers=None):
    """Complete whatever is ready, by whoever holds it, with the form's usual data, until the case ends."""
    answers = answers or {}
    for _ in range(40):
        tasks = queries.tasks_of(case.id, "ready")
        if not tasks:
            return db.session.get(Instance, case.id)
        task = tasks[0]
        clock.advance(hours=3)
        data = {**FORM_DATA.get(task.form_name, {}), **answers.get(task.element_id, {})}
        commands.complete_task(task_id=task.id, data=data, actor=world.actors[task.assignee or BY_ROLE[task.role]])
    raise AssertionError(f"{case.case_number} did not finish")


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def overdue_answer(world, clock):
    """A written answer (within 8 hours) still not given a minute after its deadline: the scheduler
    has fired the SLA's warning and breach timers."""
    clock.set(shanghai(2026, 3, 2, 16, 0))
    case = _start(world, "tech_support", "desk1", question="请提供液压站维护手册")
    clock.set(shanghai(2026, 3, 2, 22, 1))
    timers.fire_due()
    clock.set(shanghai(2026, 3, 3, 0, 1))
    timers.fire_due()
    return case


def _answer_too_late(world, clock):
    """The overdue answer is escalated; the manager reassigns it and the new engineer answers."""
    case = overdue_answer(world, clock)
    record = db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == case.id)).scalar_one()
    escalation = db.session.get(Instance, record.escalation_id)
    clock.set(shanghai(2026, 3, 3, 8, 45))
    complete(escalation, "handle", world.actors["manager1"], decision="reassign", new_assignee="eng_sw2",
             note="eng_sw1 休假")
    clock.set(shanghai(2026, 3, 3, 9, 30))
    return complete(case, "answer", world.actors["eng_sw2"], channel="email", answer="手册已发送")


SCENARIOS = {
    "installation": lambda f, c: _finish(f, _start(f, "installation", "sales1", contract_number="HT-2026-018",
                                                   equipment=[{"model": "HX-200 压滤机", "quantity": 2}],
                                                   wished_date="2026-03-20"), c,
                                         {"assign_engineer": {"assigned_engineer": "eng_sw2"}}),
    "fault_onsite_with_compensation": lambda f, c: _finish(f, _start(f, "fault_handling", "sales1", **FAULT), c, {
        "vp_decision": {"service_mode": "onsite"}, "assign_engineer": {"assigned_engineer": "eng_sw1"},
        "repair": {"warranty_parts": [{"part_code": "BRG-6205", "quantity": 2}]}}),
    "fault_remote": lambda f, c: _finish(f, _start(f, "fault_handling", "sales1", **FAULT), c, {
        "desk_analysis": {"suggested_mode": "remote"},
        "vp_decision": {"service_mode": "remote"}, "assign_engineer": {"assigned_engineer": "eng_sw1"}}),
    "compensation_manager": lambda f, c: _finish(f, _start(f, "compensation_approval", "desk1", emergency=True, lines=[
        {"part_code": "BRG-6205", "quantity": 1, "unit_price": "800.00"}], **CLAIM), c,
        {"manager_approval": {"approved": True, "comment": "紧急，同意赔偿"}}),
    "compensation_gm_rejects": lambda f, c: _finish(f, _start(f, "compensation_approval", "desk1", emergency=False,
                                                              lines=[{"part_code": "PLC-S7", "quantity": 2,
                                                                      "unit_price": "4200.00"}], **CLAIM), c,
                                                    {"gm_approval": {"approved": False, "comment": "证据不足"}}),
    "revisit_phone": lambda f, c: _finish(f, _start(f, "revisit", "desk1", mode="phone", purpose="季度回访"), c),
    "tech_support": lambda f, c: _finish(f, _start(f, "tech_support", "sales1", equipment_serial="EQ-SW-001",
                                                   question="滤布多久更换一次？"), c),
    "complaint": lambda f, c: _finish(f, _start(f, "complaint", "desk1", channel="phone", priority="urgent",
                                                description="维修后仍漏油", complained_engineer="eng_sw1"), c,
                                      {"close": {"engineer_responsible": "eng_sw1"}}),
    "revisit_with_complaint": lambda f, c: _finish(f, _start(f, "revisit", "desk1", mode="phone"), c, {
        "phone_revisit": {"satisfaction": 2, "complaint": True, "comment": "服务响应慢"}}),
    "tech_support_sla_breached": _answer_too_late,
}
