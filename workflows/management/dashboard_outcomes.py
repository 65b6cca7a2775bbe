"""Money and people: compensation by responsible party, approval band and quarter; the revisit plan
(done against due per customer class and month); dispatch outcomes per engineer and region team."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.db import db
from workflows.management.dashboard_filters import (
    Filters,
    conditions,
    months_between,
    partial_spans,
    sum_by_key,
    whole_months,
)
from workflows.management.dashboard_labels import BANDS, CLASSES, PARTIES, TEAMS, pick
from workflows.management.dashboard_quality import percent
from workflows.management.dashboard_work import Counts, by_team, count_if, hours, t
from workflows.management.drilldown import approved_compensation, item, repeat_visit
from workflows.management.facts import CaseFact, DispatchMonth, RevisitMonth

CENT = Decimal("0.01")


def money(value: Any) -> str:
    return str(Decimal(str(value or 0)).quantize(CENT))


# ---------------------------------------------------------------- compensation
def compensation(filters: Filters, lang: str) -> dict[str, Any]:
    """Approved claims received in the period: how many, the amount approved and the cost recorded,
    by responsible party, approval band, quarter, and party and band together (one read)."""
    rows = db.session.execute(
        sa.select(CaseFact.compensation_party, CaseFact.compensation_band, CaseFact.compensation_quarter,
                  sa.func.count(), sa.func.sum(CaseFact.compensation_amount), sa.func.sum(CaseFact.compensation_cost))
        .where(approved_compensation(), *conditions(CaseFact, filters))
        .group_by(CaseFact.compensation_party, CaseFact.compensation_band, CaseFact.compensation_quarter)).all()

    def summed(position: int | None) -> dict[Any, list[Any]]:
        totals: dict[Any, list[Any]] = {}
        for row in rows:
            entry = totals.setdefault(row[position] if position is not None else None, [0, Decimal(0), Decimal(0)])
            entry[0] += row[3]
            entry[1] += Decimal(str(row[4] or 0))
            entry[2] += Decimal(str(row[5] or 0))
        return totals

    def split(position: int, figure: str, labels: Mapping | None, keys: list | None = None) -> list[dict[str, Any]]:
        totals = summed(position)
        wanted = keys if keys is not None else [k for k in (labels or {}) if k in totals] + sorted(
            (k for k in totals if k not in (labels or {})), key=str)
        return [item(pick(labels, key, lang) if labels else str(key), money(totals.get(key, [0, 0])[1]),
                     totals.get(key, [0])[0], f"compensation:{figure}:{key or 'none'}", filters, key=key,
                     amount=money(totals.get(key, [0, 0])[1]), cost=money(totals.get(key, [0, 0, 0])[2]))
                for key in wanted]

    count, amount, cost = summed(None).get(None, [0, 0, 0])
    matrix: dict[tuple[Any, Any], list[Any]] = {}
    for party, band, _quarter_key, n, total, _cost in rows:
        entry = matrix.setdefault((party, band), [0, Decimal(0)])
        entry[0] += n
        entry[1] += Decimal(str(total or 0))
    quarters = sorted({_quarter(month) for month in months_between(filters.start, filters.end)})
    return {"key": "compensation", "title": t(lang, "零部件赔偿（已批准）", "Parts compensation (approved)"),
            "unit": "yuan",
            "summary": item(t(lang, "赔偿金额合计", "Total approved"), money(amount), count, "compensation", filters,
                            amount=money(amount), cost=money(cost)),
            "by_party": split(0, "party", PARTIES), "by_band": split(1, "band", BANDS),
            "by_quarter": split(2, "quarter", None, keys=quarters),
            "by_party_and_band": [{"party": party, "band": band, "cases": n, "amount": money(total)}
                                  for (party, band), (n, total) in matrix.items()]}


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year}Q{(int(number) - 1) // 3 + 1}"


# ---------------------------------------------------------------- the revisit plan
def revisit_plan(filters: Filters, lang: str) -> dict[str, Any]:
    """Revisits due in the period, per customer class and month: how many were due, how many done."""
    cells = _revisit_cells(filters)
    months = months_between(filters.start, filters.end)
    classes = [k for k in CLASSES if k is not None] + ([None] if any(k is None for k, _m in cells) else [])
    result = []
    for klass in classes:
        arg = klass or "none"
        due = sum(cells.get((klass, m), (0, 0))[0] for m in months)
        done = sum(cells.get((klass, m), (0, 0))[1] for m in months)
        result.append({"customer_class": klass, "label": pick(CLASSES, klass, lang),
                       "due": item(t(lang, "应回访", "Due"), due, due, f"revisit_due:{arg}", filters),
                       "done": item(t(lang, "已回访", "Done"), done, done, f"revisit_done:{arg}", filters),
                       "rate": percent(done, due),
                       "by_month": [{"month": m,
                                     "due": item(m, cells.get((klass, m), (0, 0))[0], cells.get((klass, m), (0, 0))[0],
                                                 f"revisit_due:{arg}:{m}", filters),
                                     "done": item(m, cells.get((klass, m), (0, 0))[1], cells.get((klass, m), (0, 0))[1],
                                                  f"revisit_done:{arg}:{m}", filters)} for m in months]})
    return {"key": "revisit_plan", "title": t(lang, "回访计划完成情况", "Revisit plan: done against due"),
            "classes": result}


def _revisit_cells(filters: Filters) -> dict[tuple[str | None, str], tuple[int, int]]:
    """(class, month due) -> (due, done): whole months from `revisit_month`, the cut months' days from the facts."""
    whole, rows = whole_months(filters), []
    if whole:
        rows += db.session.execute(
            sa.select(RevisitMonth.customer_class, RevisitMonth.due_month, sa.func.sum(RevisitMonth.due),
                      sa.func.sum(RevisitMonth.done))
            .where(RevisitMonth.due_month.in_(whole), *conditions(RevisitMonth, filters, dated=False))
            .group_by(RevisitMonth.customer_class, RevisitMonth.due_month)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(CaseFact.customer_class, CaseFact.revisit_due_month, sa.func.count(),
                      count_if(CaseFact.revisit_done.is_(True)))
            .where(CaseFact.revisit_due_on >= first, CaseFact.revisit_due_on <= last,
                   *conditions(CaseFact, filters, dated=False))
            .group_by(CaseFact.customer_class, CaseFact.revisit_due_month)).all()
    cells: dict[tuple[str | None, str], tuple[int, int]] = {}
    for klass, month, due, done in rows:
        key = (klass or None, month)
        before = cells.get(key, (0, 0))
        cells[key] = (before[0] + int(due or 0), before[1] + int(done or 0))
    return cells


