"""Configuration from AFTERCARE_* environment variables (values may be JSON, e.g. true, 25)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "TIMEZONE": "Asia/Shanghai",
    "LANGUAGE": "zh",
    "SCHEDULER": False,  # `aftercare serve` turns it on in exactly one process
    "MAX_UPLOAD_MB": 10,
    "BPMN_DIR": str(ROOT / "bpmn"),
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 300,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_FROM": "aftercare@localhost",
    "INTEGRITY_CHECK_AT": "02:00",  # the nightly audit integrity check, company time (or an hour: 3)
    "DEMO": False,  # the login page lists the demo accounts (`make run` on its demo database)
    "WEBHOOK_URL": None,  # outgoing webhook for a chat tool: every notification is POSTed there as JSON
    "BASE_URL": "",  # the site's address, for absolute links in webhook messages
    "DIGEST_AT": "08:00",  # company time of the daily digest of role-queue tasks
}


def _secret_key(instance_path: Path) -> str:
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key


def load(app, overrides: dict[str, Any] | None = None) -> None:
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("AFTERCARE")
    app.config.update(overrides or {})
    url = app.config.get("DATABASE_URL") or f"sqlite:///{instance_path / 'aftercare.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["DATABASE_URL"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance_path)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
