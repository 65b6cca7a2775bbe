"""Substring search (a part of a case number or a customer's name) through an index on either database.

PostgreSQL answers `LIKE '%…%'` from the pg_trgm indexes `schema.trigram_indexes` creates. SQLite has
no such index for LIKE, so it keeps an FTS5 table with the trigram tokenizer beside the task and case
tables, filled and kept in step by triggers (whatever writes those columns, the triggers follow).
A search of three characters or more first asks the FTS table for the rows that may match, then the
same LIKE as before confirms each — so the rows found are exactly the rows LIKE finds, only sooner.
Shorter searches (a trigram index cannot answer them), and searches for a word so common that more
than DENSE rows hold it (walking the list's ordered index meets a page of matches sooner than
fetching and sorting them all), use LIKE alone."""
from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa

from engine.db import db

log = logging.getLogger(__name__)
MIN_INDEXED = 3  # characters: the trigram index answers nothing shorter
DENSE = 2000  # rows: a search matching more uses LIKE over the list's ordered index instead
COLUMNS = ("case_number", "customer_name")

# task ids are text, so the FTS rows are keyed by a stable integer kept in task_search_key (a VACUUM may
# renumber the rowids of a table without an INTEGER PRIMARY KEY); cases are keyed by their id
_TASK = """
CREATE TABLE IF NOT EXISTS task_search_key (id INTEGER PRIMARY KEY, task_id VARCHAR(36) NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS task_search USING fts5(case_number, customer_name, tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS task_search_insert AFTER INSERT ON task BEGIN
  INSERT OR IGNORE INTO task_search_key(task_id) VALUES (new.id);
  DELETE FROM task_search WHERE rowid = (SELECT id FROM task_search_key WHERE task_id = new.id);
  INSERT INTO task_search(rowid, case_number, customer_name)
    VALUES ((SELECT id FROM task_search_key WHERE task_id = new.id), new.case_number, new.customer_name);
END;
CREATE TRIGGER IF NOT EXISTS task_search_update AFTER UPDATE OF case_number, customer_name ON task BEGIN
  UPDATE task_search SET case_number = new.case_number, customer_name = new.customer_name
    WHERE rowid = (SELECT id FROM task_search_key WHERE task_id = new.id);
END;
CREATE TRIGGER IF NOT EXISTS task_search_delete AFTER DELETE ON task BEGIN
  DELETE FROM task_search WHERE rowid = (SELECT id FROM task_search_key WHERE task_id = old.id);
  DELETE FROM task_search_key WHERE task_id = old.id;
END;
"""
_TASK_FILL = """
INSERT OR IGNORE INTO task_search_key(task_id) SELECT id FROM task;
INSERT INTO task_search(rowid, case_number, customer_name)
  SELECT k.id, t.case_number, t.customer_name FROM task t JOIN task_search_key k ON k.task_id = t.id;
"""
# the case list's search box also reads the equipment serial and the contacts written in the case data
# (workflows/records/case_search.py), one line each in `contacts`
CONTACT_FIELDS = ("customer_contact", "customer_phone", "contact", "contact_person", "phone")
# PostgreSQL: the same contacts as one text, the expression its trigram index is built on (immutable:
# JSON ->> and ||), which a search repeats word for word so the index serves it
def contacts_sql(table: str = "") -> str:
    """That expression, its column named through `table` when given (as a query over several tables
    writes it; PostgreSQL matches it to the index either way)."""
    column = f"{table}.data" if table else "data"
    return " || ' ' || ".join(f"coalesce({column} ->> '{name}', '')" for name in CONTACT_FIELDS)


CONTACTS_SQL = contacts_sql()
_CONTACTS = " || char(10) || ".join(f"coalesce(json_extract({{row}}.data, '$.\"{name}\"'), '')"
                                    for name in CONTACT_FIELDS)
