"""Service appointments 预约服务 (004, the service advisor's duties): the advisor books the customer
into a slot the workshop has room for (a full slot is refused with the next free ones), calls the
customer the day before, receives the equipment and writes the work order (作业指示); the engineer
works and the advisor keeps the customer informed; added work starts only once the customer's
consent is recorded (who, by phone or signature, when); the advisor explains the work and charges,
the cashier settles (labour + parts, a printable bill), the advisor closes the case, and a call
about the next maintenance is made a week before it is due."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine import commands, queries
from engine.clock import now
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.forms import text
from engine.hooks import CommandContext
from engine.identity import Actor
from workflows.case_data import customer_and_equipment, local_date, local_zone
from workflows.deadlines import calendar
from workflows.records import capacity
from workflows.records.references import problem, resolve_engineer
from workflows.records.tables import Part

PROCESS_ID = "service_appointment"
CASE_PREFIX = "APT"
REMINDER_DAYS_BEFORE = 1  # the advisor calls the day before the appointment
MAINTENANCE_REMINDER_DAYS_BEFORE = 7
CALL_AT = dt.time(9, 0)  # reminders fall due at this company time


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, **customer_and_equipment(data)}
    day = dt.date.fromisoformat(data["appointment_date"])
    booking = capacity.book(day, data["slot"], customer_id=data["customer_id"], booked_by=username, now=now(),
                            today=local_date(None))
    data["booking_id"] = booking.id
    data["slot_label"] = capacity.FreeSlot(day, data["slot"], 0).label("zh")
    data["reminder_at"] = call_time(day - dt.timedelta(days=REMINDER_DAYS_BEFORE))
    data["requested_by"] = username
    return data


def call_time(day: dt.date) -> str:
    """When a reminder call falls due: 09:00 company time that day, or now if that has passed."""
    at = dt.datetime.combine(day, CALL_AT, tzinfo=local_zone())
    return max(at, now().astimezone(local_zone())).isoformat()


# ---------------------------------------------------------------- drafts
def charges_draft(case: Mapping[str, Any]) -> dict[str, Any]:
    """The explanation opens with the work order's lines and every added work the customer agreed to."""
    labour = list(case.get("labour") or [])
    parts = list(case.get("parts") or [])
    for added in case.get("added_agreed") or []:
        labour += added.get("labour") or []
        parts += added.get("parts") or []
    return {"final_labour": labour, "final_parts": parts}


DRAFTS = {f"{PROCESS_ID}/explain_charges": charges_draft}


# ---------------------------------------------------------------- service-task handlers
def confirm_booking(data: dict[str, Any], params: dict[str, Any]) -> str:
    capacity.link(data["booking_id"], data["case_number"])
    return data["slot_label"]


def release_booking(data: dict[str, Any], params: dict[str, Any]) -> bool:
    capacity.release(data["booking_id"])
    return True