# ---------------------------------------------------------------- dispatch
def dispatch(filters: Filters, lang: str, people: Mapping[str, str], teams: Mapping[str, str | None],
             days: int, shared: Counts) -> dict[str, Any]:
    open_by = dict(db.session.execute(sa.select(CaseFact.engineer, sa.func.count()).where(
        CaseFact.is_open.is_(True), CaseFact.engineer.is_not(None), *conditions(CaseFact, filters, dated=False))
        .group_by(CaseFact.engineer)).all())
    sent = _dispatches(filters)
    repeats = dict(db.session.execute(sa.select(CaseFact.engineer, sa.func.count()).where(
        repeat_visit(days), *conditions(CaseFact, filters)).group_by(CaseFact.engineer)).all())
    team_open = by_team(shared, 2)
    names = sorted({*open_by, *sent, *repeats} - {None} | {u for u, team in teams.items()
                                                           if filters.region in (None, team)},
                   key=lambda u: (str(teams.get(u) or "~"), u))
    rows = [_engineer_row(u, filters, lang, people, teams, open_by, sent, repeats) for u in names]
    dispatched = sum(v[0] for v in sent.values())
    overridden = sum(int(v[1]) for v in sent.values())
    arrivals = sum(v[2] for v in sent.values())
    waited = sum(float(v[3] or 0) * v[2] for v in sent.values())
    return {"key": "dispatch", "title": t(lang, "派工结果", "Dispatch outcomes"),
            "summary": {
                "dispatched": item(t(lang, "派工次数", "Dispatched"), dispatched, dispatched, "dispatched", filters),
                "overridden": item(t(lang, "经理改派建议人选", "Suggestion overridden"), overridden, overridden,
                                   "overridden", filters, rate=percent(overridden, dispatched)),
                "arrival": item(t(lang, "派工到现场平均用时（小时）", "Dispatch to arrival on site (hours)"),
                                hours(waited / arrivals) if arrivals else None, arrivals, "arrival", filters)},
            "by_region": [item(pick(TEAMS, team, lang), team_open.get(team, 0), team_open.get(team, 0), "open",
                               filters.replace(region=team), region=team)
                          for team in TEAMS if team and filters.region in (None, team)],
            "engineers": rows}


