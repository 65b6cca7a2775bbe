"""Where the work is: cases received and open, overdue now, open cases by flow and by the step they
wait at, how long each step takes, and the backlog week by week."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from engine.clock import isoformat
from engine.db import db
from workflows.management.dashboard_filters import Filters, conditions
from workflows.management.dashboard_labels import flow_name
from workflows.management.drilldown import item, overdue
from workflows.management.facts import CaseFact, StepFact
from workflows.management.facts_sources import week_of

TOP_STEPS = 20
MAX_WEEKS = 160


def count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


def t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def totals(filters: Filters, now: dt.datetime, lang: str) -> dict[str, Any]:
    received, completed = db.session.execute(
        sa.select(sa.func.count(), count_if(CaseFact.status == "completed"))
        .where(*conditions(CaseFact, filters))).one()
    open_now, late = db.session.execute(
        sa.select(sa.func.count(), count_if(overdue(now)))
        .where(CaseFact.is_open.is_(True), *conditions(CaseFact, filters, dated=False))).one()
    return {"key": "totals", "title": t(lang, "概况", "At a glance"), "items": [
        item(t(lang, "期间受理", "Received in the period"), received, received, "received", filters, key="received"),
        item(t(lang, "其中已完成", "Of which completed"), int(completed), int(completed), "completed", filters,
             key="completed"),
        item(t(lang, "当前未结", "Open now"), open_now, open_now, "open", filters, key="open"),
        item(t(lang, "当前超期", "Overdue now"), int(late), int(late), "overdue", filters, key="overdue"),
    ]}


def received_by_flow(filters: Filters, lang: str, names: Mapping[str, str]) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(CaseFact.process_id, sa.func.count(), count_if(CaseFact.status == "completed"),
                  count_if(CaseFact.is_open.is_(True))).where(*conditions(CaseFact, filters))
        .group_by(CaseFact.process_id).order_by(sa.func.count().desc(), CaseFact.process_id)).all()
    return {"key": "received_by_flow", "title": t(lang, "期间受理（按流程）", "Received by flow"), "items": [
        item(flow_name(process_id, lang, names), count, count, "received", filters.replace(process_id=process_id),
             process_id=process_id, completed=item(t(lang, "已完成", "Completed"), int(done), int(done), "completed",
                                                   filters.replace(process_id=process_id)),
             still_open=int(still_open)) for process_id, count, done, still_open in rows]}


def open_by_flow(filters: Filters, lang: str, names: Mapping[str, str]) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(CaseFact.process_id, sa.func.count()).where(CaseFact.is_open.is_(True),
                                                              *conditions(CaseFact, filters, dated=False))
        .group_by(CaseFact.process_id).order_by(sa.func.count().desc(), CaseFact.process_id)).all()
    return {"key": "open_by_flow", "title": t(lang, "未结案件（按流程）", "Open cases by flow"), "items": [
        item(flow_name(process_id, lang, names), count, count, "open", filters.replace(process_id=process_id),
             process_id=process_id) for process_id, count in rows]}


def open_by_step(filters: Filters, now: dt.datetime, lang: str, names: Mapping[str, str]) -> dict[str, Any]:
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


def step_durations(filters: Filters, lang: str, names: Mapping[str, str]) -> dict[str, Any]:
    rows = db.session.execute(
        sa.select(StepFact.process_id, StepFact.element_id, sa.func.max(StepFact.name),
                  sa.func.count(sa.distinct(StepFact.instance_id)), sa.func.avg(StepFact.seconds))
        .where(*conditions(StepFact, filters))
        .group_by(StepFact.process_id, StepFact.element_id)
        .order_by(sa.func.avg(StepFact.seconds).desc(), StepFact.process_id, StepFact.element_id)
        .limit(TOP_STEPS)).all()
    return {"key": "step_durations", "title": t(lang, "各步骤平均用时（小时）", "Average time per step (hours)"),
            "unit": "hours", "items": [
                item(f"{flow_name(process_id, lang, names)} · {name}", hours(avg), cases,
                     f"step:{process_id}.{element}", filters, process_id=process_id, step=element)
                for process_id, element, name, cases, avg in rows]}


def backlog(filters: Filters, lang: str) -> dict[str, Any]:
    """Cases open at the end of each week of the period: those open before it, plus received, less closed."""
    first, last = week_of(filters.start), week_of(filters.end)
    if (last - first).days // 7 >= MAX_WEEKS:
        first = last - dt.timedelta(weeks=MAX_WEEKS - 1)
    end = last + dt.timedelta(days=6)
    where = conditions(CaseFact, filters, dated=False)
    before = db.session.execute(sa.select(sa.func.count()).where(
        CaseFact.opened_on < first, sa.or_(CaseFact.ended_on.is_(None), CaseFact.ended_on >= first), *where)).scalar()
    opened = dict(db.session.execute(sa.select(CaseFact.opened_week, sa.func.count()).where(
        CaseFact.opened_on >= first, CaseFact.opened_on <= end, *where).group_by(CaseFact.opened_week)).all())
    closed = dict(db.session.execute(sa.select(CaseFact.ended_week, sa.func.count()).where(
        CaseFact.ended_on >= first, CaseFact.ended_on <= end, *where).group_by(CaseFact.ended_week)).all())
    items, open_count, week = [], before or 0, first
    while week <= last:
        received, done = opened.get(week, 0), closed.get(week, 0)
        open_count += received - done
        items.append(item(week.isoformat(), open_count, open_count, f"backlog:{week.isoformat()}", filters,
                          week=week.isoformat(), received=received, closed=done))
        week += dt.timedelta(weeks=1)
    return {"key": "backlog", "title": t(lang, "每周末未结案件", "Open cases at the end of each week"),
            "items": items}
