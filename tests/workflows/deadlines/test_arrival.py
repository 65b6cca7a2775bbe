"""Arrival on site (004: 及时到达客户地点): once an engineer is sent on site, the arrival is due
within 48 hours; the arrival time the engineer records on site decides met or breached, and each
arrival is kept per engineer for the scorecard."""
from __future__ import annotations

from engine import commands
from engine.timers import firing as timers
from tests.workflows.deadlines.test_sla_flows import naive_utc, record, shanghai, sla_notes
from tests.workflows.flowkit import attachment, complete, task_of
from workflows.deadlines import sla_tracking

FAULT = {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30:00",
         "damage_extent": "serious"}


def sent_on_site(flows, actors, clock, engineer="eng_sw1"):
    """A fault case the VP sends on site on Monday 2 March at 11:00."""
    clock.set(shanghai(2026, 3, 2, 10, 0))
    case = commands.start_instance(process_id="fault_handling", data={**FAULT, "photos": [attachment("photo-a")]},
                                   actor=actors["sales1"])
    case = complete(case, "desk_analysis", actors["desk1"], suggested_mode="onsite")
    clock.set(shanghai(2026, 3, 2, 11, 0))
    case = complete(case, "vp_decision", actors["salesvp1"], service_mode="onsite")
    case = complete(case, "assign_engineer", actors["manager1"], assigned_engineer=engineer)
    assert task_of(case, "onsite_investigation").due_at == naive_utc(2026, 3, 4, 11, 0)  # 48 hours
    return case


def month():
    return dict(since=shanghai(2026, 3, 1, 0, 0), until=shanghai(2026, 4, 1, 0, 0))


def test_arrival_recorded_within_48_hours_is_met(flows, actors, clock):
    case = sent_on_site(flows, actors, clock)
    clock.set(shanghai(2026, 3, 4, 11, 1))  # the visit is not written up yet: the deadline passes
    timers.fire_due()
    assert record(case, "arrival").outcome == "breached"
    assert "sla_breached" in {n.kind for n in sla_notes("manager1")}
    clock.set(shanghai(2026, 3, 4, 16, 0))  # written up in the afternoon: on site since 10:30
    case = complete(case, "onsite_investigation", actors["eng_sw1"], arrived_at="2026-03-04T10:30")
    rec = record(case, "arrival")
    assert (rec.outcome, rec.breached_at, rec.assignee) == ("met", None, "eng_sw1")
    assert rec.done_at == naive_utc(2026, 3, 4, 10, 30)
    assert sla_tracking.arrivals(**month()) == [{
        "engineer": "eng_sw1", "case_number": case.case_number, "instance_id": case.id,
        "due_at": "2026-03-04T03:00:00.000000Z", "arrived_at": "2026-03-04T02:30:00.000000Z", "outcome": "met"}]


def test_arrival_after_48_hours_is_breached_and_counts_against_the_engineer(flows, actors, clock):
    case = sent_on_site(flows, actors, clock, engineer="eng_sw2")
    clock.set(shanghai(2026, 3, 4, 13, 0))  # written up before the scheduler ran
    case = complete(case, "onsite_investigation", actors["eng_sw2"], arrived_at="2026-03-04T12:00")
    rec = record(case, "arrival")
    assert (rec.outcome, rec.breached_at, rec.done_at) == ("breached", naive_utc(2026, 3, 4, 11, 0),
                                                           naive_utc(2026, 3, 4, 12, 0))
    assert sla_tracking.late_arrivals(**month()) == {"eng_sw2": {"met": 0, "breached": 1}}
    assert sla_tracking.arrivals(**month(), engineer="eng_sw1") == []


def test_without_a_recorded_arrival_the_write_up_counts(flows, actors, clock):
    case = sent_on_site(flows, actors, clock)
    clock.set(shanghai(2026, 3, 3, 9, 0))
    case = complete(case, "onsite_investigation", actors["eng_sw1"])
    rec = record(case, "arrival")
    assert (rec.outcome, rec.done_at) == ("met", naive_utc(2026, 3, 3, 9, 0))


def test_an_arrival_written_as_later_than_the_write_up_counts_as_the_write_up(flows, actors, clock):
    case = sent_on_site(flows, actors, clock)
    clock.set(shanghai(2026, 3, 3, 9, 0))
    case = complete(case, "onsite_investigation", actors["eng_sw1"], arrived_at="2026-03-05T09:00")  # a slip
    rec = record(case, "arrival")
    assert (rec.outcome, rec.done_at) == ("met", naive_utc(2026, 3, 3, 9, 0))
