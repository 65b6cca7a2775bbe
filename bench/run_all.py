"""Run every benchmark and print its figures (`make bench`). With AFTERCARE_DATABASE_URL set to
PostgreSQL, the database-bound benchmarks run there as well as on SQLite. `--volume-full` runs the
inbox-at-volume benchmark at its full size (100,000 open tasks, 1,000,000 finished cases: about 4
minutes of filling per database); by default it runs at a fifth of that."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> int:
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    return subprocess.call([sys.executable, str(HERE / script), *args])


def main() -> int:
    url = os.environ.get("AFTERCARE_DATABASE_URL", "")
    postgres = ["--database-url", url] if url.startswith("postgres") else []
    failures = 0
    sqlite = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    failures += run("command_throughput.py", "--database-url", sqlite, *postgres) != 0
    failures += run("http_completion.py", *postgres) != 0
    failures += run("memory.py", "--completions", "5000", *postgres) != 0  # 50,000: run it by hand
    failures += run("timer_lateness.py", *postgres) != 0
    failures += run("inbox_query.py") != 0
    failures += run("replay_check.py") != 0
    failures += run("documents.py") != 0
    size = [] if "--volume-full" in sys.argv else ["--open", "20000", "--finished", "200000", "--no-write"]
    failures += run("volume.py", *size, *(["--database-url", url] if postgres else [])) != 0
    failures += run("dashboard.py", *(postgres or ["--cases", "5000", "--events", "250000", "--no-write"])) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
