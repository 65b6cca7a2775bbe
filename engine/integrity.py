"""The integrity check auditors rely on, on demand and nightly: every hash chain is recomputed,
and the cases finished since the previous run are re-executed. The result is itself recorded in
the system stream (so a skipped night shows as a gap) and, when it fails, handed to a notifier in
the same transaction (the auditors and administrators hear of it through the outbox).

The scheduler process polls `nightly_job` every few minutes; it runs the check once a night, at the
configured company time, and catches up at the next poll on a night the scheduler was down."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine import clock, hooks, replay
from engine.audit import chain as audit
from engine.clock import as_aware, utc_naive
from engine.commands import transaction
from engine.db import db
from engine.identity import SYSTEM
from engine.models import AuditEvent, Instance
from engine.timers import outbox

log = logging.getLogger(__name__)
EVENT_TYPE = "integrity_checked"
MAX_RECHECKS = 500  # a night's work; the rest waits for the next run
NIGHTLY_AT = dt.time(2, 0)  # company time
NOTIFY_ROLES = ("auditor", "admin")
NOTIFICATION_KIND = "integrity_failed"


@dataclass
class IntegrityReport:
    chain: audit.Verdict
    since: dt.datetime | None
    checked_at: dt.datetime | None = None
    rechecked: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "chain": self.chain.to_dict(), "rechecked": self.rechecked,
                "failures": self.failures}


def last_run() -> AuditEvent | None:
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.SYSTEM_STREAM, AuditEvent.type == EVENT_TYPE)
        .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()


def _finished_since(since: dt.datetime | None) -> list[Instance]:
    query = sa.select(Instance).where(Instance.ended_at.is_not(None))
    if since is not None:
        query = query.where(Instance.ended_at > utc_naive(since))
    return list(db.session.execute(query.order_by(Instance.ended_at).limit(MAX_RECHECKS)).scalars())


def run_check(*, now: dt.datetime, notify: Callable[[IntegrityReport], None] | None = None,
              recheck: bool = True) -> IntegrityReport:
    """Verify every chain, re-execute the cases finished since the last run, record the result (and
    notify, when it failed, in the same transaction)."""
    previous = last_run()
    report = IntegrityReport(audit.verify_all(), previous.at if previous is not None else None, now)
    if recheck:
        for instance in _finished_since(report.since):
            result = replay.check(instance.id)
            report.rechecked += 1
            if not result.ok:
                first = min(result.differences, key=lambda d: d.step)
                report.failures.append({"instance_id": instance.id, "case_number": instance.case_number,
                                        "step": first.step, "problem": first.message})
    db.session.rollback()  # the checks only read; start the write on a clean transaction
    with transaction():
        audit.append(audit.SYSTEM_STREAM, [{"type": EVENT_TYPE, "at": now, "actor": SYSTEM.username,
                                            "data": report.to_dict()}])
        if not report.ok and notify is not None:
            notify(report)
    if not report.ok:
        log.error("integrity check failed: %s", report.to_dict())
    return report


# ---------------------------------------------------------------- telling people
def failure_message(report: IntegrityReport) -> dict[str, Any]:
    """The notification's title and body, in both languages."""
    zh, en = [], []
    if not report.chain.ok:
        chain = report.chain
        zh.append(f"哈希链 {chain.stream} 在第 {chain.first_bad_seq} 步校验失败：{chain.problem}")
        en.append(f"hash chain {chain.stream} broken at step {chain.first_bad_seq}: {chain.problem}")
        if len(chain.broken) > 1:
            zh.append(f"共 {len(chain.broken)} 条哈希链损坏：{', '.join(b.stream or '' for b in chain.broken)}")
            en.append(f"{len(chain.broken)} broken chains: {', '.join(b.stream or '' for b in chain.broken)}")
    if report.failures:
        first = report.failures[0]
        zh.append(f"{len(report.failures)} 个案件的重新执行与记录不符，首个：{first['case_number']} "
                  f"第 {first['step']} 步（{first['problem']}）")
        en.append(f"{len(report.failures)} case(s) differ from their re-execution, first: {first['case_number']} "
                  f"step {first['step']} ({first['problem']})")
    return {"title": {"zh": "审计完整性检查未通过", "en": "Audit integrity check failed"},
            "body": {"zh": "；".join(zh), "en": "; ".join(en)}}


def first_case(report: IntegrityReport) -> int | None:
    """The case a failed check points at first: a broken chain's, else the first that differs."""
    stream = report.chain.stream or ""
    if not report.chain.ok and stream.startswith("instance:"):
        return int(stream.split(":", 1)[1])
    return report.failures[0]["instance_id"] if report.failures else None


def staff_notifier(*, roles: Iterable[str] = NOTIFY_ROLES,
                   link: Callable[[IntegrityReport], str | None] = lambda _report: None
                   ) -> Callable[[IntegrityReport], None]:
    """A notifier telling every active user with one of `roles` (once each) through the outbox."""

    def notify(report: IntegrityReport) -> None:
        payload = {**failure_message(report), "link": link(report), "instance_id": first_case(report)}
        told: set[str] = set()
        for role in roles:
            rows = outbox.notify_role(role, NOTIFICATION_KIND, payload, now=report.checked_at, exclude=told)
            told |= {row.username for row in rows}

    return notify


# ---------------------------------------------------------------- once a night
def latest_slot(now: dt.datetime, at: dt.time, timezone: str) -> dt.datetime:
    """The latest moment at or before `now` when the clock in `timezone` showed `at` (aware UTC)."""
    zone = ZoneInfo(timezone)
    local = as_aware(now).astimezone(zone)
    slot = dt.datetime.combine(local.date(), at, tzinfo=zone)
    if slot > local:
        slot = dt.datetime.combine(local.date() - dt.timedelta(days=1), at, tzinfo=zone)
    return slot.astimezone(dt.UTC)


def nightly_job(notify: Callable[[IntegrityReport], None] | None = None, *, at: dt.time = NIGHTLY_AT,
                timezone: str | None = None, started: dt.datetime | None = None
                ) -> Callable[[], IntegrityReport | None]:
    """The function the scheduler polls (inside an app context): it runs the check when the night's
    time `at` (company time unless `timezone` is given) has passed since the last recorded run.
    A database that never ran the check waits for the first such time after `started` (the start
    of the scheduler), rather than re-executing every case in the middle of a working day."""
    started_at = as_aware(started or clock.now())

    def job() -> IntegrityReport | None:
        now = clock.now()
        previous = last_run()
        since = as_aware(previous.at) if previous is not None else started_at
        if since >= latest_slot(now, at, timezone or hooks.get().timezone):
            db.session.rollback()  # end the read
            return None
        return run_check(now=now, notify=notify)

    return job
