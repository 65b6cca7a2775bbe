"""Service quality (capability framework 001): SLA compliance per kind by month and region, overdue
work by region, customer satisfaction, complaints by grade, and the first-time-fix rate."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from engine.clock import isoformat
from engine.db import db
from workflows.management import facts_sources as sources
from workflows.management.dashboard_filters import (
    Filters,
    conditions,
    months_between,
    partial_spans,
    sum_by_key,
    whole_months,
)
from workflows.management.dashboard_labels import GRADES, TEAMS, pick
from workflows.management.dashboard_work import Counts, by_team, count_if, hours, t
from workflows.management.drilldown import drill, fault_done, first_time_fixed, item, sla_category
from workflows.management.facts import CaseFact, ComplaintMonth, ScoreMonth, SlaFact, SlaMonth

LOW_SCORES_SHOWN = 20
REPEATERS_SHOWN = 20


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ---------------------------------------------------------------- SLAs
def _tally() -> dict[str, int]:
    return {"met": 0, "breached": 0, "pending": 0}


def sla_compliance(filters: Filters, now: dt.datetime, lang: str, rule_names: Mapping[str, str]) -> dict[str, Any]:
    """Per SLA kind: met, breached (or open past due), pending, and the % met of those decided; and
    the same per month and per region team."""
    rows = _sla_rows(filters, now)
    totals: dict[str, dict[str, int]] = {}
    months: dict[tuple[str, str], dict[str, int]] = {}
    teams: dict[tuple[str, str], dict[str, int]] = {}
    for rule, month, team, outcome, count in rows:
        if outcome == "other":
            continue
        for table, key in ((totals, rule), (months, (rule, month)), (teams, (rule, team))):
            table.setdefault(key, _tally())[outcome] += count
    ordered = [key for key in rule_names if key in totals] + sorted(set(totals) - set(rule_names))
    items = []
    for rule in ordered:
        tally = totals[rule]
        decided = tally["met"] + tally["breached"]
        items.append(item(rule_names.get(rule, rule), percent(tally["met"], decided), decided, f"sla:{rule}", filters,
                          rule=rule, **tally, breached_link=_link(f"sla:{rule}:breached", filters),
                          by_month=[_cell(rule, month, months.get((rule, month)), filters)
                                    for month in months_between(filters.start, filters.end)],
                          by_region=[_region_cell(rule, team, teams[(rule, team)], filters, lang)
                                     for team in TEAMS if team and (rule, team) in teams]))
    return {"key": "sla_compliance", "title": t(lang, "时限达成率（%）", "Deadlines met (%)"), "unit": "percent",
            "items": items}


def _sla_rows(filters: Filters, now: dt.datetime) -> list[tuple[str, str, str, str, int]]:
    """(kind, month, team, met|breached|pending|other, count): the recorded outcomes of whole months
    from `sla_month`, the open ones (met or late depends on now) and the partly covered months'
    days from `sla_fact`."""
    category = sla_category(now)
    columns = (SlaFact.rule, SlaFact.opened_month, SlaFact.region_team, category)
    whole, rows = whole_months(filters), []
    if whole:
        rows += db.session.execute(
            sa.select(SlaMonth.rule, SlaMonth.opened_month, SlaMonth.region_team, SlaMonth.outcome,
                      sa.func.sum(SlaMonth.count))
            .where(SlaMonth.opened_month.in_(whole), SlaMonth.outcome.in_(("met", "breached")),
                   *conditions(SlaMonth, filters, dated=False))
            .group_by(SlaMonth.rule, SlaMonth.opened_month, SlaMonth.region_team, SlaMonth.outcome)).all()
        rows += db.session.execute(
            sa.select(*columns, sa.func.count())
            .where(SlaFact.opened_month.in_(whole), SlaFact.outcome == "open",
                   *conditions(SlaFact, filters, dated=False)).group_by(*columns)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(*columns, sa.func.count())
            .where(SlaFact.opened_on >= first, SlaFact.opened_on <= last, *conditions(SlaFact, filters, dated=False))
            .group_by(*columns)).all()
    return [(rule, month, team, outcome, int(count or 0)) for rule, month, team, outcome, count in rows]


def _link(figure: str, filters: Filters) -> str:
    return drill(figure, filters)["link"]


def _cell(rule: str, month: str, tally: dict[str, int] | None, filters: Filters) -> dict[str, Any]:
    tally = tally or _tally()
    decided = tally["met"] + tally["breached"]
    return item(month, percent(tally["met"], decided), decided, f"sla:{rule}:decided:{month}", filters, month=month,
                **tally)


def _region_cell(rule: str, team: str, tally: dict[str, int], filters: Filters, lang: str) -> dict[str, Any]:
    decided = tally["met"] + tally["breached"]
    return item(pick(TEAMS, team, lang), percent(tally["met"], decided), decided, f"sla:{rule}",
                filters.replace(region=team), region=team, **tally)


def overdue_by_region(filters: Filters, lang: str, shared: Counts) -> dict[str, Any]:
    rows = by_team(shared, 3)
    return {"key": "overdue_by_region", "title": t(lang, "当前超期（按区域组）", "Overdue now by region team"),
            "items": [item(pick(TEAMS, team, lang), rows.get(team, 0), rows.get(team, 0), "overdue",
                           filters.replace(region=team), region=team)
                      for team in TEAMS if team and (filters.region in (None, team))]}


# ---------------------------------------------------------------- satisfaction
def satisfaction(filters: Filters, lang: str, people: Mapping[str, str]) -> dict[str, Any]:
    where = [CaseFact.satisfaction.is_not(None), *conditions(CaseFact, filters)]
    by_score: dict[int, int] = {}
    by_month: dict[str, list[int]] = {}  # month -> [count, sum]
    for month, score, count in _scores(filters):
        by_score[score] = by_score.get(score, 0) + count
        tally = by_month.setdefault(month, [0, 0])
        tally[0], tally[1] = tally[0] + count, tally[1] + score * count
    low = db.session.execute(
        sa.select(CaseFact).where(*where, CaseFact.satisfaction <= 2)
        .order_by(CaseFact.opened_at.desc(), CaseFact.instance_id.desc()).limit(LOW_SCORES_SHOWN)).scalars()
    count = sum(by_score.values())
    average = round(sum(score * n for score, n in by_score.items()) / count, 2) if count else None
    low_count = by_score.get(1, 0) + by_score.get(2, 0)
    return {"key": "satisfaction", "title": t(lang, "客户满意度", "Customer satisfaction"),
            "summary": item(t(lang, "平均分", "Average score"), average, count, "satisfaction", filters),
            "low": item(t(lang, "低分（≤2）", "Low scores (≤ 2)"), low_count, low_count, "satisfaction:low", filters),
            "distribution": [item(f"{score} " + t(lang, "分", "points" if score > 1 else "point"),
                                  by_score.get(score, 0), by_score.get(score, 0), f"satisfaction:{score}", filters,
                                  score=score) for score in range(1, 6)],
            "by_month": [item(month, round(by_month[month][1] / by_month[month][0], 2) if month in by_month else None,
                              by_month.get(month, [0])[0], f"satisfaction::{month}", filters, month=month)
                         for month in months_between(filters.start, filters.end)],
            "low_scores": [{"instance_id": row.instance_id, "case_number": row.case_number,
                            "customer_name": row.customer_name, "score": row.satisfaction,
                            "engineer": people.get(row.engineer or "", row.engineer),
                            "engineer_id": row.engineer, "opened_at": isoformat(row.opened_at),
                            "link": f"/cases/{row.instance_id}"} for row in low]}


def _scores(filters: Filters) -> list[tuple[str, int, int]]:
    """(month, score, count): whole months from `score_month`, the cut months' days from the facts."""
    whole, rows = whole_months(filters), []
    if whole:
        rows += db.session.execute(
            sa.select(ScoreMonth.opened_month, ScoreMonth.score, sa.func.sum(ScoreMonth.count))
            .where(ScoreMonth.opened_month.in_(whole), *conditions(ScoreMonth, filters, dated=False))
            .group_by(ScoreMonth.opened_month, ScoreMonth.score)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(CaseFact.opened_month, CaseFact.satisfaction, sa.func.count())
            .where(CaseFact.satisfaction.is_not(None), CaseFact.opened_on >= first, CaseFact.opened_on <= last,
                   *conditions(CaseFact, filters, dated=False))
            .group_by(CaseFact.opened_month, CaseFact.satisfaction)).all()
    return [(month, int(score), int(count or 0)) for month, score, count in rows]


