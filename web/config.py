"""Configuration from AFTERCARE_* environment variables (values may be JSON, e.g. true, 25)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from engine.audit import anchor

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "TIMEZONE": "Asia/Shanghai",
    "LANGUAGE": "zh",
    "SCHEDULER": False,  # `aftercare serve` turns it on in exactly one process
    "MAX_UPLOAD_MB": 10,
    "IMAGE_MAX_PX": 2000,  # uploaded photos are downscaled to this many pixels on their longer side (0: kept)
    "CUSTOMER_LINK_DAYS": 30,  # how long a customer's link to their case stays valid
    "MAX_CASE_DATA_MB": 1,  # the cap on one case's serialized data
    "ENGINEER_READS": "team",  # team: an engineer reads the cases of their region team; own: only theirs
    "BPMN_DIR": str(ROOT / "bpmn"),
    "LOGIN_MAX_FAILURES": 5,  # failed logins per account within the window
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,  # failed logins from one client address (all accounts), 0: no limit
    "LOGIN_WINDOW_SECONDS": 300,
    "PROXY_COUNT": 0,  # reverse proxies in front: trust that many X-Forwarded-For/-Proto hops, no more
    "RETRY_AFTER_SECONDS": 10,  # Retry-After of the 503 answered while the database is unreachable
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


def audit_key(configured: str | bytes | None, instance_path: Path) -> bytes:
    """AFTERCARE_AUDIT_KEY (hex) when set, else the key in instance/audit_key, generated on first
    run. It anchors the audit chains and is never written to the database: keep it, and back it up
    (`aftercare backup` does) apart from database dumps."""
    if isinstance(configured, bytes):
        return configured
    if configured:
        return bytes.fromhex(str(configured).strip())
    return anchor.load_or_create_key(instance_path / "audit_key")


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
    # where the audit key lives when it is not set explicitly (a restore may replace it there)
    app.config["AUDIT_KEY_FILE"] = None if app.config.get("AUDIT_KEY") else str(instance_path / "audit_key")
    app.config["AUDIT_KEY"] = audit_key(app.config.get("AUDIT_KEY"), instance_path)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    # Flask's own defaults exist already (SameSite: None), so these are set, not defaulted
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
