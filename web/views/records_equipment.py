"""Equipment pages: the installed base (search by serial, model, contract or customer) and one
piece of equipment by its serial — model, customer, commissioning date (the warranty's start), the
warranty computed from the register and every case on it. The service desk and administrators
correct the register (audited)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import queries
from engine.errors import Conflict, ValidationFailed
from web.auth import current_actor, roles_required
from web.bounds import page_number
from web.i18n import current_language, translate
from web.views.labels import N_
from web.views.records_customers import flash_problems
from workflows.case_data import local_date
from workflows.records import customer_file, service

bp = Blueprint("records_equipment", __name__, url_prefix="/records/equipment")
PER_PAGE = 25
EDITABLE = ("model", "contract_number", "commissioned_on", "inspection_record")


@bp.get("/")
def index():
    customer_file.check_reader(current_actor())
    q = (request.args.get("q") or "").strip()[:100] or None
    page = queries.paginate(service.equipment_query(q), page_number(), PER_PAGE)
    return render_template("records/equipment_list.html", page=page, q=q or "", pager_args={"q": q})


@bp.get("/<path:serial>")
def show(serial: str):
    history = customer_file.equipment_history(serial[:80], actor=current_actor(), on=local_date(None))
    return render_template("records/equipment.html", history=history,
                           may_edit=current_actor().has_role(*service.EDITORS))


@bp.post("/<path:serial>")
@roles_required(*service.EDITORS)
def update(serial: str):
    history = customer_file.equipment_history(serial[:80], actor=current_actor(), on=local_date(None))
    data = {name: request.form.get(name, "") for name in EDITABLE if name in request.form}
    try:
        service.save_equipment(data, actor=current_actor(), lang=current_language(),
                               equipment_id=history.equipment.id)
    except (ValidationFailed, Conflict) as exc:
        flash_problems(exc)
    else:
        flash(translate(N_("已保存。")), "success")
    return redirect(url_for("records_equipment.show", serial=history.equipment.serial))
