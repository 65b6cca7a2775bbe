"""Warranty 质保: whether a piece of equipment is covered on a day, computed from the equipment register
and never typed in. Compensation is only for equipment within warranty (manual art. 29); outside it
a fault is a paid repair (quote, the customer's answer, payment).

The warranty starts on the commissioning date recorded in the register (the ship date while the
equipment is not commissioned yet) and lasts the register's number of months, or the company's
default (`warranty_months`, 12 unless changed). Periods are counted the way the Civil Code counts
them (arts. 201, 203): the start day itself is not counted, and the period ends on the same day of
the last month, or that month's last day when it has no such day."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.forms import text
from engine.identity import Actor
from workflows.records.references import problem
from workflows.records.tables import Equipment

# The company's warranty terms a process owner or an administrator can change, with their defaults.
# `paid_repair_payment`: an out-of-warranty repair is paid before the work (`prepay`, the seeds' rule:
# work is arranged once the fee has arrived) or after it (`on_completion`).
DEFAULTS = {"warranty_months": "12", "paid_repair_payment": "prepay"}
PAYMENT_TIMINGS = ("prepay", "on_completion")
MAX_MONTHS = 600
EDITORS = ("process_owner", "admin")
STATUS_LABELS = {True: "质保期内", False: "已过质保期"}


class WarrantySetting(db.Model):
    """One warranty term of the company (key → value), with who last changed it."""

    __tablename__ = "warranty_setting"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40))
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class Registered(Protocol):
    """What the register knows about a piece of equipment that decides its warranty."""

    ship_date: dt.date
    commissioned_on: dt.date | None
    warranty_months: int | None


@dataclass(frozen=True)
class Warranty:
    start: dt.date
    end: dt.date
    months: int
    in_warranty: bool
    from_commissioning: bool  # False: not commissioned yet, counted from the ship date

    @property
    def status(self) -> str:
        return STATUS_LABELS[self.in_warranty]

    def facts(self) -> dict[str, Any]:
        """The warranty as a case records it."""
        return {"warranty_start": self.start.isoformat(), "warranty_end": self.end.isoformat(),
                "warranty_months": self.months, "in_warranty": self.in_warranty, "warranty_status": self.status}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_term(start: dt.date, months: int, *, on: dt.date, from_commissioning: bool = True) -> Warranty:
    """The warranty that starts on `start` and lasts `months`, as it stands on `on`: covered through
    the end day included (a fault before the start, on equipment delivered but not yet in service,
    is covered too)."""
    end = add_months(start, months)
    return Warranty(start=start, end=end, months=months, in_warranty=on <= end, from_commissioning=from_commissioning)


def warranty_of(equipment: Registered, *, on: dt.date, default_months: int | None = None) -> Warranty:
    """The equipment's warranty on `on`, from the register (the company default when the register
    names no length; read from the settings unless given)."""
    months = equipment.warranty_months or default_months or default_warranty_months()
    start = equipment.commissioned_on or equipment.ship_date
    return warranty_term(start, months, on=on, from_commissioning=equipment.commissioned_on is not None)


def months_between(start: dt.date, end: dt.date) -> int:
    """The fewest whole months from `start` that reach `end` (at least one)."""
    months = max(1, (end.year - start.year) * 12 + end.month - start.month)
    while add_months(start, months) < end:
        months += 1
    return months


def adopt_recorded_ends(*, actor: Actor, now: dt.datetime) -> int:
    """For a database from before warranties were computed: each piece of equipment with no length
    in the register takes the length its recorded warranty end implies (from the ship date), so its
    warranty stays what was agreed. Run once, right after the upgrade; audited per record."""
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner or an administrator adopts recorded warranty ends")
    adopted = 0
    with transaction():
        rows = db.session.execute(sa.select(Equipment).where(
            Equipment.warranty_months.is_(None), Equipment.commissioned_on.is_(None),
            Equipment.warranty_end.is_not(None)).order_by(Equipment.id)).scalars().all()
        for equipment in rows:
            equipment.warranty_months = months_between(equipment.ship_date, equipment.warranty_end)
            equipment.updated_at = utc_naive(now)
            audit.append(audit.SYSTEM_STREAM, [{
                "type": "record_updated", "at": now, "actor": actor.username, "element_id": f"equipment:{equipment.id}",
                "data": {"record": "equipment", "key": equipment.id,
                         "values": {"warranty_months": equipment.warranty_months}}}])
            adopted += 1
    return adopted


# ---------------------------------------------------------------- the company's terms
def setting(key: str) -> str:
    row = db.session.get(WarrantySetting, key)
    return row.value if row is not None else DEFAULTS[key]


def default_warranty_months() -> int:
    return int(setting("warranty_months"))


def paid_repair_payment() -> str:
    """`prepay` (before the work) or `on_completion`: when an out-of-warranty repair is paid."""
    return setting("paid_repair_payment")


def _checked(key: str, value: Any, lang: str) -> str:
    def refused(field: str, zh: str, en: str) -> ValidationFailed:
        return ValidationFailed({field: [text(problem(zh, en), lang)]})

    if key == "warranty_months":
        given = str(value).strip()
        if not (given.isascii() and given.isdigit() and len(given) <= 3) or not 1 <= int(given) <= MAX_MONTHS:
            raise refused(key, f"质保期须为 1 至 {MAX_MONTHS} 个月。", f"The warranty lasts 1 to {MAX_MONTHS} months.")
        return str(int(given))
    if key == "paid_repair_payment":
        if value not in PAYMENT_TIMINGS:
            raise refused(key, "付款时间须为维修前（prepay）或维修后（on_completion）。",
                          "Payment is either prepay (before the work) or on_completion.")
        return str(value)
    raise refused("key", f"没有名为 {key} 的质保设置。", f"There is no warranty setting {key}.")


def change_setting(key: str, value: Any, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> str:
    """Change one warranty term; the change is on the system audit stream."""
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner or an administrator changes the warranty terms")
    with transaction():
        clean = _checked(key, value, lang)
        row = db.session.get(WarrantySetting, key)
        if row is None:
            row = WarrantySetting(key=key)
            db.session.add(row)
        row.value, row.updated_by, row.updated_at = clean, actor.username, utc_naive(now)
        audit.append(audit.SYSTEM_STREAM, [{"type": "warranty_setting_changed", "at": now, "actor": actor.username,
                                            "element_id": f"warranty_setting:{key}",
                                            "data": {"key": key, "value": clean}}])
    return clean
