"""A finished installation adds the equipment it commissioned to the register, or updates its
record, with the commissioning date as the warranty's start; an unfinished or rejected one does not."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import AuditEvent
from tests.workflows.flowkit import complete
from workflows.records.references import find_equipment
from workflows.records.warranty import warranty_of

NAMEPLATES = [{"serial": "EQ-SW-NEW", "model": "HX-300 压滤机", "ship_date": "2026-02-20"},
              {"serial": "EQ-SW-001", "model": "HX-200 压滤机", "ship_date": "2025-01-10"}]


def installation(flows, actors, **commissioning):
    case = commands.start_instance(process_id="installation", actor=actors["sales1"], data={
        "customer_id": flows.sw, "contract_number": "HT-2026-018",
        "equipment": [{"model": "HX-300 压滤机", "quantity": 1}], "wished_date": "2026-03-20"})
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    for element in ("shipping_check", "goods_count"):
        complete(case, element, actors["eng_sw1"])
    complete(case, "commissioning", actors["eng_sw1"], started_on="2026-03-10", finished_on="2026-03-12",
             equipment_installed=NAMEPLATES, **commissioning)
    for element in ("training", "performance_test", "summary_report"):
        case = complete(case, element, actors["eng_sw1"])
    return case


def equipment_events() -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.element_id.like("equipment:%"))
                                   .order_by(AuditEvent.id)).scalars())


def test_a_finished_installation_registers_its_equipment_with_the_commissioning_date(flows, actors):
    case = installation(flows, actors)
    assert find_equipment("EQ-SW-NEW") is None and equipment_events() == []  # not before the case ends
    case = complete(case, "manager_review", actors["manager1"])
    assert case.status == "completed"
    db.session.expire_all()
    new, known = find_equipment("EQ-SW-NEW"), find_equipment("EQ-SW-001")
    assert (new.model, new.customer_id, new.contract_number) == ("HX-300 压滤机", flows.sw, "HT-2026-018")
    assert new.ship_date == dt.date(2026, 2, 20) and new.commissioned_on == dt.date(2026, 3, 12)
    assert known.commissioned_on == dt.date(2026, 3, 12) and known.contract_number == "HT-2026-018"
    warranty = warranty_of(new, on=dt.date(2026, 3, 13))
    assert warranty.start == dt.date(2026, 3, 12) and warranty.in_warranty and new.warranty_end == warranty.end
    events = equipment_events()
    assert [(e.type, e.actor, e.data["case"]) for e in events] == [
        ("record_created", "manager1", case.case_number), ("record_updated", "manager1", case.case_number)]


def test_an_installation_without_nameplates_changes_no_record(flows, actors):
    case = commands.start_instance(process_id="installation", actor=actors["sales1"], data={
        "customer_id": flows.sw, "contract_number": "HT-2026-019",
        "equipment": [{"model": "HX-300 压滤机", "quantity": 1}]})
    complete(case, "desk_review", actors["desk1"])
    case = complete(case, "vp_approval", actors["salesvp1"], approved=False, comment="合同未生效")
    case = complete(case, "rejection_notice", actors["sales1"])
    assert case.status == "completed" and equipment_events() == []
