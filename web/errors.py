"""The only place errors become HTTP: JSON problem bodies for the API, pages for people."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.errors import (
    AftercareError,
    Conflict,
    DeployError,
    Forbidden,
    NotFound,
    ScriptRejected,
    ValidationFailed,
)
from web.throttle import TooManyAttempts

log = logging.getLogger(__name__)

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, ValidationFailed: 422, DeployError: 422,
          ScriptRejected: 422, TooManyAttempts: 429}


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


def init_app(app) -> None:
    @app.errorhandler(AftercareError)
    def aftercare_error(error: AftercareError):
        return _problem(status_for(error), error.code, error.message, error.context)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return _problem(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _problem(500, "internal_error", "an unexpected error occurred; it has been logged")
