"""From a dashboard figure to the cases behind it. A figure the case list's own filters cannot
express is named by `figure=<key>[:<arg>...]`; `case_ids_for` answers which cases it means, with
the same conditions the dashboard counted them by (workflows/management/dashboard*.py build their
counts from `selection`), so a figure of 7 opens a list of exactly 7 cases.

Figures of what is open *now* (open, overdue, waiting at a step, an engineer's open work, the
backlog at a week's end) ignore the period; every other figure counts cases received in it."""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import hooks, queries
from engine.db import db
from engine.errors import ValidationFailed
from engine.identity import Actor
from engine.models import Instance
from workflows.management import facts_sources as sources
from workflows.management.dashboard_filters import Filters, conditions, link, parse
from workflows.management.dashboard_labels import CLASSES, FIGURE_NAMES, TEAMS, flow_name, pick
from workflows.management.facts import CaseFact, SlaFact, StepFact
from workflows.management.facts_update import setting

FIGURE = re.compile(r"^[a-z_]{1,30}(:[A-Za-z0-9_.\-]{0,80}){0,3}$")
MONTH = re.compile(r"^\d{4}-\d{2}$")
QUARTER = re.compile(r"^\d{4}Q[1-4]$")
SLA_OUTCOMES = ("decided", "met", "breached", "pending")
NONE = "none"  # an argument meaning "not recorded" (no responsibility assigned yet, no class)


@dataclass
class Selection:
    where: list[Any] = field(default_factory=list)


class BadFigure(ValueError):
    pass


# ---------------------------------------------------------------- shared conditions
def overdue(now: dt.datetime) -> Any:
    return sa.and_(CaseFact.is_open.is_(True), CaseFact.due_at < _naive(now))


def sla_outcome(outcome: str, now: dt.datetime) -> Any:
    """An SLA met, breached (or open past its deadline), pending (open, not yet due), or decided."""
    late = sa.and_(SlaFact.outcome == "open", SlaFact.due_at < _naive(now))
    if outcome == "met":
        return SlaFact.outcome == "met"
    if outcome == "breached":
        return sa.or_(SlaFact.outcome == "breached", late)
    if outcome == "pending":
        return sa.and_(SlaFact.outcome == "open", sa.or_(SlaFact.due_at.is_(None), SlaFact.due_at >= _naive(now)))
    return sa.or_(SlaFact.outcome.in_(("met", "breached")), late)


def sla_category(now: dt.datetime) -> Any:
    return sa.case((sla_outcome("met", now), "met"), (sla_outcome("breached", now), "breached"),
                   (sla_outcome("pending", now), "pending"), else_="other")


def fault_done() -> Any:
    return sa.and_(CaseFact.process_id == sources.FAULT_PROCESS, CaseFact.status == "completed")


def first_time_fixed(days: int) -> Any:
    """A fault case closed with at most one visit on site and no new fault on the same equipment
    within `days` of its end."""
    return sa.and_(fault_done(), CaseFact.onsite_visits <= 1,
                   sa.or_(CaseFact.next_fault_gap_days.is_(None), CaseFact.next_fault_gap_days > days))


def repeat_visit(days: int) -> Any:
    return sa.and_(fault_done(), sa.not_(first_time_fixed(days)))


def approved_compensation() -> Any:
    """A claim approved, on its own or within the fault case that called the compensation flow."""
    return CaseFact.compensation_result == "approved"


