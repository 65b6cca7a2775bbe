"""The fact sources that other features will feed: an on-site arrival record (its time wins over
the first on-site step), a satisfaction score (only 1–5 counts), the compensation band read from
the authority decision, and a revisit's due day in company time."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from workflows.management import facts_sources as sources

SHANGHAI = ZoneInfo("Asia/Shanghai")


def task(element: str, completed: dt.datetime, data: dict | None = None):
    return SimpleNamespace(id=element, element_id=element, status="completed", completed_at=completed,
                           created_at=completed - dt.timedelta(hours=1), data=data or {})


def test_an_arrival_record_is_the_arrival_else_the_first_visit_step():
    visit = task("onsite_investigation", dt.datetime(2026, 4, 7, 5))
    arrived = SimpleNamespace(rule="arrival", closed_at=dt.datetime(2026, 4, 7, 2), outcome="met")
    open_arrival = SimpleNamespace(rule="arrival", closed_at=None, outcome="open")
    assert sources.arrival("fault_handling", [visit], [arrived]) == dt.datetime(2026, 4, 7, 2)
    assert sources.arrival("fault_handling", [visit], [open_arrival]) == dt.datetime(2026, 4, 7, 5)
    assert sources.arrival("tech_support", [], []) is None


def test_satisfaction_is_a_score_from_one_to_five():
    assert sources.satisfaction_of("revisit", {"satisfaction": 4}) == 4
    for wrong in (0, 6, "5", True, None):
        assert sources.satisfaction_of("revisit", {"satisfaction": wrong}) is None
    assert sources.satisfaction_of("complaint", {"satisfaction": 5}) is None  # not a survey source


def test_compensation_band_and_cost_come_from_the_case_data():
    day = dt.date(2026, 11, 3)
    small = sources.compensation({"amount": "800.00", "approver": "service_manager", "needs_general_manager": False,
                                  "compensation_result": "approved", "responsible_party": "supplier",
                                  "machining_cost": "10.00", "freight_cost": "5.50"}, day)
    assert (small["compensation_band"], small["compensation_cost"], small["compensation_quarter"]) == (
        "service_manager", Decimal("15.50"), "2026Q4")
    large = sources.compensation({"amount": "6000", "approver": "sales_vp", "needs_general_manager": True}, day)
    assert (large["compensation_band"], large["compensation_cost"], large["compensation_result"]) == (
        "general_manager", None, None)


def test_a_revisit_is_due_on_its_company_day():
    late_evening = {"revisit_due": "2026-04-22T17:30:00Z"}  # 01:30 on the 23rd in Shanghai
    due = sources.revisit("running", [], late_evening, SHANGHAI)
    assert (due["revisit_due_on"], due["revisit_due_month"], due["revisit_done"]) == (dt.date(2026, 4, 23),
                                                                                      "2026-04", False)
    done = sources.revisit("completed", [task("phone_revisit", dt.datetime(2026, 4, 20))], late_evening, SHANGHAI)
    assert done["revisit_done"] is True
    declined = sources.revisit("completed", [task("visit_request", dt.datetime(2026, 4, 20))], late_evening, SHANGHAI)
    assert declined["revisit_done"] is False