def record_consent(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The customer's consent to the added work as recorded: granted only when the customer agreed
    and it says who agreed, how and when, and a signed consent has its scan."""
    how = data.get("consent_method")
    signed = how == "signature" and bool(data.get("consent_signature"))
    granted = (data.get("consent_given") is True and bool(data.get("consent_by")) and bool(data.get("consent_at"))
               and (how == "phone" or signed))
    return {"granted": granted, "by": data.get("consent_by"), "method": how, "at": data.get("consent_at"),
            "signature": data.get("consent_signature") if how == "signature" else None,
            "work": data.get("added_work")}


def agree_added_work(data: dict[str, Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    """The added work the customer agreed to joins the list the bill is drawn from."""
    return [*(data.get("added_agreed") or []),
            {"work": data.get("added_work"), "labour": data.get("added_labour") or [],
             "parts": data.get("added_parts") or [], "consent": data.get("consent")}]


def compute_bill(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    return bill(data.get("final_labour") or [], data.get("final_parts") or [])


def schedule_maintenance_reminder(data: dict[str, Any], params: dict[str, Any]) -> str:
    due = dt.date.fromisoformat(data["next_maintenance_date"])
    return call_time(due - dt.timedelta(days=MAINTENANCE_REMINDER_DAYS_BEFORE))


SERVICES = {"confirm_booking": confirm_booking, "release_booking": release_booking,
            "record_consent": record_consent, "agree_added_work": agree_added_work,
            "compute_bill": compute_bill, "schedule_maintenance_reminder": schedule_maintenance_reminder}


def on_command(ctx: CommandContext) -> None:
    """After-command hook: a cancelled appointment gives its seat back."""
    if ctx.instance.process_id == PROCESS_ID and any(e["type"] == "instance_cancelled" for e in ctx.events):
        booking_id = (ctx.instance.data or {}).get("booking_id")
        if booking_id is not None:
            capacity.release(booking_id)


# ---------------------------------------------------------------- domain rules
def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def bill(labour: list[Mapping[str, Any]], parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Labour (hours × rate) plus parts (quantity × price; the catalogue price when none is given),
    every amount as a string of yuan with two decimals."""
    labour_lines, parts_lines = [], []
    for line in labour:
        amount = _money(Decimal(str(line["hours"])) * _money(line["rate"]))
        labour_lines.append({"item": line["item"], "hours": str(line["hours"]), "rate": str(_money(line["rate"])),
                             "amount": str(amount)})
    for line in parts:
        part = db.session.get(Part, line["part"])
        price = _money(line.get("unit_price") if line.get("unit_price") is not None else (part.price if part else 0))
        amount = _money(price * int(line["quantity"]))
        parts_lines.append({"part": line["part"], "name": part.name if part else line["part"],
                            "quantity": int(line["quantity"]), "unit_price": str(price), "amount": str(amount)})
    labour_total = sum((Decimal(x["amount"]) for x in labour_lines), Decimal("0.00"))
    parts_total = sum((Decimal(x["amount"]) for x in parts_lines), Decimal("0.00"))
    return {"labour": labour_lines, "parts": parts_lines, "labour_total": str(labour_total),
            "parts_total": str(parts_total), "total": str(labour_total + parts_total)}


# ---------------------------------------------------------------- what the advisor's pages read
BOOKERS = capacity.EDITORS


def require_booker(actor: Actor) -> None:
    if not actor.has_role(*BOOKERS):
        raise Forbidden("only service advisors and the service manager book appointments and keep the "
                        "engineers' calendars")


def free_slots_for(*, actor: Actor, since: dt.date | None, count: int) -> list[dict[str, Any]]:
    """The next free slots from `since` (today when none), for the people who book appointments."""
    require_booker(actor)
    today = local_date(None)
    return [slot.to_dict() for slot in capacity.free_slots(max(since or today, today), count=count)]


def mark_day_off(*, engineer: str, day: dt.date, off: bool, note: str, actor: Actor,
                 lang: str = "zh") -> dict[str, Any]:
    """An engineer's day off (or back at work), in the engineers' working calendar the bookings read."""
    with commands.transaction():
        require_booker(actor)
        if not calendar.current().knows(day.year):
            raise ValidationFailed({"date": [text(problem(f"{day.year} 年的工作日历尚未确认。",
                                                          f"The working calendar of {day.year} is not confirmed yet."),
                                                  lang)]})
        try:
            username = resolve_engineer(engineer)
        except ValueError as exc:
            raise ValidationFailed({"engineer": [text(exc.args[0], lang)]}) from exc
        capacity.set_day_off(username, day, off=off, note=note, actor=actor, now=now())
        return {"engineer": username, "date": day.isoformat(), "off": off, "capacity": capacity.capacity(day)}


def bill_of(instance_id: int, *, actor: Actor) -> dict[str, Any]:
    """The printable bill of an appointment, for anyone who may read the case; `billed` is false
    until the charges are computed (and for a case of another flow, which has none)."""
    case = queries.readable_case(instance_id, actor)
    data = case.data or {}
    billed = case.process_id == PROCESS_ID and "bill" in data
    return {"instance_id": case.id, "case_number": case.case_number, "customer_name": data.get("customer_name"),
            "equipment_serial": data.get("equipment_serial"), "slot": data.get("booking_slot"),
            "payment_method": data.get("payment_method"), "amount_paid": data.get("amount_paid"),
            "receipt_number": data.get("receipt_number"), "consents": [a.get("consent") for a in
                                                                         data.get("added_agreed") or []],
            "billed": billed, **(data["bill"] if billed else {})}
