"""Task completions through the HTTP API of `aftercare serve` as deployed, against the bare engine.

For each database (a fresh SQLite file; a fresh PostgreSQL schema with --database-url) the server is
started as deployed (`aftercare serve`: gunicorn, its default workers and threads, the scheduler on),
and 1, 4 and 16 clients walk five-task cases through the API with bearer tokens: start a case, then
complete its five tasks one after another. Printed per configuration: completion latency
p50/p95/p99, completions and cases per second, the server's CPU per case (its own processes; the
PostgreSQL server's CPU is not included), the server's RSS; once per database: SQL statements per
completion (authentication included, counted in-process by a SQLAlchemy listener on the same
requests) and the ratio of the one-client p50 to the bare SpiffWorkflow step on the same diagram
(load state, complete, advance, save) measured in this run. JSON to bench/results/http_completion.json.

    python bench/http_completion.py [--seconds 10] [--clients 1 4 16] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import identity, loader, schema  # noqa: E402
from engine import spiff as sw  # noqa: E402
from engine.commands import transaction  # noqa: E402
from engine.db import db  # noqa: E402
from engine.scripts import Sandbox  # noqa: E402
from web import create_app  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "http_completion.json"
PROCESS = "bench_five"
TASKS = 5
AUDIT_KEY = "b7" * 32


def five_task_diagram() -> bytes:
    """start → five user tasks of the sales lane, one after another → end."""
    tasks = "".join(
        f'<bpmn:userTask id="t{i}" name="Step {i}"><bpmn:incoming>f{i - 1}</bpmn:incoming>'
        f'<bpmn:outgoing>f{i}</bpmn:outgoing></bpmn:userTask>' for i in range(1, TASKS + 1))
    flows = "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{"start" if i == 0 else f"t{i}"}" '
                    f'targetRef="{"end" if i == TASKS else f"t{i + 1}"}"/>' for i in range(TASKS + 1))
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>"
                   for n in ["start", *[f"t{i}" for i in range(1, TASKS + 1)], "end"])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_{PROCESS}"
    targetNamespace="http://aftercare.test/bench">
  <bpmn:process id="{PROCESS}" name="Five steps" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_sales" name="sales">{refs}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    {tasks}
    <bpmn:endEvent id="end"><bpmn:incoming>f{TASKS}</bpmn:incoming></bpmn:endEvent>
    {flows}
  </bpmn:process>
</bpmn:definitions>""".encode()


# ---------------------------------------------------------------- the bare engine
def bare_steps(cases: int) -> list[float]:
    """Per task: load the state, complete the task, advance, save — what a completion costs the engine."""
    model = sw.parse({f"{PROCESS}.bpmn": five_task_diagram().decode()}, PROCESS)
    engine = sw.build_script_engine(Sandbox(), {})
    timings = []
    for _ in range(cases):
        wf = sw.new_workflow(model, {}, engine)
        sw.advance(wf)
        state = sw.dump(wf)
        for _ in range(TASKS):
            t0 = time.perf_counter()
            wf = sw.load(state, model, engine)
            task = next(t for t in sw.iter_tasks(wf) if t.state == sw.READY and t.task_spec.manual)
            sw.run_user_task(wf, task, {})
            sw.advance(wf)
            state = sw.dump(wf)
            timings.append(time.perf_counter() - t0)
    return timings


# ---------------------------------------------------------------- database and server
def fresh_database(url: str | None, folder: Path) -> tuple[str, str | None]:
    """(url, PostgreSQL schema to drop afterwards)."""
    if not url:
        return f"sqlite:///{folder / 'bench.db'}", None
    name = f"bench_http_{os.getpid()}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}", name


