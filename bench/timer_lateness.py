"""Timer lateness with the real scheduler: how long after its due time each timer fires, with
10,000 timers pending. Figures are printed, never asserted.

Pending at the start: `--pending` rows in all; `--due` of them (a no-op handler kind) fall due at
random moments over the next `--window` seconds, the rest much later. While the scheduler runs,
a case with a PT2S boundary timer is started every `--every` seconds, so BPMN timers are measured
too, armed by the commits' wakes. Lateness = fired_at - due_at (the firing's start).

    python bench/timer_lateness.py [--pending 10000] [--due 400] [--window 20] [--database-url URL]
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import commands, hooks, identity, loader, schema  # noqa: E402
from engine.clock import SystemClock, as_aware, set_clock, utc_naive  # noqa: E402
from engine.commands import transaction  # noqa: E402
from engine.db import db  # noqa: E402
from engine.models import Timer  # noqa: E402
from engine.timers import firing as timers  # noqa: E402
from engine.timers.scheduler import TimerScheduler  # noqa: E402
from web import create_app  # noqa: E402

DIAGRAMS = [ROOT / "tests" / "bpmn" / "t_timer.bpmn", ROOT / "tests" / "bpmn" / "t_catch.bpmn"]
ENGINEER = identity.Actor("bench_eng", frozenset({"engineer"}))
KIND = "bench"


def scratch_url(url: str) -> str:
    """A private schema on PostgreSQL, so the benchmark never touches real tables."""
    if not url.startswith("postgres"):
        return url
    name = f"bench_timers_{os.getpid()}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"


def drop_scratch(url: str) -> None:
    if url.startswith("postgres"):
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "bench_timers_{os.getpid()}" CASCADE')


def fill(pending: int, due: int, window: float) -> list[int]:
    """Holder cases (each waiting on a PT1H timer) carrying the bench rows; returns the near rows' ids."""
    with transaction():
        loader.deploy(loader.read_folder_bundle(DIAGRAMS), actor="bench")
    holders = [commands.start_instance(process_id="t_catch", data={}, actor=ENGINEER).id for _ in range(50)]
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(pending - len(holders)):
        near = n < due
        offset = random.uniform(2, window) if near else random.uniform(3600, 30 * 86400)
        rows.append({"instance_id": holders[n % len(holders)], "task_id": f"bench-{n}", "element_id": "bench",
                     "kind": KIND, "due_at": utc_naive(now + dt.timedelta(seconds=offset)), "status": "pending",
                     "attempts": 0, "created_at": utc_naive(now)})
    db.session.execute(sa.insert(Timer), rows)
    db.session.commit()
    return list(db.session.execute(sa.select(Timer.id).where(Timer.kind == KIND, Timer.task_id.in_(
        [f"bench-{n}" for n in range(due)]))).scalars())


def lateness_ms(ids: list[int]) -> tuple[list[float], int]:
    rows = list(db.session.execute(sa.select(Timer).where(Timer.id.in_(ids))).scalars()) if ids else []
    fired = [(as_aware(r.fired_at) - as_aware(r.due_at)).total_seconds() * 1000 for r in rows if r.fired_at]
    return fired, len(rows) - len(fired)


def describe(label: str, values: list[float], missing: int) -> None:
    if not values:
        print(f"  {label:<44} none fired")
        return
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"  {label:<44} n={len(values):5d}  p50 {statistics.median(values):7.1f} ms  p99 {p99:7.1f} ms  "
          f"max {ordered[-1]:7.1f} ms" + (f"  NOT FIRED {missing}" if missing else ""))


def run(url: str, args: argparse.Namespace) -> None:
    app = create_app({"DATABASE_URL": scratch_url(url), "SECRET_KEY": "bench"})
    registry = hooks.get()
    hooks.configure(dataclasses.replace(registry, timer_handlers={**registry.timer_handlers, KIND: lambda _ctx: None}))
    with app.app_context():
        db.drop_all()
        schema.create_all()
        near = fill(args.pending, args.due, args.window)
        pending = db.session.execute(sa.select(sa.func.count()).select_from(Timer)
                                     .where(Timer.status == "pending")).scalar_one()
        t0 = time.perf_counter()
        for _ in range(100):
            timers.next_due()
        next_due_ms = (time.perf_counter() - t0) * 10
        scheduler = TimerScheduler(app, sweep_seconds=60)
        scheduler.start()
        started = []
        end = time.monotonic() + args.window
        while time.monotonic() < end:
            started.append(commands.start_instance(process_id="t_timer", data={}, actor=ENGINEER).id)
            time.sleep(args.every)
        time.sleep(3.5)  # the last PT2S timers fall due and fire
        scheduler.shutdown()
        db.session.rollback()
        bpmn_ids = list(db.session.execute(sa.select(Timer.id).where(Timer.instance_id.in_(started),
                                                                     Timer.kind == "bpmn")).scalars())
        kind = url.split(":", 1)[0].split("+")[0]
        print(f"{kind}: {pending} timers pending at the start; next_due() takes {next_due_ms:.2f} ms")
        describe(f"handler timers due over {args.window:.0f} s", *lateness_ms(near))
        describe("PT2S boundary timers of cases started meanwhile", *lateness_ms(bpmn_ids))
        db.session.rollback()  # end the read transaction, or dropping the tables waits on it
        db.drop_all()
        db.engine.dispose()
    drop_scratch(url)
    hooks.configure(registry)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=400)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=0.2, help="seconds between cases started during the run")
    parser.add_argument("--database-url", action="append", default=[])
    args = parser.parse_args()
    set_clock(SystemClock())
    urls = args.database_url or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    print(f"timer lateness (fired_at - due_at) with the real scheduler, {os.cpu_count()} CPUs")
    for url in urls:
        run(url, args)


if __name__ == "__main__":
    main()
