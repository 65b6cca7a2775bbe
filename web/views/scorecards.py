"""The engineers' accountability pages: the calculators (accident fine, tool compensation) computed
by the same functions as the API."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from engine.errors import ValidationFailed
from web.api.base import _load
from web.api.calculators import AccidentFineRequest, ToolCompensationRequest
from web.auth import current_actor
from workflows.management import accountability, calculators
from workflows.management import accountability_settings as settings

bp = Blueprint("accountability", __name__)
TOOL_FIELDS = ("price", "tool_class", "purchased_on", "lost_on")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    def may_view() -> bool:
        return getattr(current_user, "is_authenticated", False) and current_actor().has_role(
            *accountability.READERS)

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
