"""The business calendar: working days and hours over weekends, Chinese holidays, make-up workdays
(调休) and company exceptions; an unknown year is flagged, never guessed."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import AuditEvent, Timer
from engine.timers import firing as timers
from workflows.deadlines import calendar
from workflows.deadlines.calendar import CalendarUnknown, working_days, working_hours


@pytest.mark.parametrize(("since", "days", "due"), [
    ("2026-02-13T10:00+08:00", 1, "2026-02-14T10:00:00+08:00"),  # Fri -> Sat, a make-up workday
    ("2026-09-30T10:00+08:00", 1, "2026-10-08T10:00:00+08:00"),  # after the National Day holiday
    ("2026-02-14T10:00+08:00", 1, "2026-02-24T10:00:00+08:00"),  # Spring Festival, incl. the 23rd off
    ("2026-03-06T16:00+08:00", 1, "2026-03-09T16:00:00+08:00"),  # Fri -> Mon
    ("2026-03-06T18:00+08:00", 1, "2026-03-10T08:30:00+08:00"),  # after hours: from Mon 08:30
    ("2026-03-02T07:00+08:00", 1, "2026-03-03T08:30:00+08:00"),  # before hours: from 08:30 that day
    ("2026-03-02T17:30+08:00", 1, "2026-03-04T08:30:00+08:00"),  # 17:30 is already closed
    ("2026-03-07T11:00+08:00", 2, "2026-03-11T08:30:00+08:00"),  # on a weekend: from Monday 08:30
    ("2026-03-02T01:00:00Z", 3, "2026-03-05T09:00:00+08:00"),  # UTC input, Shanghai answer
    ("2026-03-02T09:00", 0, "2026-03-02T09:00:00+08:00"),  # naive is Shanghai time
    ("2026-09-18T10:00+08:00", 1, "2026-09-20T10:00:00+08:00"),  # Fri -> Sun 20 Sep, a make-up workday
    ("2026-09-19T10:00+08:00", 1, "2026-09-21T08:30:00+08:00"),  # Sat: from the make-up Sunday's 08:30
    ("2026-10-09T10:00+08:00", 1, "2026-10-10T10:00:00+08:00"),  # Fri -> Sat 10 Oct, a make-up workday
    ("2026-10-10T10:00+08:00", 1, "2026-10-12T10:00:00+08:00"),  # the Sunday after it is a day off
])
def test_working_days(since, days, due):
    assert working_days(days, since) == due


@pytest.mark.parametrize(("since", "hours", "due"), [
    ("2026-03-02T09:00+08:00", 8, "2026-03-02T17:00:00+08:00"),
    ("2026-03-02T16:00+08:00", 8, "2026-03-03T15:00:00+08:00"),
    ("2026-03-06T16:00+08:00", 8, "2026-03-09T15:00:00+08:00"),  # over the weekend
    ("2026-09-30T16:30+08:00", 2, "2026-10-08T09:30:00+08:00"),  # over National Day
    ("2026-09-19T11:00+08:00", 2, "2026-09-20T10:30:00+08:00"),  # the make-up Sunday's morning counts
    ("2026-10-09T16:00+08:00", 8, "2026-10-10T15:00:00+08:00"),  # 1.5 on Friday, 6.5 on the make-up Saturday
    ("2026-02-13T17:00+08:00", 1, "2026-02-14T09:00:00+08:00"),  # into the make-up Saturday
    ("2026-03-02T20:00+08:00", "1.5", "2026-03-03T10:00:00+08:00"),
    ("2026-03-02T08:30+08:00", 9, "2026-03-02T17:30:00+08:00"),  # a full day ends at closing
])
def test_working_hours(since, hours, due):
    assert working_hours(hours, since) == due


def test_helpers_count_from_now_without_since(clock):
    clock.set(dt.datetime(2026, 2, 13, 2, 0, tzinfo=dt.UTC))  # Fri 10:00 in Shanghai
    assert working_days(1) == "2026-02-14T10:00:00+08:00"
    assert working_hours(8, "") == "2026-02-14T09:00:00+08:00"


def test_bad_amounts_are_refused():
    with pytest.raises(ValueError, match="whole number"):
        working_days(1.5, "2026-03-02T09:00+08:00")
    with pytest.raises(ValueError, match="negative"):
        working_hours(-1, "2026-03-02T09:00+08:00")


def test_working_time_between():
    cal = calendar.current()
    start, end = cal.local("2026-02-13T16:00+08:00"), cal.local("2026-02-24T10:00+08:00")
    # Fri 1.5 h, the make-up Saturday 9 h, Tue 24th 1.5 h: the festival week counts nothing
    assert cal.working_time_between(start, end) == dt.timedelta(hours=12)


def test_company_exceptions_override_the_official_calendar(users):
    with commands.transaction():
        calendar.set_exception("2026-03-03", working=False, note="公司周年庆", actor=users["admin"])
        calendar.set_exception(dt.date(2026, 3, 7), working=True, note="年检加班", actor=users["admin"])
    assert working_days(1, "2026-03-02T10:00+08:00") == "2026-03-04T10:00:00+08:00"
    assert working_days(1, "2026-03-06T10:00+08:00") == "2026-03-07T10:00:00+08:00"
    assert [e.day for e in calendar.exceptions_in(2026)] == [dt.date(2026, 3, 3), dt.date(2026, 3, 7)]
    with commands.transaction():
        assert calendar.remove_exception("2026-03-03", actor=users["admin"])
    assert working_days(1, "2026-03-02T10:00+08:00") == "2026-03-03T10:00:00+08:00"
    kinds = list(db.session.execute(sa.select(AuditEvent.type).where(AuditEvent.stream == audit.SYSTEM_STREAM)
                                    .order_by(AuditEvent.seq)).scalars())
    assert kinds[-3:] == ["calendar_exception_set", "calendar_exception_set", "calendar_exception_removed"]


def test_only_an_admin_edits_the_calendar(users):
    with pytest.raises(Forbidden):
        calendar.set_exception("2026-03-03", working=False, note="", actor=users["manager1"])
    with pytest.raises(ValidationFailed):
        calendar.set_exception("3 March", working=False, note="", actor=users["admin"])
    with pytest.raises(ValidationFailed):
        calendar.set_working_hours("18:00", "09:00", actor=users["admin"])


def test_working_hours_setting(users):
    with commands.transaction():
        calendar.set_working_hours("09:00", "18:00", actor=users["admin"])
    assert working_hours(8, "2026-03-02T08:00+08:00") == "2026-03-02T17:00:00+08:00"
    assert working_days(1, "2026-03-02T17:45+08:00") == "2026-03-03T17:45:00+08:00"


def test_a_year_the_calendar_does_not_know_is_flagged_not_guessed(users):
    assert calendar.last_official_year() == 2026
    with pytest.raises(CalendarUnknown, match="does not know 2027"):
        working_days(1, "2026-12-31T10:00+08:00")
    with pytest.raises(CalendarUnknown):
        working_hours(12, "2026-12-31T10:00+08:00")
    assert working_hours(2, "2026-12-31T10:00+08:00") == "2026-12-31T12:00:00+08:00"  # stays in 2026
    with commands.transaction():  # the State Council published 2027; the admin entered it
        calendar.set_exception("2027-02-20", working=True, note="春节调休", actor=users["admin"])
        calendar.confirm_year(2027, note="国务院办公厅通知", actor=users["admin"])
    assert working_days(1, "2026-12-31T10:00+08:00") == "2027-01-04T10:00:00+08:00"  # New Year's Day off


def test_diagram_deadlines_use_the_calendar(deploy, users, clock):
    clock.set(dt.datetime(2026, 2, 13, 2, 0, tzinfo=dt.UTC))
    deploy("t_calendar")
    case = commands.start_instance(process_id="t_calendar", data={"received_at": "2026-02-13 10:00"},
                                   actor=users["desk1"])
    [respond] = queries.tasks_of(case.id, "ready")
    assert respond.due_at == dt.datetime(2026, 2, 14, 2, 0)  # Sat 10:00 Shanghai, stored as UTC
    [row] = db.session.execute(sa.select(Timer).where(Timer.instance_id == case.id)).scalars()
    assert row.due_at == dt.datetime(2026, 2, 13, 8, 0)  # Fri 16:00 = 10:00 + 6 working hours
    clock.set(dt.datetime(2026, 2, 13, 8, 1, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 1
    assert sorted(t.element_id for t in queries.tasks_of(case.id, "ready")) == ["follow_up", "respond"]


def test_diagram_deadline_in_an_unknown_year_stops_the_case_with_the_reason(deploy, users, clock):
    deploy("t_calendar")
    case = commands.start_instance(process_id="t_calendar", data={"received_at": "2026-12-31 16:00"},
                                   actor=users["desk1"])
    assert case.error["element_id"] == "nudge"
    assert "does not know 2027" in case.error["message"]
    assert [e.element_id for e in audit.events_of(case.id) if e.type == "instance_error"] == ["nudge"]


@pytest.mark.parametrize(("day", "working"), [
    ("2026-09-19", False), ("2026-09-20", True), ("2026-10-01", False), ("2026-10-07", False),
    ("2026-10-08", True), ("2026-10-10", True), ("2026-10-11", False),
])
def test_the_national_day_make_up_days_are_working_days(day, working):
    cal = calendar.BusinessCalendar(tz=calendar.ZoneInfo("Asia/Shanghai"), official_until=2026)
    assert cal.is_working_day(dt.date.fromisoformat(day)) is working