# ---------------------------------------------------------------- complaints
def _grades(filters: Filters) -> dict[str, tuple[int, int, float | None, int, float | None]]:
    """grade -> (complaints, answered, mean seconds to answer, resolved, mean seconds to resolve)."""
    whole = whole_months(filters)
    measures = (ComplaintMonth.count, ComplaintMonth.responded, ComplaintMonth.response_seconds,
                ComplaintMonth.resolved, ComplaintMonth.resolution_seconds)
    rows = []
    if whole:
        rows += db.session.execute(
            sa.select(ComplaintMonth.grade, *(sa.func.sum(m) for m in measures))
            .where(ComplaintMonth.opened_month.in_(whole), *conditions(ComplaintMonth, filters, dated=False))
            .group_by(ComplaintMonth.grade)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(CaseFact.complaint_grade, sa.func.count(), sa.func.count(CaseFact.first_response_seconds),
                      sa.func.sum(CaseFact.first_response_seconds), sa.func.count(CaseFact.resolution_seconds),
                      sa.func.sum(CaseFact.resolution_seconds))
            .where(CaseFact.complaint_grade.is_not(None), CaseFact.opened_on >= first, CaseFact.opened_on <= last,
                   *conditions(CaseFact, filters, dated=False)).group_by(CaseFact.complaint_grade)).all()
    return {grade: (n, answered, answer / answered if answered else None, resolved,
                    resolve / resolved if resolved else None)
            for grade, (n, answered, answer, resolved, resolve) in sum_by_key(rows, 5).items()}


