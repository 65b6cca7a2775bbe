"""Customer complaints 客户投诉 (capability framework: graded complaint response, tracking and
feedback, closed-loop quality evaluation; manual art. 58 and rule NK-MF25-B): sales or the desk
records the complaint, graded urgent or ordinary; the service manager responds — answers the
customer, names who handles it and plans the remedy; an engineer or the desk handles it; the desk
confirms the result with the customer (not satisfied: back to handling); the manager closes it,
judging whether it was justified and, when an engineer is to blame, counting it in that
engineer's monthly complaint tally. The response and resolution times of each grade are SLA rules
(workflows/deadlines/sla.py) chosen by the case's `priority`: the response is the manager's first task, the
resolution the whole case."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_naive
from engine.db import db
from engine.models import Instance
from workflows.case_data import customer_and_equipment, local_date, local_zone, now_local_iso
from workflows.records.dispatch import active_engineers, open_task_counts, region_team
from workflows.records.references import find_engineer

PROCESS_ID = "complaint"
CASE_PREFIX = "CPL"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, **customer_and_equipment(data), "received_at": data.get("received_at") or now_local_iso()}
    data.setdefault("complained_engineer", None)
    data["requested_by"] = username
    return data


# ---------------------------------------------------------------- assignment
def handling_engineer(named: str | None, region: str | None, complained: str | None) -> str | None:
    """The engineer the manager named, else the least-loaded active engineer of the customer's
    region team (of anyone if the team has nobody else) — never the engineer complained about."""
    if named:
        return named

    def others(team: str | None = None) -> list[str]:
        return [e.username for e in active_engineers(team) if e.username != complained]

    candidates = others(region_team(region)) or others()
    if not candidates:
        return None  # the task then waits in every engineer's pool
    counts = open_task_counts(candidates)
    return min(candidates, key=lambda username: (counts[username], username))


def close_draft(case: Mapping[str, Any]) -> dict[str, Any]:
    """The closing form opens with the engineer complained about as the one it would count against."""
    return {"engineer_responsible": case.get("complained_engineer")}


DRAFTS = {f"{PROCESS_ID}/close": close_draft}


# ---------------------------------------------------------------- service-task handlers
def engineer_service(data: dict[str, Any], params: dict[str, Any]) -> str | None:
    return handling_engineer(data.get("assigned_engineer"), data.get("region"), data.get("complained_engineer"))


def consequence_service(data: dict[str, Any], params: dict[str, Any]) -> str:
    """The closing form's note on what counting the complaint would cost the engineer."""
    return consequence(data.get("complained_engineer"), local_date(data.get("received_at")))


def count_service(data: dict[str, Any], params: dict[str, Any]) -> str | None:
    """`engineer_complaint` in the case data: whom this closed complaint counts against."""
    return counted_engineer(data.get("justified"), data.get("engineer_responsible"))


SERVICES = {"complaint_engineer": engineer_service, "complaint_consequence": consequence_service,
            "count_engineer_complaint": count_service}


# ---------------------------------------------------------------- domain rules
SINGLE_FINE = Decimal(50)  # NK-MF25-B: one complaint in a month
REPEATED_FINE = Decimal(100)  # NK-MF25-B: each complaint when there are two or more in a month
RULE = "NK-MF25-B"


def monthly_fine(complaints: int) -> Decimal:
    """An engineer's fine for a month with this many complaints counted against him (yuan)."""
    if complaints <= 0:
        return Decimal(0)
    if complaints == 1:
        return SINGLE_FINE
    return REPEATED_FINE * complaints


def counted_engineer(justified: Any, engineer: str | None) -> str | None:
    """Only a justified complaint counts, and only against an engineer the manager names."""
    return engineer if justified is True and engineer else None


def monthly_tally(year: int, month: int) -> dict[str, int]:
    """Closed complaints counted against each engineer, by the month the customer complained
    (company time)."""
    zone = local_zone()
    first = dt.datetime(year, month, 1, tzinfo=zone)
    after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    rows = db.session.execute(sa.select(Instance.data).where(
        Instance.process_id == PROCESS_ID, Instance.status == "completed",
        Instance.received_at >= utc_naive(first), Instance.received_at < utc_naive(after))).scalars()
    return dict(Counter(data["engineer_complaint"] for data in rows if (data or {}).get("engineer_complaint")))


def consequence(engineer: str | None, received_on: dt.date) -> str:
    """What counting one more complaint in that month means for the engineer, in the manager's words."""
    if not engineer:
        return "登记时未指明被投诉的服务工程师；如属工程师责任，请在“计入投诉次数的工程师”中填写。"
    before = monthly_tally(received_on.year, received_on.month).get(engineer, 0)
    count = before + 1
    text = (f"若投诉属实并计入{_name(engineer)}：{received_on.year}年{received_on.month}月第 {count} 次投诉，"
            f"按《售后服务责任事故追究制度》（{RULE}）当月罚款合计 {monthly_fine(count)} 元")
    if before:
        text += f"（此前 {before} 次，合计 {monthly_fine(before)} 元）"
    return text + "。"


def _name(username: str) -> str:
    engineer = find_engineer(username)
    shown = engineer.user.display_name if engineer is not None else ""
    return f"{shown}（{username}）" if shown and shown != username else username
