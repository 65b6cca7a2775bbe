"""Cases: the list (one search box, filters, saved filters) and the case page — diagram with what is
done and what is waiting, timeline, submitted forms, deadlines, documents and related cases."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from engine.clock import now
from engine.errors import ValidationFailed
from web.auth import current_actor
from web.bounds import list_cursor, page_number
from web.i18n import current_language, translate
from web.views import labels
from web.views.case_view import case_page, diagram_source
from workflows.management import drilldown
from workflows.records import case_search
from workflows.records.dispatch import TEAM_NAMES, active_engineers

bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 25
CUSTOMER_CLASSES = {"key": labels.N_("大客户/重点客户"), "ordinary": labels.N_("一般客户")}


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


def case_filter(args) -> case_search.CaseFilter:
    """The filter the list's form (or a saved filter's link) asks for; unknown values are ignored."""
    q = (args.get("q") or "").strip()[:case_search.TEXT_MAX] or None
    engineer = (args.get("engineer") or "").strip()[:80] or None
    return case_search.CaseFilter(
        q=q, process_id=_choice(args.get("process_id"), labels.FLOW_NAMES),
        status=_choice(args.get("status"), labels.CASE_STATUS), region=_choice(args.get("region"), TEAM_NAMES),
        engineer=engineer, date_from=_day(args.get("from")), date_to=_day(args.get("to")),
        overdue=args.get("overdue") in ("1", "on", "true"),
        customer_class=_choice(args.get("customer_class"), CUSTOMER_CLASSES))


@bp.get("/")
def index():
    args = request.args
    f = case_filter(args)
    page_no = page_number()
    figure = (args.get("figure") or "").strip() or None
    actor = current_actor()
    if figure:  # a dashboard figure's cases, under the dashboard's filters
        page = drilldown.case_list(actor, figure=figure, args=args, status=f.status, q=f.q, page=page_no,
                                   per_page=PER_PAGE, now=now(), lang=current_language())
    else:
        page = case_search.case_list(actor, f, now=now(), page=page_no, per_page=PER_PAGE, cursor=list_cursor())
    figure_args = drilldown.link_params(args) if figure else {}
    lang = current_language()
    teams = {key: names[1] if lang == "en" else names[0] for key, names in TEAM_NAMES.items()}
    engineers = [(e.username, e.user.display_name or e.username) for e in active_engineers()]
    return render_template("cases.html", page=page, f=f, q=f.q or "", status=f.status, figure=figure,
                           figure_args=figure_args, pager_args={**f.params(), **figure_args},
                           figure_text=drilldown.describe(args, lang) if figure else "",
                           teams=teams, engineers=engineers, classes=CUSTOMER_CLASSES,
                           saved=case_search.saved_filters(actor))


@bp.post("/filters")
def save_filter():
    f = case_filter(request.form)
    try:
        case_search.save_filter(request.form.get("name", ""), f, actor=current_actor(), now=now(),
                                lang=current_language())
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
    else:
        flash(translate(labels.N_("筛选已保存。")), "success")
    return redirect(url_for("cases.index", **f.params()))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    case_search.delete_filter(filter_id, actor=current_actor())
    flash(translate(labels.N_("筛选已删除。")), "success")
    return redirect(url_for("cases.index"))


@bp.get("/<int:instance_id>")
def show(instance_id: int):
    actor = current_actor()
    page = case_page(instance_id, actor, current_language())
    return render_template("case.html", page=page, related=case_search.related_cases(page.summary.instance, actor))


@bp.get("/<int:instance_id>/diagram.bpmn")
def diagram(instance_id: int):
    response = Response(diagram_source(instance_id, current_actor()), mimetype="application/xml")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
