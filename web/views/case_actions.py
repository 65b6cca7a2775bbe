"""What a manager does to a whole case from its page: cancel it, with a reason (the engine's
cancel command; the person who started the case is told)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from engine import commands
from engine.errors import Conflict, ValidationFailed
from engine.models import Instance
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views.case_words import starter_name
from web.views.labels import N_
from web.views.messages import explain_error

bp = Blueprint("case_actions", __name__)
MAX_REASON = 500
FINISHED = ("completed", "cancelled")


@bp.app_template_global()
def starter_of(instance: Instance) -> str:
    """Who started the case, or what did (the revisit plan, the case it follows from)."""
    return starter_name(instance, current_language())


@bp.app_template_global()
def may_cancel_case(instance: Instance) -> bool:
    return instance.status not in FINISHED and current_actor().has_role(*commands.SUPERVISORS)


@bp.post("/cases/<int:instance_id>/cancel")
def cancel(instance_id: int):
    actor = current_actor()
    reason = request.form.get("reason", "").strip()
    if len(reason) > MAX_REASON:
        flash(translate(N_("取消原因最多 {n} 个字。"), n=MAX_REASON), "error")
        return redirect(url_for("cases.show", instance_id=instance_id))
    try:
        commands.cancel_instance(instance_id=instance_id, actor=actor, reason=reason)
    except ValidationFailed:
        flash(translate(N_("取消案件必须填写原因。")), "error")
        return redirect(url_for("cases.show", instance_id=instance_id, _anchor="cancel-case"))
    except Conflict as exc:
        flash(explain_error(exc), "error")
        return redirect(url_for("cases.show", instance_id=instance_id))
    flash(translate(N_("案件已取消。")), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))
