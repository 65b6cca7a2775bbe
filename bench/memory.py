"""Server memory over many task completions: does `aftercare serve` grow as it works?

A fresh database (SQLite file; a fresh PostgreSQL schema with --database-url), the five-task diagram
of bench/http_completion.py and the server started as deployed (`aftercare serve`: gunicorn, its
default workers and threads, the scheduler on). Clients walk cases through the HTTP API with bearer
tokens (start a case, complete its five tasks) until N completions are done. Printed: the server's
RSS (all its processes) at start, after the warm-up (the first 1,000 completions) and at the end, and
the growth from the warm-up to the end. JSON to bench/results/memory.json.

    python bench/memory.py [--completions 50000] [--clients 4] [--database-url URL]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import http_completion as walkers  # noqa: E402

from engine.db import db  # noqa: E402
from web import create_app  # noqa: E402

RESULTS = HERE / "results" / "memory.json"
WARM_UP = 1000


class Counter:
    def __init__(self, target: int):
        self.target, self.done, self.errors = target, 0, 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        """Claim one case's worth of completions; False once the target is reached."""
        with self.lock:
            if self.done >= self.target:
                return False
            self.done += walkers.TASKS
            return True


def client(port: int, token: str, counter: Counter, deadline: float) -> None:
    walker = walkers.Client(port, token, deadline)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while time.monotonic() < deadline and counter.take():
            walker.case(conn, timed=False)
    except (OSError, RuntimeError, http.client.HTTPException) as exc:
        print(f"  client error: {exc}", flush=True)
        with counter.lock:
            counter.errors += 1


def run_database(url: str | None, completions: int, clients: int, max_seconds: float) -> dict:
    kind = "postgresql" if url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url, schema_name = walkers.fresh_database(url, folder)
        app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "bench", "AUDIT_KEY": walkers.AUDIT_KEY})
        tokens = walkers.prepare(app, clients)
        with app.app_context():
            db.engine.dispose()
        port = walkers.free_port()
        server = walkers.start_server(db_url, port, folder)
        try:
            time.sleep(1)
            at_start = walkers.rss_mb(walkers.process_tree(server.pid))
            counter = Counter(completions)
            t0 = time.monotonic()
            threads = [threading.Thread(target=client, args=(port, tokens[n], counter, t0 + max_seconds), daemon=True)
                       for n in range(clients)]
            for thread in threads:
                thread.start()
            after_warm_up = None
            while any(thread.is_alive() for thread in threads):
                time.sleep(0.5)
                if after_warm_up is None and counter.done >= min(WARM_UP, completions):
                    after_warm_up = walkers.rss_mb(walkers.process_tree(server.pid))
                    print(f"{kind:<10} after {counter.done} completions: RSS {after_warm_up:.0f} MB", flush=True)
            elapsed = time.monotonic() - t0
            at_end = walkers.rss_mb(walkers.process_tree(server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
        if schema_name:
            walkers.drop_schema(url, schema_name)
    after_warm_up = after_warm_up or at_end
    growth = (at_end - after_warm_up) / after_warm_up if after_warm_up else None
    print(f"{kind:<10} {counter.done} completions in {elapsed:.0f} s ({counter.errors} client errors): server RSS "
          f"{at_start:.0f} MB at start, {after_warm_up:.0f} MB after warm-up, {at_end:.0f} MB at the end; "
          f"growth {growth * 100:+.1f} %", flush=True)
    return {"database": kind, "completions": counter.done, "clients": clients, "seconds": round(elapsed, 1),
            "errors": counter.errors, "rss_mb_start": round(at_start, 1),
            "rss_mb_after_warm_up": round(after_warm_up, 1),
            "rss_mb_end": round(at_end, 1), "growth_after_warm_up": round(growth, 3) if growth is not None else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--completions", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop walking after this long")
    parser.add_argument("--database-url", help="PostgreSQL as well as SQLite (a fresh schema)")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(HERE.parent)}")
    args = parser.parse_args()
    databases = [None] + ([args.database_url] if args.database_url else [])
    results = [run_database(url, args.completions, args.clients, args.max_seconds) for url in databases]
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                                       "diagram": f"{walkers.TASKS} user tasks in a row", "warm_up": WARM_UP,
                                       "databases": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
