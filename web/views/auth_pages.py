"""Log in and out with a session (CSRF-protected forms; failed logins are throttled)."""
from __future__ import annotations

from urllib.parse import urlparse

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from engine import identity
from engine.db import db
from engine.models import User
from web.i18n import translate
from web.throttle import TooManyAttempts, check_login_allowed, record_login_failure
from web.views.messages import explain_error
from web.views.ui import role_name
from workflows.demo.records import ENGINEERS
from workflows.roles import DEMO_USERS

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("home.index")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


def demo_accounts() -> list[tuple[str, str, str]]:
    """(login, display name, roles) of the demo users, on the login page in demo mode only."""
    if not current_app.config.get("DEMO"):
        return []
    wanted = [username for username, _name, _roles in DEMO_USERS] + [e[0] for e in ENGINEERS]
    users = {u.username: u for u in db.session.execute(
        sa.select(User).where(User.username.in_(wanted), User.active.is_(True))).scalars()}
    return [(name, users[name].display_name or name, "、".join(sorted(role_name(r) for r in users[name].role_ids)))
            for name in wanted if name in users]


def _page(**values):
    return render_template("login.html", demo_accounts=demo_accounts(), **values)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":  # also to someone logged in: they may log in as someone else
        return _page()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        check_login_allowed(username, request.remote_addr)
    except TooManyAttempts as exc:
        flash(explain_error(exc), "error")
        return _page(username=username), 429
    user = identity.authenticate(username, password)
    if user is None:
        record_login_failure(username, request.remote_addr)
        flash(translate("用户名或密码错误。"), "error")
        return _page(username=username), 401
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    logout_user()
    flash(translate("你已退出登录。"), "success")
    return redirect(url_for("auth.login"))
