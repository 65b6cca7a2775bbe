"""An event-based gateway races a deadline against a message: whichever comes first takes the case on,
and the other branch is dropped for good. Driven through the real engine, the timer service and the
re-execution check, on a fake clock."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands, queries, replay
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Conflict
from engine.messages import deliver_message
from engine.models import Timer
from engine.timers import firing as timers


def ready(instance_id):
    return sorted(t.element_id for t in queries.tasks_of(instance_id, "ready"))


def timer_rows(instance_id):
    return [(r.element_id, r.status) for r in db.session.execute(
        sa.select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id)).scalars()]


def test_the_deadline_wins_when_no_reply_comes(deploy, users, clock):
    deploy("t_race")
    case = commands.start_instance(process_id="t_race", data={}, actor=users["eng1"])
    assert case.status == "waiting" and ready(case.id) == []
    [row] = db.session.execute(sa.select(Timer).where(Timer.instance_id == case.id)).scalars()
    assert (row.element_id, row.status, row.due_at) == ("no_reply", "pending", dt.datetime(2026, 3, 4, 1, 0))

    clock.advance(days=1)
    assert timers.fire_due().fired == 0 and ready(case.id) == []
    clock.advance(days=1, seconds=1)
    assert timers.fire_due().fired == 1
    assert ready(case.id) == ["chase"]
    assert timer_rows(case.id) == [("no_reply", "fired")]
    with pytest.raises(Conflict):  # the reply came too late: the gateway has moved on
        deliver_message(instance_id=case.id, message="customer_reply", actor=users["eng1"])
    assert ready(case.id) == ["chase"]
    assert replay.check(case.id).ok


def test_the_reply_wins_and_the_deadline_is_dropped(deploy, users, clock):
    deploy("t_race")
    case = commands.start_instance(process_id="t_race", data={}, actor=users["eng1"])
    clock.advance(hours=5)
    deliver_message(instance_id=case.id, message="customer_reply", payload={"text": "ok"}, actor=users["eng1"])
    assert ready(case.id) == ["read_reply"]
    assert timer_rows(case.id) == [("no_reply", "cancelled")]
    clock.advance(days=3)
    assert timers.fire_due().fired == 0 and ready(case.id) == ["read_reply"]
    [received] = [e for e in audit.events_of(case.id) if e.type == "message_received"]
    assert received.element_id == "reply" and received.data["message"] == "customer_reply"
    assert replay.check(case.id).ok


def test_an_overdue_deadline_beats_a_late_message(deploy, users, clock):
    deploy("t_race")
    case = commands.start_instance(process_id="t_race", data={}, actor=users["eng1"])
    clock.advance(days=2, minutes=1)  # due, but the scheduler has not run yet
    with pytest.raises(Conflict):
        deliver_message(instance_id=case.id, message="customer_reply", actor=users["eng1"])
    assert ready(case.id) == []  # a refused command leaves nothing behind; the scheduler fires it
    assert timers.fire_due().fired == 1 and ready(case.id) == ["chase"]


def test_a_message_nobody_waits_for_is_refused(deploy, users, clock):
    deploy("t_race")
    case = commands.start_instance(process_id="t_race", data={}, actor=users["eng1"])
    with pytest.raises(Conflict):
        deliver_message(instance_id=case.id, message="invoice_paid", actor=users["eng1"])
    assert timer_rows(case.id) == [("no_reply", "pending")]


def test_the_desk_hands_a_reply_over_the_api(api, deploy, users, clock):
    deploy("t_race")
    case = commands.start_instance(process_id="t_race", data={}, actor=users["eng1"])
    path = f"/process-instances/{case.id}/messages"
    assert api("sales1").post(path, json={"message": "customer_reply"}).status_code == 403
    assert api("desk1").post(path, json={"message": "invoice_paid"}).status_code == 409
    assert api("desk1").post(path, json={"message": ""}).status_code == 422
    response = api("desk1").post(path, json={"message": "customer_reply", "payload": {"text": "已修好"}})
    assert response.status_code == 200, response.get_json()
    assert ready(case.id) == ["read_reply"]
    assert api("desk1").post(path, json={"message": "customer_reply"}).status_code == 409  # taken once
    assert api("desk1").post("/process-instances/999/messages", json={"message": "x"}).status_code == 404
