"""On SQLite the inbox's and the case list's substring search goes through FTS5 trigram tables kept in
step by triggers, and finds exactly the rows LIKE finds — whatever the search text holds."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import queries, text_search
from engine.db import db, is_postgres
from engine.identity import Actor
from engine.models import Instance, ModelVersion, Task

MANAGER = Actor("manager1", frozenset({"service_manager"}))
T0 = dt.datetime(2026, 3, 1, 8, 0)
NAMES = ["成都华西机械有限公司", "重庆东方宏达", "ACME Tools", "acme tools", "100% 精工", "a_b_c 远大",
         'Say "hi" Ltd', "Ærø Maskin", "ærø maskin", None, "成都", "x"]
SEARCHES = ["成都华西", "成都", "华西机", "ACME", "acme", "cme", "100%", "0% 精", "a_b", "_b_", '"hi"', 'y "h',
            "ÆRØ", "ærø", "Ærø", "FAU-2026-00", "2026-0001", "FAU", "-00", "不存在的", "x", "%%%", "___", "Ltd"]


@pytest.fixture
def rows(users):
    model = ModelVersion(process_id="p", version=1, name="p", content_hash="0" * 64, main_file="x.bpmn",
                         sources={}, forms={}, deployed_by="t", deployed_at=T0)
    db.session.add(model)
    db.session.flush()
    for i, name in enumerate(NAMES * 2, start=1):
        number = None if i == 7 else f"FAU-2026-{i:05d}"
        db.session.add(Instance(id=i, case_number=number, process_id="p", model_version_id=model.id,
                                status="running", state="{}", data={}, customer_name=name, started_by="sales1",
                                started_at=T0, updated_at=T0))
        db.session.flush()
        db.session.add(Task(id=f"task-{i:03d}", instance_id=i, process_id="p", element_id="e", name="n",
                            role="service_desk", status="ready" if i % 3 else "completed", created_at=T0,
                            case_number=number, customer_name=name))
    db.session.commit()


def _found(q: str, *, indexed: bool) -> tuple[list[str], list[int], list[str]]:
    saved = text_search.MIN_INDEXED
    text_search.MIN_INDEXED = saved if indexed else 10**9
    try:
        tasks = [t.id for t in db.session.execute(queries.task_query(
            MANAGER, queries.TaskFilter(scope="all", status="any", q=q))).scalars()]
        cases = [c.id for c in db.session.execute(queries.instance_query(q=q)).scalars()]
        customers = [t.id for t in db.session.execute(queries.task_query(
            MANAGER, queries.TaskFilter(scope="all", status="any", customer=q))).scalars()]
        return tasks, cases, customers
    finally:
        text_search.MIN_INDEXED = saved


@pytest.mark.parametrize("dense", [text_search.DENSE, 1])  # 1: every word found twice counts as common
def test_the_trigram_search_finds_exactly_what_like_finds(rows, dense, monkeypatch):
    monkeypatch.setattr(text_search, "DENSE", dense)
    for q in SEARCHES:
        assert _found(q, indexed=True) == _found(q, indexed=False), q
    assert _found("成都华西", indexed=True)[0]  # it finds something at all


def test_the_index_answers_on_sqlite_and_short_searches_use_like(rows, monkeypatch):
    if is_postgres():
        pytest.skip("PostgreSQL searches through pg_trgm (tests/engine/test_search_index.py)")
    long = str(queries.task_query(MANAGER, queries.TaskFilter(q="成都华西")).compile(db.engine))
    short = str(queries.task_query(MANAGER, queries.TaskFilter(q="成都")).compile(db.engine))
    assert "task_search MATCH" in long and "MATCH" not in short
    assert "instance_search MATCH" in str(queries.instance_query(q="FAU-2026").compile(db.engine))
    monkeypatch.setattr(text_search, "DENSE", 1)  # a word more rows hold than that: LIKE over the ordered index
    assert "MATCH" not in str(queries.task_query(MANAGER, queries.TaskFilter(q="成都华西")).compile(db.engine))
    assert "MATCH" in str(queries.task_query(MANAGER, queries.TaskFilter(q="FAU-2026-00001")).compile(db.engine))


def test_the_index_follows_every_write(rows):
    if is_postgres():
        pytest.skip("SQLite's FTS5 tables")
    task = db.session.get(Task, "task-001")
    task.customer_name = "绵阳新客户"
    db.session.get(Instance, 1).customer_name = "绵阳新客户"
    db.session.delete(db.session.get(Task, "task-002"))
    db.session.commit()
    assert _found("绵阳新客", indexed=True) == _found("绵阳新客", indexed=False) == (["task-001"], [1], ["task-001"])
    assert "task-002" not in _found("重庆东方", indexed=True)[0]
    assert _found("成都华西", indexed=True) == _found("成都华西", indexed=False)
    indexed = db.session.execute(sa.text("SELECT count(*) FROM task_search")).scalar_one()
    assert indexed == db.session.execute(sa.text("SELECT count(*) FROM task")).scalar_one()


def test_an_older_database_gets_its_index_filled_from_the_rows_already_there(rows):
    if is_postgres():
        pytest.skip("SQLite's FTS5 tables")
    with db.engine.begin() as conn:
        for name in ("task_search", "task_search_key", "instance_search"):
            conn.exec_driver_sql(f"DROP TABLE {name}")
        for trigger in ("task_search_insert", "task_search_update", "task_search_delete", "instance_search_insert",
                        "instance_search_update", "instance_search_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    assert text_search.sqlite_indexes()
    for q in ("成都华西", "ACME", "FAU-2026-0001"):
        assert _found(q, indexed=True) == _found(q, indexed=False), q


def test_the_case_list_search_box_finds_the_same_cases_through_the_index(rows, monkeypatch):
    from workflows.records import case_search
    for i, (serial, data) in enumerate([("SN-ABC-0001", {"customer_contact": "王建国", "phone": 13800001111}),
                                        ("sn-abc-0002", {"contact_person": "李 四", "customer_phone": "028-1234"}),
                                        (None, {"contact": "ACME 王", "other": "王建国"})], start=1):
        case = db.session.get(Instance, i)
        case.equipment_serial, case.data = serial, data
    db.session.commit()

    def found(q: str, dense: int) -> list[int]:
        monkeypatch.setattr(text_search, "DENSE", dense)
        query = sa.select(Instance.id).where(case_search._text_matches(q)).order_by(Instance.id)
        return list(db.session.execute(query).scalars())

    for q in ("王建国", "SN-ABC", "abc-000", "13800001111", "0001111", "李 四", "028-12", "ACME 王", "成都华西",
              "FAU-2026-0000", "不存在的", "王", "1\n0"):
        assert found(q, text_search.DENSE) == found(q, 0), q  # DENSE 0: the index set aside
    assert found("王建国", text_search.DENSE) == [1]
