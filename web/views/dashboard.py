"""The managers' pages: the dashboard (charts drawn from the same data the API returns, every value a
link to its cases) and the reports (kept ones listed; a month or quarter as a printable page)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from engine.clock import now
from web.auth import current_actor
from web.i18n import current_language
from workflows.management import dashboard, reports
from workflows.management.dashboard_filters import CUSTOMER_CLASSES
from workflows.management.dashboard_labels import CLASSES, FLOWS, TEAMS, pick

bp = Blueprint("dashboard", __name__)


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    def may_view() -> bool:
        return getattr(current_user, "is_authenticated", False) and current_actor().has_role(*dashboard.VIEWERS)

    return {"may_view_dashboard": may_view}


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    return {"regions": [(team, pick(TEAMS, team, lang)) for team in TEAMS if team],
            "flows": [(flow, pick(FLOWS, flow, lang)) for flow in FLOWS if flow != "sla_escalation"],
            "classes": [(klass, pick(CLASSES, klass, lang)) for klass in CUSTOMER_CLASSES]}


@bp.get("/dashboard")
def index():
    lang = current_language()
    data = dashboard.dashboard(actor=current_actor(), args=request.args, now=now(), lang=lang)
    return render_template("dashboard/index.html", data=data, figures=data["figures"], filter=data["filter"],
                           choices=_choices(lang))


@bp.get("/reports")
def report_list():
    return render_template("dashboard/reports.html", kept=reports.kept_reports(actor=current_actor()))


@bp.get("/reports/monthly")
def monthly():
    found = reports.report("monthly", request.args.get("month", ""), actor=current_actor(), now=now(),
                           lang=current_language())
    return render_template("dashboard/report.html", report=found, query={"month": found["period"]})


@bp.get("/reports/quarterly")
def quarterly():
    found = reports.report("quarterly", request.args.get("quarter", ""), actor=current_actor(), now=now(),
                           lang=current_language())
    return render_template("dashboard/report.html", report=found, query={"quarter": found["period"]})
