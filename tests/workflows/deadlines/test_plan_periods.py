"""The revisit plan's periods: a revisit made at any time in a period fills that period's slot (also
one made earlier in the same month), and a customer a remote fix made a key revisit target goes
back to its own plan after the next revisit."""
from __future__ import annotations

import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import Instance
from tests.workflows.deadlines.test_revisit_plan import CUSTOMERS, KEY, ORDINARY, plan, shanghai  # noqa: F401
from tests.workflows.flowkit import attachment, complete, task_of
from workflows.deadlines import revisit_plan
from workflows.records.tables import Customer


def by_hand(users, customer, mode="phone"):
    return commands.start_instance(process_id="t_followup", data={"customer_id": customer.id, "mode": mode},
                                   actor=users["desk1"])


def slot_of(customer, line):
    return next(s for s in revisit_plan.slots_for(customer.id) if s.line == line)


def test_a_revisit_earlier_in_the_month_fills_the_months_slot(plan, users, clock):  # noqa: F811
    clock.set(shanghai(2026, 3, 2, 9, 0))
    plan()
    clock.set(shanghai(2026, 3, 5, 10, 0))  # twelve days before the March slot opens
    early = by_hand(users, KEY)
    clock.set(shanghai(2026, 3, 17, 9, 0))
    report = plan()
    march = slot_of(KEY, "key_phone")
    assert (march.period, march.instance_id, march.filled_by) == ("2026-03", early.id, "existing")
    assert report.filled_by_existing >= 1


def test_a_revisit_at_the_start_of_a_quarter_fills_the_quarters_slot(plan, users, clock):  # noqa: F811
    clock.set(shanghai(2026, 1, 5, 9, 0))
    plan()
    clock.set(shanghai(2026, 1, 20, 14, 0))  # January: the quarter's slot opens on 17 March
    january = by_hand(users, ORDINARY)
    clock.set(shanghai(2026, 3, 17, 9, 0))
    plan()
    quarter = slot_of(ORDINARY, "ordinary_phone")
    assert (quarter.period, quarter.instance_id, quarter.filled_by) == ("2026-3m1", january.id, "existing")


def test_a_revisit_of_another_period_or_mode_does_not_fill_the_slot(plan, users, clock):  # noqa: F811
    clock.set(shanghai(2026, 2, 2, 9, 0))
    plan()
    clock.set(shanghai(2026, 2, 27, 10, 0))
    february = by_hand(users, KEY)  # fills February's slot, not March's
    on_site = by_hand(users, KEY, mode="onsite")
    clock.set(shanghai(2026, 3, 17, 9, 0))
    plan()
    assert slot_of(KEY, "key_phone").instance_id == february.id  # February's slot, planned late
    march = next(s for s in revisit_plan.slots_for(KEY.id) if s.period == "2026-03")
    assert march.filled_by == "plan" and march.instance_id not in (february.id, on_site.id)


FAULT = {"equipment_serial": "EQ-CQ-001", "symptom": "液压站漏油", "occurred_at": "2026-03-01T15:30:00",
         "damage_extent": "slight"}


def plan_lines(customer_id):
    return {(s.line, s.period) for s in revisit_plan.slots_for(customer_id)}


def test_a_key_revisit_target_after_a_remote_fix_stops_being_one_after_the_next_revisit(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 9, 0))
    revisit_plan.run()  # the plan is switched on
    fault = commands.start_instance(process_id="fault_handling", data={**FAULT, "photos": [attachment("photo-a")]},
                                    actor=actors["sales1"])
    fault = complete(fault, "desk_analysis", actors["desk1"], suggested_mode="remote")
    fault = complete(fault, "vp_decision", actors["salesvp1"], service_mode="remote")
    fault = complete(fault, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    fault = complete(fault, "remote_guidance", actors["eng_sw2"], resolved=True)
    fault = complete(fault, "manager_review", actors["manager1"])
    ordinary = db.session.get(Customer, flows.cq)
    assert ordinary.customer_class == "ordinary" and ordinary.key_revisit is True

    follow_up = db.session.execute(sa.select(Instance).where(Instance.parent_id == fault.id)).scalar_one()
    clock.set(shanghai(2026, 3, 3, 10, 0))
    complete(follow_up, "phone_revisit", actors["eng_sw2"], satisfaction=4, complaint=False)
    assert db.session.get(Customer, flows.cq).key_revisit is True  # the fix's own call is not the plan's revisit

    clock.set(shanghai(2026, 3, 17, 9, 0))
    revisit_plan.run()
    assert plan_lines(flows.cq) == {("key_phone", "2026-03")}  # a key customer's month, filled by the call
    clock.set(shanghai(2026, 4, 16, 9, 0))
    revisit_plan.run()
    april = next(s for s in revisit_plan.slots_for(flows.cq) if s.period == "2026-04")
    planned = db.session.get(Instance, april.instance_id)
    clock.set(shanghai(2026, 4, 20, 10, 0))
    caller = task_of(planned, "phone_revisit").assignee
    complete(planned, "phone_revisit", actors[caller], satisfaction=5, complaint=False)
    assert db.session.get(Customer, flows.cq).key_revisit is False

    clock.set(shanghai(2026, 5, 20, 9, 0))
    revisit_plan.run()
    assert ("key_phone", "2026-05") not in plan_lines(flows.cq)  # back to its quarterly calls
    clock.set(shanghai(2026, 6, 17, 9, 0))
    revisit_plan.run()
    assert ("ordinary_phone", "2026-3m2") in plan_lines(flows.cq)
