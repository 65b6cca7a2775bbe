"""The yearly revisit plan on a small revisit diagram of our own (tests/bpmn/t_followup.bpmn):
key customers monthly by phone and twice a year on site, ordinary customers quarterly; cases
start ahead of their due dates, never twice, and catch up after downtime."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import Instance
from workflows.deadlines import revisit_plan, sla
from workflows.deadlines.revisit_plan import PlanCustomer, PlanSlot

UTC = dt.UTC
KEY, ORDINARY = PlanCustomer(1, "成都华西机械", key=True), PlanCustomer(2, "昆明滇池泵业", key=False)
CUSTOMERS = [KEY, ORDINARY]


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)


@pytest.fixture
def plan(users, deploy):
    deploy("t_followup")
    with transaction():
        sla.update_rule("revisit", processes=["t_followup"], actor=users["owner1"])
    return lambda: revisit_plan.generate(CUSTOMERS, process_id="t_followup")


def slots():
    return [(s.customer_id, s.line, s.period, s.due_date.isoformat(), s.filled_by)
            for s in db.session.execute(sa.select(PlanSlot).order_by(PlanSlot.due_date, PlanSlot.customer_id,
                                                                     PlanSlot.line)).scalars()]


def test_periods_of_each_line():
    key_phone, key_onsite, ordinary_phone = revisit_plan.DEFAULT_LINES
    months = revisit_plan.slots_of(key_phone, 2026)
    assert len(months) == 12 and (months[1].period, months[1].due) == ("2026-02", dt.date(2026, 2, 28))
    assert months[1].opens == dt.date(2026, 2, 14)
    assert [(s.period, s.due.isoformat()) for s in revisit_plan.slots_of(key_onsite, 2026)] == [
        ("2026-6m1", "2026-06-30"), ("2026-6m2", "2026-12-31")]
    assert [s.due.month for s in revisit_plan.slots_of(ordinary_phone, 2026)] == [3, 6, 9, 12]


def test_cases_start_ahead_of_their_due_dates_and_never_twice(plan, clock):
    clock.set(shanghai(2026, 3, 2, 9, 0))
    assert plan().started == []  # the plan starts today: nothing has opened yet
    clock.set(shanghai(2026, 3, 17, 9, 0))  # two weeks before the end of March
    report = plan()
    assert len(report.started) == 2
    assert slots() == [(1, "key_phone", "2026-03", "2026-03-31", "plan"),
                       (2, "ordinary_phone", "2026-3m1", "2026-03-31", "plan")]
    cases = list(db.session.execute(sa.select(Instance).order_by(Instance.id)).scalars())
    assert [(c.data["customer_id"], c.data["mode"], c.data["source"], c.data["due_date"]) for c in cases] == [
        (1, "phone", "yearly_plan", "2026-03-31"), (2, "phone", "yearly_plan", "2026-03-31")]
    [call] = queries.tasks_of(cases[0].id, "ready")
    assert call.due_at == shanghai(2026, 3, 31, 18, 0).replace(tzinfo=None)  # the revisit SLA's deadline
    assert plan().started == []  # never twice
    assert len(slots()) == 2


def test_catching_up_after_downtime(plan, clock):
    clock.set(shanghai(2026, 3, 17, 9, 0))
    plan()
    clock.set(shanghai(2026, 5, 20, 9, 0))  # down from March to May
    report = plan()
    assert [(s[1], s[2]) for s in slots()[2:]] == [("key_phone", "2026-04"), ("key_phone", "2026-05")]
    assert len(report.started) == 2
    clock.set(shanghai(2026, 6, 1, 9, 0))
    assert {(s[1], s[2]) for s in slots()[4:]} == set()
    plan()
    assert {(s[1], s[2]) for s in slots()[4:]} == {("key_onsite", "2026-6m1")}  # June's call opens on the 16th
    onsite = next(s for s in revisit_plan.slots_for(KEY.id) if s.line == "key_onsite")
    assert db.session.get(Instance, onsite.instance_id).data["mode"] == "onsite"


def test_a_revisit_already_made_in_the_period_fills_the_slot(plan, users, clock):
    clock.set(shanghai(2026, 3, 2, 9, 0))
    plan()
    clock.set(shanghai(2026, 3, 18, 9, 0))
    by_hand = commands.start_instance(process_id="t_followup", data={"customer_id": 2, "mode": "phone"},
                                      actor=users["desk1"])
    clock.set(shanghai(2026, 3, 19, 9, 0))
    report = plan()
    assert report.filled_by_existing == 1 and len(report.started) == 1  # the key customer's March call
    [ordinary] = revisit_plan.slots_for(ORDINARY.id)
    assert (ordinary.instance_id, ordinary.filled_by) == (by_hand.id, "existing")


def test_a_slot_planned_by_another_run_is_not_started_again(plan, clock):
    clock.set(shanghai(2026, 3, 17, 9, 0))
    plan()
    line = revisit_plan.DEFAULT_LINES[0]
    slot = revisit_plan.slots_of(line, 2026)[2]
    report = revisit_plan.PlanReport()
    revisit_plan._fill(KEY, line, slot, "t_followup", clock.now(), report)  # as a concurrent run would
    assert report.started == [] and len(slots()) == 2
    assert db.session.execute(sa.select(sa.func.count()).select_from(Instance)).scalar_one() == 2


def test_a_case_that_cannot_start_is_reported_and_retried_later(users, clock):
    clock.set(shanghai(2026, 3, 17, 9, 0))
    report = revisit_plan.generate([KEY], process_id="not_deployed")
    assert report.started == [] and report.failed[0]["period"] == "2026-03"
    assert slots() == []


def test_the_process_owner_changes_the_plan(plan, users, clock):
    with transaction():
        revisit_plan.update_line("ordinary_phone", every_months=2, lead_days=7, actor=users["owner1"])
    with pytest.raises(Forbidden):
        revisit_plan.update_line("ordinary_phone", every_months=1, actor=users["desk1"])
    with pytest.raises(ValidationFailed):
        revisit_plan.update_line("ordinary_phone", every_months=5, actor=users["owner1"])
    clock.set(shanghai(2026, 3, 2, 9, 0))
    plan()
    clock.set(shanghai(2026, 4, 24, 9, 0))
    plan()
    assert (2, "ordinary_phone", "2026-2m2", "2026-04-30", "plan") in slots()
