"""The only place errors become HTTP: JSON problem bodies for the API, pages for people."""
from __future__ import annotations

import logging

from flask import current_app, g, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from engine.db import db
from engine.errors import (
    AftercareError,
    Conflict,
    DeployError,
    Forbidden,
    NotFound,
    ScriptRejected,
    ValidationFailed,
)
from web import outage
from web.i18n import LANGUAGES
from web.throttle import TooManyAttempts

log = logging.getLogger(__name__)

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, ValidationFailed: 422, DeployError: 422,
          ScriptRejected: 422, TooManyAttempts: 429}
# headers an HTTP error carries to the client (Allow on 405, WWW-Authenticate on 401, ...)
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def status_for(error: AftercareError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _problem(http_status: int, code: str, message: str, extra: dict | None = None):
    body = {**(extra or {}), "code": code, "message": message}
    if wants_json():
        return jsonify(body), http_status
    return render_template("error.html", status=http_status, problem=body), http_status


def _retry_headers(seconds: object) -> dict[str, str]:
    return {"Retry-After": str(int(seconds))} if isinstance(seconds, int | float) else {}


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be the thing that is broken
        db.session.close()


def _language_without_database() -> str:
    """The page language from the request alone (the user's setting would need the database)."""
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted not in LANGUAGES:
        best = request.accept_languages.best_match(["zh", "zh-CN", "en"]) or "zh"
        wanted = "en" if best.startswith("en") else "zh"
    return wanted


def database_unavailable(error: Exception):
    """503 with Retry-After; the page is drawn without touching the database."""
    outage.watch_of().failed(error)
    _rollback()
    retry = int(current_app.config.get("RETRY_AFTER_SECONDS", 10))
    body = {"code": "database_unavailable", "retry_after": retry,
            "message": "the database is not reachable at the moment; try again shortly"}
    headers = {"Retry-After": str(retry), "Cache-Control": "no-store"}
    if wants_json():
        return jsonify(body), 503, headers
    g.lang = _language_without_database()
    g._login_user = current_app.login_manager.anonymous_user()  # who is logged in is in the database
    return render_template("unavailable.html", retry=retry), 503, headers


def init_app(app) -> None:
    @app.errorhandler(AftercareError)
    def aftercare_error(error: AftercareError):
        body, status = _problem(status_for(error), error.code, error.message, error.context)
        return body, status, _retry_headers(error.context.get("retry_after"))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        body, status = _problem(error.code or 500, code, error.description or error.name)
        headers = {k: v for k, v in error.get_headers() if k in KEPT_HEADERS}
        return body, status, headers

    for kind in outage.UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable)

    @app.errorhandler(sa_exc.DataError)
    @app.errorhandler(OverflowError)
    def out_of_range(error: Exception):
        """A value the database cannot hold got past the edge checks: still the client's input."""
        log.warning("refused a value the database cannot hold on %s %s: %s", request.method, request.path,
                    outage.first_line(error))
        _rollback()
        return _problem(422, "invalid_input", "a value in the request is out of range or not valid")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _problem(500, "internal_error", "an unexpected error occurred; it has been logged")
