"""`aftercare timers|calendar|sla` against the test database."""
from __future__ import annotations

import datetime as dt

from engine import commands
from engine.db import db
from engine.models import Instance, Timer
from web.cli import main as cli
from workflows.deadlines import calendar, sla


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def test_calendar_commands(app):
    assert "2027: NOT KNOWN" in run(app, "calendar", "show", "2027").output
    assert run(app, "calendar", "set", "2026-03-03", "off", "--note", "周年庆").exit_code == 0
    shown = run(app, "calendar", "show", "2026").output
    assert "2026-03-03 day off  周年庆" in shown and "08:30-17:30" in shown
    bad = run(app, "calendar", "set", "2026-13-03", "off")
    assert bad.exit_code == 2 and "is not a date" in bad.output
    assert run(app, "calendar", "confirm-year", "2027").exit_code == 0
    assert "2027: known" in run(app, "calendar", "show", "2027").output
    assert run(app, "calendar", "hours", "09:00", "18:00").exit_code == 0
    assert calendar.current().start == dt.time(9, 0)


def test_sla_commands(app):
    assert "tech_question_answer           8 hours" in run(app, "sla", "list").output
    assert run(app, "sla", "set", "tech_question_answer", "--amount", "6", "--warn", "80").exit_code == 0
    assert (sla.rule("tech_question_answer").amount, sla.rule("tech_question_answer").warn_percent) == (6, 80)
    refused = run(app, "sla", "set", "tech_question_answer", "--amount", "0")
    assert refused.exit_code == 2 and "greater than zero" in refused.output


def test_timers_list_and_retry(app, deploy, users, clock):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["sales1"])
    with commands.transaction():
        row = Timer(instance_id=case.id, task_id="t", element_id="review", kind="nobody_handles", status="failed",
                    attempts=5, last_error="TimerError: no handler", due_at=dt.datetime(2026, 3, 2),
                    created_at=dt.datetime(2026, 3, 2))
        db.session.add(row)
    listed = run(app, "timers", "list").output
    assert f"FAILED timer {row.id} case {case.id} nobody_handles" in listed
    assert run(app, "timers", "retry", str(row.id)).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Timer, row.id).status == "pending"
    assert db.session.get(Instance, case.id).status == "running"
    assert run(app, "timers", "retry", "999999").exit_code == 2
