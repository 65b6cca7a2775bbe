"""The business calendar: working hours, Chinese public holidays and make-up workdays (调休),
and the company's own exceptions, so that "1 working day" means what the service desk means.

A day is a working day when, in this order: a company exception says so (extra day off, extra
working day); the State Council's schedule makes it a make-up workday or a holiday (from the
`holidays` package); otherwise Monday to Friday. The State Council publishes each year's schedule
late in the previous year; a year the package does not have yet is *unknown* until an admin
enters its schedule as exceptions and confirms the year. A deadline that would need an unknown
year raises `CalendarUnknown` (flagged, never guessed).

Naive datetimes given to this module are read in the calendar's time zone, as forms read them.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import hooks
from engine.audit import chain as audit
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.db import db
from engine.errors import AftercareError, Forbidden, ValidationFailed
from engine.identity import Actor

DEFAULT_START = dt.time(8, 30)
DEFAULT_END = dt.time(17, 30)
ONE_DAY = dt.timedelta(days=1)
SEARCH_LIMIT_DAYS = 800  # no real calendar has two years without a working day
EDITORS = ("admin",)


class CalendarUnknown(AftercareError):
    """A deadline needs a year whose official holiday schedule the calendar does not have."""

    code = "calendar_unknown"


# ---------------------------------------------------------------- tables
class CalendarException(db.Model):
    """A company exception: an extra day off (working=False) or an extra working day (working=True)."""

    __tablename__ = "calendar_exception"
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class CalendarYear(db.Model):
    """A year whose schedule an admin has entered (as exceptions) beyond what the package knows."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    confirmed_by: Mapped[str] = mapped_column(sa.String(80))
    confirmed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class CalendarSetting(db.Model):
    __tablename__ = "calendar_setting"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


# ---------------------------------------------------------------- the official schedule
@functools.lru_cache(maxsize=64)
def _official(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, make-up workdays) of one year, as the package has them."""
    country = holidays.China(years=year)
    days_off = frozenset(day for day in country if day.year == year)
    workdays = frozenset(day for day in getattr(country, "weekend_workdays", ()) if day.year == year)
    return days_off, workdays


@functools.lru_cache(maxsize=1)
def last_official_year() -> int:
    """The last year whose make-up workdays (调休) the installed package lists: its schedule is official."""
    workdays = getattr(holidays.China(years=range(2001, 2101)), "weekend_workdays", ())
    return max((day.year for day in workdays), default=2000)


# ---------------------------------------------------------------- the calendar
@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    start: dt.time = DEFAULT_START
    end: dt.time = DEFAULT_END
    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()
    official_until: int = 0

    def knows(self, year: int) -> bool:
        return year <= self.official_until or year in self.confirmed_years

    def _check_known(self, day: dt.date) -> None:
        if not self.knows(day.year):
            raise CalendarUnknown(
                f"the business calendar does not know {day.year} yet (official holidays are known up to "
                f"{self.official_until}); an administrator must enter that year's holidays and make-up "
                f"workdays and confirm the year", year=day.year)

    def is_working_day(self, day: dt.date) -> bool:
        self._check_known(day)
        if day in self.exceptions:
            return self.exceptions[day]
        days_off, workdays = _official(day.year)
        if day in workdays:
            return True
        if day in days_off:
            return False
        return day.weekday() < 5

    def local(self, when: dt.datetime | dt.date | str) -> dt.datetime:
        if isinstance(when, str):
            when = dt.datetime.fromisoformat(when.strip().replace("Z", "+00:00"))
        elif not isinstance(when, dt.datetime):
            when = dt.datetime.combine(when, dt.time())
        return when.replace(tzinfo=self.tz) if when.tzinfo is None else when.astimezone(self.tz)

    def _at(self, day: dt.date, clock_time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock_time, tzinfo=self.tz)

    def in_working_hours(self, when: dt.datetime) -> bool:
        local = self.local(when)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_working_day(self, day: dt.date) -> dt.date:
        for _ in range(SEARCH_LIMIT_DAYS):
            day += ONE_DAY
            if self.is_working_day(day):
                return day
        raise CalendarUnknown(f"no working day within {SEARCH_LIMIT_DAYS} days after {day}")

    def period_start(self, when: dt.datetime) -> dt.datetime:
        """`when` itself inside working hours, else the start of the next working period."""
        local = self.local(when)
        if self.is_working_day(local.date()):
            if self.start <= local.time() < self.end:
                return local
            if local.time() < self.start:
                return self._at(local.date(), self.start)
        return self._at(self.next_working_day(local.date()), self.start)

    def add_working_days(self, since: dt.datetime | str, days: Any) -> dt.datetime:
        """The same clock time on the n-th following working day (from the next working period's
        start when `since` is outside working hours)."""
        count = _whole(days)
        start = self.period_start(self.local(since))
        day = start.date()
        for _ in range(count):
            day = self.next_working_day(day)
        return self._at(day, start.time().replace(tzinfo=None))

    def add_working_hours(self, since: dt.datetime | str, hours: Any) -> dt.datetime:
        """`since` plus `hours` of working time (time outside working hours does not count)."""
        remaining = dt.timedelta(seconds=float(_amount(hours) * 3600))
        current = self.period_start(self.local(since))
        for _ in range(SEARCH_LIMIT_DAYS):
            closing = self._at(current.date(), self.end)
            if remaining <= closing - current:
                return current + remaining
            remaining -= closing - current
            current = self._at(self.next_working_day(current.date()), self.start)
        raise CalendarUnknown(f"{hours} working hours reach further than {SEARCH_LIMIT_DAYS} days")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time from `start` to `end` (zero when end is not after start)."""
        first, last = self.local(start), self.local(end)
        total = dt.timedelta()
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opened = max(first, self._at(day, self.start))
                closed = min(last, self._at(day, self.end))
                if closed > opened:
                    total += closed - opened
            day += ONE_DAY
        return total


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("a working time needs a number")
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError(f"'{value}' is not a number") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"a working time must not be negative: {value}")
    return amount


