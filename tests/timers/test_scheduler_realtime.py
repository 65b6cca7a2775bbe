"""The real scheduler on the real clock (the few tests allowed to wait): a PT2S boundary timer fires
within a second of its due time; one leader among processes; a killed server fires on restart;
several scheduler processes on PostgreSQL fire thousands of timers, each exactly once."""
from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import commands, hooks, queries
from engine.audit import chain as audit
from engine.clock import SystemClock, as_aware, set_clock, utc_naive
from engine.db import db
from engine.models import AuditEvent, Timer, User
from engine.timers import outbox
from engine.timers.scheduler import SchedulerHost, TimerScheduler
from tests.timers.scheduler_worker import COUNTED
from web.server import build_scheduler

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_clock(clock):
    previous = set_clock(SystemClock())
    yield
    set_clock(previous)


def wait_for(predicate, timeout: float, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see what other threads and processes committed
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()


def timer_rows(instance_ids=None):
    query = sa.select(Timer).order_by(Timer.id)
    if instance_ids is not None:
        query = query.where(Timer.instance_id.in_(instance_ids))
    return list(db.session.execute(query).scalars())


def test_pt2s_boundary_timer_fires_within_a_second_of_its_due_time(app, deploy, users, real_clock):
    deploy("t_timer")
    scheduler = TimerScheduler(app, sweep_seconds=3600)  # no sweep: the commit's wake arms it
    scheduler.start()
    try:
        case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
        [row] = timer_rows([case.id])
        due = as_aware(row.due_at)
        fired = wait_for(lambda: db.session.get(Timer, row.id).status == "fired", timeout=6)
        assert fired, "the timer did not fire"
        row = db.session.get(Timer, row.id)
        lateness = (as_aware(row.fired_at) - due).total_seconds()
        print(f"PT2S boundary timer lateness: {lateness * 1000:.1f} ms")
        assert 0 < lateness < 1.0
        assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["escalate"]
    finally:
        scheduler.shutdown()


def test_exactly_one_host_leads_and_another_takes_over(app, real_clock):
    started = []

    class Recording(TimerScheduler):
        def start(self):
            started.append(self)
            super().start()

    first = SchedulerHost(app, lambda: Recording(app, sweep_seconds=3600), retry_seconds=0.1).start()
    assert wait_for(lambda: first.is_leader, timeout=5)
    second = SchedulerHost(app, lambda: Recording(app, sweep_seconds=3600), retry_seconds=0.1).start()
    try:
        time.sleep(0.5)
        assert first.is_leader and not second.is_leader and len(started) == 1
        first.stop()
        assert wait_for(lambda: second.is_leader, timeout=5)
        assert len(started) == 2
    finally:
        first.stop()
        second.stop()


# ---------------------------------------------------------------- a real server process
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`aftercare serve` in its own process group, so that killing it kills its workers too."""

    def __init__(self, database_url: str, log: Path):
        self.port, self.log = free_port(), log
        self.env = {**os.environ, "AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_SECRET_KEY": "test",
                    "AFTERCARE_LOG_LEVEL": "INFO"}
        self.process = None

    def start(self) -> None:
        self.log.write_text("")
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from web.cli import main; main()", "serve", "--port", str(self.port),
                 "--workers", "2"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "leads the timer scheduler" in self.log.read_text():
                return
            time.sleep(0.1)
        raise AssertionError("the server did not start its scheduler:\n" + self.log.read_text()[-3000:])

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
            return response.status == 200

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def test_timers_due_while_the_server_was_down_fire_on_restart(database_url, deploy, users, real_clock, tmp_path):
    deploy("t_timer")
    server = Server(database_url, tmp_path / "server.log")
    server.start()
    try:
        assert server.healthy()
        cases = [commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"]) for _ in range(3)]
        server.kill()  # before the PT2S timers are due
        ids = [c.id for c in cases]
        due = max(as_aware(r.due_at) for r in timer_rows(ids))
        assert all(r.status == "pending" for r in timer_rows(ids))
        time.sleep(max(0.0, (due - dt.datetime.now(dt.UTC)).total_seconds()) + 1.0)
        db.session.rollback()
        assert all(r.status == "pending" for r in timer_rows(ids)), "nothing fires while the server is down"

        restarted_at = dt.datetime.now(dt.UTC)
        server.start()
        assert wait_for(lambda: all(r.status == "fired" for r in timer_rows(ids)), timeout=20), \
            server.log.read_text()[-3000:]
        assert all(as_aware(r.fired_at) >= restarted_at - dt.timedelta(seconds=1) for r in timer_rows(ids))
        for case in cases:
            assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["escalate"]
            assert [e.type for e in audit.events_of(case.id)].count("timer_fired") == 1
    finally:
        server.stop()


# ---------------------------------------------------------------- several schedulers, one database
@pytest.mark.postgres_only
def test_several_scheduler_processes_fire_each_timer_exactly_once(database_url, deploy, users, clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several processes share one database on PostgreSQL only")
    clock.set(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))  # every timer below is long overdue
    deploy("t_timer")
    cases = [commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"]) for _ in range(100)]
    overdue = utc_naive(clock.now())
    rows = [{"instance_id": case.id, "task_id": f"count-{n}", "element_id": "count", "kind": COUNTED,
             "due_at": overdue, "status": "pending", "attempts": 0, "created_at": overdue}
            for case in cases for n in range(19)]
    db.session.execute(sa.insert(Timer), rows)
    db.session.commit()
    total = len(timer_rows())
    assert total == 2000

    go_at = time.time() + 4  # the processes import, then start together
    workers = [subprocess.Popen([sys.executable, "-m", "tests.timers.scheduler_worker", database_url, str(go_at)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    print("fired per process:", [r["fired"] for r in reports], "skipped:", [r["skipped"] for r in reports])

    db.session.rollback()
    assert {r.status for r in timer_rows()} == {"fired"}
    counted = collections.Counter(data["timer_id"] for data in db.session.execute(
        sa.select(AuditEvent.data).where(AuditEvent.type == COUNTED)).scalars())
    assert len(counted) == 1900 and set(counted.values()) == {1}
    fired = collections.Counter(db.session.execute(
        sa.select(AuditEvent.instance_id).where(AuditEvent.type == "timer_fired")).scalars())
    assert len(fired) == 100 and set(fired.values()) == {1}
    assert sum(r["fired"] for r in reports) == total and not any(r["failed"] or r["retrying"] for r in reports)
    assert sum(1 for r in reports if r["fired"]) >= 2  # the work really was shared
    assert audit.verify_all().ok


def test_the_scheduler_process_mails_the_outbox_when_smtp_is_configured(app, users, real_clock, smtp_sink):
    with commands.transaction():
        db.session.execute(sa.update(User).where(User.username == "desk1").values(email="desk1@example.com"))
        outbox.notify("desk1", "sla_warning", {"title": {"zh": "响应时限即将到期"}, "body": {"zh": "还剩 25%"}})
    saved = {key: app.config.get(key) for key in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port)
    scheduler = build_scheduler(app)
    scheduler.start()
    try:
        assert wait_for(lambda: smtp_sink.messages, timeout=10)
        assert smtp_sink.messages[0]["Subject"] == "响应时限即将到期"
    finally:
        scheduler.shutdown()
        app.config.update(saved)


START_ELSEWHERE = """
import sys
from engine import commands
from engine.identity import Actor
from web import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "other", "TESTING": True, "AUDIT_KEY": "a1" * 32})
with app.app_context():
    case = commands.start_instance(process_id="t_timer", data={}, actor=Actor("eng1", frozenset({"engineer"})))
    print(case.id)
