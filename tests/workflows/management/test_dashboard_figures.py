"""The dashboard against a month of cases with known outcomes, played through the real engine on a
fake clock in April 2026 (Qingming: Monday 6 April is a public holiday):

F1 fault (成都, key, south-west) received Fri 3 Apr 16:00, answered on the holiday Monday 15:00 —
   within its one working day (due Tue 7 Apr 16:00); the VP sends eng_sw2 instead of the suggested
   eng_sw1; on site 19 h later; warranty parts 219.00 (emergency: the manager's band, supplier to
   blame, cost 465.50); closed Wed 8 Apr 14:00; its phone revisit R1 scores 5 on 21 Apr.
F2 fault (重庆, ordinary) received Tue 7 Apr 09:00, answered late Thu 9 Apr 10:00 (breach); remote
   fails, on site 23 h after dispatch; closed Fri 10 Apr 15:00; its revisit R3 is never done.
F3 fault on the same equipment as F2, received Mon 20 Apr 09:00 (9.75 days after F2 closed: F2 is
   not a first-time fix); left waiting at the desk.
C1 urgent complaint (北京, north) received 8 Apr 10:00, answered in 1 h (the manager sends eng_n1: a
   third dispatch, nothing suggested to override), closed after 24 h.
C2 ordinary complaint (重庆) received 14 Apr 09:00, answered in 2 h, closed after 26 h.
R2 phone revisit of 重庆 (due 30 Apr) scores 2 with a complaint, which opens C3 (重庆 again, 17 Apr
   10:00) that nobody answers.
CMP-A 3000.00 (VP band, production), CMP-B 8000.00 (general manager, design), CMP-R 500.00 rejected.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from engine import commands
from engine.clock import FakeClock
from engine.commands import transaction
from engine.db import db
from engine.models import Instance
from engine.timers import firing as timers
from tests.workflows.flowkit import attachment, complete
from workflows.management import dashboard, drilldown
from workflows.management.dashboard_filters import Filters
from workflows.management.facts import (
    CaseFact,
    CaseMonth,
    CaseWeek,
    ComplaintMonth,
    DispatchMonth,
    RevisitMonth,
    ScoreMonth,
    SlaFact,
    SlaMonth,
    StepFact,
    StepMonth,
)
from workflows.management.facts_update import rebuild

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
APRIL = Filters(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
REPORT_DAY = dt.datetime(2026, 5, 6, 10, 0, tzinfo=SHANGHAI)  # the first working day after April (1–5 May off)
COMPENSATION_TAIL = [("production_order", "sales1"), ("production", "prod1"), ("shipping", "logi1"),
                     ("cost_recording", "mfg1")]
OFFICE_STEPS = ("cost_recording", "responsibility")  # the claim's office work: a case of its own


def work(case, element: str, actor, **data):
    """Complete `element` of the case, or of the office work its shipped claim opened."""
    target = child(case, "compensation_office") if element in OFFICE_STEPS else case
    done = complete(target, element, actor, **data)
    return case if element in OFFICE_STEPS else done


def at(clock: FakeClock, day: int, hour: int, minute: int = 0, month: int = 4) -> None:
    clock.set(dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(dt.UTC))


def fault(flows, actors, serial: str):
    return commands.start_instance(process_id="fault_handling", actor=actors["sales1"], data={
        "equipment_serial": serial, "symptom": "主轴异响", "occurred_at": "2026-04-01T08:00:00",
        "damage_extent": "serious", "photos": [attachment("photo-a")]})


def claim(flows, actors, amount: str):
    return commands.start_instance(process_id="compensation_approval", actor=actors["desk1"], data={
        "customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "damage_report",
        "evidence": [attachment("photo-c", by="desk1")], "description": "轴承损坏", "emergency": True,
        "lines": [{"part_code": "BRG-6205", "quantity": 1, "unit_price": amount}]})


def complaint(flows, actors, customer: int, priority: str):
    return commands.start_instance(process_id="complaint", actor=actors["desk1"], data={
        "customer_id": customer, "channel": "phone", "priority": priority, "description": "设备漏油"})


def child(case, process_id: str) -> Instance:
    return db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id,
                                                        Instance.process_id == process_id)).scalar_one()


def _f1(flows, actors, clock):
    at(clock, 3, 16)
    f1 = fault(flows, actors, "EQ-SW-001")
    at(clock, 6, 15)
    complete(f1, "desk_analysis", actors["desk1"], suggested_mode="onsite")
    at(clock, 6, 16)
    complete(f1, "vp_decision", actors["salesvp1"], service_mode="onsite")
    complete(f1, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    at(clock, 7, 11)
    complete(f1, "onsite_investigation", actors["eng_sw2"])
    at(clock, 7, 12)
    complete(f1, "repair", actors["eng_sw2"], emergency=True,
             warranty_parts=[{"part_code": "BRG-6205", "quantity": 2}, {"part_code": "SEAL-80", "quantity": 4}])
    for hour, (element, who) in zip((13, 13, 14, 14, 15, 15, 16), [
            ("desk_verify", "desk1"), ("manager_approval", "manager1"), *COMPENSATION_TAIL,
            ("responsibility", "qualityvp1")], strict=True):
        at(clock, 7, hour, 30 if element in ("manager_approval", "production", "cost_recording") else 0)
        work(f1, element, actors[who], **({"responsible_party": "supplier"} if element == "responsibility" else {}))
    for minute, element in ((0, "inspection_test"), (30, "trial_run")):
        at(clock, 8, 10, minute)
        complete(f1, element, actors["eng_sw2"])
    at(clock, 8, 11)
    complete(f1, "service_report", actors["eng_sw2"])
    at(clock, 8, 14)
    return complete(f1, "manager_review", actors["manager1"])


def _f2(flows, actors, clock):
    at(clock, 7, 9)
    f2 = fault(flows, actors, "EQ-CQ-001")
    at(clock, 9, 10)
    timers.fire_due()  # the first response was due Wed 8 Apr 09:00: breached
    complete(f2, "desk_analysis", actors["desk1"], suggested_mode="remote")
    at(clock, 9, 10, 30)
    complete(f2, "vp_decision", actors["salesvp1"], service_mode="remote")
    complete(f2, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    at(clock, 9, 14)
    complete(f2, "remote_guidance", actors["eng_sw1"], resolved=False, result="远程无法排除")
    steps = [(10, 9, 30, "onsite_investigation"), (10, 10, 0, "repair"), (10, 10, 30, "inspection_test"),
             (10, 11, 0, "trial_run"), (10, 11, 30, "service_report")]
    for day, hour, minute, element in steps:
        at(clock, day, hour, minute)
        complete(f2, element, actors["eng_sw1"])
    at(clock, 10, 15)
    return complete(f2, "manager_review", actors["manager1"])


def _complaints(flows, actors, clock):
    at(clock, 8, 10)
    c1 = complaint(flows, actors, flows.north, "urgent")
    at(clock, 8, 11)
    complete(c1, "respond", actors["manager1"], handled_by="engineer", assigned_engineer="eng_n1")
    at(clock, 8, 15)
    complete(c1, "engineer_handling", actors["eng_n1"])
    at(clock, 9, 9)
    complete(c1, "confirm", actors["desk1"])
    at(clock, 9, 10)
    c1 = complete(c1, "close", actors["manager1"], justified=False)
    at(clock, 14, 9)
    c2 = complaint(flows, actors, flows.cq, "ordinary")
    at(clock, 14, 11)
    complete(c2, "respond", actors["manager1"], handled_by="service_desk")
    at(clock, 14, 15)
    complete(c2, "desk_handling", actors["desk1"])
    at(clock, 15, 10)
    complete(c2, "confirm", actors["desk1"])
    at(clock, 15, 11)
    return c1, complete(c2, "close", actors["manager1"], justified=False)


def _claims(flows, actors, clock):
    at(clock, 13, 10)
    a = claim(flows, actors, "3000.00")
    for day, hour, element, who in [(13, 11, "desk_verify", "desk1"), (13, 14, "vp_approval", "salesvp1"),
                                    (13, 15, "production_order", "sales1"), (13, 16, "production", "prod1"),
                                    (14, 9, "shipping", "logi1"), (14, 10, "cost_recording", "mfg1"),
                                    (14, 12, "responsibility", "qualityvp1")]:
        at(clock, day, hour)
        a = work(a, element, actors[who], **({"responsible_party": "production"} if who == "qualityvp1" else {}))
    at(clock, 15, 10)
    b = claim(flows, actors, "8000.00")
    for day, hour, element, who in [(15, 11, "desk_verify", "desk1"), (15, 14, "vp_approval", "salesvp1"),
                                    (15, 16, "gm_approval", "gm1"), (16, 9, "production_order", "sales1"),
                                    (16, 10, "production", "prod1"), (16, 10, "shipping", "logi1"),
                                    (16, 11, "cost_recording", "mfg1"), (16, 12, "responsibility", "qualityvp1")]:
        at(clock, day, hour)
        b = work(b, element, actors[who], **({"responsible_party": "design"} if who == "qualityvp1" else {}))
    at(clock, 22, 10)
    r = claim(flows, actors, "500.00")
    at(clock, 22, 11)
    complete(r, "desk_verify", actors["desk1"])
    complete(r, "manager_approval", actors["manager1"], approved=False, comment="证据不足")
    r = complete(r, "rejection_notice", actors["desk1"])
    return a, b, r


def _revisits(flows, actors, clock, f1):
    at(clock, 16, 9)
    r2 = commands.start_instance(process_id="revisit", actor=actors["manager1"], data={
        "customer_id": flows.cq, "mode": "phone", "source": "manual", "due_date": "2026-04-30",
        "assigned_engineer": "eng_sw1"})
    at(clock, 17, 10)
    complete(r2, "phone_revisit", actors["eng_sw1"], satisfaction=2, complaint=True, comment="设备又漏油")
    c3 = child(r2, "complaint")
    at(clock, 17, 14)
    r2 = complete(r2, "follow_up", actors["manager1"])
    r1 = child(f1, "revisit")
    at(clock, 21, 10)
    r1 = complete(r1, "phone_revisit", actors["eng_sw2"], satisfaction=5)
    return r1, r2, c3


def build_april(flows, actors, clock) -> SimpleNamespace:
    f1 = _f1(flows, actors, clock)
    f2 = _f2(flows, actors, clock)
    c1, c2 = _complaints(flows, actors, clock)
    a, b, r = _claims(flows, actors, clock)
    r1, r2, c3 = _revisits(flows, actors, clock, f1)
    at(clock, 20, 9)
    f3 = fault(flows, actors, "EQ-CQ-001")
    clock.set(REPORT_DAY.astimezone(dt.UTC))
    timers.fire_due()  # the deadlines of F3, C3 and R3 pass: breaches recorded, escalations opened
    return SimpleNamespace(f1=f1, f2=f2, f3=f3, c1=c1, c2=c2, c3=c3, r1=r1, r2=r2, r3=child(f2, "revisit"),
                           a=a, b=b, r=r)


@pytest.fixture
def april(flows, actors, clock):
    return build_april(flows, actors, clock)


def values(items, key="label", value="value"):
    return {entry[key]: entry[value] for entry in items}


def test_every_case_of_the_month_has_its_facts(april):
    facts = {row.instance_id: row for row in db.session.execute(sa.select(CaseFact)).scalars()}
    assert set(facts) == {case.id for case in vars(april).values()}  # escalations are not customer work
    f1 = facts[april.f1.id]
    assert (f1.region_team, f1.customer_class, f1.engineer, f1.suggested_engineer) == (
        "south_west", "key", "eng_sw2", "eng_sw1")
    assert f1.dispatch_overridden is True and f1.arrival_seconds == 19 * 3600
    assert f1.first_response_seconds == 71 * 3600 and f1.resolution_seconds == 118 * 3600
    assert (str(f1.compensation_amount), f1.compensation_band, f1.compensation_party, str(f1.compensation_cost)) == (
        "219.00", "service_manager", "supplier", "465.50")
    assert facts[april.f2.id].next_fault_gap_days == pytest.approx(9.75)
    # the breach timers of 6 May refreshed the SLA facts of the cases nobody touched since
    late = db.session.execute(sa.select(SlaFact.instance_id, SlaFact.rule, SlaFact.outcome).where(
        SlaFact.instance_id.in_([april.f3.id, april.c3.id, april.r3.id]))).all()
    assert sorted((i, r, o) for i, r, o in late) == sorted([
        (april.f3.id, "service_request_response", "breached"), (april.c3.id, "complaint_ordinary_response", "breached"),
        (april.c3.id, "complaint_ordinary_resolution", "breached"), (april.r3.id, "revisit", "breached")])


def test_the_month_at_a_glance(april):
    result = dashboard.figures(APRIL, now=REPORT_DAY)["figures"]
    assert values(result["totals"]["items"], "key") == {"received": 12, "completed": 9, "open": 3, "overdue": 3}
    assert values(result["open_by_flow"]["items"]) == {"质量故障处理": 1, "客户投诉处理": 1, "客户回访": 1}
    assert values(result["open_by_step"]["items"]) == {
        "质量故障处理 · 故障原因分析、拟定方案": 1, "客户投诉处理 · 首次响应：受理、指派、制定措施": 1,
        "客户回访 · 电话回访": 1}
    steps = {entry["step"]: entry for entry in result["step_durations"]["items"]
             if entry["process_id"] == "fault_handling"}
    assert (steps["desk_analysis"]["value"], steps["desk_analysis"]["cases"]) == (60.0, 2)  # 71 h and 49 h
    # F1 waited 19 h from dispatch; F2's visit became due when the remote fix failed (9 Apr 14:00): 19.5 h
    assert (steps["onsite_investigation"]["value"], steps["onsite_investigation"]["cases"]) == (19.2, 2)
    backlog = [(p["week"], p["received"], p["closed"], p["value"]) for p in result["backlog"]["items"]]
    assert backlog == [("2026-03-30", 1, 0, 1), ("2026-04-06", 4, 3, 2), ("2026-04-13", 5, 4, 3),
                       ("2026-04-20", 2, 2, 3), ("2026-04-27", 0, 0, 3)]


def test_deadlines_met_per_kind_month_and_region(april):
    sla = {entry["rule"]: entry for entry in dashboard.figures(APRIL, now=REPORT_DAY)["figures"]["sla_compliance"]
           ["items"]}
    outcome = {rule: (e["met"], e["breached"], e["pending"], e["value"]) for rule, e in sla.items()}
    assert outcome == {"service_request_response": (1, 2, 0, 33.3), "complaint_urgent_response": (1, 0, 0, 100.0),
                       "complaint_urgent_resolution": (1, 0, 0, 100.0),
                       "complaint_ordinary_response": (1, 1, 0, 50.0),
                       "complaint_ordinary_resolution": (1, 1, 0, 50.0), "revisit": (2, 1, 0, 66.7),
                       "approval_manager": (1, 0, 0, 100.0), "approval_vp": (4, 0, 0, 100.0),
                       "approval_gm": (1, 0, 0, 100.0), "low_satisfaction_follow_up": (1, 0, 0, 100.0),
                       "arrival": (2, 0, 0, 100.0)}
    assert sla["service_request_response"]["label"] == "服务申请首次响应"
    assert [(m["month"], m["value"]) for m in sla["revisit"]["by_month"]] == [("2026-04", 66.7)]
    assert [(r["region"], r["value"]) for r in sla["complaint_urgent_response"]["by_region"]] == [("north", 100.0)]
    overdue = dashboard.figures(APRIL, now=REPORT_DAY)["figures"]["overdue_by_region"]["items"]
    assert [(r["region"], r["value"]) for r in overdue] == [("south_west", 3), ("north", 0), ("general", 0)]


def test_satisfaction_complaints_and_first_time_fix(april):
    result = dashboard.figures(APRIL, now=REPORT_DAY)["figures"]
    sat = result["satisfaction"]
    assert (sat["summary"]["value"], sat["summary"]["cases"], sat["low"]["value"]) == (3.5, 2, 1)
    assert [d["value"] for d in sat["distribution"]] == [0, 1, 0, 0, 1]
    assert [(m["month"], m["value"], m["cases"]) for m in sat["by_month"]] == [("2026-04", 3.5, 2)]
    assert [(low["case_number"], low["score"], low["engineer"]) for low in sat["low_scores"]] == [
        (april.r2.case_number, 2, "eng_sw1")]
    grades = {g["grade"]: g for g in result["complaints"]["by_grade"]}
    assert (grades["urgent"]["value"], grades["urgent"]["first_response_hours"],
            grades["urgent"]["resolution_hours"]) == (1, 1.0, 24.0)
    assert (grades["ordinary"]["value"], grades["ordinary"]["responded"], grades["ordinary"]["first_response_hours"],
            grades["ordinary"]["resolved"], grades["ordinary"]["resolution_hours"]) == (2, 1, 2.0, 1, 26.0)
    assert [(c["label"], c["value"]) for c in result["complaints"]["repeat_customers"]] == [("重庆山城重工有限公司", 2)]
    ftf = result["first_time_fix"]["summary"]
    assert (ftf["value"], ftf["cases"], ftf["fixed"], ftf["repeats"], ftf["watching"]) == (50.0, 2, 1, 1, 1)


def test_compensation_revisits_and_dispatch(april):
    result = dashboard.figures(APRIL, now=REPORT_DAY)["figures"]
    money = result["compensation"]
    assert (money["summary"]["amount"], money["summary"]["cost"], money["summary"]["cases"]) == (
        "11219.00", "1396.50", 3)
    assert [(p["key"], p["amount"], p["cases"]) for p in money["by_party"]] == [
        ("supplier", "219.00", 1), ("production", "3000.00", 1), ("design", "8000.00", 1)]
    assert [(b["key"], b["amount"]) for b in money["by_band"]] == [
        ("service_manager", "219.00"), ("sales_vp", "3000.00"), ("general_manager", "8000.00")]
    assert [(q["key"], q["amount"], q["cases"]) for q in money["by_quarter"]] == [("2026Q2", "11219.00", 3)]
    plan = {c["customer_class"]: (c["due"]["value"], c["done"]["value"]) for c in result["revisit_plan"]["classes"]}
    assert plan == {"key": (1, 1), "ordinary": (2, 1)}
    sent = result["dispatch"]
    assert (sent["summary"]["dispatched"]["value"], sent["summary"]["overridden"]["value"],
            sent["summary"]["overridden"]["rate"], sent["summary"]["arrival"]["value"]) == (3, 1, 33.3, 21.0)
    rows = {row["engineer_id"]: (row["open"]["value"], row["dispatched"]["value"], row["overridden"]["value"],
                                 row["arrival"]["value"], row["repeat_visits"]["value"]) for row in sent["engineers"]}
    assert rows == {"eng_sw1": (1, 1, 0, 23.0, 1), "eng_sw2": (0, 1, 1, 19.0, 0), "eng_n1": (0, 1, 0, None, 0),
                    "eng_g1": (0, 0, 0, None, 0)}
    assert values(sent["by_region"], "region") == {"south_west": 3, "north": 0, "general": 0}


def _every_item(node):
    if isinstance(node, dict):
        if "figure" in node and "cases" in node:
            yield node
        for value in node.values():
            yield from _every_item(value)
    elif isinstance(node, list):
        for value in node:
            yield from _every_item(value)


def test_every_figure_lists_exactly_the_cases_it_counts(april):
    result = dashboard.figures(APRIL, now=REPORT_DAY)
    checked = 0
    for entry in _every_item(result["figures"]):
        params = entry["filter"]
        filters = Filters(dt.date.fromisoformat(params.get("from", "2026-04-01")),
                          dt.date.fromisoformat(params.get("to", "2026-04-30")), params.get("region"),
                          params.get("process_id"), params.get("customer_class"))
        ids = drilldown.case_ids_for(params["figure"], filters, now=REPORT_DAY)
        assert len(ids) == entry["cases"], (entry["label"], params)
        checked += 1
    assert checked > 80
    overdue = drilldown.case_ids_for("overdue", APRIL.replace(region="south_west"), now=REPORT_DAY)
    assert sorted(overdue) == sorted([april.f3.id, april.c3.id, april.r3.id])


def _snapshot(table):
    columns = [c.key for c in sa.inspect(table).mapper.column_attrs if c.key != "updated_at"]
    rows = {tuple(getattr(row, c) for c in columns) for row in db.session.execute(sa.select(table)).scalars()}
    measures = [i for i, c in enumerate(columns) if c in ("received", "completed", "still_open", "opened", "closed",
                                                          "count", "steps", "cases", "seconds", "responded",
                                                          "response_seconds", "resolved", "resolution_seconds",
                                                          "dispatched", "overridden", "arrivals", "arrival_seconds",
                                                          "due", "done")]
    return {row for row in rows if not measures or any(row[i] for i in measures)}  # sums worn down to zero


CUBES = (CaseFact, StepFact, StepMonth, SlaFact, CaseMonth, CaseWeek, SlaMonth, ScoreMonth, ComplaintMonth,
         DispatchMonth, RevisitMonth)


def test_rebuilding_from_history_gives_the_same_facts(april):
    """The facts and their month and week sums, kept command by command, equal those summed afresh."""
    before = {table: _snapshot(table) for table in CUBES}
    with transaction():
        assert rebuild(now=REPORT_DAY, batch=5) == 12
    db.session.expire_all()
    assert {table: _snapshot(table) for table in CUBES} == before


def test_a_period_cutting_months_reads_the_days_and_agrees(april):
    """Whole months come from the monthly sums, the days of a cut month from the facts: 20 March to
    3 May holds the same April cases, and 2–20 April only part of them."""
    wide = dashboard.figures(Filters(dt.date(2026, 3, 20), dt.date(2026, 5, 3)), now=REPORT_DAY)["figures"]
    month = dashboard.figures(APRIL, now=REPORT_DAY)["figures"]
    for key in ("received_by_flow", "sla_compliance", "step_durations", "compensation", "satisfaction"):
        assert _values(wide[key]) == _values(month[key]), key
    part = dashboard.figures(Filters(dt.date(2026, 4, 4), dt.date(2026, 4, 19)), now=REPORT_DAY)["figures"]
    assert values(part["totals"]["items"], "key")["received"] == 9  # not F1 (3 Apr), F3, CMP-R (20, 22 Apr)
    rules = {e["rule"]: (e["met"], e["breached"]) for e in part["sla_compliance"]["items"]}
    assert rules["service_request_response"] == (0, 1) and rules["revisit"] == (2, 1)  # R1, R2 met; R3 late


def _values(figure):
    """The values that do not depend on which months the period shows (per-month and per-quarter cells do)."""
    return [(e.get("label"), e.get("value"), e.get("cases")) for e in _every_item(figure)
            if "month" not in e and ":quarter:" not in e["figure"]]