def _naive(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def _equals(column: Any, value: str) -> Any:
    return column.is_(None) if value == NONE else column == value


def _week_end(monday: str) -> dt.date:
    day = dt.date.fromisoformat(monday)
    if day.weekday() != 0:
        raise BadFigure("a backlog week is named by its Monday")
    return day + dt.timedelta(days=6)


def _step(arg: str) -> tuple[str, str]:
    process_id, _, element = arg.partition(".")
    if not process_id or not element:
        raise BadFigure("a step is named <flow>.<step>")
    return process_id, element


# ---------------------------------------------------------------- the figures
def _open(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([CaseFact.is_open.is_(True)])


def _overdue(args: list[str], _filters: Filters, now: dt.datetime) -> Selection:
    return Selection([overdue(now)])


def _open_step(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    process_id, element = _step(_one(args))
    return Selection([CaseFact.is_open.is_(True), CaseFact.process_id == process_id,
                      CaseFact.current_step == element])


def _step_done(args: list[str], filters: Filters, _now: dt.datetime) -> Selection:
    process_id, element = _step(_one(args))
    steps = sa.select(StepFact.instance_id).where(StepFact.process_id == process_id, StepFact.element_id == element,
                                                  *conditions(StepFact, filters))
    return Selection([CaseFact.instance_id.in_(steps)])


def _backlog(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    end = _week_end(_one(args))
    return Selection([CaseFact.opened_on <= end, sa.or_(CaseFact.ended_on.is_(None), CaseFact.ended_on > end)])


def _received(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([CaseFact.opened_month == args[0]] if args and args[0] else [])


def _completed(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([CaseFact.status == "completed"])


def _sla(args: list[str], filters: Filters, now: dt.datetime) -> Selection:
    if not args or not args[0]:
        raise BadFigure("name the SLA rule")
    outcome = args[1] if len(args) > 1 and args[1] else "decided"
    if outcome not in SLA_OUTCOMES:
        raise BadFigure(f"an SLA outcome is one of {', '.join(SLA_OUTCOMES)}")
    where = [SlaFact.rule == args[0], sla_outcome(outcome, now), *conditions(SlaFact, filters)]
    if len(args) > 2 and args[2]:
        where.append(SlaFact.opened_month == _month(args[2]))
    return Selection([CaseFact.instance_id.in_(sa.select(SlaFact.instance_id).where(*where))])


def _satisfaction(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    where = [CaseFact.satisfaction.is_not(None)]
    score = args[0] if args else ""
    if score == "low":
        where.append(CaseFact.satisfaction <= 2)
    elif score:
        if score not in {"1", "2", "3", "4", "5"}:
            raise BadFigure("a score is 1 to 5, or 'low'")
        where.append(CaseFact.satisfaction == int(score))
    if len(args) > 1 and args[1]:
        where.append(CaseFact.opened_month == _month(args[1]))
    return Selection(where)


def _complaints(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    where = [CaseFact.process_id == sources.COMPLAINT_PROCESS]
    if args and args[0]:
        where.append(CaseFact.complaint_grade == args[0])
    return Selection(where)


def _repeat_complaints(args: list[str], filters: Filters, _now: dt.datetime) -> Selection:
    complaint = [CaseFact.process_id == sources.COMPLAINT_PROCESS, CaseFact.customer_id.is_not(None)]
    repeaters = (sa.select(CaseFact.customer_id).where(*complaint, *conditions(CaseFact, filters))
                 .group_by(CaseFact.customer_id).having(sa.func.count() >= 2))
    where = [*complaint, CaseFact.customer_id.in_(repeaters)]
    if args and args[0]:
        where.append(CaseFact.customer_id == _number(args[0]))
    return Selection(where)


def _fault_done(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([fault_done()])


def _first_time_fix(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([first_time_fixed(setting("first_time_fix_days"))])


def _repeat_visit(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    where = [repeat_visit(setting("first_time_fix_days"))]
    if args and args[0]:
        where.append(_equals(CaseFact.engineer, args[0]))
    return Selection(where)


def _compensation(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    where = [approved_compensation()]
    if len(args) >= 2:
        dimension, value = args[0], args[1]
        column = {"party": CaseFact.compensation_party, "band": CaseFact.compensation_band,
                  "quarter": CaseFact.compensation_quarter}.get(dimension)
        if column is None or (dimension == "quarter" and not QUARTER.match(value)):
            raise BadFigure("compensation is split by party, band or quarter (e.g. 2026Q1)")
        where.append(_equals(column, value))
    return Selection(where)


def _revisit(done: bool) -> Callable[[list[str], Filters, dt.datetime], Selection]:
    def select(args: list[str], filters: Filters, _now: dt.datetime) -> Selection:
        where = [CaseFact.process_id == sources.REVISIT_PROCESS, CaseFact.revisit_due_on >= filters.start,
                 CaseFact.revisit_due_on <= filters.end]
        if done:
            where.append(CaseFact.revisit_done.is_(True))
        if args and args[0]:
            where.append(_equals(CaseFact.customer_class, args[0]))
        if len(args) > 1 and args[1]:
            where.append(CaseFact.revisit_due_month == _month(args[1]))
        return Selection(where)  # counted by the day they are due, not the day received

    return select


def _engineer_open(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    return Selection([CaseFact.is_open.is_(True), _equals(CaseFact.engineer, _one(args))])


def _dispatched(args: list[str], _filters: Filters, _now: dt.datetime) -> Selection:
    where = [CaseFact.dispatched_at.is_not(None)]
    if args and args[0]:
        where.append(_equals(CaseFact.engineer, args[0]))
    return Selection(where)


def _overridden(args: list[str], filters: Filters, now: dt.datetime) -> Selection:
    selection = _dispatched(args, filters, now)
    selection.where.append(CaseFact.dispatch_overridden.is_(True))
    return selection


def _arrival(args: list[str], filters: Filters, now: dt.datetime) -> Selection:
    selection = _dispatched(args, filters, now)
    selection.where.append(CaseFact.arrival_seconds.is_not(None))
    return selection


# figures of what is open now (no period), and figures of the period counted by another day than receipt
NOW = frozenset({"open", "overdue", "open_step", "backlog", "engineer_open"})
UNDATED = NOW | {"revisit_due", "revisit_done"}
FIGURES: dict[str, Callable[[list[str], Filters, dt.datetime], Selection]] = {
    "open": _open, "overdue": _overdue, "open_step": _open_step, "step": _step_done, "backlog": _backlog,
    "received": _received, "completed": _completed, "sla": _sla, "satisfaction": _satisfaction,
    "complaints": _complaints,
    "repeat_complaints": _repeat_complaints, "fault_done": _fault_done, "first_time_fix": _first_time_fix,
    "repeat_visit": _repeat_visit, "compensation": _compensation, "revisit_due": _revisit(False),
    "revisit_done": _revisit(True), "engineer_open": _engineer_open, "dispatched": _dispatched,
    "overridden": _overridden, "arrival": _arrival,
}


def _one(args: list[str]) -> str:
    if not args or not args[0]:
        raise BadFigure("this figure needs an argument")
    return args[0]


def _month(value: str) -> str:
    if not MONTH.match(value):
        raise BadFigure("a month is written YYYY-MM")
    return value


def _number(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise BadFigure("expected a number")
    return int(value)


# ---------------------------------------------------------------- answering
def drill(figure: str, filters: Filters) -> dict[str, Any]:
    """What a figure item carries to reach its cases: its key, the case list's filter, the link."""
    dated = figure.split(":")[0] not in NOW
    params = {**filters.params(dated=dated), "figure": figure}
    target = f"{_base_link(filters, dated)}figure={quote(figure, safe=':.')}"
    return {"figure": figure, "filter": params, "link": target}


@functools.lru_cache(maxsize=256)
def _base_link(filters: Filters, dated: bool) -> str:
    """The case list's link up to the figure (the same for every figure of one request)."""
    params = filters.params(dated=dated)
    return link(params) + "&" if params else link({})


def selection(figure: str, filters: Filters, now: dt.datetime, *, lang: str = "zh") -> Selection:
    """The conditions on `case_fact` of a figure key under the filters (period included when it applies)."""
    if not isinstance(figure, str) or not FIGURE.match(figure):
        raise _invalid(figure, lang)
    name, *args = figure.split(":")
    build = FIGURES.get(name)
    if build is None:
        raise _invalid(figure, lang)
    try:
        chosen = build(args, filters, now)
    except (BadFigure, ValueError) as exc:
        raise _invalid(figure, lang, str(exc)) from exc
    chosen.where += conditions(CaseFact, filters, dated=name not in UNDATED)
    return chosen


def _invalid(figure: Any, lang: str, detail: str = "") -> ValidationFailed:
    shown = str(figure)[:100]
    zh, en = f"没有这个统计项：“{shown}”。", f"no dashboard figure '{shown}'" + (f": {detail}" if detail else "")
    return ValidationFailed({"figure": [en if lang == "en" else zh]})


def case_ids_query(figure: str, filters: Filters, now: dt.datetime, *, lang: str = "zh"):
    return sa.select(CaseFact.instance_id).where(*selection(figure, filters, now, lang=lang).where)


def case_ids_for(figure: str, filters: Filters, *, now: dt.datetime, lang: str = "zh") -> list[int]:
    """The ids of the cases behind a figure, newest first."""
    query = case_ids_query(figure, filters, now, lang=lang).order_by(CaseFact.instance_id.desc())
    return list(db.session.execute(query).scalars())


def restrict(query: Any, figure: str, filters: Filters, now: dt.datetime, *, lang: str = "zh") -> Any:
    """A select of `Instance` narrowed to the cases behind a figure (for the case list)."""
    return query.where(Instance.id.in_(case_ids_query(figure, filters, now, lang=lang)))


def describe(args: Mapping[str, Any], lang: str = "zh") -> str:
    """What a drill-down list shows, in words: the figure, its detail, the team, flow, class and period."""
    name, *detail = str(args.get("figure") or "").split(":")
    words = [pick(FIGURE_NAMES, name, lang, name)] + [d for d in detail if d]
    if args.get("region"):
        words.append(pick(TEAMS, args["region"], lang, str(args["region"])))
    if args.get("process_id"):
        words.append(flow_name(str(args["process_id"]), lang))
    if args.get("customer_class"):
        words.append(pick(CLASSES, args["customer_class"], lang, str(args["customer_class"])))
    if name not in NOW and args.get("from") and args.get("to"):
        words.append(f"{args['from']} – {args['to']}")
    return " · ".join(str(word)[:100] for word in words)


def link_params(args: Mapping[str, Any]) -> dict[str, str]:
    """The dashboard parameters of a case-list request, to keep them from page to page."""
    return {name: str(args[name])[:100] for name in ("figure", "from", "to", "region", "process_id", "customer_class")
            if args.get(name)}


def case_list(actor: Actor, *, figure: str, args: Mapping[str, Any], status: str | None, q: str | None, page: int,
              per_page: int, now: dt.datetime, lang: str = "zh") -> queries.Page:
    """The case list narrowed to a figure's cases, under the dashboard filters in `args`."""
    filters = parse(args, today=now.astimezone(ZoneInfo(hooks.get().timezone)).date(), lang=lang)
    query = queries.instance_query(status=status, q=q)
    if not actor.has_role(*queries.CASE_READERS):
        query = queries.restrict_instances_to(query, actor)
    return queries.paginate(restrict(query, figure, filters, now, lang=lang), page, per_page)


def item(label: str, value: Any, cases: int, figure: str, filters: Filters, **extra: Any) -> dict[str, Any]:
    """One value of a figure, with the number of cases behind it and the way to list them."""
    return {"label": label, "value": value, "cases": cases, **drill(figure, filters), **extra}
