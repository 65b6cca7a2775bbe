"""Sums of the facts per month (or week) and filter, kept in step with them: each fact row
contributes to a few sum rows; when a command changes a fact, the difference between what the
row contributed before and what it contributes now is added in place (an insert that does nothing
when the sum row exists, then `UPDATE … SET n = n + d`, so two commands adding to one row serialize
on it). The dashboard reads whole months and weeks here and only the days of a partly covered
month from the fact rows; `rebuild` sums them afresh from the facts."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.db import db, is_postgres
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
)

Contribution = tuple[Any, tuple[tuple[str, Any], ...], dict[str, int]]  # model, key, measures


def _filters(values: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return (("process_id", values["process_id"]), ("region_team", values["region_team"]),
            ("customer_class", values["customer_class"] or ""))


def case_contributions(values: Mapping[str, Any] | None) -> list[Contribution]:
    """What one case fact adds to the month and week sums."""
    if values is None:
        return []
    found: list[Contribution] = [
        (CaseMonth, (("opened_month", values["opened_month"]), *_filters(values)),
         {"received": 1, "completed": int(values["status"] == "completed"),
          "still_open": int(bool(values["is_open"]))}),
        (CaseWeek, (("week", values["opened_week"]), *_filters(values)), {"opened": 1, "closed": 0})]
    if values.get("ended_week") is not None:
        found.append((CaseWeek, (("week", values["ended_week"]), *_filters(values)), {"opened": 0, "closed": 1}))
    month = (("opened_month", values["opened_month"]), *_filters(values))
    if values.get("satisfaction") is not None:
        found.append((ScoreMonth, (*month, ("score", values["satisfaction"])), {"count": 1}))
    if values.get("complaint_grade") is not None:
        response, resolution = values.get("first_response_seconds"), values.get("resolution_seconds")
        found.append((ComplaintMonth, (*month, ("grade", values["complaint_grade"])), {
            "count": 1, "responded": int(response is not None), "response_seconds": int(response or 0),
            "resolved": int(resolution is not None), "resolution_seconds": int(resolution or 0)}))
    if values.get("dispatched_at") is not None:
        arrival = values.get("arrival_seconds")
        found.append((DispatchMonth, (*month, ("engineer", values.get("engineer") or "")), {
            "dispatched": 1, "overridden": int(values.get("dispatch_overridden") is True),
            "arrivals": int(arrival is not None), "arrival_seconds": int(arrival or 0)}))
    if values.get("revisit_due_month") is not None:
        found.append((RevisitMonth, (("due_month", values["revisit_due_month"]), *_filters(values)),
                      {"due": 1, "done": int(values.get("revisit_done") is True)}))
    return found


def sla_contributions(values: Mapping[str, Any] | None) -> list[Contribution]:
    if values is None:
        return []
    return [(SlaMonth, (("opened_month", values["opened_month"]), ("rule", values["rule"]), *_filters(values),
                        ("outcome", values["outcome"])), {"count": 1})]


def apply(before: Iterable[Contribution], after: Iterable[Contribution]) -> None:
    """Add what changed between two sets of contributions (in a fixed order, so that two commands
    touching the same rows lock them in the same order)."""
    delta: dict[tuple[Any, tuple], dict[str, int]] = {}
    for sign, contributions in ((-1, before), (+1, after)):
        for model, key, measures in contributions:
            entry = delta.setdefault((model, key), dict.fromkeys(measures, 0))
            for name, value in measures.items():
                entry[name] = entry.get(name, 0) + sign * value
    for (model, key), measures in sorted(delta.items(), key=lambda item: (item[0][0].__tablename__, repr(item[0][1]))):
        if any(measures.values()):
            add(model, dict(key), measures)


def add(model: Any, key: Mapping[str, Any], measures: Mapping[str, int]) -> None:
    """One statement: the row with these measures, or the measures added in place to the row that
    exists (two commands adding to one row serialize on it)."""
    insert = (pg_insert if is_postgres() else sqlite_insert)(model)
    table = model.__table__
    added = {name: value for name, value in measures.items() if value}
    row = {**key, **{name: 0 for name in _measures(model)}, **added}
    db.session.execute(insert.values(**row).on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key.columns],
        set_={name: table.c[name] + insert.excluded[name] for name in added}))


def _measures(model: Any) -> list[str]:
    return [column.name for column in model.__table__.columns if not column.primary_key]


# ---------------------------------------------------------------- summing afresh
def rebuild() -> None:
    """Fill the sums from the facts (after the facts were rebuilt or bulk-loaded)."""
    for model in (CaseMonth, CaseWeek, SlaMonth, ScoreMonth, ComplaintMonth, DispatchMonth, RevisitMonth):
        db.session.execute(sa.delete(model))
    klass = sa.func.coalesce(CaseFact.customer_class, "")
    group = (CaseFact.opened_month, CaseFact.process_id, CaseFact.region_team, klass)
    db.session.execute(sa.insert(CaseMonth).from_select(
        ["opened_month", "process_id", "region_team", "customer_class", "received", "completed", "still_open"],
        sa.select(*group, sa.func.count(), _sum(CaseFact.status == "completed"), _sum(CaseFact.is_open.is_(True)))
        .group_by(*group)))
    weekly: dict[tuple, list[int]] = {}
    for week, process_id, team, klass_value, opened, closed in _weeks():
        entry = weekly.setdefault((week, process_id, team, klass_value), [0, 0])
        entry[0] += opened
        entry[1] += closed
    if weekly:
        db.session.execute(sa.insert(CaseWeek), [
            {"week": k[0], "process_id": k[1], "region_team": k[2], "customer_class": k[3], "opened": v[0],
             "closed": v[1]} for k, v in weekly.items()])
    scored = (CaseFact.opened_month, CaseFact.process_id, CaseFact.region_team, klass, CaseFact.satisfaction)
    db.session.execute(sa.insert(ScoreMonth).from_select(
        ["opened_month", "process_id", "region_team", "customer_class", "score", "count"],
        sa.select(*scored, sa.func.count()).where(CaseFact.satisfaction.is_not(None)).group_by(*scored)))
    graded = (CaseFact.opened_month, CaseFact.process_id, CaseFact.region_team, klass, CaseFact.complaint_grade)
    db.session.execute(sa.insert(ComplaintMonth).from_select(
        ["opened_month", "process_id", "region_team", "customer_class", "grade", "count", "responded",
         "response_seconds", "resolved", "resolution_seconds"],
        sa.select(*graded, sa.func.count(), sa.func.count(CaseFact.first_response_seconds),
                  sa.func.coalesce(sa.func.sum(CaseFact.first_response_seconds), 0),
                  sa.func.count(CaseFact.resolution_seconds),
                  sa.func.coalesce(sa.func.sum(CaseFact.resolution_seconds), 0))
        .where(CaseFact.complaint_grade.is_not(None)).group_by(*graded)))
    engineer = sa.func.coalesce(CaseFact.engineer, "")
    sent = (CaseFact.opened_month, CaseFact.process_id, CaseFact.region_team, klass, engineer)
    db.session.execute(sa.insert(DispatchMonth).from_select(
        ["opened_month", "process_id", "region_team", "customer_class", "engineer", "dispatched", "overridden",
         "arrivals", "arrival_seconds"],
        sa.select(*sent, sa.func.count(), _sum(CaseFact.dispatch_overridden.is_(True)),
                  sa.func.count(CaseFact.arrival_seconds), sa.func.coalesce(sa.func.sum(CaseFact.arrival_seconds), 0))
        .where(CaseFact.dispatched_at.is_not(None)).group_by(*sent)))
    due = (CaseFact.revisit_due_month, CaseFact.process_id, CaseFact.region_team, klass)
    db.session.execute(sa.insert(RevisitMonth).from_select(
        ["due_month", "process_id", "region_team", "customer_class", "due", "done"],
        sa.select(*due, sa.func.count(), _sum(CaseFact.revisit_done.is_(True)))
        .where(CaseFact.revisit_due_month.is_not(None)).group_by(*due)))
    sla_group = (SlaFact.opened_month, SlaFact.rule, SlaFact.process_id, SlaFact.region_team,
                 sa.func.coalesce(SlaFact.customer_class, ""), SlaFact.outcome)
    db.session.execute(sa.insert(SlaMonth).from_select(
        ["opened_month", "rule", "process_id", "region_team", "customer_class", "outcome", "count"],
        sa.select(*sla_group, sa.func.count()).group_by(*sla_group)))


def _weeks() -> list[tuple]:
    klass = sa.func.coalesce(CaseFact.customer_class, "")
    opened = db.session.execute(sa.select(CaseFact.opened_week, CaseFact.process_id, CaseFact.region_team, klass,
                                          sa.func.count(), sa.literal(0))
                                .group_by(CaseFact.opened_week, CaseFact.process_id, CaseFact.region_team, klass)).all()
    closed = db.session.execute(sa.select(CaseFact.ended_week, CaseFact.process_id, CaseFact.region_team, klass,
                                          sa.literal(0), sa.func.count()).where(CaseFact.ended_week.is_not(None))
                                .group_by(CaseFact.ended_week, CaseFact.process_id, CaseFact.region_team, klass)).all()
    return [tuple(row) for row in (*opened, *closed)]


def _sum(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
