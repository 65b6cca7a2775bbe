"""The workshop's capacity for service appointments (004: 接收预约并进行管理, 确认工厂的劳动状况):
each working day of the business calendar has daily slots; a slot takes one appointment for every
engineer working that day (engineers' days off are their working calendar). A booking holds one
seat of a slot — (day, slot, seat) is unique, so two advisors booking the last seat at the same
moment cannot both get it — and a full slot is refused with the next free ones."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.identity import Actor
from workflows.deadlines import calendar
from workflows.records.dispatch import active_engineers
from workflows.records.references import problem

# slot id -> (中文, English, start of the slot, company time)
SLOTS: dict[str, tuple[str, str, dt.time]] = {
    "morning": ("上午", "Morning", dt.time(8, 30)),
    "afternoon": ("下午", "Afternoon", dt.time(13, 30)),
}
APPOINTMENTS_PER_ENGINEER = 1  # per slot
HORIZON_DAYS = 60  # how far ahead free slots are looked for
SUGGESTIONS = 3
EDITORS = ("service_advisor", "service_manager", "admin")


class EngineerDayOff(db.Model):
    """A day an engineer does not work (leave, training, a trip): the working calendar of engineers."""

    __tablename__ = "engineer_day_off"
    __table_args__ = (sa.UniqueConstraint("username", "day", name="uq_engineer_day_off"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class AppointmentBooking(db.Model):
    """One seat of one slot, held by an appointment (released when the customer cancels)."""

    __tablename__ = "appointment_booking"
    __table_args__ = (sa.UniqueConstraint("day", "slot", "seat", name="uq_appointment_seat"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    slot: Mapped[str] = mapped_column(sa.String(20))
    seat: Mapped[int]
    customer_id: Mapped[int]
    booked_by: Mapped[str] = mapped_column(sa.String(80))
    booked_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))


@dataclass(frozen=True)
class FreeSlot:
    day: dt.date
    slot: str
    free: int

    def label(self, lang: str = "zh") -> str:
        zh, en, start = SLOTS[self.slot]
        return f"{self.day.isoformat()} {en if lang == 'en' else zh} {start:%H:%M}"

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "slot": self.slot, "free": self.free,
                "label": self.label("zh"), "label_en": self.label("en")}


# ---------------------------------------------------------------- reading
def engineers_working(day: dt.date) -> list[str]:
    off = set(db.session.execute(sa.select(EngineerDayOff.username).where(EngineerDayOff.day == day)).scalars())
    return [e.username for e in active_engineers() if e.username not in off]


def capacity(day: dt.date) -> int:
    """Appointments one slot of `day` takes (0 on a day the company does not work)."""
    if not calendar.current().is_working_day(day):
        return 0
    return len(engineers_working(day)) * APPOINTMENTS_PER_ENGINEER


def seats_taken(day: dt.date, slot: str) -> set[int]:
    return set(db.session.execute(sa.select(AppointmentBooking.seat).where(
        AppointmentBooking.day == day, AppointmentBooking.slot == slot)).scalars())


def free_slots(since: dt.date, *, count: int = SUGGESTIONS, horizon: int = HORIZON_DAYS) -> list[FreeSlot]:
    """The first `count` slots with a free seat, from `since` on (days the calendar knows). Reads
    the engineers, their days off and the bookings of the whole horizon in three queries."""
    found: list[FreeSlot] = []
    cal = calendar.current()
    if not cal.knows(since.year):
        return found
    until = since + dt.timedelta(days=horizon)
    engineers = {e.username for e in active_engineers()}
    off: dict[dt.date, set[str]] = {}
    for username, day in db.session.execute(sa.select(EngineerDayOff.username, EngineerDayOff.day).where(
            EngineerDayOff.day >= since, EngineerDayOff.day < until)):
        off.setdefault(day, set()).add(username)
    taken = dict(((day, slot), n) for day, slot, n in db.session.execute(
        sa.select(AppointmentBooking.day, AppointmentBooking.slot, sa.func.count())
        .where(AppointmentBooking.day >= since, AppointmentBooking.day < until)
        .group_by(AppointmentBooking.day, AppointmentBooking.slot)))
    for offset in range(horizon):
        day = since + dt.timedelta(days=offset)
        if not cal.knows(day.year):
            break
        if not cal.is_working_day(day):
            continue
        seats = len(engineers - off.get(day, set())) * APPOINTMENTS_PER_ENGINEER
        for slot in SLOTS:
            free = seats - taken.get((day, slot), 0)
            if free > 0:
                found.append(FreeSlot(day, slot, free))
                if len(found) >= count:
                    return found
    return found


# ---------------------------------------------------------------- booking
def book(day: dt.date, slot: str, *, customer_id: int, booked_by: str, now: dt.datetime,
         today: dt.date) -> AppointmentBooking:
    """Hold a seat of the slot, or refuse a past, closed or full slot naming the next free ones."""
    if day < today:
        raise ValidationFailed({"appointment_date": [problem("预约日期不能早于今天。", "The date is in the past.")]})
    if not calendar.current().knows(day.year):
        raise ValidationFailed({"appointment_date": [problem(
            f"{day.year} 年的工作日历尚未确认，暂不能预约。",
            f"The working calendar of {day.year} is not confirmed yet.")]})
    seats = capacity(day)
    taken = seats_taken(day, slot)
    free = [seat for seat in range(1, seats + 1) if seat not in taken]
    if not free:
        raise _full(day, slot, today)
    booking = AppointmentBooking(day=day, slot=slot, seat=free[0], customer_id=customer_id, booked_by=booked_by,
                                 booked_at=utc_naive(now))
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as exc:  # another booking took the seat meanwhile
        raise Conflict("this slot was just booked by someone else; choose it again or another one",
                       free_slots=[s.to_dict() for s in free_slots(today)]) from exc
    return booking


def _full(day: dt.date, slot: str, today: dt.date) -> ValidationFailed:
    suggestions = free_slots(max(day, today))
    zh = "、".join(s.label("zh") for s in suggestions) or "近期无空闲时段"
    en = ", ".join(s.label("en") for s in suggestions) or "no free slot soon"
    shown = FreeSlot(day, slot, 0)
    return ValidationFailed({"appointment_date": [problem(
        f"{shown.label('zh')} 已约满。可预约：{zh}", f"{shown.label('en')} is fully booked. Free: {en}")]})


def link(booking_id: int, case_number: str) -> None:
    booking = db.session.get(AppointmentBooking, booking_id)
    if booking is not None:
        booking.case_number = case_number


def release(booking_id: int) -> None:
    """The customer cancelled: the seat is free again."""
    booking = db.session.get(AppointmentBooking, booking_id)
    if booking is not None:
        db.session.delete(booking)


def set_day_off(username: str, day: dt.date, *, off: bool, note: str, actor: Actor, now: dt.datetime) -> None:
    """Mark (or clear) an engineer's day off, in the caller's transaction."""
    if not actor.has_role(*EDITORS):
        raise Forbidden("only the service advisors and the service manager keep the engineers' calendars")
    row = db.session.execute(sa.select(EngineerDayOff).where(
        EngineerDayOff.username == username, EngineerDayOff.day == day)).scalar_one_or_none()
    if off and row is None:
        db.session.add(EngineerDayOff(username=username, day=day, note=note[:200]))
    elif not off and row is not None:
        db.session.delete(row)
    audit.append(audit.SYSTEM_STREAM, [{"type": "engineer_day_off" if off else "engineer_day_on", "at": now,
                                        "actor": actor.username,
                                        "data": {"engineer": username, "day": day.isoformat(), "note": note}}])
