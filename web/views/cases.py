"""Cases: the list (search by case number or customer) and the case page — diagram with what is
done and what is waiting, timeline, submitted forms, deadlines and documents."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from engine import queries
from engine.clock import now
from web.auth import current_actor
from web.bounds import page_number
from web.i18n import current_language
from web.views import labels
from web.views.case_view import case_page, diagram_source
from workflows.management import drilldown

bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 25


@bp.get("/")
def index():
    args = request.args
    status = args.get("status") if args.get("status") in labels.CASE_STATUS else None
    q = (args.get("q") or "").strip() or None
    page_no = page_number()
    figure = (args.get("figure") or "").strip() or None
    if figure:  # a dashboard figure's cases, under the dashboard's filters
        page = drilldown.case_list(current_actor(), figure=figure, args=args, status=status, q=q, page=page_no,
                                   per_page=PER_PAGE, now=now(), lang=current_language())
    else:
        page = queries.case_list(current_actor(), status=status, q=q, page=page_no, per_page=PER_PAGE)
    figure_args = drilldown.link_params(args) if figure else {}
    return render_template("cases.html", page=page, status=status, q=q or "", figure=figure, figure_args=figure_args,
                           pager_args={"q": q, "status": status, **figure_args},
                           figure_text=drilldown.describe(args, current_language()) if figure else "")


@bp.get("/<int:instance_id>")
def show(instance_id: int):
    return render_template("case.html", page=case_page(instance_id, current_actor(), current_language()))


@bp.get("/<int:instance_id>/diagram.bpmn")
def diagram(instance_id: int):
    response = Response(diagram_source(instance_id, current_actor()), mimetype="application/xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
