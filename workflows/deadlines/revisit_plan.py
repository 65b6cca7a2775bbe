"""The yearly revisit plan (manual art. 33–35): key customers get a phone revisit every month and
an on-site visit every six months; ordinary customers a phone revisit every quarter.

Each plan line cuts the year into periods (months, half-years, quarters); a customer's slot in a
period is due on its last day and opens `lead_days` before. The scheduler process runs `generate`
hourly: it starts a `revisit` case for every open slot not yet planned — ahead of its due date,
catching up on slots that opened while the server was down — and records the slot, whose unique
key (customer, line, period) means a slot is never planned twice, whoever runs the generator.
A revisit the customer had at any time in the period (after a service, or by hand) fills the slot.
The plan covers periods ending on or after the day it was first switched on.
"""
from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import commands, hooks
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import AftercareError, Forbidden, ValidationFailed
from engine.identity import SYSTEM, Actor
from engine.models import Instance
from workflows.records.tables import Customer

log = logging.getLogger(__name__)
PROCESS_ID = "revisit"
EDITORS = ("process_owner", "admin")


@dataclass(frozen=True)
class PlanCustomer:
    id: int
    name: str
    key: bool  # a key customer (大客户/重点客户), or one flagged for a key revisit


@dataclass(frozen=True)
class PlanLine:
    key: str
    name_zh: str
    for_key_customers: bool
    mode: str  # phone | onsite
    every_months: int
    lead_days: int = 14
    enabled: bool = True


DEFAULT_LINES = (
    PlanLine("key_phone", "重点客户每月电话回访", True, "phone", 1),
    PlanLine("key_onsite", "重点客户每半年现场走访", True, "onsite", 6, lead_days=30),
    PlanLine("ordinary_phone", "普通客户每季度电话回访", False, "phone", 3),
)
PERIODS = (1, 2, 3, 4, 6, 12)  # months that cut a year evenly