"""


@pytest.mark.postgres_only
def test_a_timer_made_by_another_process_wakes_the_leader(app, database_url, deploy, users, real_clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("other processes wake the leader through PostgreSQL NOTIFY")
    deploy("t_timer")
    host = SchedulerHost(app, lambda: TimerScheduler(app, sweep_seconds=3600), retry_seconds=0.1).start()
    try:
        assert wait_for(lambda: host.is_leader, timeout=5)
        made = subprocess.run([sys.executable, "-c", START_ELSEWHERE, database_url], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert made.returncode == 0, made.stderr[-3000:]
        [row] = timer_rows([int(made.stdout.strip().splitlines()[-1])])
        assert wait_for(lambda: db.session.get(Timer, row.id).status == "fired", timeout=6)
        row = db.session.get(Timer, row.id)
        lateness = (as_aware(row.fired_at) - as_aware(row.due_at)).total_seconds()
        print(f"woken from another process: lateness {lateness * 1000:.1f} ms")
        assert 0 < lateness < 1.0
    finally:
        host.stop()


def test_shutdown_while_a_firing_re_arms_does_not_hang(app, deploy, users, real_clock):
    firing, release = threading.Event(), threading.Event()

    def slow(_context):
        firing.set()
        release.wait(5)

    previous = hooks.get()
    hooks.configure(dataclasses.replace(previous, timer_handlers={**previous.timer_handlers, "slow": slow}))
    try:
        deploy("t_approval")
        case = commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["sales1"])
        now = dt.datetime.now(dt.UTC)
        with commands.transaction():
            for n, due in enumerate((now, now + dt.timedelta(hours=1))):  # the second makes the firing re-arm
                db.session.add(Timer(instance_id=case.id, task_id=f"slow-{n}", element_id="review", kind="slow",
                                     due_at=utc_naive(due), status="pending", created_at=utc_naive(now)))
        scheduler = TimerScheduler(app, sweep_seconds=3600)
        scheduler.start()
        assert firing.wait(5)
        stopper = threading.Thread(target=scheduler.shutdown)
        stopper.start()
        time.sleep(0.2)  # shutdown is waiting for the running firing
        release.set()
        stopper.join(timeout=10)
        assert not stopper.is_alive(), "shutdown hung"
    finally:
        release.set()
        hooks.configure(previous)
