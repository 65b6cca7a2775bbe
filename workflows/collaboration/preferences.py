"""Each person's choice of how tasks arriving in their roles' queues reach them: one notification
each (the default), one daily digest, or none. Tasks given to them by name always notify."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utc_naive
from engine.db import db
from engine.errors import ValidationFailed
from engine.models import User, user_role

QUEUE_MODES = ("each", "digest", "none")
DEFAULT_MODE = "each"


class NotificationPreference(db.Model):
    __tablename__ = "notification_preference"
    username: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    queue_mode: Mapped[str] = mapped_column(sa.String(10), default=DEFAULT_MODE)
    digest_sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)  # naive UTC
    updated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


def queue_mode(username: str) -> str:
    row = db.session.get(NotificationPreference, username)
    return row.queue_mode if row is not None else DEFAULT_MODE


def queue_modes(usernames: set[str]) -> dict[str, str]:
    """username -> queue mode, for everyone asked about (one query)."""
    if not usernames:
        return {}
    rows = db.session.execute(sa.select(NotificationPreference.username, NotificationPreference.queue_mode)
                              .where(NotificationPreference.username.in_(sorted(usernames))))
    found = dict(rows.all())
    return {name: found.get(name, DEFAULT_MODE) for name in usernames}


def queue_members_modes(role_id: str) -> dict[str, str]:
    """username -> queue mode, for every active member of the role (one query)."""
    rows = db.session.execute(
        sa.select(User.username, NotificationPreference.queue_mode)
        .join(user_role, user_role.c.user_id == User.id)
        .outerjoin(NotificationPreference, NotificationPreference.username == User.username)
        .where(user_role.c.role_id == role_id, User.active.is_(True)))
    return {name: mode or DEFAULT_MODE for name, mode in rows.all()}


def set_queue_mode(*, username: str, mode: str, now: dt.datetime) -> NotificationPreference:
    if mode not in QUEUE_MODES:
        raise ValidationFailed({"queue_mode": [f"choose one of {', '.join(QUEUE_MODES)}"]})
    row = db.session.get(NotificationPreference, username)
    if row is None:
        row = NotificationPreference(username=username)
        db.session.add(row)
    if mode == "digest" and row.queue_mode != "digest":
        row.digest_sent_at = utc_naive(now)  # the first digest covers what arrives from now on
    row.queue_mode, row.updated_at = mode, utc_naive(now)
    db.session.flush()
    return row
