"""The task page: the task's form beside the case summary; save a draft or complete it.
After completing, the person lands on the case's next task if it is theirs, else the inbox."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from engine import commands
from engine.errors import Conflict, ValidationFailed
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views import form_view, submission
from web.views.approval_context import approval_context
from web.views.messages import explain_error
from web.views.page_data import next_task_for, task_page

bp = Blueprint("tasks", __name__)


def _render(page, values, errors=None, status=200):
    lang = current_language()
    readonly = page.summary.instance.data or {}
    fields = form_view.field_views(page.definition, lang, values, errors, readonly_values=readonly,
                                   fresh=values is None)
    return render_template("task.html", page=page, fields=fields, errors=errors or {},
                           unplaced=form_view.unplaced_errors(fields, errors),
                           approval=approval_context(page.task, page.summary.instance)), status


@bp.get("/tasks/<task_id>")
def show(task_id: str):
    page = task_page(task_id, current_actor(), current_language())
    draft = page.task.draft if page.may_act else page.task.data
    return _render(page, draft)


@bp.post("/tasks/<task_id>")
def submit(task_id: str):
    actor, lang = current_actor(), current_language()
    page = task_page(task_id, actor, lang)
    posted = submission.read(page.definition, default_action="complete")
    if posted.with_added_row is not None:
        return _render(page, posted.with_added_row, posted.upload_errors)
    if posted.action == "draft":
        commands.save_draft(task_id=task_id, data=posted.data, actor=actor)
        flash(translate("草稿已保存。"), "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    if posted.upload_errors:
        return _render(page, posted.data, posted.upload_errors, 422)
    try:
        instance = commands.complete_task(task_id=task_id, data=posted.data, actor=actor, lang=lang)
    except ValidationFailed as exc:
        return _render(page, posted.data, exc.errors, 422)
    except Conflict as exc:
        flash(explain_error(exc), "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    following = next_task_for(instance.id, actor)
    if following:
        flash(translate("任务已完成，下面是这个案件的下一步。"), "success")
        return redirect(url_for("tasks.show", task_id=following))
    flash(translate("任务已完成：{case}", case=instance.case_number), "success")
    return redirect(url_for("inbox.index"))
