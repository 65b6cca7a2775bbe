"""The installed base grows with the installations: when an installation case ends, each piece of
equipment the engineer commissioned (serial, model and ship date from its nameplate) enters the
equipment register, or its record is brought up to date, with the customer, the contract and the
commissioning date — the day its warranty starts. Each change is on the system audit stream."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.hooks import CommandContext
from workflows.records.references import find_equipment
from workflows.records.tables import Equipment
from workflows.records.warranty import warranty_of


def commissioning_date(data: Mapping[str, Any]) -> dt.date | None:
    """The day commissioning finished (the day it started when no end was written)."""
    day = data.get("finished_on") or data.get("started_on")
    return dt.date.fromisoformat(str(day)[:10]) if day else None


def register_commissioned(data: Mapping[str, Any], *, customer_id: int, case_number: str | None, actor: str,
                          now: dt.datetime) -> list[Equipment]:
    """Enter or update the register for every commissioned row of the case data."""
    commissioned = commissioning_date(data)
    rows = [r for r in data.get("equipment_installed") or [] if isinstance(r, Mapping) and r.get("serial")]
    if commissioned is None or not rows:
        return []
    stamp = utc_naive(now)
    saved, events = [], []
    for row in rows:
        equipment = find_equipment(str(row["serial"]))
        created = equipment is None
        if created:
            equipment = Equipment(serial=str(row["serial"]), inspection_record="", created_at=stamp, updated_at=stamp)
            db.session.add(equipment)
        equipment.model = str(row.get("model") or equipment.model)
        if row.get("ship_date"):
            equipment.ship_date = dt.date.fromisoformat(str(row["ship_date"])[:10])
        equipment.customer_id = customer_id
        equipment.contract_number = str(data.get("contract_number") or equipment.contract_number or "")
        equipment.commissioned_on = commissioned
        equipment.warranty_end = warranty_of(equipment, on=commissioned).end
        equipment.updated_at = stamp
        db.session.flush()
        saved.append(equipment)
        events.append({"type": "record_created" if created else "record_updated", "at": now, "actor": actor,
                       "element_id": f"equipment:{equipment.id}",
                       "data": {"record": "equipment", "key": equipment.id, "case": case_number,
                                "values": {"serial": equipment.serial, "model": equipment.model,
                                           "ship_date": equipment.ship_date.isoformat(),
                                           "customer_id": customer_id, "contract_number": equipment.contract_number,
                                           "commissioned_on": commissioned.isoformat()}}})
    audit.append(audit.SYSTEM_STREAM, events)
    return saved


def on_installation_completed(process_id: str):
    """After-command hook: when a case of `process_id` completes, register what it commissioned."""

    def register(context: CommandContext) -> None:
        instance = context.instance
        if instance.process_id != process_id or instance.customer_id is None:
            return
        if not any(event.get("type") == "instance_completed" for event in context.events):
            return
        register_commissioned(instance.data or {}, customer_id=instance.customer_id,
                              case_number=instance.case_number, actor=context.actor, now=context.now)

    return register
