"""Customer pages: the list (search by name, region or address) and a customer's file — contacts,
class, region team, equipment, contracts, open and past cases, revisit plan, satisfaction over time.
The service desk and administrators create and edit (workflows.records.service audits each change)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import queries
from engine.errors import Conflict, ValidationFailed
from web.auth import current_actor, roles_required
from web.bounds import page_number
from web.i18n import current_language, translate
from web.views.labels import N_
from workflows.records import customer_file, service
from workflows.records.dispatch import PROVINCES, TEAM_NAMES, region_team

bp = Blueprint("records_customers", __name__, url_prefix="/records/customers")
PER_PAGE = 25
CLASSES = {"key": N_("大客户/重点客户"), "ordinary": N_("一般客户")}
PLAN_LINES = {"key_phone": N_("重点客户每月电话回访"), "key_onsite": N_("重点客户每半年现场走访"),
              "ordinary_phone": N_("普通客户每季度电话回访")}
MAX_CONTACTS = 10


def team_name(team: str) -> str:
    names = TEAM_NAMES.get(team, (team, team))
    return names[1] if current_language() == "en" else names[0]


def customer_form_data(form) -> dict:
    """The record form's fields from the page's form (contacts as rows; blank rows dropped)."""
    rows = zip(form.getlist("contact_name")[:MAX_CONTACTS], form.getlist("contact_phone")[:MAX_CONTACTS],
               form.getlist("contact_title")[:MAX_CONTACTS], strict=False)
    contacts = [{"name": name, "phone": phone, "title": title} for name, phone, title in rows
                if name.strip() or phone.strip() or title.strip()]
    return {"name": form.get("name", ""), "class": form.get("class", ""), "region": form.get("region", ""),
            "address": form.get("address", ""), "contacts": contacts}


def flash_problems(exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        for messages in exc.errors.values():
            for message in messages:
                flash(message if isinstance(message, str) else str(message), "error")
    else:
        flash(translate(N_("已有同名记录。")), "error")


def _context() -> dict:
    return {"classes": CLASSES, "provinces": PROVINCES, "team_name": team_name,
            "region_team_name": lambda region: team_name(region_team(region)),
            "may_edit": current_actor().has_role(*service.EDITORS)}


@bp.app_context_processor
def _navigation() -> dict:
    def may_read_records() -> bool:
        return current_actor().has_role(*customer_file.READERS)
    return {"may_read_records": may_read_records}


@bp.get("/")
def index():
    customer_file.check_reader(current_actor())
    q = (request.args.get("q") or "").strip()[:100] or None
    klass = request.args.get("class") if request.args.get("class") in CLASSES else None
    page = queries.paginate(service.customer_query(q, customer_class=klass), page_number(), PER_PAGE)
    return render_template("records/customers.html", page=page, q=q or "", klass=klass,
                           pager_args={"q": q, "class": klass}, **_context())


@bp.get("/<int:customer_id>")
def show(customer_id: int):
    file = customer_file.customer_file(customer_id, actor=current_actor())
    return render_template("records/customer.html", file=file, plan_names=PLAN_LINES, **_context())


@bp.post("/")
@roles_required(*service.EDITORS)
def create():
    try:
        customer = service.save_customer(customer_form_data(request.form), actor=current_actor(),
                                         lang=current_language())
    except (ValidationFailed, Conflict) as exc:
        flash_problems(exc)
        return redirect(url_for("records_customers.index"))
    flash(translate(N_("已保存。")), "success")
    return redirect(url_for("records_customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>")
@roles_required(*service.EDITORS)
def update(customer_id: int):
    try:
        service.save_customer(customer_form_data(request.form), actor=current_actor(), lang=current_language(),
                              customer_id=customer_id)
    except (ValidationFailed, Conflict) as exc:
        flash_problems(exc)
    else:
        flash(translate(N_("已保存。")), "success")
    return redirect(url_for("records_customers.show", customer_id=customer_id))
