"""Start pages: the requests staff open by hand (fault report, installation request, technical
question, compensation claim, on-site revisit request), each the start form of its flow."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import commands
from engine.errors import ValidationFailed
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views import form_view, submission
from web.views.page_data import next_task_for, start_choices, start_page

bp = Blueprint("start", __name__, url_prefix="/start")


@bp.get("/")
def index():
    return render_template("start_list.html", choices=start_choices(current_actor(), current_language()))


def _render(page, values, errors=None, status=200, *, fresh=False):
    fields = form_view.field_views(page.definition, current_language(), values, errors, fresh=fresh)
    return render_template("start.html", page=page, fields=fields, errors=errors or {},
                           unplaced=form_view.unplaced_errors(fields, errors)), status


@bp.get("/<process_id>")
def form(process_id: str):
    """A fresh form; query arguments named like its fields fill them in (`?mode=onsite`)."""
    prefill = {key: value for key, value in request.args.items() if key != "lang"}
    return _render(start_page(process_id, current_actor(), current_language()), prefill, fresh=True)


@bp.post("/<process_id>")
def submit(process_id: str):
    actor, lang = current_actor(), current_language()
    page = start_page(process_id, actor, lang)
    posted = submission.read(page.definition, default_action="start")
    if posted.with_added_row is not None:
        return _render(page, posted.with_added_row, posted.upload_errors)
    if posted.upload_errors:
        return _render(page, posted.data, posted.upload_errors, 422)
    try:
        instance = commands.start_instance(process_id=process_id, data=posted.data, actor=actor, lang=lang)
    except ValidationFailed as exc:
        return _render(page, posted.data, exc.errors, 422)
    flash(translate("已创建案件 {case}。", case=instance.case_number), "success")
    following = next_task_for(instance.id, actor)
    if following:
        return redirect(url_for("tasks.show", task_id=following))
    return redirect(url_for("cases.show", instance_id=instance.id))
