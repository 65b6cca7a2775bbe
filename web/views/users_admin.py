"""User administration pages (administrators): the list of people with their roles and teams,
creating a person, and on a person's page: name, e-mail, roles, region team, a new password,
deactivation. Each action calls one use case of workflows.records.user_admin (which audits it)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import queries
from engine.clock import now
from engine.errors import Conflict, ValidationFailed
from web.auth import current_actor, roles_required
from web.bounds import page_number
from web.i18n import current_language, translate
from web.views.labels import N_
from web.views.records_customers import team_name
from workflows.records import user_admin
from workflows.records.dispatch import TEAM_NAMES
from workflows.roles import ROLES

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")
PER_PAGE = 50


def _change(form) -> user_admin.UserChange:
    return user_admin.UserChange(
        display_name=form.get("display_name", "")[:200], email=form.get("email", "").strip()[:300],
        roles=[r for r in form.getlist("roles")[:len(ROLES)] if r], region_team=form.get("region_team") or None)


def _done(action) -> bool:
    try:
        action()
    except (ValidationFailed, Conflict) as exc:
        messages = [m for ms in exc.errors.values() for m in ms] if isinstance(exc, ValidationFailed) else [
            translate(N_("这个登录名已被使用。"))]
        for message in messages:
            flash(message, "error")
        return False
    flash(translate(N_("已保存。")), "success")
    return True


def _context() -> dict:
    return {"roles": ROLES, "teams": TEAM_NAMES, "team_name": team_name}


@bp.get("/")
@roles_required(*user_admin.ADMINS)
def index():
    q = (request.args.get("q") or "").strip()[:80] or None
    page = queries.paginate(user_admin.users_query(q, actor=current_actor()), page_number(), PER_PAGE)
    return render_template("admin/users.html", page=page, q=q or "", pager_args={"q": q},
                           user_teams=user_admin.teams_of([u.id for u in page.items]), **_context())


@bp.post("/")
@roles_required(*user_admin.ADMINS)
def create():
    made = []
    form = request.form
    ok = _done(lambda: made.append(user_admin.create(form.get("username", "")[:80], form.get("password", "")[:200],
                                                     _change(form), actor=current_actor(), now=now(),
                                                     lang=current_language())))
    return redirect(url_for("users_admin.show", user_id=made[0].id) if ok else url_for("users_admin.index"))


@bp.get("/<int:user_id>")
@roles_required(*user_admin.ADMINS)
def show(user_id: int):
    user = user_admin.get(user_id)
    return render_template("admin/user.html", user=user, team=user_admin.teams_of([user.id]).get(user.id),
                           **_context())


@bp.post("/<int:user_id>")
@roles_required(*user_admin.ADMINS)
def update(user_id: int):
    _done(lambda: user_admin.update(user_id, _change(request.form), actor=current_actor(), now=now(),
                                    lang=current_language()))
    return redirect(url_for("users_admin.show", user_id=user_id))


@bp.post("/<int:user_id>/password")
@roles_required(*user_admin.ADMINS)
def reset_password(user_id: int):
    _done(lambda: user_admin.reset_password(user_id, request.form.get("password", "")[:200], actor=current_actor(),
                                            now=now(), lang=current_language()))
    return redirect(url_for("users_admin.show", user_id=user_id))


@bp.post("/<int:user_id>/active")
@roles_required(*user_admin.ADMINS)
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    _done(lambda: user_admin.set_active(user_id, active, actor=current_actor(), now=now(), lang=current_language()))
    return redirect(url_for("users_admin.show", user_id=user_id))
