"""The timer scheduler: one APScheduler job armed at the earliest due time, never a fixed poll.

`TimerScheduler` keeps a single date job (`timers.fire`) armed a millisecond after the earliest
pending due time (SpiffWorkflow fires only when `due < now`), fires what is due, and arms itself
again from the database. A commit that makes a row pending earlier wakes it (`timers.on_wake` in
this process, PostgreSQL NOTIFY from others); a slow sweep re-reads the earliest due time in case a
wake was lost. Starting it fires at once whatever fell due while nothing ran.

`SchedulerHost` makes sure exactly one scheduler runs among the processes sharing a database: the
holder of a PostgreSQL advisory lock (the lock goes with the connection, so a dead leader's lock is
freed and another process takes over within `retry_seconds`), or of a lock file beside the SQLite
database.
"""
from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from engine.clock import now as clock_now
from engine.db import db
from engine.timers import firing as timers

log = logging.getLogger(__name__)
FIRE_JOB, SWEEP_JOB = "timers.fire", "timers.sweep"
ARM_MARGIN = dt.timedelta(milliseconds=1)
BUSY_PAUSE = dt.timedelta(milliseconds=50)


def process_name() -> str:
    """How the leader names itself where /healthz can read it: host and process id."""
    return f"{socket.gethostname()} pid {os.getpid()}"


class TimerScheduler:
    def __init__(self, app: Any, *, sweep_seconds: float = 60.0, retry: timers.RetryPolicy = timers.DEFAULT_RETRY):
        self.app = app
        self.sweep_seconds = sweep_seconds
        self.retry = retry
        self.total = timers.FireReport()  # counts since start
        self.recent_lateness: collections.deque[float] = collections.deque(maxlen=10_000)  # seconds
        self.armed_at: dt.datetime | None = None
        self._woken: dt.datetime | None = None
        self._lock = threading.RLock()
        self._firing = threading.Lock()
        self._run_again = False
        self._stopping = False
        self._remove_listener: Callable[[], None] | None = None
        self._periodic: list[tuple[str, Callable[[], Any], float]] = []
        self._scheduler = BackgroundScheduler(timezone=dt.UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    def add_periodic(self, job_id: str, func: Callable[[], Any], seconds: float) -> None:
        """Another job for the one scheduler process (e-mail delivery, plan generation), run in an app context."""
        self._periodic.append((job_id, func, seconds))

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        self._scheduler.start()
        self._scheduler.add_job(self._sweep, "interval", seconds=self.sweep_seconds, id=SWEEP_JOB,
                                replace_existing=True)
        for job_id, func, seconds in self._periodic:
            self._scheduler.add_job(self._in_app, "interval", args=[job_id, func], seconds=seconds, id=job_id,
                                    replace_existing=True, next_run_time=dt.datetime.now(dt.UTC))
        with self.app.app_context():
            for kind in timers.unhandled_kinds():
                log.warning("pending timers of kind '%s' have no handler: they will fail until one is registered",
                            kind)
        self._remove_listener = timers.on_wake(self.wake)
        self._schedule(clock_now() - ARM_MARGIN)  # catch up at once on whatever fell due while down
        log.info("timer scheduler started")

    def shutdown(self, wait: bool = True) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
            self._remove_listener = None
        with self._lock:  # from here on no job re-arms: APScheduler's shutdown holds the lock add_job needs
            self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        log.info("timer scheduler stopped")

    def wake(self, due: dt.datetime) -> None:
        """A row became pending at `due`: fire earlier than armed if need be."""
        with self._lock:
            self._woken = due if self._woken is None else min(self._woken, due)
            if self.armed_at is None or due + ARM_MARGIN < self.armed_at:
                self._schedule(due)

    # ------------------------------------------------------------ jobs
    def _fire(self) -> None:
        """The date job. A run that finds another still firing (the re-arm inside a run can fall due
        at once) leaves it a note to go round again, so no due time is ever skipped."""
        self._run_again = True
        while self._run_again and not self._stopping:
            if not self._firing.acquire(blocking=False):
                return
            try:
                self._run_again = False
                self._fire_once()
            finally:
                self._firing.release()

    def _fire_once(self) -> None:
        with self._lock:
            self._woken = None  # wakes from here on are seen by the database read below or kept
        due, not_before = None, None
        try:
            with self.app.app_context():
                report = timers.fire_due(retry=self.retry)
                due = timers.next_due()
            self.recent_lateness.extend(report.lateness)
            report.lateness = []
            self.total.add(report)
            if due is not None and due + ARM_MARGIN <= clock_now():  # held by another process: look again soon
                not_before = clock_now() + BUSY_PAUSE
            if report.fired or report.failed or report.retrying:
                log.info("timers fired=%s retrying=%s failed=%s skipped=%s", report.fired, report.retrying,
                         report.failed, report.skipped)
        except Exception:  # noqa: BLE001 - the database may be briefly gone; the sweep arms again
            log.exception("firing timers failed")
            due = clock_now() + dt.timedelta(seconds=5)
        with self._lock:
            if self._woken is not None and (due is None or self._woken < due):
                due = self._woken
            self.armed_at = None
            self._schedule(due, not_before)

    def _sweep(self) -> None:
        try:
            with self.app.app_context():
                due = timers.next_due()
        except Exception:  # noqa: BLE001
            log.exception("timer sweep failed")
            return
        if due is not None:
            self.wake(due)

    def _in_app(self, job_id: str, func: Callable[[], Any]) -> None:
        try:
            with self.app.app_context():
                func()
        except Exception:  # noqa: BLE001 - a periodic job failing must not stop the scheduler
            log.exception("scheduled job %s failed", job_id)

    def _schedule(self, due: dt.datetime | None, not_before: dt.datetime | None = None) -> None:
        with self._lock:
            if self._stopping:
                return
            if due is None:
                self.armed_at = None
                with contextlib.suppress(JobLookupError):  # it may have just run
                    self._scheduler.remove_job(FIRE_JOB)
                return
            run_at = max(due + ARM_MARGIN, not_before or clock_now())
            self.armed_at = run_at
            self._scheduler.add_job(self._fire, "date", run_date=run_at, id=FIRE_JOB, replace_existing=True,
                                    max_instances=3)


# ---------------------------------------------------------------- one scheduler among processes
class _PostgresLease:
    """A session-level advisory lock on a dedicated connection, which also LISTENs for wakes."""

    def __init__(self, url: str):
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        self.key = int.from_bytes(hashlib.sha256(self.conninfo.encode()).digest()[:8], "big", signed=True)
        self.conn: psycopg.Connection | None = None

    def acquire(self) -> bool:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.conninfo, autocommit=True,
                                            application_name=f"aftercare scheduler {process_name()}"[:63])
            got = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
            if got:
                self.conn.execute(f"LISTEN {timers.WAKE_CHANNEL}")
            return bool(got)
        except psycopg.Error:
            log.warning("scheduler lease: database unreachable", exc_info=True)
            self.release()
            return False

    def holder(self) -> str | None:
        """Who holds the lock, as its connection named itself (read through the app's own connection)."""
        unsigned = self.key & 0xFFFF_FFFF_FFFF_FFFF
        row = db.session.execute(sa.text(
            "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low"),
            {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}).first()
        if row is None:
            return None
        return str(row[0] or "unnamed process").removeprefix("aftercare scheduler ")

    def wait(self, seconds: float) -> list[str] | None:
        """Wake payloads that arrived within `seconds`; None when the connection (and the lease) is lost."""
        try:
            return [n.payload for n in self.conn.notifies(timeout=seconds)]
        except psycopg.Error:
            log.warning("scheduler lease lost", exc_info=True)
            self.release()
            return None

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg.Error:
                pass
        self.conn = None