def _whole(value: Any) -> int:
    amount = _amount(value)
    if amount != amount.to_integral_value():
        raise ValueError(f"working days must be a whole number, not {value}")
    return int(amount)


# ---------------------------------------------------------------- loading and helpers
def _setting_time(settings: Mapping[str, str], key: str, default: dt.time) -> dt.time:
    value = settings.get(key)
    return dt.time.fromisoformat(value) if value else default


def current(timezone: str | None = None) -> BusinessCalendar:
    """The calendar as stored now (exceptions are few: a company has a handful a year)."""
    exceptions = dict(db.session.execute(sa.select(CalendarException.day, CalendarException.working)).all())
    years = frozenset(db.session.execute(sa.select(CalendarYear.year)).scalars())
    settings = dict(db.session.execute(sa.select(CalendarSetting.key, CalendarSetting.value)).all())
    return BusinessCalendar(
        tz=ZoneInfo(timezone or hooks.get().timezone), start=_setting_time(settings, "work_start", DEFAULT_START),
        end=_setting_time(settings, "work_end", DEFAULT_END), exceptions=exceptions, confirmed_years=years,
        official_until=last_official_year())


def _since(value: Any) -> dt.datetime | str:
    return clock_now() if value in (None, "") else value


def working_days(days: Any, since: Any = None) -> str:
    """Diagram helper: `working_days(1, received_at)` -> an offset-aware ISO time (timer and due
    expressions need strings). Without `since`, counts from now."""
    return current().add_working_days(_since(since), days).isoformat()


def working_hours(hours: Any, since: Any = None) -> str:
    """Diagram helper: `working_hours(8, received_at)` -> an offset-aware ISO time."""
    return current().add_working_hours(_since(since), hours).isoformat()


SCRIPT_HELPERS = {"working_days": working_days, "working_hours": working_hours}


# ---------------------------------------------------------------- what an admin edits
def _require_editor(actor: Actor) -> None:
    if not actor.has_role(*EDITORS):
        raise Forbidden("only an administrator can change the business calendar")


def _record(actor: Actor, kind: str, data: dict[str, Any]) -> None:
    audit.append(audit.SYSTEM_STREAM, [{"type": kind, "at": clock_now(), "actor": actor.username, "data": data}])


def set_exception(day: dt.date | str, *, working: bool, note: str, actor: Actor) -> CalendarException:
    """Add or change a company exception (in the caller's transaction)."""
    _require_editor(actor)
    day = _parse_day(day)
    row = db.session.get(CalendarException, day) or CalendarException(day=day)
    row.working, row.note = bool(working), (note or "").strip()[:200]
    row.updated_by, row.updated_at = actor.username, utc_naive(clock_now())
    db.session.add(row)
    db.session.flush()
    _record(actor, "calendar_exception_set", {"day": day.isoformat(), "working": row.working, "note": row.note})
    return row


def remove_exception(day: dt.date | str, *, actor: Actor) -> bool:
    _require_editor(actor)
    day = _parse_day(day)
    row = db.session.get(CalendarException, day)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    _record(actor, "calendar_exception_removed", {"day": day.isoformat()})
    return True


def confirm_year(year: int, *, note: str, actor: Actor) -> CalendarYear:
    """Declare a year's schedule complete (its holidays and make-up days entered as exceptions)."""
    _require_editor(actor)
    if not 2000 <= int(year) <= 2200:
        raise ValidationFailed({"year": [f"{year} is not a plausible year"]})
    row = db.session.get(CalendarYear, int(year)) or CalendarYear(year=int(year))
    row.note, row.confirmed_by, row.confirmed_at = (note or "")[:200], actor.username, utc_naive(clock_now())
    db.session.add(row)
    db.session.flush()
    _record(actor, "calendar_year_confirmed", {"year": int(year), "note": row.note})
    return row


def set_working_hours(start: str, end: str, *, actor: Actor) -> None:
    _require_editor(actor)
    try:
        opening, closing = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    except ValueError as exc:
        raise ValidationFailed({"working_hours": ["use HH:MM, e.g. 08:30"]}) from exc
    if not opening < closing:
        raise ValidationFailed({"working_hours": ["the working day must end after it starts"]})
    for key, value in (("work_start", opening), ("work_end", closing)):
        row = db.session.get(CalendarSetting, key) or CalendarSetting(key=key)
        row.value, row.updated_by, row.updated_at = value.isoformat("minutes"), actor.username, utc_naive(clock_now())
        db.session.add(row)
    db.session.flush()
    _record(actor, "calendar_hours_set", {"start": opening.isoformat("minutes"), "end": closing.isoformat("minutes")})


def exceptions_in(year: int) -> list[CalendarException]:
    return list(db.session.execute(
        sa.select(CalendarException).where(CalendarException.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(CalendarException.day)).scalars())


def _parse_day(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed({"day": [f"'{value}' is not a date (YYYY-MM-DD)"]}) from exc
