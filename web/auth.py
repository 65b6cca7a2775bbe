"""Authentication on every route: session login for pages, bearer tokens for the API."""
from __future__ import annotations

import functools

from flask import abort, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as CSRFValidationError

from engine import identity
from engine.commands import transaction
from engine.identity import Actor, actor_of
from engine.models import User

login_manager = LoginManager()
PUBLIC_ENDPOINTS = {"auth.login", "static", "vendor.asset", "api.create_token", "api.openapi", "health",
                    # the customer's signed link to one case (web/views/customer_link.py)
                    "customer_link.show", "customer_link.document", "customer_link.survey"}
SESSION_KEY = "sk"  # the session's key in the (signed) cookie; the server keeps its digest


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """Only a session the server still knows: logout, a new password or deactivation end it."""
    key = session.get(SESSION_KEY)
    if not key or not isinstance(key, str) or not user_id.isdigit():
        return None
    return identity.session_user(int(user_id), key)


@login_manager.request_loader
def _load_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        found = identity.token_user(header[7:].strip())
        if found is None:
            return None
        g.auth_by_token, g.token_id = True, found[1]
        return found[0]
    return None


def start_session(user: User) -> None:
    """Log this browser in with a new server-side session (ending the one it had, if any)."""
    previous = session.get(SESSION_KEY)
    with transaction():
        if isinstance(previous, str) and previous:
            identity.close_session(previous)
        key = identity.open_session(user)
    login_user(user)
    session[SESSION_KEY] = key


def end_session() -> None:
    """Log this browser out; its cookie, replayed, opens nothing."""
    key = session.get(SESSION_KEY)
    if isinstance(key, str) and key:
        with transaction():
            identity.close_session(key)
    logout_user()
    session.pop(SESSION_KEY, None)


def current_actor() -> Actor:
    return actor_of(current_user)


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated:
        if request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS") \
                and not g.get("auth_by_token"):
            _check_api_csrf()
        return None
    if request.path.startswith("/api/"):
        response = jsonify({"code": "unauthorized", "message": "log in or send 'Authorization: Bearer <token>'"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def _check_api_csrf() -> None:
    """An API call riding on the browser session must carry the page's CSRF token."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except (CSRFValidationError, CSRFError):
        abort(400, description="missing or invalid CSRF token (send X-CSRFToken)")


def roles_required(*roles: str):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_actor().has_role(*roles):
                abort(403, description=f"this needs one of the roles: {', '.join(roles)}")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_require_login)
