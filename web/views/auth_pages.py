"""Log in and out with a session (CSRF-protected forms; failed logins are throttled)."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import identity
from web.auth import end_session, start_session
from web.i18n import translate
from web.throttle import TooManyAttempts, check_login_allowed, record_login_failure, record_login_success
from web.views.messages import explain_error

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("home.index")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":  # also to someone logged in: they may log in as someone else
        return render_template("login.html")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        check_login_allowed(username, request.remote_addr)
    except TooManyAttempts as exc:
        flash(explain_error(exc), "error")
        return render_template("login.html", username=username), 429
    user = identity.authenticate(username, password)
    if user is None:
        record_login_failure(username, request.remote_addr)
        flash(translate("用户名或密码错误。"), "error")
        return render_template("login.html", username=username), 401
    record_login_success(username)
    start_session(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    end_session()
    flash(translate("你已退出登录。"), "success")
    return redirect(url_for("auth.login"))
