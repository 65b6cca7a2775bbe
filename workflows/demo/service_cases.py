"""Demo cases of the service appointments and the furniture deliveries: each at a different stage,
on working days the workshop has room for (the booking refuses a full or closed day)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from engine.clock import now
from engine.db import db
from workflows.case_data import local_zone
from workflows.deadlines import calendar
from workflows.records import capacity
from workflows.records.tables import Customer

TIMER = "<timer>"  # a step that lets the case's due timers fire (the reminder call)
ITEMS = [{"product": "办公桌 BZ-1600", "quantity": 6}, {"product": "文件柜 WJ-900", "quantity": 4}]
FORM_DATA: dict[str, dict[str, Any]] = {
    "service_appointment/remind": {"coming": True, "note": "客户确认按时到厂"},
    "service_appointment/reception": {"equipment_condition": "外观完好，液压站有油污",
                                      "customer_needs": "定期保养并检查保压", "record_updated": True,
                                      "estimate": "800.00"},
    "service_appointment/work_order": {"assigned_engineer": "eng_sw1",
                                       "labour": [{"item": "定期保养", "hours": "3", "rate": "150.00"}],
                                       "parts": [{"part": "SEAL-80", "quantity": 4}]},
    "service_appointment/perform_work": {"progress": "保养中发现进料泵轴承异响", "added_work_needed": True,
                                         "added_work": "更换进料泵轴承",
                                         "added_labour": [{"item": "更换轴承", "hours": "1.5", "rate": "150.00"}],
                                         "added_parts": [{"part": "BRG-6310", "quantity": 1}]},
    "service_appointment/progress_update": {"channel": "phone", "told_at": "2026-01-05T10:00:00+08:00",
                                            "message": "已告知保养进度及发现的问题"},
    "service_appointment/consent": {"consent_given": True, "consent_by": "设备科长", "consent_method": "phone",
                                    "consent_at": "2026-01-05T10:10:00+08:00"},
    "service_appointment/added_work": {"work_done": "已更换进料泵轴承"},
    "delivery_installation/assign_crew": {"install_date": "2026-12-10", "crew_size": 2, "vehicle": "鲁A-12345",
                                          "crew": [{"name": "曹安装", "level": "supervisor"},
                                                   {"name": "严安装", "level": "technician"}]},
    "delivery_installation/coordinate": {"agreed_date": "2026-12-12", "installation_needed": True},
    "delivery_installation/leader_decision": {"approved": True},
    "delivery_installation/load_check": {"packaging_intact": True, "loaded": ITEMS, "tools_taken": True},
    "delivery_installation/call_customer": {"arrival_time": "2026-12-10T09:30:00+08:00",
                                            "address_confirmed": "泉城路1号3楼"},
    "delivery_installation/unload_count": {"counted": ITEMS, "count_matches": True},
    "delivery_installation/install": {"protection_taken": True, "placed_as_asked": True, "quality_outcome": "none"},
}


def _customer(name: str) -> int:
    return db.session.execute(sa.select(Customer.id).where(Customer.name == name)).scalar_one()


def _working_day_back(count: int) -> dt.date:
    """The `count`-th working day before today (company time) that engineers work."""
    day, found = now().astimezone(local_zone()).date(), 0
    cal = calendar.current()
    while found < count:
        day -= dt.timedelta(days=1)
        if cal.is_working_day(day):
            found += 1
    return day


def _days_ago(day: dt.date) -> float:
    """How long ago 10:00 of `day` was, in days."""
    at = dt.datetime.combine(day, dt.time(10), tzinfo=local_zone())
    return (now() - at).total_seconds() / 86400


def _booking(customer: str, day: dt.date, slot: str = "afternoon", **extra: Any) -> dict[str, Any]:
    return {"customer_id": _customer(customer), "appointment_date": day.isoformat(), "slot": slot,
            "service_kind": "maintenance", "needs": "定期保养", **extra}


def _delivery(name: str, kind: str = "end_customer", **extra: Any) -> dict[str, Any]:
    return {"customer_kind": kind, "customer_name": name, "address": "济南市历下区泉城路1号", "contact": "刘女士",
            "phone": "13900000000", "items": ITEMS, **extra}


def scenarios() -> list[tuple[str, str, dict[str, Any], list[tuple[str, str, dict[str, Any]]], float]]:
    """(process, starter, start data, steps, days ago) of each demo case."""
    upcoming = capacity.free_slots(now().astimezone(local_zone()).date() + dt.timedelta(days=2), count=1)[0]
    one, two, three = (_working_day_back(n) for n in (1, 2, 3))
    to_work = [(TIMER, "", {}), ("remind_customer", "advisor1", {}), ("reception", "advisor1", {}),
               ("work_order", "advisor1", {})]
    asked = [*to_work, ("perform_work", "eng_sw1", {}), ("progress_update", "advisor1", {})]
    site = [("assign_crew", "svchead1", {}), ("load_check", "crew1", {}), ("call_customer", "crew1", {})]
    return [
        ("service_appointment", "advisor1", _booking("成都蓉城机械有限公司", upcoming.day, upcoming.slot), [], 0.1),
        ("service_appointment", "advisor1", _booking("重庆山城重工有限公司", one, priority="high"), to_work,
         _days_ago(one)),
        ("service_appointment", "advisor1", _booking("北京京北精工有限公司", two), asked, _days_ago(two)),
        ("service_appointment", "advisor1", _booking("广州珠江装备有限公司", three), [
            *asked, ("consent", "advisor1", {}), ("added_work", "eng_sw1", {}),
            ("perform_work", "eng_sw1", {"progress": "保养及追加作业完成", "added_work_needed": False}),
            ("progress_update", "advisor1", {})], _days_ago(three)),
        ("delivery_installation", "sales1", _delivery("济南历下区某律师事务所", priority="high"), [], 0.2),
        ("delivery_installation", "dealer1", _delivery("历城家具经销部", "dealer"), [
            ("coordinate", "dealer1", {}), ("assign_crew", "svchead1", {})], 1),
        ("delivery_installation", "sales1", _delivery("济南高新区某科技公司"), [
            ("assign_crew", "svchead1", {"crew_size": 6})], 1.5),
        ("delivery_installation", "sales1", _delivery("章丘区某中学"), [
            *site, ("unload_count", "crew1", {}),
            ("install", "crew1", {"quality_outcome": "rework", "problem": "文件柜门板开裂"}),
            ("apology", "crew1", {"apologised": True, "needs_return": False,
                                  "promised_date": (now().date() + dt.timedelta(days=5)).isoformat()}),
            ("rework_trip", "driver1", {"vehicle": "鲁A-12345", "destination": "章丘区", "purpose": "redelivery",
                                        "departed_at": now().isoformat(), "returned_at": now().isoformat()})], 3),
    ]
