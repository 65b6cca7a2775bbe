"""The inbox and the case list page by cursor: walking forward (or back) by the cursors each page gives
out shows every row exactly once, in the list's order, on SQLite and PostgreSQL alike; a cursor the
list did not give out is refused with a clear message; tab counts are the true counts up to the cap."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine import keyset, queries
from engine.db import db
from engine.identity import Actor
from engine.models import Instance, ModelVersion, Task

MANAGER = Actor("manager1", frozenset({"service_manager"}))
DESK = Actor("desk1", frozenset({"service_desk"}))
T0 = dt.datetime(2026, 3, 1, 8, 0)


def seed(count: int = 40) -> None:
    """Open tasks with ties and gaps in every sort column: shared priorities, due times and creation
    times, no due time, no priority, no case number."""
    model = ModelVersion(process_id="p", version=1, name="p", content_hash="0" * 64, main_file="x.bpmn",
                         sources={}, forms={}, deployed_by="t", deployed_at=T0)
    db.session.add(model)
    db.session.flush()
    for i in range(1, count + 1):
        number = None if i % 11 == 0 else f"FAU-2026-{i % 17:04d}-{i}"
        db.session.add(Instance(id=i, case_number=number, process_id="p", model_version_id=model.id,
                                status="running", state="{}", data={}, customer_name=f"客户{i % 5}",
                                started_by="sales1", started_at=T0, updated_at=T0))
        db.session.flush()
        db.session.add(Task(id=f"task-{i:03d}", instance_id=i, process_id="p", element_id="e", name="n",
                            role="service_desk" if i % 3 else "engineer", assignee="desk1" if i % 4 == 0 else None,
                            status="ready", created_at=T0 + dt.timedelta(minutes=i % 6),
                            due_at=None if i % 7 == 0 else T0 + dt.timedelta(hours=i % 5),
                            priority=None if i % 2 else i % 3, case_number=number, customer_name=f"客户{i % 5}"))
    db.session.commit()


def walk(query, order, per_page: int) -> tuple[list, list[str]]:
    """Every row, following next_cursor from the first page; and the cursors back from each page."""
    seen, backs, cursor = [], [], None
    while True:
        page = queries.paginate_by_cursor(query, order, cursor, per_page)
        seen.extend(row.id for row in page.items)
        backs.append(page.prev_cursor)
        if page.next_cursor is None:
            return seen, backs
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["due", "age", "case"])
@pytest.mark.parametrize("scope,actor", [("all", MANAGER), ("role", DESK)])
def test_walking_by_cursor_shows_every_task_once_in_order(users, sort, scope, actor):
    seed()
    query = queries.task_query(actor, queries.TaskFilter(scope=scope, sort=sort))
    everything = [t.id for t in db.session.execute(query).scalars()]
    assert len(everything) > 10
    seen, _ = walk(query, queries.task_order(sort), per_page=4)
    assert seen == everything


def test_walking_back_by_cursor_shows_the_same_pages(users):
    seed()
    query = queries.task_query(MANAGER, queries.TaskFilter(scope="all"))
    order = queries.task_order("due")
    pages, cursor = [], None
    while True:
        page = queries.paginate_by_cursor(query, order, cursor, 6)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages[0].prev_cursor is None and all(p.prev_cursor for p in pages[1:])
    for before, after in zip(pages, pages[1:], strict=False):
        back = queries.paginate_by_cursor(query, order, after.prev_cursor, 6)
        assert [t.id for t in back.items] == [t.id for t in before.items]


def test_the_case_list_by_cursor_shows_every_case_once_newest_first(users):
    seed(30)
    query = queries.restrict_instances_to(sa.select(Instance), MANAGER)
    seen, _ = walk(query, queries.CASE_ORDER, per_page=7)
    assert seen == list(range(30, 0, -1))


def test_a_numbered_page_gives_the_cursor_that_continues_after_it(users):
    seed()
    query = queries.task_query(MANAGER, queries.TaskFilter(scope="all"))
    order = queries.task_order("due")
    numbered = queries.page_of(query, order, page=2, per_page=5, cursor=None)
    third = queries.page_of(query, order, page=1, per_page=5, cursor=numbered.next_cursor)
    assert [t.id for t in third.items] == [t.id for t in queries.paginate(query, 3, 5).items]


@pytest.mark.parametrize("cursor,why", [
    ("not a cursor!", "not a cursor this list gave out"),
    ("x" * 601, "longer than 600"),
    (keyset.encode(queries.task_order("age"), Task(created_at=T0, id="a")), "another sort order"),
])
def test_a_cursor_the_list_did_not_give_out_is_refused_clearly(users, cursor, why):
    seed(3)
    query = queries.task_query(MANAGER, queries.TaskFilter(scope="all"))
    with pytest.raises(keyset.InvalidCursor) as refused:
        queries.paginate_by_cursor(query, queries.task_order("due"), cursor, 5)
    assert why in refused.value.errors["cursor"][0]


def _forged(payload: str) -> str:
    import base64
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@pytest.mark.parametrize("payload", ['{"s":"new","d":"n","k":["7"]}', '{"s":"new","d":"n","k":[]}',
                                     '{"s":"new","d":"x","k":[7]}', '{"s":"new","d":"n","k":[null]}',
                                     '[1,2]', '{"s":"new","d":"n","k":[1e400]}', '{"s":"new","d":"n","k":[true]}'])
def test_a_forged_cursor_never_reaches_the_query(users, payload):
    with pytest.raises(keyset.InvalidCursor):
        queries.paginate_by_cursor(sa.select(Instance), queries.CASE_ORDER, _forged(payload), 5)


def test_tab_counts_are_the_true_counts_below_the_cap_and_stop_past_it(users, monkeypatch):
    seed()
    every = {scope: len(list(db.session.execute(queries.task_query(MANAGER, queries.TaskFilter(scope=scope)))))
             for scope in ("mine", "role", "all")}
    assert queries.task_counts(MANAGER, with_all=True) == every
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    capped = queries.task_counts(MANAGER, with_all=True)
    assert capped["all"] == 11 and every["all"] > 10  # "10+"
    desk = {scope: len(list(db.session.execute(queries.task_query(DESK, queries.TaskFilter(scope=scope)))))
            for scope in ("mine", "role")}
    assert desk["mine"] == 10 and desk["role"] > 10
    assert queries.task_counts(DESK) == {"mine": 10, "role": 11}  # ten exactly; more than ten
