"""What the auditor's tools cost: the re-execution check of one case against the commands that built
it (both measured in this run), and one replay step read (`replay?step=N`), for linear cases of
10 to 400 user tasks. A linear check costs the same per task at every length: the last line gives
the per-task cost at the largest size over that at the smallest (1 when linear).

With `--baseline REF` the same measurements are first taken on the code of that git revision
(extracted to a scratch folder, run in a child process on the same database server), and both
are printed side by side. Results go to bench/results/replay_check.json, one entry per database.

    python bench/replay_check.py [--sizes 10 50 100 200 400] [--repeat 3] [--database-url URL]
                                 [--baseline main]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `--code DIR` runs the measurements on another copy of the code (the baseline's)
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))

import psycopg  # noqa: E402

from bench.command_throughput import scratch_url  # noqa: E402
from engine import commands, identity, loader, queries, replay, schema  # noqa: E402
from engine.audit import queries as audit_queries  # noqa: E402
from engine.clock import FakeClock, set_clock  # noqa: E402
from engine.commands import transaction  # noqa: E402
from engine.db import db  # noqa: E402
from web import create_app  # noqa: E402

SALES = identity.Actor("bench_sales", frozenset({"sales"}))
RESULTS = ROOT / "bench" / "results" / "replay_check.json"
STEPS_READ = 20  # replay steps read per case, spread over its history


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


def measure(size: int, repeat: int, clock: FakeClock) -> dict:
    """One case of `size` tasks built by commands, then checked `repeat` times and its steps read."""
    with transaction():
        loader.deploy({f"b_linear_{size}.bpmn": linear(size)}, actor="bench")
    case_id, built = build_case(size, clock)
    replay.check(case_id)  # the diagram is parsed once per process, as in a nightly run
    checks, steps = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = replay.check(case_id)
        checks.append(time.perf_counter() - t0)
        assert report.ok, report.to_dict()
    instance = queries.instance(case_id)
    for _ in range(repeat):
        for step in range(1, report.steps + 1, max(1, report.steps // STEPS_READ)):
            t0 = time.perf_counter()
            audit_queries.replay_step(instance, step)
            steps.append(time.perf_counter() - t0)
    db.session.rollback()
    check = statistics.median(checks)
    return {"tasks": size, "events": report.steps, "commands_ms": round(built * 1000, 1),
            "check_ms": round(check * 1000, 1), "check_per_task_ms": round(check * 1000 / size, 3),
            "step_median_ms": round(statistics.median(steps) * 1000, 2), "step_max_ms": round(max(steps) * 1000, 2)}


def run(sizes: list[int], repeat: int, database_url: str | None) -> list[dict]:
    clock = FakeClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    set_clock(clock)
    url = scratch_url(database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "AUDIT_KEY": "a1" * 32})
    rows = []
    with app.app_context():
        db.drop_all()
        schema.create_all()
        for size in sizes:
            rows.append(measure(size, repeat, clock))
            print(f"  {CODE.name}: {size} tasks measured", file=sys.stderr, flush=True)
        db.drop_all()
        db.engine.dispose()
    if url.startswith("postgres"):
        with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "bench_{os.getpid()}" CASCADE')
    return rows


def baseline(ref: str, args: argparse.Namespace) -> list[dict]:
    """The same measurements on the code of git revision `ref`, in a child process."""
    folder = Path(tempfile.mkdtemp(prefix="replay_baseline_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    out = folder / "rows.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--code", str(folder), "--rows-to", str(out),
               "--repeat", str(args.repeat), "--sizes", *map(str, args.sizes)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def report(rows: list[dict], before: list[dict] | None, args: argparse.Namespace, kind: str) -> dict:
    print(f"linear cases, check median of {args.repeat} ({kind}); replay step over {args.repeat}x{STEPS_READ} reads")
    old = {row["tasks"]: row for row in before or []}
    for row in rows:
        was = old.get(row["tasks"])
        then = (f"   before {was['check_ms']:8.1f} ms ({was['check_per_task_ms']:6.3f}/task), step "
                f"{was['step_median_ms']:.2f}/{was['step_max_ms']:.2f} ms" if was else "")
        print(f"{row['tasks']:>4} tasks, {row['events']:>4} events   commands {row['commands_ms']:9.1f} ms   "
              f"check {row['check_ms']:8.1f} ms ({row['check_per_task_ms']:6.3f} ms/task){then}   "
              f"replay step median {row['step_median_ms']:6.2f} ms, max {row['step_max_ms']:6.2f} ms")
    ratio = rows[-1]["check_per_task_ms"] / rows[0]["check_per_task_ms"]
    result = {"database": kind, "repeat": args.repeat, "cpus": os.cpu_count(),
              "load_average": round(os.getloadavg()[0], 2), "rows": rows,
              "per_task_ratio": round(ratio, 2), "max_step_ms": max(row["step_max_ms"] for row in rows)}
    line = f"per-task cost at {rows[-1]['tasks']} tasks / at {rows[0]['tasks']}: {ratio:.2f} (linear = 1)"
    if before:
        then = before[-1]["check_per_task_ms"] / before[0]["check_per_task_ms"]
        result["baseline"] = {"ref": args.baseline, "rows": before, "per_task_ratio": round(then, 2),
                              "max_step_ms": max(row["step_max_ms"] for row in before)}
        line += f"; before {result['baseline']['per_task_ratio']:.2f}"
    print(line + f"; max replay step {result['max_step_ms']:.2f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100, 200, 400])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--baseline", default=None, help="a git revision to measure first, e.g. main")
    parser.add_argument("--code", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rows-to", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = sorted(args.sizes)
    before = baseline(args.baseline, args) if args.baseline else None
    rows = run(args.sizes, args.repeat, args.database_url)
    if args.rows_to:  # the baseline's child process hands its rows back
        Path(args.rows_to).write_text(json.dumps(rows))
        return
    kind = (args.database_url or "sqlite").split(":", 1)[0].split("+", 1)[0]
    result = report(rows, before, args, kind)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[kind] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
