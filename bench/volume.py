"""Inbox and case list at volume: 100,000 open tasks and 1,000,000 finished cases (each with its completed
task) against an empty database, in the same run, through the pages a logged-in person opens.

Fills a scratch SQLite file (and, with a PostgreSQL URL, a fresh schema) by INSERT … SELECT over a
generated series, then times the inbox's first page, a deep page by cursor, the tab counts, substring
searches and the case list — and, for comparison, what the code did before: a numbered page by OFFSET
with an exact total, uncapped counts, and the search by LIKE alone (SQLite). Prints milliseconds and the
ratio to the empty database; the figures go to bench/results/volume.json.

    .venv/bin/python bench/volume.py                                       # SQLite, full size
    .venv/bin/python bench/volume.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/volume.py --open 10000 --finished 100000 --no-write   # a quick run
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import keyset, queries, schema, text_search  # noqa: E402
from engine.clock import FakeClock, set_clock  # noqa: E402
from engine.db import db  # noqa: E402
from engine.identity import Actor, create_user  # noqa: E402
from engine.models import Instance, ModelVersion  # noqa: E402
from web import create_app  # noqa: E402

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
RESULTS = Path(__file__).resolve().parent / "results" / "volume.json"
DESK = Actor("bench_desk", frozenset({"service_desk"}))
MANAGER = Actor("bench_manager", frozenset({"service_manager"}))
REPEAT = 11

# one statement per table and dialect: row n of the series becomes case n (open for n <= :open) and its task
_SQLITE_SERIES = "WITH RECURSIVE g(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM g WHERE n < :last) "
_SQLITE_TIME = "strftime('%Y-%m-%d %H:%M:%S.000000', '2026-03-02 01:00:00', '-' || ({minutes}) || ' minutes')"
_PG_TIME = "(timestamp '2026-03-02 01:00:00' - (({minutes}) * interval '1 minute'))"
_CUSTOMER = ("(CASE n % 10 WHEN 0 THEN '成都' WHEN 1 THEN '重庆' WHEN 2 THEN '昆明' WHEN 3 THEN '贵阳' "
             "WHEN 4 THEN '北京' WHEN 5 THEN '沈阳' WHEN 6 THEN '上海' WHEN 7 THEN '广州' WHEN 8 THEN '武汉' "
             "ELSE '西安' END || CASE (n / 10) % 6 WHEN 0 THEN '华西' WHEN 1 THEN '东方' WHEN 2 THEN '宏达' "
             "WHEN 3 THEN '永兴' WHEN 4 THEN '精工' ELSE '远大' END || '机械有限公司')")
_ROLE = ("(CASE n % 6 WHEN 0 THEN 'service_desk' WHEN 1 THEN 'engineer' WHEN 2 THEN 'sales_vp' "
         "WHEN 3 THEN 'service_manager' WHEN 4 THEN 'sales' ELSE 'production' END)")
_REGION = ("(CASE n % 5 WHEN 0 THEN '四川' WHEN 1 THEN '重庆' WHEN 2 THEN '云南' WHEN 3 THEN '华北' "
           "ELSE '华东' END)")


def _sql(dialect: str) -> tuple[str, str]:
    sqlite = dialect == "sqlite"
    number = ("printf('FAU-2026-%07d', n)" if sqlite else "'FAU-2026-' || lpad(n::text, 7, '0')")
    task_id = ("printf('t%07d', n)" if sqlite else "'t' || lpad(n::text, 7, '0')")
    created = (_SQLITE_TIME if sqlite else _PG_TIME).format(minutes="(n * 13) % 20160")
    due = (_SQLITE_TIME if sqlite else _PG_TIME).format(minutes="(n * 13) % 20160 - 60 * (4 + n % 300)")
    open_ = "n <= :open"
    series = _SQLITE_SERIES if sqlite else ""
    source = "FROM g" if sqlite else "FROM generate_series(:first, :last) AS s(n)"
    instances = (
        f"{series}INSERT INTO instance (id, case_number, process_id, model_version_id, status, state, version, "
        f"data, customer_name, region, started_by, started_at, updated_at, ended_at) "
        f"SELECT n, {number}, 'fault_handling', :model, CASE WHEN {open_} THEN 'running' ELSE 'completed' END, "
        f"'{{}}', 1, '{{}}', {_CUSTOMER}, {_REGION}, 'sales1', {created}, {created}, "
        f"CASE WHEN {open_} THEN NULL ELSE {created} END {source}")
    tasks = (
        f"{series}INSERT INTO task (id, instance_id, process_id, element_id, name, role, assignee, status, "
        f"form_name, due_at, created_at, completed_at, completed_by, case_number, customer_name, region, priority) "
        f"SELECT {task_id}, n, 'fault_handling', 'review', '审核', {_ROLE}, "
        f"CASE WHEN n % 10 < 3 THEN {_ROLE} || ((n / 7) % 8 + 1) END, "
        f"CASE WHEN {open_} THEN 'ready' ELSE 'completed' END, 'fault_handling/review', "
        f"CASE WHEN n % 10 <> 9 THEN {due} END, {created}, CASE WHEN {open_} THEN NULL ELSE {created} END, "
        f"CASE WHEN {open_} THEN NULL ELSE 'engineer1' END, {number}, {_CUSTOMER}, {_REGION}, "
        f"CASE WHEN n % 5 = 0 THEN n % 3 END {source}")
    return instances, tasks


def fill(open_tasks: int, finished: int, model_id: int) -> None:
    instances, tasks = _sql(db.engine.dialect.name)
    total, step = open_tasks + finished, 100_000
    for first in range(1, total + 1, step):
        params = {"first": first, "last": min(total, first + step - 1), "open": open_tasks, "model": model_id}
        with db.engine.begin() as conn:
            conn.execute(sa.text(instances), params)
            conn.execute(sa.text(tasks), params)
    if db.engine.dialect.name == "postgresql":  # what autovacuum does on a live database
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE task"))
            conn.execute(sa.text("VACUUM ANALYZE instance"))
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('instance', 'id'), :n)"), {"n": total})
    else:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def prepare(app, open_tasks: int, finished: int) -> float:
    with app.app_context():
        schema.create_all()
        model = ModelVersion(process_id="fault_handling", version=1, name="bench", content_hash="0" * 64,
                             main_file="x.bpmn", sources={}, forms={}, deployed_by="bench",
                             deployed_at=NOW.replace(tzinfo=None))
        db.session.add(model)
        for actor in (DESK, MANAGER):
            create_user(actor.username, "bench-pw", sorted(actor.roles))
        db.session.commit()
        started = time.perf_counter()
        if open_tasks or finished:
            fill(open_tasks, finished, model.id)
        return time.perf_counter() - started


def clients(app) -> dict[str, object]:
    """A test client per person, logged in through the login form."""
    out = {}
    for actor in (DESK, MANAGER):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = client.post("/login", data={"csrf_token": token, "username": actor.username,
                                               "password": "bench-pw"})
        assert response.status_code == 302 and "/login" not in response.headers["Location"], response.status_code
        out[actor.username] = client
    return out


def deep_cursors(app, depth_tasks: int, depth_cases: int) -> dict[str, str]:
    """Cursors standing at a row deep in each list (taken from the filled database, used on both)."""
    with app.app_context():
        task = db.session.execute(queries.task_query(MANAGER, queries.TaskFilter(scope="all"))
                                  .offset(depth_tasks).limit(1)).scalar_one()
        case = db.session.execute(sa.select(Instance).order_by(*queries.CASE_ORDER.order_by())
                                  .offset(depth_cases).limit(1)).scalar_one()
        return {"task": keyset.encode(queries.task_order("due"), task), "case": keyset.encode(queries.CASE_ORDER, case)}


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def compare(empty_fn, volume_fn) -> dict[str, float]:
    """Both runs of one measurement, interleaved (the machine's load drifts; both see the same),
    after a warm-up each: median and fastest of REPEAT samples, and their ratios."""
    empty_fn(), volume_fn()
    empty, volume = [], []
    for _ in range(REPEAT):
        empty.append(_timed(empty_fn))
        volume.append(_timed(volume_fn))
    e, v = statistics.median(empty), statistics.median(volume)
    return {"empty_ms": round(e, 2), "volume_ms": round(v, 2), "ratio": round(v / e, 2),
            "empty_min_ms": round(min(empty), 2), "volume_min_ms": round(min(volume), 2),
            "ratio_min": round(min(volume) / min(empty), 2)}


def measurements(cursors: dict[str, str], deep_page: dict[str, int]) -> list[tuple[str, str, object]]:
    """(label, who, what): a path to GET, or a callable run in the app context."""
    task_cursor, case_cursor = cursors["task"], cursors["case"]

    def counts(cap):
        return lambda: [queries.count(queries.task_query(MANAGER, queries.TaskFilter(scope=s)), cap)
                        for s in ("mine", "role", "all")]

    return [
        ("inbox first page (desk, role queue)", DESK.username, "/inbox?tab=role"),
        ("inbox first page (manager, all)", MANAGER.username, "/inbox?tab=all"),
        ("inbox deep page by cursor (manager, all)", MANAGER.username, f"/inbox?tab=all&cursor={task_cursor}"),
        ("before: inbox deep page by OFFSET", MANAGER.username, f"/inbox?tab=all&page={deep_page['task']}"),
        ("tab counts (manager: mine, role, all; capped)", MANAGER.username, counts(queries.COUNT_CAP)),
        ("before: tab counts, exact", MANAGER.username, counts(None)),
        ("inbox search: customer 成都华西", MANAGER.username, "/inbox?tab=all&q=成都华西"),
        ("inbox search: case number FAU-2026-00123", MANAGER.username, "/inbox?tab=all&q=FAU-2026-00123"),
        ("case list first page (manager)", MANAGER.username, "/cases/"),
        ("case list deep page by cursor", MANAGER.username, f"/cases/?cursor={case_cursor}"),
        ("before: case list deep page by OFFSET", MANAGER.username, f"/cases/?page={deep_page['case']}"),
        ("case list search: FAU-2026-0012345", MANAGER.username, "/cases/?q=FAU-2026-0012345"),
    ]


def runner(app, people, who, what):
    if callable(what):
        def run():
            with app.app_context():
                what()
        return run

    def get():
        response = people[who].get(what)
        assert response.status_code == 200, (what, response.status_code)
    return get


def time_all(apps, cursors, deep_page, sqlite: bool) -> dict[str, dict[str, float]]:
    people = {name: clients(app) for name, app in apps.items()}
    out = {}
    for label, who, what in measurements(cursors, deep_page):
        out[label] = compare(*(runner(apps[name], people[name], who, what) for name in ("empty", "volume")))
        print(f"  {label:<52} empty {out[label]['empty_ms']:8.2f} ms   volume {out[label]['volume_ms']:9.2f} ms"
              f"   × {out[label]['ratio']:6.2f}   (fastest: × {out[label]['ratio_min']:.2f})", flush=True)
    if sqlite:  # the inbox search as before: LIKE alone (FTS5 set aside for the measurement)
        saved, text_search.MIN_INDEXED = text_search.MIN_INDEXED, 10**9
        try:
            for q in ("成都华西", "FAU-2026-00123"):
                label = f"before: inbox search by LIKE alone: {q}"
                out[label] = compare(*(runner(apps[name], people[name], MANAGER.username, f"/inbox?tab=all&q={q}")
                                       for name in ("empty", "volume")))
                print(f"  {label:<52} empty {out[label]['empty_ms']:8.2f} ms   volume "
                      f"{out[label]['volume_ms']:9.2f} ms   × {out[label]['ratio']:6.2f}", flush=True)
        finally:
            text_search.MIN_INDEXED = saved
    return out


def scratch(url: str, tmp: Path, name: str) -> tuple[str, str | None]:
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / (name + '.db')}", None
    schema_name = f"bench_volume_{name}_{os.getpid()}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema_name}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema_name}", schema_name


def run_database(url: str, open_tasks: int, finished: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        made = {name: scratch(url, Path(tmp), name) for name in ("empty", "volume")}
        apps = {name: create_app({"DATABASE_URL": made_url, "SECRET_KEY": "bench", "TESTING": True,
                                  "AUDIT_KEY": "a1" * 32}) for name, (made_url, _) in made.items()}
        try:
            prepare(apps["empty"], 0, 0)
            seconds = prepare(apps["volume"], open_tasks, finished)
            dialect = "sqlite" if not url.startswith("postgres") else "postgresql"
            print(f"{dialect}: filled {open_tasks:,} open tasks and {finished:,} finished cases in {seconds:.0f} s; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
            deep_page = {"task": max(1, open_tasks // 2 // 25), "case": max(1, (open_tasks + finished) // 2 // 25)}
            cursors = deep_cursors(apps["volume"], (deep_page["task"] - 1) * 25, (deep_page["case"] - 1) * 25)
            rows = time_all(apps, cursors, deep_page, dialect == "sqlite")
            return {"fill_seconds": round(seconds), "open_tasks": open_tasks, "finished_cases": finished,
                    "load_average": round(os.getloadavg()[0], 1), "timings": rows}
        finally:
            for name, (_, schema_name) in made.items():
                with apps[name].app_context():
                    db.session.remove()
                    db.engine.dispose()
                if schema_name:
                    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                        c.execute(f'DROP SCHEMA "{schema_name}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open tasks (one open case each)")
    parser.add_argument("--finished", type=int, default=1_000_000, help="finished cases (one completed task each)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL: run there too")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/volume.json")
    args = parser.parse_args()
    set_clock(FakeClock(NOW))
    results = {}
    if not args.no_sqlite:
        results["sqlite"] = run_database("sqlite", args.open, args.finished)
    if args.database_url.startswith("postgres"):
        results["postgresql"] = run_database(args.database_url, args.open, args.finished)
    if not args.no_write:
        old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        RESULTS.write_text(json.dumps({**old, **results}, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
