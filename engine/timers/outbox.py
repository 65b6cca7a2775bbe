"""Notifications go through an outbox table: written in the transaction of the command that causes
them (a rolled-back command notifies nobody), listed in-app for each user, and mailed later by the
scheduler process when SMTP is configured. A failing mail server only delays the e-mail: the row
keeps its place, is retried with back-off, and the in-app notification is there all along.

The query API for the inbox pages: `unread_count`, `list_for`, `get_for`, `mark_read`.

When an outgoing webhook (a chat tool) is configured, every notification also queues one delivery
row in `notification_webhook`, posted later by the scheduler process (engine/timers/webhook.py)
with the same retries: a slow or failing chat tool never holds up a command.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import incidents
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.db import db
from engine.identity import users_with_role
from engine.models import JSON, Instance, User
from engine.queries import Page, paginate

log = logging.getLogger(__name__)
MAIL_RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds before the 2nd, 3rd, ... try
MAIL_MAX_ATTEMPTS = 5
MAIL_MAX_AGE = dt.timedelta(days=3)  # older unsent mail is not worth sending any more


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_read", "username", "read_at", "created_at"),
        sa.Index("ix_notification_mail", "mail_status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # {"title": {"zh", "en"}, "body": {"zh", "en"}, "case_number", "instance_id", "task_id", "link"}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    mail_status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending, sent, failed, none
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


class WebhookDelivery(db.Model):
    """One notification waiting to be posted to the outgoing webhook (or posted, or given up)."""

    __tablename__ = "notification_webhook"
    __table_args__ = (sa.Index("ix_notification_webhook_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


_channels = {"webhook": False}


def forward_to_webhook(enabled: bool) -> None:
    """Set at start-up (create_app) from the webhook setting: queue a webhook delivery per notification."""
    _channels["webhook"] = bool(enabled)


# ---------------------------------------------------------------- writing
def notify(username: str, kind: str, payload: Mapping[str, Any], *, instance_id: int | None = None,
           now: dt.datetime | None = None) -> Notification:
    """Queue a notification for one user, in the caller's transaction."""
    when = utc_naive(now or clock_now())
    row = Notification(username=username, kind=kind, payload=dict(payload), instance_id=instance_id,
                       created_at=when, mail_status="pending", mail_attempts=0, next_attempt_at=when)
    db.session.add(row)
    db.session.flush()
    if _channels["webhook"]:
        db.session.add(WebhookDelivery(notification_id=row.id, status="pending", attempts=0, next_attempt_at=when))
    return row


def notify_each(usernames: Iterable[str], kind: str, payload: Mapping[str, Any], *, instance_id: int | None = None,
                now: dt.datetime | None = None) -> list[Notification]:
    """The same notification for several users, written together (one batched insert, not one a user)."""
    when = utc_naive(now or clock_now())
    rows = [Notification(username=username, kind=kind, payload=dict(payload), instance_id=instance_id,
                         created_at=when, mail_status="pending", mail_attempts=0, next_attempt_at=when)
            for username in usernames]
    if not rows:
        return rows
    db.session.add_all(rows)
    db.session.flush()
    if _channels["webhook"]:
        db.session.add_all([WebhookDelivery(notification_id=row.id, status="pending", attempts=0, next_attempt_at=when)
                            for row in rows])
    return rows


def notify_role(role: str, kind: str, payload: Mapping[str, Any], *, instance_id: int | None = None,
                now: dt.datetime | None = None, exclude: Iterable[str] = ()) -> list[Notification]:
    skip = set(exclude)
    return [notify(user.username, kind, payload, instance_id=instance_id, now=now)
            for user in users_with_role(role) if user.username not in skip]


# ---------------------------------------------------------------- the in-app list
def _mine(username: str):
    return sa.select(Notification).where(Notification.username == username)


def unread_count(username: str) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.username == username, Notification.read_at.is_(None))).scalar_one()


def list_for(username: str, *, unread_only: bool = False, page: int = 1, per_page: int = 20) -> Page:
    """The user's notifications, newest first."""
    query = _mine(username)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)


def get_for(username: str, notification_id: int) -> Notification | None:
    """One of the user's own notifications (None for another user's)."""
    row = db.session.get(Notification, notification_id)
    return row if row is not None and row.username == username else None


