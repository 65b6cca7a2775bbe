"""The Flask app factory. Nothing reads configuration or connects at import time."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from engine import hooks
from engine.audit import anchor
from engine.db import db, engine_options
from engine.timers import firing as timers
from engine.timers import outbox
from web import auth, bounds, config, errors, headers, health, i18n, outage, vendor
from web.api import bp as api_bp
from web.views import (
    admin,
    appointments,
    auth_pages,
    bulk_pages,
    case_actions,
    cases,
    comments,
    copies,
    customer_link,
    dashboard,
    documents,
    files,
    history,
    home,
    inbox,
    messages,
    modeler,
    notifications,
    operations,
    scorecards,
    start,
    tasks,
    tools,
    ui,
    warehouse,
)
from web.views.records_pages import BLUEPRINTS as RECORDS_PAGES
from workflows import build_hooks

csrf = CSRFProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config.ROOT / "instance"), instance_relative_config=False)
    bounds.init_app(app)  # the bounded `int` converter must be in place before any route is added
    config.load(app, overrides)
    app.json.ensure_ascii = False  # Chinese text stays readable in API responses
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one INFO line per task state change
    db.init_app(app)
    csrf.init_app(app)
    _configure_engine(app)
    auth.init_app(app)
    app.before_request(bounds.check_request_text)  # after the login check: anonymous callers get 401 first
    errors.init_app(app)
    outage.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    _register_blueprints(app)
    return app


def _configure_engine(app: Flask) -> None:
    max_data = int(float(app.config["MAX_CASE_DATA_MB"]) * 1_000_000)
    hooks.configure(build_hooks(timezone=app.config["TIMEZONE"], max_case_data_bytes=max_data,
                                engineer_reads=app.config["ENGINEER_READS"]))
    anchor.use_key(app.config["AUDIT_KEY"])  # the audit chains are keyed and sealed with it
    outbox.forward_to_webhook(bool(app.config.get("WEBHOOK_URL")))
    timers.install_wake()  # commits that make a timer due earlier wake the scheduler, wherever it runs


def _register_blueprints(app: Flask) -> None:
    csrf.exempt(api_bp)  # the API checks CSRF itself when a call rides on the session cookie
    app.register_blueprint(api_bp)
    for page_bp in (ui.bp, messages.bp, auth_pages.bp, home.bp, inbox.bp, tasks.bp, start.bp, cases.bp, files.bp,
                    notifications.bp, history.bp, modeler.bp, admin.bp, operations.bp, bulk_pages.bp, comments.bp,
                    case_actions.bp, dashboard.bp, copies.bp, warehouse.bp, documents.bp, customer_link.bp,
                    scorecards.bp, tools.bp, appointments.bp):
        app.register_blueprint(page_bp)
    for page_bp in RECORDS_PAGES:
        app.register_blueprint(page_bp)
    app.register_blueprint(vendor.bp)
    health.init_app(app)
