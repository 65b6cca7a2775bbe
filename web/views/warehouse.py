"""仓库领料: the warehouse's list of approved compensation requests with parts still to issue, and one
case's page to issue parts to the engineer (the same use case as the API)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine import queries
from engine.clock import now
from engine.errors import ValidationFailed
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views.labels import N_
from workflows.records import parts_draw
from workflows.records.dispatch import active_engineers

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")
ISSUED = N_("已登记领料。")


@bp.app_template_global()
def may_issue_parts() -> bool:
    return parts_draw.may_issue(current_actor())


def _require_issuer() -> None:
    if not parts_draw.may_issue(current_actor()):
        abort(403)


@bp.get("/")
def index():
    _require_issuer()
    return render_template("warehouse.html", cases=parts_draw.awaiting_issue())


def _case_page(instance_id: int, errors: dict | None = None, status: int = 200):
    actor = current_actor()
    draws = parts_draw.draws_of(instance_id, actor=actor)
    instance = queries.instance(instance_id)
    allowed = parts_draw.allowances(instance)
    engineers = [(e.username, e.user.display_name or e.username) for e in active_engineers()]
    names = queries.display_names({d.engineer for d in draws} | {d.issued_by for d in draws})
    return render_template("warehouse_case.html", instance=instance, allowed=allowed, draws=draws, names=names,
                           engineers=engineers, errors=errors or {},
                           default_engineer=(instance.data or {}).get("assigned_engineer")), status


@bp.get("/<int:instance_id>")
def case(instance_id: int):
    """Whoever may read the case sees what was approved and issued; only the warehouse issues."""
    return _case_page(instance_id)


@bp.post("/<int:instance_id>")
def issue(instance_id: int):
    _require_issuer()
    quantity = request.form.get("quantity", "").strip()
    try:
        parts_draw.record_draw(instance_id=instance_id, part_code=request.form.get("part_code", "")[:40],
                               quantity=int(quantity) if quantity.isascii() and quantity.isdigit()
                               and len(quantity) <= 6 else -1,
                               engineer=request.form.get("engineer", "")[:80] or None, actor=current_actor(),
                               now=now(), lang=current_language())
    except ValidationFailed as error:
        return _case_page(instance_id, errors=error.errors, status=422)
    flash(translate(ISSUED), "success")
    return redirect(url_for("warehouse.case", instance_id=instance_id))
