"""The service tool pages: an engineer's register (the engineer their own; the manager and
logistics issue and take back), and the February replenishment request for the managers."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.clock import now
from engine.commands import transaction
from engine.errors import Conflict, ValidationFailed
from web.api.base import _load
from web.api.tools import IssueRequest, ReturnRequest
from web.auth import current_actor
from web.i18n import current_language, translate
from workflows.management import accountability, dashboard, tools
from workflows.records.dispatch import active_engineers

bp = Blueprint("tools", __name__)


@bp.get("/tools")
def index():
    actor = current_actor()
    if not actor.has_role(*accountability.READERS, *tools.KEEPERS):
        return redirect(url_for("tools.register_page", username=actor.username))
    year = dashboard.today(now()).year
    request_lines = tools.replenishment(year, actor=actor, lang=current_language()) \
        if actor.has_role(*accountability.READERS) else None
    people = [(e.username, e.user.display_name or e.username) for e in active_engineers()]
    return render_template("accountability/tools.html", people=people, replenishment=request_lines)


@bp.get("/tools/<username>")
def register_page(username: str):
    actor = current_actor()
    found = tools.register(username, actor=actor, lang=current_language())
    return render_template("accountability/tool_register.html", register=found, kit=tools.kit_names(
        current_language()), may_keep=actor.has_role(*tools.KEEPERS), is_holder=actor.username == username)


def _flash(exc: ValidationFailed | Conflict) -> None:
    for messages in getattr(exc, "errors", {"": [exc.message]}).values():
        for message in messages:
            flash(message, "error")


@bp.post("/tools/<username>/issue")
def issue(username: str):
    actor = current_actor()
    tools.check_keeper(actor)
    try:
        body = _load(IssueRequest, {k: request.form.get(k, "")[:40] for k in ("code", "price", "issued_on")})
        with transaction():
            tools.issue(username, body["code"], body["price"], body["issued_on"], actor=actor, now=now())
        flash(translate("已登记领用。"), "success")
    except (ValidationFailed, Conflict) as exc:
        _flash(exc)
    return redirect(url_for("tools.register_page", username=username))


@bp.post("/tools/items/<int:item_id>/return")
def take_back(item_id: int):
    actor = current_actor()
    tools.check_keeper(actor)
    username = request.form.get("engineer", "")[:80]
    try:
        body = _load(ReturnRequest, {"returned_on": request.form.get("returned_on", "")[:10]})
        with transaction():
            item = tools.take_back(item_id, body["returned_on"], actor=actor, now=now())
        username = item.engineer
        flash(translate("已登记退回。"), "success")
    except (ValidationFailed, Conflict) as exc:
        _flash(exc)
    return redirect(url_for("tools.register_page", username=username) if username else url_for("tools.index"))
