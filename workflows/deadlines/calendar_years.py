"""Years the business calendar does not know yet (their official holidays are published late in
the year before).

A deadline that needed such a year was left unscheduled and its case flagged; when an admin
confirms the year, `confirm_year` gives every such deadline its date at once (each under its
case's lock, with its timers and an audit event). In the fourth quarter the scheduler reminds the
admins, once a month until it is done, to enter and confirm the next year.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import hooks, store
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.identity import SYSTEM, Actor
from engine.timers import outbox
from workflows.deadlines import calendar, sla_tracking
from workflows.deadlines.sla import SlaRecord

log = logging.getLogger(__name__)
REMINDED_ROLE = "admin"
REMINDER_KIND = "calendar_year_unconfirmed"
FOURTH_QUARTER = (10, 11, 12)


@dataclass
class Confirmed:
    year: int
    rescheduled: list[str] = field(default_factory=list)  # case numbers whose deadlines now have a date
    still_unknown: int = 0  # deadlines that need yet another year


def confirm_year(year: int, *, note: str, actor: Actor, now: dt.datetime | None = None) -> Confirmed:
    """Confirm a year (in the caller's transaction) and schedule the deadlines that waited for it."""
    row = calendar.confirm_year(year, note=note, actor=actor)
    result = Confirmed(row.year)
    now = now or clock_now()
    waiting = db.session.execute(sa.select(SlaRecord.id, SlaRecord.instance_id).where(
        SlaRecord.outcome == "unscheduled", SlaRecord.closed_at.is_(None)).order_by(SlaRecord.id)).all()
    for record_id, instance_id in waiting:
        store.lock(instance_id)
        record = db.session.get(SlaRecord, record_id, populate_existing=True)
        if sla_tracking.reschedule(record, now):
            result.rescheduled.append(record.case_number)
        else:
            result.still_unknown += 1
    return result


# ---------------------------------------------------------------- the fourth-quarter reminder
def remind(*, now: dt.datetime) -> int | None:
    """In the fourth quarter, tell the admins (once a month) that next year is not confirmed yet;
    returns the year they were reminded of, or None."""
    local = now.astimezone(ZoneInfo(hooks.get().timezone))
    year = local.year + 1
    if local.month not in FOURTH_QUARTER or calendar.current().knows(year):
        return None
    key = f"reminded_{year}_{local.month:02d}"
    if db.session.get(calendar.CalendarSetting, key) is not None:
        return None
    db.session.add(calendar.CalendarSetting(key=key, value=utc_naive(now).isoformat(), updated_by=SYSTEM.username,
                                            updated_at=utc_naive(now)))
    payload = {"title": {"zh": f"请确认 {year} 年的工作日历", "en": f"Please confirm the {year} business calendar"},
               "body": {"zh": f"业务日历还不知道 {year} 年的法定节假日和调休上班日。请按国务院办公厅公布的安排录入例外"
                              f"并确认该年；落在 {year} 年的期限在确认后自动计算。",
                        "en": f"The business calendar does not know {year}'s public holidays and make-up workdays yet. "
                              f"Enter the State Council's schedule as exceptions and confirm the year; deadlines "
                              f"that fall in {year} are computed as soon as it is confirmed."},
               "link": f"/admin/calendar?year={year}", "year": year}
    outbox.notify_role(REMINDED_ROLE, REMINDER_KIND, payload, now=now)
    db.session.flush()
    return year


def job() -> Callable[[], int | None]:
    """The function the scheduler polls (inside an app context)."""

    def run() -> int | None:
        with transaction():
            year = remind(now=clock_now())
        if year is not None:
            log.info("admins reminded to confirm the %s calendar", year)
        return year

    return run
