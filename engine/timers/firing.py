"""Due timer rows fire here, each exactly once, however many processes share the database.

A row is fired in one transaction that holds its case's lock (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so a process never waits on a case another process is firing; the database write lock
on SQLite) and re-reads the row under that lock: a row another process fired meanwhile is no longer
pending and is skipped. 'bpmn' rows run the `fire_timers` command (SpiffWorkflow fires, the case
runs on, the row is marked fired with the `timer_fired` audit event); other kinds go to the
registry's `timer_handlers`. A firing that raises is rolled back and retried with back-off; after
the last try the row is `failed`, the case is in error and an incident is open (engine/incidents.py)
until someone retries the timer or, for a deadline notice, dismisses it. A suspended case's rows are
held (status `suspended`): they are not due until the case resumes.

Commits that create or move a pending row wake the scheduler: in this process through
`on_wake` listeners, in other processes through PostgreSQL NOTIFY (sent with the commit).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from engine import commands, hooks, incidents, store
from engine.audit import chain as audit
from engine.clock import as_aware, isoformat, utc_naive
from engine.clock import now as clock_now
from engine.db import db, is_postgres
from engine.errors import AftercareError, Forbidden, NotFound
from engine.identity import Actor
from engine.models import Instance, Timer

log = logging.getLogger(__name__)
WAKE_CHANNEL = "aftercare_timers"
OPERATORS = ("admin", "service_manager")
BPMN = "bpmn"


class TimerError(AftercareError):
    code = "timer_failed"


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing timer is tried again, and after how long."""

    max_attempts: int = 5
    delays: tuple[float, ...] = (10, 60, 300, 1800)  # seconds before the 2nd, 3rd, ... try

    def delay(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=self.delays[min(attempts, len(self.delays)) - 1])


DEFAULT_RETRY = RetryPolicy()


@dataclass
class FireReport:
    fired: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    lateness: list[float] = field(default_factory=list)  # seconds after due, per fired row

    def add(self, other: FireReport) -> None:
        self.fired += other.fired
        self.skipped += other.skipped
        self.retrying += other.retrying
        self.failed += other.failed
        self.lateness += other.lateness


# ---------------------------------------------------------------- reading
def next_due() -> dt.datetime | None:
    """The earliest pending due time (aware UTC), or None when nothing waits."""
    value = db.session.execute(sa.select(Timer.due_at).where(Timer.status == "pending")
                               .order_by(Timer.due_at).limit(1)).scalar()  # one step down the (status, due) index
    db.session.commit()  # end the read, so a long-lived scheduler session never pins old data
    return as_aware(value) if value is not None else None


# ---------------------------------------------------------------- firing
def fire_due(*, now: Callable[[], dt.datetime] = clock_now, retry: RetryPolicy = DEFAULT_RETRY,
             limit: int = 10_000) -> FireReport:
    """Fire due rows one by one, earliest first, until none is left that this process can take
    (on PostgreSQL, rows of cases another process holds are left to it)."""
    report = FireReport()
    for _ in range(limit):
        step = _fire_next(now(), retry)
        if step is None:
            break
        report.add(step)
    return report


def _fire_next(now: dt.datetime, retry: RetryPolicy) -> FireReport | None:
    claimed = None
    try:
        with commands.transaction():
            claimed = _claim(now)
            if claimed is None:
                return None
            timer_id, instance = claimed
            row = _fresh(timer_id)
            if row is None or row.status != "pending" or row.due_at >= utc_naive(now):
                return FireReport(skipped=1)  # another process fired it first
            lateness = (now - as_aware(row.due_at)).total_seconds()
            _dispatch(row, instance, now)
        return FireReport(fired=1, lateness=[lateness])
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row, none stops the loop
        if claimed is None:
            raise  # the database itself failed: the scheduler tries again later
        log.warning("timer %s of case %s failed: %s", claimed[0], claimed[1].id, exc, exc_info=True)
        return _record_failure(claimed[0], exc, now, retry)


