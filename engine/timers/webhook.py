"""The outgoing webhook for a chat tool: each notification queued in `notification_webhook` is
posted as JSON to the configured URL by the scheduler process, in the recipient's language and
naming them by display name. A failure (no answer, a status other than 2xx) is retried with the
outbox's back-off and given up after the same number of tries; nothing here runs in a command."""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa

from engine.clock import isoformat, utc_naive
from engine.clock import now as clock_now
from engine.db import db
from engine.models import User
from engine.timers.outbox import (
    MAIL_MAX_AGE,
    MAIL_MAX_ATTEMPTS,
    DeliveryReport,
    Notification,
    WebhookDelivery,
    retry_delay,
)

log = logging.getLogger(__name__)
Transport = Callable[[str, bytes, float], int]  # (url, JSON body, timeout) -> HTTP status


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    timeout: float = 5.0
    base_url: str = ""  # the site's address, to make links absolute (e.g. https://aftercare.example.com)

    def __post_init__(self) -> None:
        if urlparse(self.url).scheme not in ("http", "https"):
            raise ValueError("the webhook URL must start with http:// or https://")


def post_json(url: str, body: bytes, timeout: float) -> int:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "Aftercare-webhook"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the URL is a setting
        return response.status


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def message(row: Notification, user: User | None, base_url: str = "") -> dict[str, Any]:
    """The JSON a chat tool receives: `text` is ready to show; the rest is for a bot to use."""
    lang = user.locale if user is not None and user.locale in ("zh", "en") else "zh"
    payload = row.payload or {}
    title, body = _text(payload.get("title"), lang), _text(payload.get("body"), lang)
    name = (user.display_name or user.username) if user is not None else row.username
    link = str(payload.get("link") or "")
    if link.startswith("/") and base_url:
        link = base_url.rstrip("/") + link
    return {"kind": row.kind, "text": f"{name}：{title}\n{body}".strip() if lang == "zh" else
            f"{name}: {title}\n{body}".strip(), "title": title, "body": body, "recipient": row.username,
            "recipient_name": name, "case_number": payload.get("case_number"), "link": link or None,
            "created_at": isoformat(row.created_at)}


def deliver(settings: WebhookSettings, *, now: dt.datetime | None = None, limit: int = 100,
            transport: Transport = post_json) -> DeliveryReport:
    """Post the queued deliveries that are due; run by the scheduler process only. Commits."""
    now = now or clock_now()
    report = DeliveryReport()
    db.session.execute(sa.update(WebhookDelivery).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at < utc_naive(now - MAIL_MAX_AGE))
        .values(status="failed", error="not sent in time").execution_options(synchronize_session=False))
    rows = list(db.session.execute(
        sa.select(WebhookDelivery, Notification).join(Notification, Notification.id == WebhookDelivery.notification_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utc_naive(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)).all())
    users = {u.username: u for u in db.session.execute(
        sa.select(User).where(User.username.in_({n.username for _, n in rows}))).scalars()} if rows else {}
    try:
        for delivery, row in rows:
            body = json.dumps(message(row, users.get(row.username), settings.base_url), ensure_ascii=False)
            try:
                status = transport(settings.url, body.encode("utf-8"), settings.timeout)
                if not 200 <= status < 300:
                    raise OSError(f"HTTP {status}")
            except (OSError, ValueError) as exc:
                _failed(delivery, exc, now, report)
                continue
            delivery.status, delivery.sent_at, delivery.error = "sent", utc_naive(now), None
            report.sent += 1
    finally:
        db.session.commit()
    return report


def _failed(delivery: WebhookDelivery, exc: Exception, now: dt.datetime, report: DeliveryReport) -> None:
    delivery.attempts += 1
    delivery.error = f"{type(exc).__name__}: {exc}"[:1000]
    if delivery.attempts >= MAIL_MAX_ATTEMPTS:
        delivery.status = "failed"
        report.failed += 1
        return
    delivery.next_attempt_at = utc_naive(now + retry_delay(delivery.attempts))
    report.retrying += 1
    log.warning("webhook post failed (try %s): %s", delivery.attempts, exc)
