"""The engineers' accountability pages: the monthly scorecards (an engineer their own; the manager
enters, adds the bonus and confirms), and the calculators (accident fine, tool compensation)
computed by the same functions as the API."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.clock import now
from engine.commands import transaction
from engine.errors import Conflict, ValidationFailed
from web.api.base import _load
from web.api.calculators import AccidentFineRequest, ToolCompensationRequest
from web.auth import current_actor
from web.i18n import current_language, translate
from workflows.management import accountability, calculators, dashboard, fines, scorecard
from workflows.management import accountability_settings as settings

bp = Blueprint("accountability", __name__)
TOOL_FIELDS = ("price", "tool_class", "purchased_on", "lost_on")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    def may_view() -> bool:
        return getattr(current_user, "is_authenticated", False) and current_actor().has_role(
            *accountability.READERS, "engineer")

    return {"may_view_accountability": may_view}


def _filled(form: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in form.items() if value != "" and key != "csrf_token"}


@bp.route("/calculators", methods=["GET", "POST"])
def calculators_page():
    actor = current_actor()
    accountability.check_reader(actor)
    fine = compensation = None
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = _filled(request.form.to_dict())
        try:
            if request.form.get("calculator") == "fine":
                body = _load(AccidentFineRequest, {k: v for k, v in values.items() if k == "loss"})
                fine = accountability.accident_fine(actor=actor, loss=body["loss"])
            else:
                body = _load(ToolCompensationRequest, {k: v for k, v in values.items() if k in TOOL_FIELDS})
                compensation = calculators.tool_compensation(
                    body["price"], body["tool_class"], body["purchased_on"], body["lost_on"],
                    normal_wear=request.form.get("normal_wear") == "on")
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
    return render_template("accountability/calculators.html", fine=fine, compensation=compensation, values=values,
                           errors=errors, bands=settings.accident_bands(),
                           classes=calculators.TOOL_CLASS_NAMES), status


# ---------------------------------------------------------------- scorecards
def _month_asked() -> str:
    asked = request.args.get("month", "")
    if asked:
        return asked[:7]
    last = dashboard.today(now()).replace(day=1) - dt.timedelta(days=1)  # the month just ended
    return last.strftime("%Y-%m")


@bp.get("/scorecards")
def scorecards_page():
    actor = current_actor()
    if not actor.has_role(*accountability.READERS):
        return redirect(url_for("accountability.scorecard_page", username=actor.username, month=_month_asked()))
    found = scorecard.month_cards(_month_asked(), actor=actor, lang=current_language())
    return render_template("accountability/scorecards.html", month=found["month"], cards=found["items"],
                           ledger=fines.ledger(actor=actor, month=found["month"]))


@bp.get("/scorecards/<username>")
def scorecard_page(username: str):
    actor = current_actor()
    scorecard.check_may_read(actor, username)
    card = scorecard.card(username, _month_asked(), actor=actor, lang=current_language())
    confirmed = dt.datetime.fromisoformat(card["confirmed_at"]) if card["confirmed_at"] else None
    return render_template("accountability/scorecard.html", card=card, confirmed=confirmed,
                           may_rate=actor.has_role(scorecard.RATER))


def _rate(username: str, change) -> Any:
    actor = current_actor()
    scorecard.check_rater(actor)
    month = request.form.get("month", "")[:7]
    try:
        with transaction():
            change(actor, month)
        flash(translate("已保存。"), "success")
    except (ValidationFailed, Conflict) as exc:
        for messages in getattr(exc, "errors", {"": [exc.message]}).values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("accountability.scorecard_page", username=username, month=month))


@bp.post("/scorecards/<username>/items")
def enter_item(username: str):
    return _rate(username, lambda actor, month: scorecard.enter_item(
        username, month, request.form.get("code", "")[:40], request.form.get("points", "")[:6],
        request.form.get("note", ""), actor=actor, now=now()))


@bp.post("/scorecards/<username>/bonus")
def set_bonus(username: str):
    return _rate(username, lambda actor, month: scorecard.set_bonus(
        username, month, request.form.get("bonus", "")[:6], request.form.get("reason", ""), actor=actor, now=now()))


@bp.post("/scorecards/<username>/confirm")
def confirm(username: str):
    return _rate(username, lambda actor, month: scorecard.confirm(username, month, actor=actor, now=now()))
