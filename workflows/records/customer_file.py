"""What the records pages show: a customer's file (contacts, equipment, contracts, cases, revisit plan,
satisfaction over time) and a piece of equipment's history by serial. Who may read them is decided
here, before anything is looked up; the cases listed are only those the reader may open."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from engine import queries
from engine.db import db
from engine.errors import Forbidden, NotFound
from engine.identity import Actor
from engine.models import Instance, Task
from workflows.deadlines import revisit_plan
from workflows.records.dispatch import region_team
from workflows.records.references import find_equipment
from workflows.records.service import get_customer
from workflows.records.tables import Customer, Equipment
from workflows.records.warranty import Warranty, warranty_of

# everyone whose work is about customers and their equipment; production, logistics, manufacturing
# technology and process owners work on orders and models, not on customer files
READERS = ("sales", "service_desk", "service_manager", "sales_vp", "quality_vp", "general_manager", "engineer",
           "auditor", "admin", "archivist")
# the parts catalogue is read by those who make, ship and cost the parts too
PARTS_READERS = (*READERS, "production", "logistics", "mfg_tech")
OPEN = queries.OPEN_STATUSES
CASES_SHOWN = 100


def check_reader(actor: Actor) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden("customer and equipment records are for the people who serve customers")


def check_parts_reader(actor: Actor) -> None:
    if not actor.has_role(*PARTS_READERS):
        raise Forbidden("the parts catalogue is for the people who serve customers or make and ship parts")


@dataclass
class SatisfactionPoint:
    on: dt.datetime
    score: int
    instance_id: int
    process_id: str


@dataclass
class CustomerFile:
    customer: Customer
    team: str
    equipment: list[Equipment]
    contracts: list[str]
    open_cases: list[Instance]
    past_cases: list[Instance]
    plan_lines: list[revisit_plan.PlanLine]
    plan_slots: list[revisit_plan.PlanSlot]
    satisfaction: list[SatisfactionPoint] = field(default_factory=list)
    case_numbers: dict[int, str] = field(default_factory=dict)


def _cases(actor: Actor, condition) -> list[Instance]:
    query = queries.restrict_instances_to(sa.select(Instance).where(condition), actor)
    return list(db.session.execute(query.order_by(Instance.id.desc()).limit(CASES_SHOWN)).scalars())


def _readable(instance_ids: set[int | None], actor: Actor) -> set[int]:
    """Those of the cases `actor` may open (the others are named on their pages without a link)."""
    wanted = sorted(i for i in instance_ids if i is not None)
    if not wanted:
        return set()
    query = queries.restrict_instances_to(sa.select(Instance.id).where(Instance.id.in_(wanted)), actor)
    return set(db.session.execute(query).scalars())


def satisfaction_of(customer_id: int) -> list[SatisfactionPoint]:
    """Every satisfaction score (1–5) the customer gave in a revisit or a complaint, oldest first."""
    rows = db.session.execute(sa.select(Task).where(Task.customer_id == customer_id, Task.status == "completed")
                              .order_by(Task.completed_at, Task.id)).scalars()
    points = []
    for row in rows:
        score = (row.data or {}).get("satisfaction")
        if isinstance(score, int) and not isinstance(score, bool) and row.completed_at is not None:
            points.append(SatisfactionPoint(row.completed_at, score, row.instance_id, row.process_id))
    return points


def customer_file(customer_id: int, *, actor: Actor) -> CustomerFile:
    check_reader(actor)
    customer = get_customer(customer_id)
    equipment = list(db.session.execute(sa.select(Equipment).where(Equipment.customer_id == customer.id)
                                        .order_by(Equipment.serial)).scalars())
    contracts = sorted({e.contract_number for e in equipment if e.contract_number})
    cases = _cases(actor, Instance.customer_id == customer.id)
    key = customer.customer_class == "key" or customer.key_revisit
    points = satisfaction_of(customer.id)
    slots = revisit_plan.slots_for(customer.id)
    numbers = queries.case_numbers(_readable({p.instance_id for p in points} | {s.instance_id for s in slots}, actor))
    return CustomerFile(
        customer=customer, team=region_team(customer.region), equipment=equipment, contracts=contracts,
        open_cases=[c for c in cases if c.status in OPEN], past_cases=[c for c in cases if c.status not in OPEN],
        plan_lines=[line for line in revisit_plan.lines() if line.enabled and line.for_key_customers == key],
        plan_slots=slots, satisfaction=points, case_numbers=numbers)


@dataclass
class EquipmentHistory:
    equipment: Equipment
    warranty: Warranty  # as it stands on the day asked
    cases: list[Instance]


def equipment_history(serial: str, *, actor: Actor, on: dt.date) -> EquipmentHistory:
    check_reader(actor)
    equipment = find_equipment(serial)
    if equipment is None:
        raise NotFound(f"no equipment with serial '{serial}'", serial=serial)
    return EquipmentHistory(equipment, warranty_of(equipment, on=on),
                            _cases(actor, Instance.equipment_serial == equipment.serial))