def _dispatches(filters: Filters) -> dict[str | None, tuple[int, int, int, float | None]]:
    """engineer -> (dispatched, overridden, arrivals, mean seconds to arrive)."""
    whole, rows = whole_months(filters), []
    measures = (DispatchMonth.dispatched, DispatchMonth.overridden, DispatchMonth.arrivals,
                DispatchMonth.arrival_seconds)
    if whole:
        rows += db.session.execute(
            sa.select(DispatchMonth.engineer, *(sa.func.sum(m) for m in measures))
            .where(DispatchMonth.opened_month.in_(whole), *conditions(DispatchMonth, filters, dated=False))
            .group_by(DispatchMonth.engineer)).all()
    for first, last in partial_spans(filters, whole):
        rows += db.session.execute(
            sa.select(CaseFact.engineer, sa.func.count(), count_if(CaseFact.dispatch_overridden.is_(True)),
                      sa.func.count(CaseFact.arrival_seconds), sa.func.sum(CaseFact.arrival_seconds))
            .where(CaseFact.dispatched_at.is_not(None), CaseFact.opened_on >= first, CaseFact.opened_on <= last,
                   *conditions(CaseFact, filters, dated=False))
            .group_by(CaseFact.engineer)).all()
    summed = sum_by_key(((engineer or None, *numbers) for engineer, *numbers in rows), 4)
    return {engineer: (n, overridden, arrivals, seconds / arrivals if arrivals else None)
            for engineer, (n, overridden, arrivals, seconds) in summed.items() if n}


def _engineer_row(username: str, filters: Filters, lang: str, people: Mapping[str, str],
                  teams: Mapping[str, str | None], open_by: Mapping, sent: Mapping, repeats: Mapping) -> dict[str, Any]:
    count, overridden, arrivals, arrival = sent.get(username, (0, 0, 0, None))
    team = teams.get(username)
    return {"engineer_id": username, "label": people.get(username, username), "team": team,
            "team_label": pick(TEAMS, team, lang),
            "open": item(t(lang, "在办", "Open"), open_by.get(username, 0), open_by.get(username, 0),
                         f"engineer_open:{username}", filters),
            "dispatched": item(t(lang, "派工", "Dispatched"), count, count, f"dispatched:{username}", filters),
            "overridden": item(t(lang, "改派", "Overridden"), int(overridden), int(overridden),
                               f"overridden:{username}", filters),
            "arrival": item(t(lang, "到场用时（小时）", "To site (hours)"), hours(arrival), arrivals,
                            f"arrival:{username}", filters),
            "repeat_visits": item(t(lang, "返修", "Repeat visits"), repeats.get(username, 0),
                                  repeats.get(username, 0), f"repeat_visit:{username}", filters)}
