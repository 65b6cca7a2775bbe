"""When the reports are produced: on the first working day after the month (quarter) ends, by the
business calendar (workflows/deadlines/calendar.py; a year it does not know yet counts Monday to
Friday), once — the scheduler process polls `job` and catches up at its next poll after a
downtime. Producing keeps the report and tells every active service manager, vice president and
general manager through the outbox, in the same transaction."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from engine import clock
from engine.commands import transaction
from engine.db import db
from engine.timers import outbox
from workflows.deadlines import calendar
from workflows.management.dashboard import today
from workflows.management.reports import KeptReport, Period, keep, kept, month_period, quarter_of

log = logging.getLogger(__name__)
NOTIFY_ROLES = ("service_manager", "sales_vp", "quality_vp", "general_manager")
NOTIFICATION_KIND = "report_ready"
LINKS = {"monthly": "/reports/monthly?month={period}", "quarterly": "/reports/quarterly?quarter={period}"}


def first_working_day_after(day: dt.date) -> dt.date:
    cal = calendar.current()
    candidate = day + dt.timedelta(days=1)
    for _ in range(60):
        try:
            working = cal.is_working_day(candidate)
        except calendar.CalendarUnknown:
            working = candidate.weekday() < 5
        if working:
            return candidate
        candidate += dt.timedelta(days=1)
    return candidate


def last_finished(on: dt.date) -> list[Period]:
    """The latest month and quarter that ended before `on`."""
    month_start = on.replace(day=1)
    previous_month = month_period(f"{month_start - dt.timedelta(days=1):%Y-%m}")
    previous_quarter = quarter_of(quarter_of(on).start - dt.timedelta(days=1))
    return [previous_month, previous_quarter]


def due(now: dt.datetime) -> list[Period]:
    """The periods whose report should exist by now and was not produced yet."""
    day = today(now)
    return [period for period in last_finished(day)
            if first_working_day_after(period.end) <= day and kept(period) is None]


def produce(period: Period, *, now: dt.datetime) -> KeptReport:
    """Keep the report and tell the managers and vice presidents (in the caller's transaction)."""
    row = keep(period, now=now)
    title = row.content["zh"]["title"], row.content["en"]["title"]
    payload = {"title": {"zh": f"{title[0]}（{period.label}）已生成", "en": f"{title[1]} ({period.label}) is ready"},
               "body": {"zh": f"{period.start} 至 {period.end} 的报告已可查看和下载。",
                        "en": f"The report for {period.start} to {period.end} can be read and downloaded."},
               "link": LINKS[period.kind].format(period=period.label), "kind": period.kind, "period": period.label}
    told: set[str] = set()
    for role in NOTIFY_ROLES:
        rows = outbox.notify_role(role, NOTIFICATION_KIND, payload, now=now, exclude=told)
        told |= {notification.username for notification in rows}
    return row


def job() -> Callable[[], list[str]]:
    """The function the scheduler polls (inside an app context)."""

    def run() -> list[str]:
        now = clock.now()
        produced = []
        for period in due(now):
            with transaction():
                produce(period, now=now)
            produced.append(f"{period.kind} {period.label}")
        db.session.rollback()  # end the read
        if produced:
            log.info("reports produced: %s", ", ".join(produced))
        return produced

    return run
