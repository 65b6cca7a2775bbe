"""Searching the inbox and the case list for part of a customer's name or a case number goes through
a trigram index on PostgreSQL, not a scan of every row."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import queries, schema
from engine.db import db, is_postgres
from engine.identity import Actor

MANAGER = Actor("manager1", frozenset({"service_manager"}))


def _plan(query) -> str:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    # an empty table would be scanned anyway: what is asked is whether an index can answer the search
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    return "\n".join(db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars())


def test_substring_search_uses_the_trigram_indexes(ctx):
    if not is_postgres():
        pytest.skip("trigram indexes are PostgreSQL's")
    assert schema.trigram_indexes()
    tasks = queries.task_query(MANAGER, queries.TaskFilter(status="any", q="华西"))
    assert "trgm" in _plan(tasks)
    cases = queries.instance_query(q="FAU-2026")
    assert "trgm" in _plan(cases)


def test_the_case_list_search_box_reads_each_place_through_its_index(ctx):
    """Number, customer, serial and the contacts written in the case data: each through its trigram
    index (the contacts' one is built on the very expression the search repeats)."""
    if not is_postgres():
        pytest.skip("trigram indexes are PostgreSQL's")
    from engine.models import Instance
    from workflows.records.case_search import _text_matches
    assert schema.trigram_indexes()
    plan = _plan(sa.select(Instance.id).where(_text_matches("王工 138")))
    for index in ("ix_instance_case_number_trgm", "ix_instance_customer_name_trgm",
                  "ix_instance_equipment_serial_trgm", "ix_instance_contacts_trgm"):
        assert index in plan, plan
