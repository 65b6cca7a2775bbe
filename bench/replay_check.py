"""What the auditor's tools cost: the re-execution check of one case against the commands that built
it (both measured in this run), and one replay step read (`replay?step=N`), for linear cases of
10, 50 and 100 user tasks.

    python bench/replay_check.py [--sizes 10 50 100] [--repeat 5] [--database-url URL]
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

from bench.command_throughput import scratch_url  # noqa: E402
from engine import commands, identity, loader, queries, replay, schema  # noqa: E402
from engine.audit import queries as audit_queries  # noqa: E402
from engine.clock import FakeClock, set_clock  # noqa: E402
from engine.commands import transaction  # noqa: E402
from engine.db import db  # noqa: E402
from web import create_app  # noqa: E402

SALES = identity.Actor("bench_sales", frozenset({"sales"}))


def linear(size: int) -> str:
    """A process of `size` user tasks in a row, all in the sales lane."""
    ids = ["start", *(f"t{i}" for i in range(size)), "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    nodes = ['<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    flows = []
    for i in range(size):
        nodes.append(f'<bpmn:userTask id="t{i}" name="Step {i}"><bpmn:incoming>f{i}</bpmn:incoming>'
                     f'<bpmn:outgoing>f{i + 1}</bpmn:outgoing></bpmn:userTask>')
    nodes.append(f'<bpmn:endEvent id="end"><bpmn:incoming>f{size}</bpmn:incoming></bpmn:endEvent>')
    for i in range(size + 1):
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{ids[i]}" targetRef="{ids[i + 1]}"/>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
            f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://bench">'
            f'<bpmn:process id="b_linear_{size}" isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" '
            f'name="sales">{refs}</bpmn:lane></bpmn:laneSet>{"".join(nodes)}{"".join(flows)}</bpmn:process>'
            f'</bpmn:definitions>')


def build_case(size: int, clock: FakeClock) -> tuple[int, float]:
    t0 = time.perf_counter()
    case = commands.start_instance(process_id=f"b_linear_{size}", data={}, actor=SALES)
    for _ in range(size):
        clock.advance(minutes=5)
        [task] = queries.tasks_of(case.id, "ready")
        commands.complete_task(task_id=task.id, data={}, actor=SALES)
    return case.id, time.perf_counter() - t0


def measure(size: int, repeat: int, clock: FakeClock) -> None:
    with transaction():
        loader.deploy({f"b_linear_{size}.bpmn": linear(size)}, actor="bench")
    built, checks, steps = [], [], []
    for _ in range(repeat):
        case_id, seconds = build_case(size, clock)
        built.append(seconds)
        t0 = time.perf_counter()
        report = replay.check(case_id)
        checks.append(time.perf_counter() - t0)
        assert report.ok, report.to_dict()
        instance = queries.instance(case_id)
        for step in range(1, report.steps + 1, max(1, report.steps // 20)):
            t0 = time.perf_counter()
            audit_queries.replay_step(instance, step)
            steps.append(time.perf_counter() - t0)
        db.session.rollback()
    build, check = statistics.median(built), statistics.median(checks)
    print(f"{size:>4} tasks, {report.steps:>4} events   commands {build * 1000:8.1f} ms   "
          f"re-execution check {check * 1000:8.1f} ms ({check / build:4.2f}x)   "
          f"replay step median {statistics.median(steps) * 1000:6.2f} ms, max {max(steps) * 1000:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    clock = FakeClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    set_clock(clock)
    url = scratch_url(args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        schema.create_all()
        print(f"linear cases, median of {args.repeat} ({url.split(':', 1)[0]})")
        for size in args.sizes:
            measure(size, args.repeat, clock)
        db.drop_all()
        db.engine.dispose()
    if url.startswith("postgres"):
        with psycopg.connect(args.database_url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "bench_{os.getpid()}" CASCADE')


if __name__ == "__main__":
    main()
