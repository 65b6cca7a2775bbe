"""Flow 3, customer revisit 客户回访 (manual art. 33–39): a phone questionnaire, or an on-site
visit on a request the manager signs; a low score or a complaint opens a follow-up for the manager,
and a complaint is also registered as a complaint case (`open_complaint`), graded ordinary.

Revisits start by hand, from the yearly plan, or — `open_revisit` — when an installation or a
fault case completes, due 14 days later (art. 36)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from engine import commands
from engine.clock import isoformat, now, utc_naive
from engine.context import current
from engine.db import db
from engine.identity import SYSTEM
from engine.models import Instance
from workflows import complaint
from workflows.case_data import customer_and_equipment, local_zone
from workflows.records.dispatch import suggest_engineer
from workflows.records.references import find_engineer
from workflows.records.tables import Customer

PROCESS_ID = "revisit"
CASE_PREFIX = "REV"
REVISIT_DELAY = dt.timedelta(days=14)  # phone revisit within two weeks of a completed service
END_OF_DAY = dt.time(18, 0)


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, **customer_and_equipment(data)}
    data.setdefault("source", "manual")
    data["complaint"] = False
    data["requested_by"] = username
    data["assigned_engineer"] = revisit_engineer(data.get("assigned_engineer"), data["region"])
    due = due_on(data["due_date"]) if data.get("due_date") else revisit_due(now())
    data["revisit_due"] = isoformat(due)
    return data


# ---------------------------------------------------------------- assignment
def revisit_engineer(requested: str | None, region: str) -> str | None:
    """The engineer named on the request, else the least-loaded one of the customer's region."""
    return requested or suggest_engineer(region)


# ---------------------------------------------------------------- service-task handlers
def open_revisit(data: dict[str, Any], params: dict[str, Any]) -> str:
    """Open the follow-up phone revisit of the current case, in the same transaction; returns its
    case number. Running twice for one case opens one revisit."""
    info = current()
    existing = db.session.execute(sa.select(Instance.case_number).where(
        Instance.parent_id == info.instance_id, Instance.process_id == PROCESS_ID)).scalar()
    if existing:
        return existing
    start = {"customer_id": data["customer_id"], "mode": "phone", "source": params.get("source") or "manual",
             "related_case": info.case_number}
    if data.get("equipment_serial"):
        start["equipment_serial"] = data["equipment_serial"]
    engineer = find_engineer(data.get("assigned_engineer") or "")
    if engineer is not None and engineer.active:
        start["assigned_engineer"] = engineer.username  # who did the service calls the customer back
    revisit = commands.start_within(process_id=PROCESS_ID, data=start, actor=SYSTEM, parent_id=info.instance_id)
    return revisit.case_number


def open_complaint(data: dict[str, Any], params: dict[str, Any]) -> str | None:
    """A complaint the customer raised during the revisit becomes an ordinary complaint case,
    received now, in the same transaction; returns its case number (None when the revisit recorded
    no complaint). Running twice for one revisit opens one complaint."""
    if data.get("complaint") is not True:
        return None
    info = current()
    existing = db.session.execute(sa.select(Instance.case_number).where(
        Instance.parent_id == info.instance_id, Instance.process_id == complaint.PROCESS_ID)).scalar()
    if existing:
        return existing
    said = [data.get(key) for key in ("comment", "suggestions") if data.get(key)]
    start = {"customer_id": data["customer_id"], "channel": "revisit", "priority": "ordinary",
             "description": "；".join(said) or f"客户在回访 {info.case_number} 中提出投诉。",
             "related_case": info.case_number}
    if data.get("equipment_serial"):
        start["equipment_serial"] = data["equipment_serial"]
    if data.get("contact_person"):
        start["contact"] = data["contact_person"]
    case = commands.start_within(process_id=complaint.PROCESS_ID, data=start, actor=SYSTEM,
                                 parent_id=info.instance_id)
    return case.case_number


def record_revisit(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Note the revisit on the customer's record (the yearly plan reads it). A customer a remote fix
    made a key revisit target stops being one with this revisit, unless it is that fix's own
    follow-up call."""
    customer = db.session.get(Customer, data["customer_id"])
    at = now()
    if customer is not None:
        customer.last_revisit_at = utc_naive(at)
        customer.last_satisfaction = params.get("satisfaction")
        if customer.key_revisit and data.get("related_case") != customer.key_revisit_case:
            customer.key_revisit = False
    return {"at": isoformat(at), "satisfaction": params.get("satisfaction")}


SERVICES = {"open_revisit": open_revisit, "record_revisit": record_revisit, "open_complaint": open_complaint}
DRAFTS: dict[str, Any] = {}


# ---------------------------------------------------------------- domain rules
def revisit_due(completed_at: dt.datetime) -> dt.datetime:
    """When the phone revisit after a service completed at `completed_at` is due."""
    return completed_at + REVISIT_DELAY


def due_on(day: str) -> dt.datetime:
    """A due date picked by hand means the end of that working day, company time."""
    return dt.datetime.combine(dt.date.fromisoformat(day), END_OF_DAY, tzinfo=local_zone())