def drop_schema(url: str, name: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def prepare(app, clients: int) -> list[str]:
    """Tables, the diagram, one sales user per client and a bearer token each."""
    with app.app_context():
        schema.create_all()
        with transaction():
            loader.deploy({f"{PROCESS}.bpmn": five_task_diagram()}, actor="bench")
        tokens = []
        with transaction():
            for n in range(clients):
                user = identity.create_user(f"bench{n}", secrets.token_urlsafe(12), ["sales"])
                tokens.append(identity.issue_token(user))
        db.session.remove()
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "AFTERCARE_DATABASE_URL": url, "AFTERCARE_SECRET_KEY": "bench",
           "AFTERCARE_AUDIT_KEY": AUDIT_KEY}
    server = subprocess.Popen([str(Path(sys.executable).with_name("aftercare")), "serve", "--port", str(port)],
                              env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start within a minute")


def process_tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


# ---------------------------------------------------------------- clients
class Client(threading.Thread):
    def __init__(self, port: int, token: str, until: float):
        super().__init__(daemon=True)
        self.port, self.until = port, until
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.latencies: list[float] = []
        self.cases = 0
        self.errors = 0

    def post(self, conn, path: str, body: dict) -> dict:
        conn.request("POST", "/api/v1" + path, body=json.dumps(body), headers=self.headers)
        response = conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {payload}")
        return payload

    def case(self, conn, timed: bool) -> None:
        started = self.post(conn, "/process-instances", {"process_id": PROCESS, "data": {}})
        task_id = started["tasks"][0]["id"]
        for _ in range(TASKS):
            t0 = time.perf_counter()
            done = self.post(conn, f"/tasks/{task_id}/complete", {"data": {}})
            if timed:
                self.latencies.append(time.perf_counter() - t0)
            task_id = done["next_task_id"]
        if done["status"] != "completed":
            raise RuntimeError(f"case ended {done['status']}")

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.case(conn, timed=False)  # warm the worker serving this connection
            while time.monotonic() < self.until:
                self.case(conn, timed=True)
                self.cases += 1
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            print(f"  client error: {exc}", flush=True)
            self.errors += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def walk(port: int, tokens: list[str], clients: int, seconds: float, server_pids: list[int]) -> dict:
    cpu0, t0 = cpu_seconds(server_pids), time.monotonic()
    threads = [Client(port, tokens[n], t0 + seconds) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(server_pids) - cpu0
    latencies = [x for t in threads for x in t.latencies]
    cases = sum(t.cases for t in threads)
    if not latencies:
        return {"clients": clients, "errors": sum(t.errors for t in threads)}
    return {"clients": clients, "seconds": round(elapsed, 1), "cases": cases, "completions": len(latencies),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "completions_per_s": round(len(latencies) / elapsed, 1), "cases_per_s": round(cases / elapsed, 1),
            "server_cpu_ms_per_case": round(cpu / max(cases, 1) * 1000, 1),
            "errors": sum(t.errors for t in threads)}


# ---------------------------------------------------------------- statements per completion
def statements_per_completion(app, token: str) -> float:
    """SQL statements the server runs for one completion request, authentication included."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    counted: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    started = client.post("/api/v1/process-instances", json={"process_id": PROCESS, "data": {}}, headers=headers)
    task_id = started.get_json()["tasks"][0]["id"]
    per_request = []
    for _ in range(TASKS):
        counted.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}, headers=headers)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        per_request.append(len(counted))
        task_id = done.get_json()["next_task_id"]
    return statistics.mean(per_request)


def run_database(url: str | None, clients: list[int], seconds: float, bare_p50: float) -> dict:
    kind = "postgresql" if url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url, schema_name = fresh_database(url, folder)
        app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "AUDIT_KEY": AUDIT_KEY})
        tokens = prepare(app, max(clients) + 1)
        statements = statements_per_completion(app, tokens[-1])
        with app.app_context():
            db.engine.dispose()
        port = free_port()
        server = start_server(db_url, port, folder)
        try:
            pids = process_tree(server.pid)
            rss_before = rss_mb(pids)
            runs = []
            for n in clients:
                row = walk(port, tokens, n, seconds, pids)
                runs.append(row)
                print(f"{kind:<10} {n:>2} clients: " + (
                    f"p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f}  p99 {row['p99_ms']:7.2f}  "
                    f"{row['completions_per_s']:6.1f} completions/s  {row['cases_per_s']:5.1f} cases/s  "
                    f"CPU {row['server_cpu_ms_per_case']:6.1f} ms/case" if "p50_ms" in row else
                    f"no completion ({row['errors']} client errors)"), flush=True)
            rss_after = rss_mb(process_tree(server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
        if schema_name:
            drop_schema(url, schema_name)
    one = next((r for r in runs if r.get("clients") == 1 and "p50_ms" in r), None)
    ratio = round(one["p50_ms"] / (bare_p50 * 1000), 1) if one else None
    print(f"{kind:<10} SQL statements per completion {statements:.1f}; one-client p50 / bare step {ratio}x; "
          f"server RSS {rss_before:.0f} → {rss_after:.0f} MB", flush=True)
    return {"database": kind, "sql_statements_per_completion": statements, "ratio_p50_to_bare_step": ratio,
            "server_rss_mb_before": round(rss_before, 1), "server_rss_mb_after": round(rss_after, 1), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--database-url", help="PostgreSQL as well as SQLite (a fresh schema)")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()
    bare = bare_steps(100)
    bare_p50 = statistics.median(bare)
    print(f"bare SpiffWorkflow step (load, complete, advance, save): p50 {bare_p50 * 1000:.3f} ms "
          f"p95 {percentile(bare, 0.95) * 1000:.3f} ms", flush=True)
    databases = [None] + ([args.database_url] if args.database_url else [])
    results = [run_database(url, args.clients, args.seconds, bare_p50) for url in databases]
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "diagram": f"{TASKS} user tasks in a row", "seconds_per_configuration": args.seconds,
            "bare_step_p50_ms": round(bare_p50 * 1000, 3), "databases": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