class _FileLease:
    """An exclusive lock on a file beside the SQLite database (one host, as SQLite is)."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None
        self.stopped = threading.Event()

    def acquire(self) -> bool:
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for as long as the lease
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        handle.seek(0)
        handle.truncate()
        handle.write(process_name())
        handle.flush()
        return True

    def holder(self) -> str | None:
        """Who holds the lock file (the name its holder wrote), or None when nobody does."""
        if not self.path.exists():
            return None
        with open(self.path) as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return probe.read().strip() or "unnamed process"
            fcntl.flock(probe, fcntl.LOCK_UN)
        return None

    def wait(self, seconds: float) -> list[str] | None:
        self.stopped.wait(seconds)
        return []

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
        self.handle = None


def _lease_for(url: str, instance_path: str):
    if url.startswith("postgresql"):
        return _PostgresLease(url)
    database = url.split("///", 1)[1] if "///" in url else ""
    path = Path(database + ".scheduler.lock") if database and database != ":memory:" \
        else Path(instance_path) / "scheduler.lock"
    return _FileLease(path)


def leader(instance_path: str) -> str | None:
    """The process that runs the scheduler among those sharing this database, if any (in an app context)."""
    return _lease_for(db.engine.url.render_as_string(hide_password=False), instance_path).holder()


class SchedulerHost:
    """Runs `make_scheduler()` in this process while it holds the lease; retries otherwise."""

    def __init__(self, app: Any, make_scheduler: Callable[[], TimerScheduler], *, retry_seconds: float = 5.0):
        self.app = app
        self.make_scheduler = make_scheduler
        self.retry_seconds = retry_seconds
        with app.app_context():
            url = db.engine.url.render_as_string(hide_password=False)
        self.lease = _lease_for(url, app.instance_path)
        self.scheduler: TimerScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aftercare-scheduler-host", daemon=True)

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def start(self) -> SchedulerHost:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if isinstance(self.lease, _FileLease):
            self.lease.stopped.set()
        self._thread.join(timeout=10)
        self._step_down()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.scheduler is None:
                if self.lease.acquire():
                    log.info("process %s leads the timer scheduler", os.getpid())
                    self.scheduler = self.make_scheduler()
                    self.scheduler.start()
                else:
                    self._stop.wait(self.retry_seconds)
                continue
            payloads = self.lease.wait(1.0)
            if payloads is None:
                self._step_down()
                continue
            for payload in payloads:
                self._wake(payload)

    def _wake(self, payload: str) -> None:
        try:
            due = dt.datetime.fromisoformat(payload.replace("Z", "+00:00"))
        except ValueError:
            return
        if self.scheduler is not None:
            self.scheduler.wake(due)

    def _step_down(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.lease.release()
