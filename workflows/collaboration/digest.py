"""The daily digest for people who chose it: once a day, at the digest time in the company's
time zone, one notification listing the tasks that arrived in their roles' queues since the last
digest and still wait there. Run by the scheduler process (web/server.py) every few minutes; a
run before the digest time, or a second run the same day, sends nothing."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import hooks
from engine.clock import as_aware, utc_naive
from engine.db import db
from engine.models import Instance, Task, User
from engine.timers import outbox
from workflows.collaboration import notices
from workflows.collaboration.preferences import NotificationPreference

DEFAULT_TIME = dt.time(8, 0)
MAX_LINES = 20


def digest_moment(now: dt.datetime, at: dt.time) -> dt.datetime:
    """Today's digest time (company time zone) as aware UTC."""
    zone = ZoneInfo(hooks.get().timezone)
    local_day = as_aware(now).astimezone(zone).date()
    return dt.datetime.combine(local_day, at, tzinfo=zone).astimezone(dt.UTC)


def run(*, now: dt.datetime, at: dt.time = DEFAULT_TIME) -> int:
    """Send today's digests that are due; returns how many were sent. Commits."""
    moment = digest_moment(now, at)
    if as_aware(now) < moment:
        return 0
    due = list(db.session.execute(sa.select(NotificationPreference, User).join(
        User, User.username == NotificationPreference.username).where(
        NotificationPreference.queue_mode == "digest", User.active.is_(True),
        sa.or_(NotificationPreference.digest_sent_at.is_(None),
               NotificationPreference.digest_sent_at < utc_naive(moment)))).all())
    sent = 0
    for preference, user in due:
        since = preference.digest_sent_at or utc_naive(moment - dt.timedelta(days=1))
        tasks = _waiting(user, since)
        if tasks:
            outbox.notify(user.username, "queue_digest", _payload(tasks), now=now)
            sent += 1
        preference.digest_sent_at = utc_naive(now)
    db.session.commit()
    return sent


def _waiting(user: User, since: dt.datetime) -> list[tuple[Task, Instance]]:
    return list(db.session.execute(sa.select(Task, Instance).join(Instance, Instance.id == Task.instance_id).where(
        Task.status == "ready", Task.assignee.is_(None), Task.role.in_(sorted(user.role_ids)),
        Task.created_at >= since).order_by(Task.due_at.asc().nulls_last(), Task.created_at)).all())


def _payload(tasks: list[tuple[Task, Instance]]) -> dict:
    lines = {"zh": [], "en": []}
    for task, instance in tasks[:MAX_LINES]:
        title, due = notices.task_title(task, instance), notices.local_text(task.due_at)
        customer = instance.customer_name or "—"
        lines["zh"].append(f"· {instance.case_number} {title['zh']}（{customer}）" + (f" 期限 {due}" if due else ""))
        lines["en"].append(f"· {instance.case_number} {title['en']} ({customer})" + (f" due {due}" if due else ""))
    if len(tasks) > MAX_LINES:
        lines["zh"].append(f"……另有 {len(tasks) - MAX_LINES} 项")
        lines["en"].append(f"… and {len(tasks) - MAX_LINES} more")
    values = {"count": len(tasks), "lines": {lang: "\n".join(text) for lang, text in lines.items()}}
    return notices.compose("queue_digest", values, link="/inbox?tab=role")