def complaints(filters: Filters, lang: str) -> dict[str, Any]:
    where = [CaseFact.process_id == sources.COMPLAINT_PROCESS, *conditions(CaseFact, filters)]
    grades = _grades(filters)
    repeaters = db.session.execute(
        sa.select(CaseFact.customer_id, sa.func.max(CaseFact.customer_name), sa.func.count())
        .where(*where, CaseFact.customer_id.is_not(None)).group_by(CaseFact.customer_id)
        .having(sa.func.count() >= 2).order_by(sa.func.count().desc(), CaseFact.customer_id)).all()
    by_grade = []
    for grade in [*GRADES, *sorted(set(grades) - set(GRADES), key=str)]:
        count, responded, response, resolved, resolution = grades.get(grade, (0, 0, None, 0, None))
        by_grade.append(item(pick(GRADES, grade, lang), count, count, f"complaints:{grade}", filters, grade=grade,
                             responded=responded, first_response_hours=hours(response), resolved=resolved,
                             resolution_hours=hours(resolution)))
    total = sum(entry["value"] for entry in by_grade)
    repeat_cases = sum(count for _id, _name, count in repeaters)
    return {"key": "complaints", "title": t(lang, "客户投诉", "Complaints"),
            "summary": item(t(lang, "投诉总数", "Complaints"), total, total, "complaints", filters),
            "by_grade": by_grade,
            "repeat": item(t(lang, "重复投诉的客户", "Customers who complained again"), len(repeaters), repeat_cases,
                           "repeat_complaints", filters),
            "repeat_customers": [item(name or str(customer_id), count, count, f"repeat_complaints:{customer_id}",
                                      filters, customer_id=customer_id)
                                 for customer_id, name, count in repeaters[:REPEATERS_SHOWN]]}


# ---------------------------------------------------------------- first-time fix
def first_time_fix(filters: Filters, now: dt.datetime, lang: str, days: int) -> dict[str, Any]:
    watch_from = (now - dt.timedelta(days=days)).astimezone(dt.UTC).replace(tzinfo=None)
    done, fixed, watching = db.session.execute(
        sa.select(sa.func.count(), count_if(first_time_fixed(days)),
                  count_if(sa.and_(CaseFact.ended_at > watch_from, CaseFact.next_fault_gap_days.is_(None))))
        .where(fault_done(), *conditions(CaseFact, filters))).one()
    fixed, watching, repeats = int(fixed), int(watching), done - int(fixed)
    return {"key": "first_time_fix", "title": t(lang, "一次修复率", "First-time fix rate"), "days": days,
            "summary": item(t(lang, "一次修复率（%）", "Fixed first time (%)"), percent(fixed, done), done,
                            "fault_done", filters, fixed=fixed, repeats=repeats, watching=watching),
            "items": [item(t(lang, "一次修复", "Fixed first time"), fixed, fixed, "first_time_fix", filters),
                      item(t(lang, "返修（再次上门或 {days} 天内再报故障）", "Repeat (second visit or new fault within "
                               "{days} days)").format(days=days), repeats, repeats, "repeat_visit", filters)]}
