"""Inbox read speed with 100,000 open tasks: seeds task rows straight into a scratch database and
prints the time of each query the inbox page runs (list pages, tab counts, filters, search).

    .venv/bin/python bench/inbox_query.py                 # SQLite file in a temp folder
    AFTERCARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/inbox_query.py
    .venv/bin/python bench/inbox_query.py --tasks 20000   # smaller run
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import queries, schema  # noqa: E402
from engine.clock import FakeClock, set_clock  # noqa: E402
from engine.db import db  # noqa: E402
from engine.identity import Actor, create_user  # noqa: E402
from engine.models import Instance, ModelVersion, Task  # noqa: E402
from web import create_app  # noqa: E402

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
ROLES = ["service_desk", "engineer", "sales_vp", "service_manager", "sales", "production"]
PROCESSES = ["installation", "fault_handling", "revisit", "compensation_approval", "tech_support"]
REGIONS = ["四川", "重庆", "云南", "贵州", "华北", "东北", "华东", "华南", "华中", "西北"]
CUSTOMERS = [f"{city}{kind}机械有限公司" for city in ("成都", "重庆", "昆明", "贵阳", "北京", "沈阳", "上海",
                                                 "广州", "武汉", "西安") for kind in ("华西", "东方", "宏达",
                                                                                 "永兴", "精工", "远大")]


def _database_url(tmp: Path) -> tuple[str, str | None]:
    base = os.environ.get("AFTERCARE_DATABASE_URL", "")
    if not base.startswith("postgres"):
        return f"sqlite:///{tmp / 'bench.db'}", None
    base = base.replace("postgres://", "postgresql://", 1)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{name}", name


def seed(count: int, users: int) -> None:
    rng = random.Random(7)
    naive = NOW.replace(tzinfo=None)
    model = ModelVersion(process_id="installation", version=1, name="bench", content_hash="0" * 64,
                         main_file="x.bpmn", sources={}, forms={}, deployed_by="bench", deployed_at=naive)
    db.session.add(model)
    db.session.flush()
    instances, tasks = [], []
    for i in range(1, count + 1):
        process = rng.choice(PROCESSES)
        customer = rng.choice(CUSTOMERS)
        region = rng.choice(REGIONS)
        created = naive - dt.timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        number = f"{process[:3].upper()}-2026-{i:06d}"
        instances.append({"id": i, "case_number": number, "process_id": process, "model_version_id": model.id,
                          "status": "running", "state": "{}", "version": 1, "data": {},
                          "customer_name": customer, "region": region, "started_by": "sales1",
                          "started_at": created, "updated_at": created})
        role = rng.choice(ROLES)
        assigned = rng.random() < 0.3
        due = created + dt.timedelta(hours=rng.randint(4, 14 * 24)) if rng.random() < 0.9 else None
        tasks.append({"id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": i, "process_id": process,
                      "element_id": "review", "name": "审核", "role": role,
                      "assignee": f"{role}{rng.randint(1, users)}" if assigned else None, "status": "ready",
                      "form_name": f"{process}/review", "due_at": due, "created_at": created,
                      "case_number": number, "customer_name": customer, "region": region})
    for start in range(0, count, 5000):
        db.session.execute(sa.insert(Instance), instances[start:start + 5000])
        db.session.execute(sa.insert(Task), tasks[start:start + 5000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # what autovacuum does on a live database
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE task"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def timed(label: str, fn, repeat: int = 7) -> None:
    samples = []
    result = None
    for _ in range(repeat):
        db.session.expire_all()
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    size = result.total if hasattr(result, "total") else result
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms   max {max(samples):7.2f} ms   ({size})")


def run(count: int, users: int) -> None:
    desk = Actor("service_desk1", frozenset({"service_desk"}))
    eng = Actor("engineer2", frozenset({"engineer"}))
    boss = Actor("manager1", frozenset({"service_manager"}))
    now = NOW

    def page(actor, n=1, **kw):
        query = queries.task_query(actor, queries.TaskFilter(now=now, **kw))
        return lambda: queries.paginate(query, n, 25)

    timed("queue (role) page 1", page(desk, scope="role"))
    timed("queue (role) page 40", page(desk, 40, scope="role"))
    timed("mine page 1", page(eng, scope="mine"))
    timed("all (manager) page 1", page(boss, scope="all"))
    timed("all (manager) page 200", page(boss, 200, scope="all"))
    timed("queue filtered: flow + region", page(desk, scope="role", process_id="fault_handling", region="四川"))
    timed("queue filtered: overdue", page(desk, scope="role", overdue=True))
    timed("queue search: case number", page(desk, scope="role", q="FAU-2026-0123"))
    timed("queue search: customer", page(desk, scope="role", q="成都华西"))
    timed("all sorted by age", page(boss, scope="all", sort="age"))
    timed("tab counts (desk)", lambda: sum(queries.task_counts(desk).values()))
    timed("tab counts (manager, 3 tabs)", lambda: sum(queries.task_counts(boss, with_all=True).values()))
    timed("inbox page query: list + tab counts (desk)", lambda: queries.inbox(
        desk, queries.TaskFilter(now=now, scope="role"), page=1, per_page=25).page)
    timed("inbox page query: list + tab counts (manager)", lambda: queries.inbox(
        boss, queries.TaskFilter(now=now, scope="all"), page=1, per_page=25).page)


def page_timings(app) -> None:
    """The whole inbox page over HTTP (routing, queries, template), as a logged-in desk user."""
    user = create_user("bench_desk", "bench-pw", ["service_desk"])
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    for path in ("/inbox?tab=role", "/inbox?tab=role&page=40", "/inbox?tab=role&overdue=1&region=四川"):
        def fetch(path=path):
            with app.app_context():
                response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response.get_data(as_text=True).count('class="task-row')
        timed(f"GET {path}", fetch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=8, help="users per role")
    args = parser.parse_args()
    set_clock(FakeClock(NOW))
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_schema = _database_url(Path(tmp))
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
        try:
            with app.app_context():
                schema.create_all()
                started = time.perf_counter()
                seed(args.tasks, args.users)
                print(f"{db.engine.dialect.name}: seeded {args.tasks:,} open tasks in "
                      f"{time.perf_counter() - started:.1f} s")
                print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
                run(args.tasks, args.users)
                page_timings(app)
        finally:
            if pg_schema:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                base = os.environ["AFTERCARE_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{pg_schema}" CASCADE')


if __name__ == "__main__":
    main()
