"""The integrity check auditors rely on, on demand and nightly: every hash chain is recomputed,
and the cases finished since the previous run are re-executed. The result is itself recorded in
the system stream (so a skipped night shows as a gap) and handed to a notifier when it fails."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import audit, clock, replay
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.identity import SYSTEM
from engine.models import AuditEvent, Instance

log = logging.getLogger(__name__)
EVENT_TYPE = "integrity_checked"
MAX_RECHECKS = 500  # a night's work; the rest waits for the next run


@dataclass
class IntegrityReport:
    chain: audit.Verdict
    since: dt.datetime | None
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
    """Verify every chain, re-execute the cases finished since the last run, record the result."""
    previous = last_run()
    report = IntegrityReport(audit.verify_all(), previous.at if previous is not None else None)
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
    if not report.ok:
        log.error("integrity check failed: %s", report.to_dict())
        if notify is not None:
            notify(report)
    return report


def nightly_job(notify: Callable[[IntegrityReport], None] | None = None) -> Callable[[], IntegrityReport]:
    """The function the scheduler runs once a night (inside an app context)."""

    def job() -> IntegrityReport:
        return run_check(now=clock.now(), notify=notify)

    return job
