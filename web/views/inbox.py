"""The inbox: my tasks, my roles' queue (and everything, for those who oversee it), with filters,
search and pages; claim, give back and reassign."""
from __future__ import annotations

import time
from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import commands, queries
from engine.clock import now
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from web.auth import current_actor
from web.bounds import list_cursor, page_number
from web.i18n import current_language, translate
from web.views import labels
from web.views.messages import explain_error
from web.views.page_data import inbox_page

bp = Blueprint("inbox", __name__)
PER_PAGE = 25
_regions: tuple[float, list[str]] = (0.0, [])
REGION_CACHE_SECONDS = 600


def _regions_cached() -> list[str]:
    global _regions
    stamp, regions = _regions
    if time.monotonic() - stamp > REGION_CACHE_SECONDS:
        _regions = (time.monotonic(), queries.task_regions())
    return _regions[1]


def _filter() -> queries.TaskFilter:
    args = request.args
    sort = args.get("sort", "due")
    return queries.TaskFilter(
        scope=args.get("tab", ""), process_id=args.get("flow") or None, customer=args.get("customer") or None,
        region=args.get("region") or None, overdue=args.get("overdue") == "1", q=(args.get("q") or "").strip() or None,
        sort=sort if sort in labels.SORTS else "due", now=now())


@bp.get("/inbox")
def index():
    flt = _filter()
    data = inbox_page(current_actor(), flt, page=page_number(), per_page=PER_PAGE, cursor=list_cursor(),
                      lang=current_language())
    return render_template("inbox.html", data=data, result=data.inbox, flt=flt, regions=_regions_cached(),
                           filtered=any([flt.process_id, flt.customer, flt.region, flt.overdue, flt.q]))


def _back(task_id: str, default: str | None = None) -> str:
    """Where the form asked to return to (a path on this site only), else the task page."""
    target = request.form.get("next") or ""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.netloc and not parsed.scheme:
        return target
    return default or url_for("tasks.show", task_id=task_id)


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    try:
        commands.claim_task(task_id=task_id, actor=current_actor())
        flash(translate("已领取任务。"), "success")
    except (Conflict, Forbidden, NotFound) as exc:
        flash(explain_error(exc), "error")
    return redirect(_back(task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    try:
        commands.unclaim_task(task_id=task_id, actor=current_actor())
        flash(translate("任务已退回角色队列。"), "success")
    except (Conflict, Forbidden, NotFound) as exc:
        flash(explain_error(exc), "error")
        return redirect(_back(task_id))
    return redirect(_back(task_id, url_for("inbox.index", tab="role")))


@bp.post("/tasks/<task_id>/reassign")
def reassign(task_id: str):
    assignee = request.form.get("assignee", "").strip()[:80]
    try:
        row = commands.reassign_task(task_id=task_id, assignee=assignee, actor=current_actor(),
                                     reason=request.form.get("reason", "").strip())
        flash(translate("已改派给 {who}。", who=queries.display_names({row.assignee}).get(row.assignee)), "success")
    except ValidationFailed:
        who = queries.display_names({assignee}).get(assignee, assignee)
        flash(translate("{who} 没有处理此任务所需的角色。", who=who), "error")
    except (Conflict, Forbidden, NotFound) as exc:
        flash(explain_error(exc), "error")
    return redirect(_back(task_id))
