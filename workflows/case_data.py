"""Facts the system adds to a case from the domain records when it starts (customer name, region,
equipment model, factory date, warranty status), so forms need ask only for what people know."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from engine import hooks
from engine.clock import now
from engine.db import db
from engine.errors import ValidationFailed
from workflows.records.dispatch import region_team
from workflows.records.references import find_equipment, problem
from workflows.records.tables import Customer
from workflows.records.warranty import warranty_of


def local_zone() -> ZoneInfo:
    return ZoneInfo(hooks.get().timezone)


def local_date(iso_datetime: str | None) -> dt.date:
    """The company-local date of an ISO date-time (today when none is given)."""
    when = dt.datetime.fromisoformat(iso_datetime) if iso_datetime else now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=local_zone())
    return when.astimezone(local_zone()).date()


def now_local_iso() -> str:
    return now().astimezone(local_zone()).isoformat()


def customer_facts(customer_id: int) -> dict[str, Any]:
    customer = db.session.get(Customer, customer_id)
    if customer is None:  # the form's resolver checked it; a deleted record is still a clear error
        raise ValidationFailed({"customer_id": [problem("客户不存在。", "No such customer.")]})
    contact = customer.first_contact
    return {"customer_id": customer.id, "customer_name": customer.name, "customer_class": customer.customer_class,
            "region": customer.region, "region_team": region_team(customer.region),
            "customer_address": customer.address, "customer_contact": contact.get("name", ""),
            "customer_phone": contact.get("phone", "")}


def equipment_facts(serial: str, *, on: dt.date) -> dict[str, Any]:
    """Model, factory date, inspection record and the warranty computed for `on`, plus the owner's facts."""
    equipment = find_equipment(serial)
    if equipment is None:
        raise ValidationFailed({"equipment_serial": [problem("设备不存在。", "No such equipment.")]})
    return {**customer_facts(equipment.customer_id), "equipment_serial": equipment.serial,
            "equipment_model": equipment.model, "contract_number": equipment.contract_number,
            "factory_date": equipment.ship_date.isoformat(), "inspection_record": equipment.inspection_record,
            **warranty_of(equipment, on=on).facts()}


def check_owner(data: Mapping[str, Any]) -> None:
    """A customer and a piece of equipment given together must belong together."""
    serial, customer_id = data.get("equipment_serial"), data.get("customer_id")
    if not serial or customer_id is None:
        return
    equipment = find_equipment(serial)
    if equipment is not None and equipment.customer_id != customer_id:
        raise ValidationFailed({"equipment_serial": [problem(
            f"设备 {serial} 不属于所选客户。", f"Equipment {serial} does not belong to the chosen customer.")]})


def customer_and_equipment(data: Mapping[str, Any]) -> dict[str, Any]:
    """Facts for a form that names a customer and, optionally, one of its pieces of equipment."""
    check_owner(data)
    facts = customer_facts(data["customer_id"])
    if data.get("equipment_serial"):
        facts.update(equipment_facts(data["equipment_serial"], on=local_date(None)))
    return facts