def mark_read(username: str, ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Mark the user's own notifications read (all of them when `ids` is None); returns how many
    changed. Ids of other users' notifications are ignored."""
    statement = sa.update(Notification).where(Notification.username == username, Notification.read_at.is_(None))
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        statement = statement.where(Notification.id.in_(wanted))
    result = db.session.execute(statement.values(read_at=utc_naive(now or clock_now()))
                                .execution_options(synchronize_session=False))
    return result.rowcount


# ---------------------------------------------------------------- e-mail
@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "aftercare@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def _text(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def compose(row: Notification, user: User, sender: str) -> EmailMessage:
    lang = user.locale if user.locale in ("zh", "en") else "zh"
    message = EmailMessage()
    message["From"], message["To"] = sender, user.email
    message["Subject"] = _text(row.payload.get("title"), lang) or row.kind
    lines = [_text(row.payload.get("body"), lang)]
    if row.payload.get("case_number"):
        lines.append(("Case: " if lang == "en" else "案件编号：") + str(row.payload["case_number"]))
    if row.payload.get("link"):
        lines.append(str(row.payload["link"]))
    message.set_content("\n\n".join(line for line in lines if line))
    return message


def _open(settings: SmtpSettings, transport: Callable[..., Any]):
    server = transport(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        server.starttls()
    if settings.username:
        server.login(settings.username, settings.password or "")
    return server


def deliver(settings: SmtpSettings, *, now: dt.datetime | None = None, limit: int = 100,
            transport: Callable[..., Any] = smtplib.SMTP) -> DeliveryReport:
    """Mail the queued notifications that are due; run by the scheduler process only."""
    now = now or clock_now()
    report = DeliveryReport()
    _expire_old(now)
    rows = list(db.session.execute(
        sa.select(Notification).where(Notification.mail_status == "pending",
                                      Notification.next_attempt_at <= utc_naive(now))
        .order_by(Notification.next_attempt_at, Notification.id).limit(limit)).scalars())
    if not rows:
        db.session.commit()
        return report
    users = {u.username: u for u in db.session.execute(
        sa.select(User).where(User.username.in_({r.username for r in rows}))).scalars()}
    server = None
    try:
        for row in rows:
            user = users.get(row.username)
            if user is None or not user.email or not user.active:
                row.mail_status = "none"
                report.skipped += 1
                continue
            try:
                server = server or _open(settings, transport)
                server.send_message(compose(row, user, settings.sender))
            except (OSError, smtplib.SMTPException) as exc:
                _mail_failed(row, exc, now, report)
                server = _close(server)
                continue
            row.mail_status, row.sent_at, row.mail_error = "sent", utc_naive(now), None
            report.sent += 1
    finally:
        _close(server)
        db.session.commit()
    return report


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try (mail and webhook alike)."""
    return dt.timedelta(seconds=MAIL_RETRY_DELAYS[min(attempts, len(MAIL_RETRY_DELAYS)) - 1])


def _mail_failed(row: Notification, exc: Exception, now: dt.datetime, report: DeliveryReport) -> None:
    row.mail_attempts += 1
    row.mail_error = f"{type(exc).__name__}: {exc}"[:1000]
    if row.mail_attempts >= MAIL_MAX_ATTEMPTS:
        row.mail_status = "failed"
        report.failed += 1
        instance = db.session.get(Instance, row.instance_id) if row.instance_id else None
        incidents.open_incident(kind="notification", message=f"{row.username}: {row.mail_error}", now=now,
                                instance=instance, notification_id=row.id)
        return
    row.next_attempt_at = utc_naive(now + retry_delay(row.mail_attempts))
    report.retrying += 1
    log.warning("mail to %s failed (try %s): %s", row.username, row.mail_attempts, exc)


def _close(server) -> None:
    if server is not None:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return None


def _expire_old(now: dt.datetime) -> None:
    db.session.execute(sa.update(Notification).where(
        Notification.mail_status == "pending", Notification.created_at < utc_naive(now - MAIL_MAX_AGE))
        .values(mail_status="failed", mail_error="not sent in time").execution_options(synchronize_session=False))
