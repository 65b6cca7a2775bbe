"""Cases per second through Aftercare's commands (lock, load, run, save, project, audit, commit)
against the bare engine doing the same work in memory (load JSON, complete, advance, dump) —
both measured in this run, so the ratio is the cost of persistence, projections and the audit chain.

    python bench/command_throughput.py [--cases 200] [--database-url URL]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import commands, identity, loader, queries, schema  # noqa: E402
from engine import spiff as sw  # noqa: E402
from engine.clock import FakeClock, set_clock  # noqa: E402
from engine.commands import transaction  # noqa: E402
from engine.db import db  # noqa: E402
from engine.scripts import Sandbox  # noqa: E402
from web import create_app  # noqa: E402

DIAGRAM = ROOT / "tests" / "bpmn" / "t_approval.bpmn"
SALES = identity.Actor("bench_sales", frozenset({"sales"}))
DESK = identity.Actor("bench_desk", frozenset({"service_desk"}))


def bare_engine(cases: int) -> list[float]:
    """Per case: start, then two stateless requests (load → complete → advance → dump)."""
    files = loader.read_folder_bundle([DIAGRAM])
    sources = {k: v.decode() for k, v in files.items() if k.endswith(".bpmn")}
    model = sw.parse(sources, "t_approval")
    engine = sw.build_script_engine(Sandbox(), {})
    timings = []
    for _ in range(cases):
        t0 = time.perf_counter()
        wf = sw.new_workflow(model, {"customer_name": "甲"}, engine)
        sw.advance(wf)
        state = sw.dump(wf)
        for data in ({"approved": True}, {}):
            wf = sw.load(state, model, engine)
            task = next(t for t in sw.iter_tasks(wf) if t.state == sw.READY and t.task_spec.manual)
            sw.run_user_task(wf, task, data)
            sw.advance(wf)
            state = sw.dump(wf)
        timings.append(time.perf_counter() - t0)
    return timings


def scratch_url(url: str) -> str:
    """A private schema on PostgreSQL, so the benchmark never touches real tables."""
    if not url.startswith("postgres"):
        return url
    schema_name = f"bench_{os.getpid()}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema_name}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema_name}"


def aftercare(cases: int, url: str) -> list[float]:
    app = create_app({"DATABASE_URL": scratch_url(url), "SECRET_KEY": "bench"})
    timings = []
    with app.app_context():
        db.drop_all()
        schema.create_all()
        with transaction():
            loader.deploy(loader.read_folder_bundle([DIAGRAM]), actor="bench")
        for _ in range(cases):
            t0 = time.perf_counter()
            case = commands.start_instance(process_id="t_approval", data={"customer_name": "甲"}, actor=SALES)
            [review] = queries.tasks_of(case.id, "ready")
            commands.complete_task(task_id=review.id, data={"approved": True}, actor=DESK)
            [notify] = queries.tasks_of(case.id, "ready")
            commands.complete_task(task_id=notify.id, data={}, actor=SALES)
            timings.append(time.perf_counter() - t0)
        db.drop_all()
        db.engine.dispose()
    if url.startswith("postgres"):
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "bench_{os.getpid()}" CASCADE')
    return timings


def describe(name: str, timings: list[float]) -> float:
    per_case = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    print(f"{name:<34} median {per_case * 1000:7.2f} ms/case   p95 {p95 * 1000:7.2f} ms   "
          f"{1 / per_case:7.1f} cases/s ({3 / per_case:7.1f} commands/s)")
    return per_case


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--database-url", action="append", default=[])
    args = parser.parse_args()
    set_clock(FakeClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)))
    urls = args.database_url or [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    print(f"t_approval: start + 2 user tasks per case, {args.cases} cases")
    base = describe("bare SpiffWorkflow (in memory)", bare_engine(args.cases))
    for url in urls:
        kind = url.split(":", 1)[0]
        ours = describe(f"Aftercare commands ({kind})", aftercare(args.cases, url))
        print(f"{'':<34} ratio to bare engine: {ours / base:5.1f}x")


if __name__ == "__main__":
    main()