_INSTANCE = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS instance_search USING fts5(case_number, customer_name, equipment_serial,
  contacts, tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS instance_search_insert AFTER INSERT ON instance BEGIN
  DELETE FROM instance_search WHERE rowid = new.id;
  INSERT INTO instance_search(rowid, case_number, customer_name, equipment_serial, contacts)
    VALUES (new.id, new.case_number, new.customer_name, new.equipment_serial, {_CONTACTS.format(row="new")});
END;
CREATE TRIGGER IF NOT EXISTS instance_search_update
  AFTER UPDATE OF case_number, customer_name, equipment_serial, data ON instance BEGIN
  UPDATE instance_search SET case_number = new.case_number, customer_name = new.customer_name,
    equipment_serial = new.equipment_serial, contacts = {_CONTACTS.format(row="new")} WHERE rowid = new.id;
END;
CREATE TRIGGER IF NOT EXISTS instance_search_delete AFTER DELETE ON instance BEGIN
  DELETE FROM instance_search WHERE rowid = old.id;
END;
"""
_INSTANCE_FILL = f"""
INSERT INTO instance_search(rowid, case_number, customer_name, equipment_serial, contacts)
  SELECT id, case_number, customer_name, equipment_serial, {_CONTACTS.format(row="instance")} FROM instance;
"""
_KEYS = {"task": "SELECT k.task_id FROM task_search_key k JOIN task_search s ON s.rowid = k.id "
                 "WHERE task_search MATCH :m",
         "instance": "SELECT rowid FROM instance_search WHERE instance_search MATCH :m"}


def _exists(conn, name: str) -> bool:
    return conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": name}).first() is not None


def sqlite_indexes() -> bool:
    """Create the FTS5 trigram tables and their triggers (SQLite only), filling them from the rows
    already there the first time; returns whether they exist."""
    if db.engine.dialect.name != "sqlite":
        return False
    if sqlite3.sqlite_version_info < (3, 34):
        log.warning("no trigram search index: SQLite %s is older than 3.34", sqlite3.sqlite_version)
        return False
    with db.engine.begin() as conn:
        for table, create, fill in (("task", _TASK, _TASK_FILL), ("instance", _INSTANCE, _INSTANCE_FILL)):
            new = not _exists(conn, f"{table}_search")
            for statement in _statements(create):
                conn.exec_driver_sql(statement)
            if new:
                for statement in _statements(fill):
                    conn.exec_driver_sql(statement)
    return True


def _statements(script: str) -> list[str]:
    """The statements of a script (a trigger's body keeps its inner semicolons)."""
    out, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        joined = "\n".join(current).strip()
        if joined.endswith(";") and (not joined.upper().startswith("CREATE TRIGGER") or joined.endswith("END;")):
            out.append(joined)
            current = []
    return out


def _many(table: str, words: str) -> bool:
    """Whether more than DENSE rows match (the index then only adds work: matches are dense enough
    that the ordered scan LIKE does meets a page of them quickly)."""
    found = db.session.execute(sa.text(f"SELECT count(*) FROM (SELECT rowid FROM {table}_search "
                                       f"WHERE {table}_search MATCH :m LIMIT {DENSE + 1})"), {"m": words}).scalar_one()
    return found > DENSE


def _phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def candidates(table: str, q: str, fields: tuple[str, ...]):
    """A subquery of the ids (of `table`: task or instance) whose `fields` may contain `q`, from the
    FTS5 table — or None where it cannot help (PostgreSQL, no FTS5 table, a short or common word).
    A superset: the caller keeps its LIKE to confirm each."""
    if len(q) < MIN_INDEXED or db.engine.dialect.name != "sqlite" or not _exists(db.session, f"{table}_search"):
        return None
    words = "{" + " ".join(fields) + "} : " + _phrase(q)
    if _many(table, words):  # a common word: walking the list's ordered index finds a page sooner
        return None
    return sa.text(_KEYS[table]).bindparams(sa.bindparam("m", words, unique=True)).columns(sa.column("id"))


def contains(table: str, columns: tuple, q: str):
    """Rows where one of `columns` (of `table`: task or instance) contains `q`, as LIKE finds them."""
    like = sa.or_(*(column.contains(q, autoescape=True) for column in columns))
    found = candidates(table, q, tuple(column.key for column in columns))
    return like if found is None else sa.and_(columns[0].class_.id.in_(found), like)