class PlanSetting(db.Model):
    """A process owner's change to one plan line."""

    __tablename__ = "revisit_plan_setting"
    key: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    every_months: Mapped[int]
    lead_days: Mapped[int]
    enabled: Mapped[bool]
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class PlanSlot(db.Model):
    """One customer's revisit of one plan line in one period, and the case that serves it."""

    __tablename__ = "revisit_plan_slot"
    __table_args__ = (sa.UniqueConstraint("customer_id", "line", "period", name="uq_revisit_plan_slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(index=True)
    line: Mapped[str] = mapped_column(sa.String(30))
    period: Mapped[str] = mapped_column(sa.String(20))
    due_date: Mapped[dt.date] = mapped_column(sa.Date)
    instance_id: Mapped[int | None] = mapped_column(index=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    filled_by: Mapped[str] = mapped_column(sa.String(10), default="plan")  # plan | existing
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class PlanStart(db.Model):
    """The day the plan was first switched on (one row)."""

    __tablename__ = "revisit_plan_start"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_on: Mapped[dt.date] = mapped_column(sa.Date)


# ---------------------------------------------------------------- settings
def lines() -> list[PlanLine]:
    rows = {row.key: row for row in db.session.execute(sa.select(PlanSetting)).scalars()}
    return [dataclasses.replace(line, every_months=rows[line.key].every_months, lead_days=rows[line.key].lead_days,
                                enabled=rows[line.key].enabled) if line.key in rows else line
            for line in DEFAULT_LINES]


def update_line(key: str, *, actor: Actor, every_months: int | None = None, lead_days: int | None = None,
                enabled: bool | None = None) -> PlanLine:
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner can change the revisit plan", line=key)
    current = next((line for line in lines() if line.key == key), None)
    if current is None:
        raise ValidationFailed({"line": [f"no plan line '{key}'"]})
    updated = dataclasses.replace(current, **{k: v for k, v in (("every_months", every_months),
                                                                 ("lead_days", lead_days), ("enabled", enabled))
                                              if v is not None})
    errors = {}
    if updated.every_months not in PERIODS:
        errors["every_months"] = [f"a period must cut the year evenly: one of {PERIODS} months"]
    if not 0 <= updated.lead_days <= 90:
        errors["lead_days"] = ["cases open 0 to 90 days before they are due"]
    if errors:
        raise ValidationFailed(errors)
    row = db.session.get(PlanSetting, key) or PlanSetting(key=key)
    row.every_months, row.lead_days, row.enabled = updated.every_months, updated.lead_days, updated.enabled
    row.updated_by, row.updated_at = actor.username, utc_naive(clock_now())
    db.session.add(row)
    db.session.flush()
    return updated


# ---------------------------------------------------------------- periods
@dataclass(frozen=True)
class Slot:
    period: str
    opens: dt.date
    due: dt.date
    starts: dt.date  # the period's first day


def slots_of(line: PlanLine, year: int) -> list[Slot]:
    """The year's periods of a line: label, the day its case opens, the day it is due."""
    found = []
    for index in range(12 // line.every_months):
        last_month = (index + 1) * line.every_months
        due = dt.date(year, last_month, month_calendar.monthrange(year, last_month)[1])
        label = f"{year}-{last_month:02d}" if line.every_months == 1 else f"{year}-{line.every_months}m{index + 1}"
        starts = dt.date(year, last_month - line.every_months + 1, 1)
        found.append(Slot(label, due - dt.timedelta(days=line.lead_days), due, starts))
    return found


def open_slots(line: PlanLine, *, since: dt.date, today: dt.date) -> list[Slot]:
    """Slots that have opened by `today` and are due on or after `since` (the plan's first day)."""
    return [slot for year in range(since.year, today.year + 2) for slot in slots_of(line, year)
            if slot.opens <= today and slot.due >= since]


# ---------------------------------------------------------------- generating
@dataclass
class PlanReport:
    started: list[str] = field(default_factory=list)  # case numbers
    filled_by_existing: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


def plan_start(today: dt.date) -> dt.date:
    row = db.session.execute(sa.select(PlanStart)).scalar_one_or_none()
    if row is None:
        with transaction():
            row = PlanStart(started_on=today)
            db.session.add(row)
    return row.started_on


def generate(plan_customers: Iterable[PlanCustomer], *, process_id: str = PROCESS_ID) -> PlanReport:
    """Start the revisit cases whose slots have opened; safe to run any number of times, anywhere."""
    now = clock_now()
    today = now.astimezone(ZoneInfo(hooks.get().timezone)).date()
    since = plan_start(today)
    report = PlanReport()
    plan_customers = list(plan_customers)
    planned = {(s.customer_id, s.line, s.period) for s in db.session.execute(
        sa.select(PlanSlot.customer_id, PlanSlot.line, PlanSlot.period)).all()}
    db.session.commit()
    for line in (line for line in lines() if line.enabled):
        for customer in plan_customers:
            if customer.key != line.for_key_customers:
                continue
            for slot in open_slots(line, since=since, today=today):
                if (customer.id, line.key, slot.period) not in planned:
                    _fill(customer, line, slot, process_id, now, report)
    return report


def _fill(customer: PlanCustomer, line: PlanLine, slot: Slot, process_id: str, now: dt.datetime,
          report: PlanReport) -> None:
    try:
        with transaction():
            row = PlanSlot(customer_id=customer.id, line=line.key, period=slot.period, due_date=slot.due,
                           created_at=utc_naive(now))
            db.session.add(row)
            db.session.flush()  # the unique key: a slot another run planned meanwhile stops here
            existing = _revisit_in(customer.id, line.mode, slot, process_id)
            if existing is not None:
                row.instance_id, row.case_number, row.filled_by = existing.id, existing.case_number, "existing"
                report.filled_by_existing += 1
                return
            case = commands.start_within(process_id=process_id, actor=SYSTEM, data={
                "customer_id": customer.id, "mode": line.mode, "source": "yearly_plan",
                "due_date": slot.due.isoformat()})
            row.instance_id, row.case_number = case.id, case.case_number
        report.started.append(case.case_number)
    except sa.exc.IntegrityError:
        db.session.rollback()
    except AftercareError as exc:
        log.warning("revisit plan: %s %s %s not started: %s", customer.name, line.key, slot.period, exc.message)
        report.failed.append({"customer_id": customer.id, "line": line.key, "period": slot.period,
                              "problem": exc.message})


def _revisit_in(customer_id: int, mode: str, slot: Slot, process_id: str) -> Instance | None:
    """A revisit of this customer and mode made at any time in the slot's period, if any."""
    zone = ZoneInfo(hooks.get().timezone)
    began = utc_naive(dt.datetime.combine(slot.starts, dt.time(), tzinfo=zone))
    ended = utc_naive(dt.datetime.combine(slot.due + dt.timedelta(days=1), dt.time(), tzinfo=zone))
    serving = sa.select(PlanSlot.instance_id).where(PlanSlot.instance_id.is_not(None))  # other slots' cases
    candidates = db.session.execute(sa.select(Instance).where(
        Instance.process_id == process_id, Instance.customer_id == customer_id, Instance.started_at >= began,
        Instance.started_at < ended, Instance.status != "cancelled", Instance.id.not_in(serving))
        .order_by(Instance.started_at, Instance.id)).scalars()
    return next((case for case in candidates if (case.data or {}).get("mode", "phone") == mode), None)


def customers() -> list[PlanCustomer]:
    """Every customer on record: key customers, and those a remote fault fix made key revisit targets
    (art. 27), get the key customers' plan."""
    return [PlanCustomer(row.id, row.name, key=row.customer_class == "key" or bool(row.key_revisit))
            for row in db.session.execute(sa.select(Customer).order_by(Customer.id)).scalars()]


def run() -> PlanReport:
    """The scheduler's hourly job."""
    report = generate(customers())
    if report.started or report.failed:
        log.info("revisit plan: %s cases started, %s failed", len(report.started), len(report.failed))
    return report


def slots_for(customer_id: int) -> list[PlanSlot]:
    return list(db.session.execute(sa.select(PlanSlot).where(PlanSlot.customer_id == customer_id)
                                   .order_by(PlanSlot.due_date, PlanSlot.line)).scalars())
