"""The parts catalogue with prices: everyone who serves customers, makes, ships or costs parts reads it;
the service desk and administrators add parts and change names and prices (workflows.records.service
audits each change)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import queries
from engine.errors import Conflict, ValidationFailed
from web.auth import current_actor, roles_required
from web.bounds import page_number
from web.i18n import current_language, translate
from web.views.labels import N_
from web.views.records_customers import flash_problems
from workflows.records import customer_file, service

bp = Blueprint("records_parts", __name__, url_prefix="/records/parts")
PER_PAGE = 50


@bp.get("/")
def index():
    customer_file.check_parts_reader(current_actor())
    q = (request.args.get("q") or "").strip()[:100] or None
    page = queries.paginate(service.part_query(q), page_number(), PER_PAGE)
    return render_template("records/parts.html", page=page, q=q or "", pager_args={"q": q},
                           may_edit=current_actor().has_role(*service.EDITORS))


def _saved(save) -> None:
    try:
        save()
    except (ValidationFailed, Conflict) as exc:
        flash_problems(exc)
    else:
        flash(translate(N_("已保存。")), "success")


@bp.post("/")
@roles_required(*service.EDITORS)
def create():
    data = {name: request.form.get(name, "") for name in ("code", "name", "price")}
    _saved(lambda: service.save_part(data, actor=current_actor(), lang=current_language()))
    return redirect(url_for("records_parts.index"))


@bp.post("/<code>")
@roles_required(*service.EDITORS)
def update(code: str):
    data = {name: request.form.get(name, "") for name in ("name", "price") if name in request.form}
    _saved(lambda: service.save_part(data, actor=current_actor(), lang=current_language(), code=code[:40]))
    return redirect(url_for("records_parts.index", q=request.args.get("q") or None))
