"""The managers' dashboard: every figure of the department for a period, region team, flow and
customer class, read from the fact tables (workflows/management/facts.py) — never from workflows.
Each value carries the number of cases behind it and the case list's filter that lists them.

`dashboard` is the use case the API and the page call; `figures` is what the reports build on."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from engine import hooks
from engine.clock import isoformat
from engine.errors import Forbidden
from engine.identity import Actor
from workflows.management import dashboard_labels as labels
from workflows.management import dashboard_outcomes as outcomes
from workflows.management import dashboard_quality as quality
from workflows.management import dashboard_work as work
from workflows.management.dashboard_filters import Filters, parse
from workflows.management.facts_update import setting

VIEWERS = ("service_manager", "sales_vp", "quality_vp", "general_manager", "auditor")


def check_viewer(actor: Actor) -> None:
    if not actor.has_role(*VIEWERS):
        raise Forbidden("the dashboard is for the service manager, the vice presidents, the general manager and "
                        "auditors", roles=list(VIEWERS))


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(hooks.get().timezone)).date()


def dashboard(*, actor: Actor, args: Mapping[str, Any], now: dt.datetime, lang: str = "zh") -> dict[str, Any]:
    """Every figure under the filters given as query parameters (role checked first)."""
    check_viewer(actor)
    return figures(parse(args, today=today(now), lang=lang), now=now, lang=lang)


def figures(filters: Filters, *, now: dt.datetime, lang: str = "zh") -> dict[str, Any]:
    names = labels.DiagramNames()
    teams, people = labels.engineers()
    days = setting("first_time_fix_days")
    shared = work.counts(filters, now)
    found = [
        work.totals(filters, lang, shared),
        work.received_by_flow(filters, lang, names, shared),
        work.open_by_flow(filters, lang, names, shared),
        work.open_by_step(filters, now, lang, names),
        work.step_durations(filters, lang, names),
        work.backlog(filters, lang),
        quality.sla_compliance(filters, now, lang, labels.sla_names(lang)),
        quality.overdue_by_region(filters, lang, shared),
        quality.satisfaction(filters, lang, people),
        quality.complaints(filters, lang),
        quality.first_time_fix(filters, now, lang, days),
        outcomes.compensation(filters, lang),
        outcomes.revisit_plan(filters, lang),
        outcomes.dispatch(filters, lang, people, teams, days, shared),
    ]
    return {"filter": filters.to_dict(), "generated_at": isoformat(now), "figures": {f["key"]: f for f in found}}