def _claim(now: dt.datetime) -> tuple[int, Instance] | None:
    """The earliest due row and its case, locked for this transaction. On PostgreSQL one statement
    finds the row and locks the case, skipping cases other processes hold (`SKIP LOCKED`)."""
    query = (sa.select(Timer.id, Timer.instance_id).where(Timer.status == "pending", Timer.due_at < utc_naive(now))
             .order_by(Timer.due_at, Timer.id).limit(1))
    if is_postgres():
        query = query.join(Instance, Instance.id == Timer.instance_id).with_for_update(of=Instance, skip_locked=True)
    found = db.session.execute(query).first()
    if found is None:
        return None
    if is_postgres():  # already locked by the claim: read its current row
        instance = db.session.execute(sa.select(Instance).where(Instance.id == found.instance_id)
                                      .execution_options(populate_existing=True)).scalar_one()
    else:
        instance = store.lock(found.instance_id)  # the database's write lock, then re-read
    return found.id, instance


def _fresh(timer_id: int) -> Timer | None:
    return db.session.execute(sa.select(Timer).where(Timer.id == timer_id)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def _dispatch(row: Timer, instance: Instance, now: dt.datetime) -> None:
    if instance.status in ("completed", "cancelled"):
        row.status = "cancelled"
        return
    if row.kind == BPMN:
        _fire_bpmn(row, instance, now)
        return
    handler = hooks.get().timer_handlers.get(row.kind)
    if handler is None:
        raise TimerError(f"no handler is registered for timers of kind '{row.kind}'")
    handler(hooks.TimerContext(timer=row, instance=instance, now=now))
    if row.status == "pending":
        row.status, row.fired_at = "fired", utc_naive(now)
    db.session.flush()


def _fire_bpmn(row: Timer, instance: Instance, now: dt.datetime) -> None:
    """SpiffWorkflow decides what is due; the command marks the rows (fired, moved or cancelled)."""
    commands.fire_timers(instance_id=instance.id)  # commits the transaction this row was claimed in
    db.session.refresh(row)
    if row.status == "pending" and row.due_at < utc_naive(now):
        raise TimerError(f"timer '{row.element_id}' was due at {isoformat(row.due_at)} but did not fire")


def _record_failure(timer_id: int, exc: Exception, now: dt.datetime, retry: RetryPolicy) -> FireReport:
    db.session.rollback()
    with commands.transaction():
        row = db.session.get(Timer, timer_id)
        if row is None:
            return FireReport(skipped=1)
        instance = store.lock(row.instance_id)
        db.session.refresh(row)
        if row.status != "pending":
            return FireReport(skipped=1)
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts < retry.max_attempts:
            row.due_at = utc_naive(now + retry.delay(row.attempts))
            return FireReport(retrying=1)
        row.status = "failed"
        _open_incident(instance, row, now)
    return FireReport(failed=1)


def _open_incident(instance: Instance, row: Timer, now: dt.datetime) -> None:
    """The case shows the failed timer (status error, `error` says which) until someone retries it."""
    problem = {"type": "timer_failed", "timer_id": row.id, "element_id": row.element_id, "kind": row.kind,
               "attempts": row.attempts, "message": row.last_error}
    instance.error, instance.status = problem, "error"
    _audit(instance, "timer_failed", now, row, {"kind": row.kind, "attempts": row.attempts,
                                                 "error": row.last_error})
    incidents.open_incident(kind="timer", message=row.last_error or "", now=now, instance=instance,
                            element_id=row.element_id, timer_id=row.id)


def _audit(instance: Instance, kind: str, now: dt.datetime, row: Timer, data: dict, actor: str = "system") -> None:
    stream = audit.instance_stream(instance.id)
    state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
    audit.append(stream, [{"type": kind, "at": now, "actor": actor, "element_id": row.element_id,
                           "task_id": row.task_id, "data": data, "state": state}], instance_id=instance.id)


def unhandled_kinds() -> list[str]:
    """Kinds of pending rows that no registered handler fires (checked when the scheduler starts)."""
    kinds = set(db.session.execute(sa.select(Timer.kind).where(Timer.status == "pending").distinct()).scalars())
    db.session.commit()
    return sorted(kinds - {BPMN} - set(hooks.get().timer_handlers))


# ---------------------------------------------------------------- incidents
def failed_timers(instance_id: int | None = None) -> list[Timer]:
    query = sa.select(Timer).where(Timer.status == "failed").order_by(Timer.due_at)
    if instance_id is not None:
        query = query.where(Timer.instance_id == instance_id)
    return list(db.session.execute(query).scalars())


def _failed_row(timer_id: int, actor: Actor, action: str) -> tuple[Timer, Instance]:
    if not actor.system and not actor.has_role(*OPERATORS):
        raise Forbidden(f"only an administrator or a service manager can {action} a timer", timer_id=timer_id)
    row = db.session.get(Timer, timer_id)
    if row is None:
        raise NotFound(f"no timer {timer_id}", timer_id=timer_id)
    instance = store.lock(row.instance_id)
    db.session.refresh(row)
    if row.status != "failed":
        raise TimerError(f"timer {timer_id} is {row.status}, not failed", timer_id=timer_id)
    return row, instance


def _end_incident(instance: Instance, row: Timer, *, resolution: str, actor: Actor, now: dt.datetime,
                  reason: str = "", data: dict | None = None) -> None:
    """The case no longer shows the failed timer; its incident is closed."""
    if (instance.error or {}).get("timer_id") == row.id:
        instance.error = None
        instance.status = store.status_of(store.load(instance), instance)
    for incident in incidents.open_of(instance.id):
        if incident.kind == "timer" and incident.timer_id == row.id:
            incidents.close(incident, resolution=resolution, actor=actor.username, now=now, reason=reason, data=data)


def retry_failed(timer_id: int, *, actor: Actor, reason: str = "") -> Timer:
    """Put a failed timer back in the queue (due now) and clear the case's incident."""
    with commands.transaction():
        row, instance = _failed_row(timer_id, actor, "retry")
        now = clock_now()
        row.status, row.attempts, row.due_at = "pending", 0, utc_naive(now)
        _end_incident(instance, row, resolution="retried", actor=actor, now=now, reason=reason)
        _audit(instance, "timer_retried", now, row, {"kind": row.kind, "last_error": row.last_error,
                                                     **({"reason": reason} if reason else {})}, actor=actor.username)
    return row


def resolve_failed(timer_id: int, *, actor: Actor, reason: str = "", data: dict | None = None) -> Timer:
    """Dismiss a failed deadline timer (a warning or breach notice handled by hand): it will not fire.
    A diagram's own timer cannot be dismissed — the case waits on it — it can only be retried."""
    with commands.transaction():
        row, instance = _failed_row(timer_id, actor, "resolve")
        if row.kind == BPMN:
            raise TimerError("the case waits on this diagram timer: retry it instead", timer_id=timer_id)
        now = clock_now()
        row.status = "resolved"
        _end_incident(instance, row, resolution="resolved", actor=actor, now=now, reason=reason, data=data)
        _audit(instance, "timer_resolved", now, row, {"kind": row.kind, "last_error": row.last_error,
                                                      "reason": reason, "data": data or {}}, actor=actor.username)
    return row


# ---------------------------------------------------------------- waking the scheduler
_listeners: list[Callable[[dt.datetime], None]] = []
_listeners_lock = threading.Lock()
_WAKE_KEY = "aftercare_timer_wake"


def on_wake(listener: Callable[[dt.datetime], None]) -> Callable[[], None]:
    """Call `listener(due)` after each commit in this process that made a row pending at `due`;
    returns a function that removes it."""
    with _listeners_lock:
        _listeners.append(listener)

    def remove() -> None:
        with _listeners_lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


def _earliest_pending(session: Session) -> dt.datetime | None:
    dues = [obj.due_at for obj in (*session.new, *session.dirty)
            if isinstance(obj, Timer) and obj.status == "pending" and obj.due_at is not None]
    return min(dues) if dues else None


def _collect_wake(session: Session, _context) -> None:
    due = _earliest_pending(session)
    if due is None:
        return
    previous = session.info.get(_WAKE_KEY)
    session.info[_WAKE_KEY] = due if previous is None else min(previous, due)
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # delivered to listeners when this transaction commits
        connection.execute(sa.text("SELECT pg_notify(:channel, :due)"),
                           {"channel": WAKE_CHANNEL, "due": isoformat(due)})


def _send_wake(session: Session) -> None:
    due = session.info.pop(_WAKE_KEY, None)
    if due is None:
        return
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(as_aware(due))
        except Exception:  # noqa: BLE001 - a broken listener must not fail the commit that already happened
            log.exception("timer wake listener failed")


def _drop_wake(session: Session) -> None:
    session.info.pop(_WAKE_KEY, None)


def install_wake() -> None:
    """Make every commit that creates or moves a pending row wake the scheduler (idempotent; the app
    factory calls it, so every process that runs commands sends wakes)."""
    for name, listener in (("after_flush", _collect_wake), ("after_commit", _send_wake),
                           ("after_rollback", _drop_wake)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
