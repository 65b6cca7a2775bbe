"""Acceptance on the five real flows: a finished demo case of each replays to its stored state,
every replay step matches its event, and the cases the flows open on their own (revisits) too."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import audit, commands, queries, replay
from engine.db import db
from engine.models import Instance
from tests.audit.demo_cases import tamper
from tests.workflows.conftest import actors, flows, records  # noqa: F401 - the flows' fixtures
from tests.workflows.flowkit import FORM_DATA

BY_ROLE = {"sales": "sales1", "service_desk": "desk1", "service_manager": "manager1", "sales_vp": "salesvp1",
           "quality_vp": "qualityvp1", "general_manager": "gm1", "engineer": "eng_sw1", "production": "prod1",
           "logistics": "logi1", "mfg_tech": "mfg1"}
CLAIM = {"equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report", "evidence": ["photo-sha-1"],
         "description": "主轴承滚道剥落"}
FAULT = {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30:00",
         "damage_extent": "serious", "photos": ["photo-a"]}


def _start(world, process_id, who, **data):
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


SCENARIOS = {
    "installation": lambda f, c: _finish(f, _start(f, "installation", "sales1", contract_number="HT-2026-018",
                                                   equipment=[{"model": "HX-200 压滤机", "quantity": 2}],
                                                   wished_date="2026-03-20"), c,
                                         {"assign_engineer": {"assigned_engineer": "eng_sw2"}}),
    "fault_onsite_with_compensation": lambda f, c: _finish(f, _start(f, "fault_handling", "sales1", **FAULT), c, {
        "vp_decision": {"service_mode": "onsite", "assigned_engineer": "eng_sw1"},
        "repair": {"warranty_parts": [{"part_code": "BRG-6205", "quantity": 2}]}}),
    "fault_remote": lambda f, c: _finish(f, _start(f, "fault_handling", "sales1", **FAULT), c, {
        "desk_analysis": {"suggested_mode": "remote"},
        "vp_decision": {"service_mode": "remote", "assigned_engineer": "eng_sw1"}}),
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
}


@pytest.fixture
def demo(flows, actors, clock):  # noqa: F811 - the flows' fixtures
    flows.actors = actors
    return lambda name: SCENARIOS[name](flows, clock)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_finished_case_of_every_flow_replays_to_its_stored_state(demo, api, name):
    case = demo(name)
    assert case.status == "completed"
    every = list(db.session.execute(sa.select(Instance).order_by(Instance.id)).scalars())
    for instance in every:  # the case and whatever it opened (revisits started by a service task)
        report = replay.check(instance.id)
        assert report.ok, report.to_dict()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Instance)).scalar_one() == len(every)
    auditor = api("auditor1")
    for event in audit.events_of(case.id):
        step = auditor.get(f"/process-instances/{case.id}/replay?step={event.seq}").get_json()
        assert (step["completed"], step["active"]) == (event.state["completed"], event.state["active"])


def test_changed_approval_in_a_real_flow_is_caught_at_its_step(demo):
    case = demo("compensation_manager")
    approval = next(e for e in audit.events_of(case.id) if e.element_id == "manager_approval"
                    and e.type == "task_completed")
    tamper(approval.id, data={**approval.data, "submitted": {**approval.data["submitted"], "approved": False}})
    report = replay.check(case.id)
    assert report.first_step == approval.seq
    assert audit.verify_stream(audit.instance_stream(case.id)).first_bad_seq == approval.seq
