"""Where the work is: cases received and open, overdue now, open cases by flow and by the step they
wait at, how long each step takes, and the backlog week by week."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.clock import isoformat
from engine.db import db
from workflows.management.dashboard_filters import Filters, conditions, partial_spans, sum_by_key, whole_months
from workflows.management.dashboard_labels import flow_name
from workflows.management.drilldown import item, overdue
from workflows.management.facts import CaseFact, CaseMonth, CaseWeek, StepFact, StepMonth
from workflows.management.facts_sources import week_of

TOP_STEPS = 20
MAX_WEEKS = 160


def count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


@dataclass
class Counts:
    """The case counts several figures share, read once per request."""

    flows: list[tuple[str, int, int, int]]  # received in the period: flow, received, completed, still open
    open: list[tuple[str, str, int, int]]  # open now: flow, region team, open, overdue


def counts(filters: Filters, now: dt.datetime) -> Counts:
    whole, rows = whole_months(filters), []
    if whole:
        rows += db.session.execute(
            sa.select(CaseMonth.process_id, sa.func.sum(CaseMonth.received), sa.func.sum(CaseMonth.completed),
                      sa.func.sum(CaseMonth.still_open))
            .where(CaseMonth.opened_month.in_(whole), *conditions(CaseMonth, filters, dated=False))
            .group_by(CaseMonth.process_id)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(CaseFact.process_id, sa.func.count(), count_if(CaseFact.status == "completed"),
                      count_if(CaseFact.is_open.is_(True)))
            .where(CaseFact.opened_on >= first, CaseFact.opened_on <= last,
                   *conditions(CaseFact, filters, dated=False)).group_by(CaseFact.process_id)).all()
    flows = [(process_id, *totals) for process_id, totals in sum_by_key(rows, 3).items() if totals[0]]
    opened = db.session.execute(
        sa.select(CaseFact.process_id, CaseFact.region_team, sa.func.count(), count_if(overdue(now)))
        .where(CaseFact.is_open.is_(True), *conditions(CaseFact, filters, dated=False))
        .group_by(CaseFact.process_id, CaseFact.region_team)).all()
    return Counts(flows, [(p, team, n, int(late)) for p, team, n, late in opened])


def totals(filters: Filters, lang: str, shared: Counts) -> dict[str, Any]:
    received = sum(row[1] for row in shared.flows)
    completed = sum(row[2] for row in shared.flows)
    open_now = sum(row[2] for row in shared.open)
    late = sum(row[3] for row in shared.open)
    return {"key": "totals", "title": t(lang, "概况", "At a glance"), "items": [
        item(t(lang, "期间受理", "Received in the period"), received, received, "received", filters, key="received"),
        item(t(lang, "其中已完成", "Of which completed"), completed, completed, "completed", filters,
             key="completed"),
        item(t(lang, "当前未结", "Open now"), open_now, open_now, "open", filters, key="open"),
        item(t(lang, "当前超期", "Overdue now"), late, late, "overdue", filters, key="overdue"),
    ]}


def received_by_flow(filters: Filters, lang: str, names: Any, shared: Counts) -> dict[str, Any]:
    rows = sorted(shared.flows, key=lambda row: (-row[1], row[0]))
    return {"key": "received_by_flow", "title": t(lang, "期间受理（按流程）", "Received by flow"), "items": [
        item(flow_name(process_id, lang, names), count, count, "received", filters.replace(process_id=process_id),
             process_id=process_id, completed=item(t(lang, "已完成", "Completed"), done, done, "completed",
                                                   filters.replace(process_id=process_id)),
             still_open=still_open) for process_id, count, done, still_open in rows]}


def open_by_flow(filters: Filters, lang: str, names: Any, shared: Counts) -> dict[str, Any]:
    per_flow: dict[str, int] = {}
    for process_id, _team, count, _late in shared.open:
        per_flow[process_id] = per_flow.get(process_id, 0) + count
    rows = sorted(per_flow.items(), key=lambda row: (-row[1], row[0]))
    return {"key": "open_by_flow", "title": t(lang, "未结案件（按流程）", "Open cases by flow"), "items": [
        item(flow_name(process_id, lang, names), count, count, "open", filters.replace(process_id=process_id),
             process_id=process_id) for process_id, count in rows]}


def by_team(shared: Counts, column: int) -> dict[str, int]:
    """Open (column 2) or overdue (column 3) cases per region team."""
    teams: dict[str, int] = {}
    for row in shared.open:
        teams[row[1]] = teams.get(row[1], 0) + row[column]
    return teams


def open_by_step(filters: Filters, now: dt.datetime, lang: str, names: Any) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(CaseFact.process_id, CaseFact.current_step, sa.func.max(CaseFact.current_step_name),
                  sa.func.count(), sa.func.min(CaseFact.waiting_since))
        .where(CaseFact.is_open.is_(True), CaseFact.current_step.is_not(None),
               *conditions(CaseFact, filters, dated=False))
        .group_by(CaseFact.process_id, CaseFact.current_step)
        .order_by(sa.func.count().desc(), CaseFact.process_id, CaseFact.current_step).limit(TOP_STEPS)).all()
    items = []
    for process_id, step, name, count, since in rows:
        waited = (now.replace(tzinfo=None) - since).total_seconds() if since else None
        items.append(item(f"{flow_name(process_id, lang, names)} · {name or step}", count, count,
                          f"open_step:{process_id}.{step}", filters, process_id=process_id, step=step,
                          oldest_since=isoformat(since), oldest_hours=hours(max(0.0, waited or 0))))
    return {"key": "open_by_step", "title": t(lang, "未结案件停在哪一步", "Where open cases wait"), "items": items}


def step_durations(filters: Filters, lang: str, names: Any) -> dict[str, Any]:
    """Average time per step of the cases received in the period: whole months from `step_month`,
    the days of a partly covered month from `step_fact`."""
    whole = whole_months(filters)
    sums: dict[tuple[str, str], list[Any]] = {}
    if whole:
        rows = db.session.execute(
            sa.select(StepMonth.process_id, StepMonth.element_id, sa.func.max(StepMonth.name),
                      sa.func.sum(StepMonth.steps), sa.func.sum(StepMonth.cases), sa.func.sum(StepMonth.seconds))
            .where(StepMonth.opened_month.in_(whole), *conditions(StepMonth, filters, dated=False))
            .group_by(StepMonth.process_id, StepMonth.element_id))
        _add_sums(sums, rows)
    for first, last in partial_spans(filters, whole):
        rows = db.session.execute(
            sa.select(StepFact.process_id, StepFact.element_id, sa.func.max(StepFact.name), sa.func.count(),
                      count_if(StepFact.first_in_case.is_(True)), sa.func.sum(StepFact.seconds))
            .where(StepFact.opened_on >= first, StepFact.opened_on <= last,
                   *conditions(StepFact, filters, dated=False))
            .group_by(StepFact.process_id, StepFact.element_id))
        _add_sums(sums, rows)
    ranked = sorted(((seconds / steps if steps else 0, key, name, cases) for key, (name, steps, cases, seconds)
                     in sums.items() if steps > 0), key=lambda r: (-r[0], r[1]))[:TOP_STEPS]
    return {"key": "step_durations", "title": t(lang, "各步骤平均用时（小时）", "Average time per step (hours)"),
            "unit": "hours", "items": [
                item(f"{flow_name(process_id, lang, names)} · {name}", hours(avg), int(cases),
                     f"step:{process_id}.{element}", filters, process_id=process_id, step=element)
                for avg, (process_id, element), name, cases in ranked]}


def _add_sums(sums: dict[tuple[str, str], list[Any]], rows: Any) -> None:
    for process_id, element, name, steps, cases, seconds in rows:
        entry = sums.setdefault((process_id, element), [name, 0, 0, 0])
        entry[1] += int(steps or 0)
        entry[2] += int(cases or 0)
        entry[3] += int(seconds or 0)


def backlog(filters: Filters, lang: str) -> dict[str, Any]:
    """Cases open at the end of each week of the period: everything received less everything closed
    up to that week (one read of the weekly sums)."""
    first, last = week_of(filters.start), week_of(filters.end)
    if (last - first).days // 7 >= MAX_WEEKS:
        first = last - dt.timedelta(weeks=MAX_WEEKS - 1)
    rows = db.session.execute(
        sa.select(CaseWeek.week, sa.func.sum(CaseWeek.opened), sa.func.sum(CaseWeek.closed))
        .where(CaseWeek.week <= last, *conditions(CaseWeek, filters, dated=False)).group_by(CaseWeek.week)).all()
    weeks = {week: (int(opened or 0), int(closed or 0)) for week, opened, closed in rows}
    open_count = sum(opened - closed for week, (opened, closed) in weeks.items() if week < first)
    items, week = [], first
    while week <= last:
        received, done = weeks.get(week, (0, 0))
        open_count += received - done
        items.append(item(week.isoformat(), open_count, open_count, f"backlog:{week.isoformat()}", filters,
                          week=week.isoformat(), received=received, closed=done))
        week += dt.timedelta(weeks=1)
    return {"key": "backlog", "title": t(lang, "每周末未结案件", "Open cases at the end of each week"),
            "items": items}
