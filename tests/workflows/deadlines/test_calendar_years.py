"""Years the calendar does not know: a deadline that needed one gets its date as soon as an admin
confirms the year, and the admins are reminded in the fourth quarter to confirm the next year."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from engine import commands, loader, queries, replay
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.models import Timer
from engine.timers import firing as timers
from engine.timers import outbox
from tests.workflows.deadlines.test_sla import record, shanghai
from web.server import build_scheduler
from workflows.deadlines import calendar, calendar_years, sla

BPMN = Path(__file__).resolve().parents[3] / "bpmn"
UNKNOWN = calendar.last_official_year() + 1  # the first year the installed holidays package lacks


def question_on_new_years_eve(users, clock):
    """8 working hours from 16:00 on the last day of the last known year: they run into the next."""
    with transaction():
        sla.update_rule("tech_question_answer", processes=["t_question"], unit="working_hours", actor=users["owner1"])
        loader.deploy(loader.read_folder_bundle([BPMN / "sla_escalation.bpmn"]), actor="owner1")
    clock.set(shanghai(UNKNOWN - 1, 12, 31, 16, 0))
    return commands.start_instance(process_id="t_question", data={"question": "?", "received_at":
                                                                  f"{UNKNOWN - 1}-12-31 16:00"}, actor=users["sales1"])


def confirm(users, year, clock):
    with transaction():
        return calendar_years.confirm_year(year, note="国务院办公厅通知", actor=users["admin"], now=clock.now())


def breach_timer(case):
    return db.session.execute(sa.select(Timer).where(Timer.instance_id == case.id, Timer.kind == "sla_breach")
                              ).scalar_one_or_none()


def test_a_deadline_waiting_for_its_year_is_scheduled_when_the_year_is_confirmed(users, deploy, clock):
    deploy("t_question")
    case = question_on_new_years_eve(users, clock)
    assert record(case.id, "tech_question_answer").outcome == "unscheduled" and breach_timer(case) is None

    with transaction():
        calendar.set_exception(f"{UNKNOWN}-01-01", working=False, note="元旦", actor=users["admin"])
    clock.set(shanghai(UNKNOWN, 1, 2, 10, 0))
    confirmed = confirm(users, UNKNOWN, clock)
    assert confirmed.rescheduled == [case.case_number] and confirmed.still_unknown == 0

    rec = record(case.id, "tech_question_answer")
    due = calendar.current().add_working_hours(shanghai(UNKNOWN - 1, 12, 31, 16, 0), 8)
    assert (rec.outcome, rec.note, rec.due_at) == ("open", None, utc_naive(due))
    assert due.date().isoformat() > f"{UNKNOWN}-01-01"  # New Year's Day is not worked
    [answer] = queries.tasks_of(case.id, "ready")
    assert answer.due_at == rec.due_at and breach_timer(case).due_at == rec.due_at
    started = [e for e in audit.events_of(case.id) if e.type == "sla_started"]
    assert started[-1].data["rescheduled"] is True

    clock.set(due + dt.timedelta(minutes=1))
    timers.fire_due()
    assert record(case.id, "tech_question_answer").outcome == "breached"
    assert replay.check(case.id).ok


def test_confirming_another_year_leaves_the_deadline_waiting(users, deploy, clock):
    deploy("t_question")
    case = question_on_new_years_eve(users, clock)
    confirmed = confirm(users, UNKNOWN + 1, clock)
    assert (confirmed.rescheduled, confirmed.still_unknown) == ([], 1)
    assert record(case.id, "tech_question_answer").outcome == "unscheduled" and breach_timer(case) is None


def reminders(username="admin"):
    return [n for n in outbox.list_for(username, per_page=200).items if n.kind == calendar_years.REMINDER_KIND]


def remind(clock, *when):
    clock.set(shanghai(*when))
    with transaction():
        return calendar_years.remind(now=clock.now())


def test_admins_are_reminded_in_the_fourth_quarter_until_next_year_is_confirmed(users, clock):
    last = UNKNOWN - 1
    assert remind(clock, last, 9, 30, 23, 0) is None  # the third quarter: not yet
    assert remind(clock, last, 10, 1, 9, 0) == UNKNOWN
    [reminder] = reminders()
    assert f"{UNKNOWN}" in reminder.payload["title"]["zh"] and reminder.payload["link"] == \
        f"/admin/calendar?year={UNKNOWN}"
    assert reminders("manager1") == []  # admins only
    assert remind(clock, last, 10, 20, 9, 0) is None  # once a month
    assert remind(clock, last, 11, 1, 9, 0) == UNKNOWN and len(reminders()) == 2
    confirm(users, UNKNOWN, clock)
    assert remind(clock, last, 12, 1, 9, 0) is None and len(reminders()) == 2


def test_the_served_scheduler_reminds(app, users, clock):
    jobs = {job_id: func for job_id, func, _seconds in build_scheduler(app)._periodic}
    clock.set(shanghai(UNKNOWN - 1, 12, 15, 9, 0))
    assert jobs["calendar.remind_next_year"]() == UNKNOWN
    assert jobs["calendar.remind_next_year"]() is None
    assert len(reminders()) == 1
