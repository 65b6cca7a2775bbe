"""Create the schema, and bring an existing database up to the code's tables: a newer release adds
tables, columns and indexes (additively — never a drop or a type change), so `aftercare init` on an
older database upgrades it in place. On PostgreSQL the audit table refuses UPDATE and DELETE at the
database level."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from engine import attachments, identity, incidents, login_attempts, text_search  # noqa: F401 - their tables must exist
from engine.audit import anchor  # noqa: F401 - the seals' table must exist
from engine.db import db, is_postgres
from engine.timers import outbox  # noqa: F401 - attachments, outbox: their tables must exist

log = logging.getLogger(__name__)
AUDIT_GUARD = """
CREATE OR REPLACE FUNCTION aftercare_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION aftercare_audit_append_only();
"""


# substring search (`LIKE '%…%'` on case numbers and customers) through a trigram index on PostgreSQL
# (on SQLite, FTS5 trigram tables: engine/text_search.py)
SEARCHED = (("task", "case_number"), ("task", "customer_name"), ("instance", "case_number"),
            ("instance", "customer_name"), ("instance", "equipment_serial"),
            ("instance", text_search.CONTACTS_SQL))  # the contacts written in the case data, one text


def create_all() -> None:
    db.create_all()
    upgrade_additively()
    if is_postgres():
        with db.engine.begin() as conn:
            conn.execute(sa.text(AUDIT_GUARD))
        trigram_indexes()
    else:
        text_search.sqlite_indexes()
    identity.sync_roles()
    db.session.commit()


def trigram_indexes() -> bool:
    """Index the searched columns with pg_trgm (the extension lives in `public`, so a schema dropped
    later never takes it along). Without the right to create the extension the search still works,
    scanning; returns whether the indexes exist."""
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        with db.engine.begin() as conn:
            for table, column in SEARCHED:
                name = "contacts" if column == text_search.CONTACTS_SQL else column
                conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS ix_{table}_{name}_trgm ON {table} "
                                     f"USING gin (({column}) public.gin_trgm_ops)"))
    except sa.exc.DBAPIError as exc:
        log.warning("no trigram search indexes (pg_trgm cannot be used here): %s", str(exc).splitlines()[0])
        return False
    return True


def is_initialised() -> bool:
    return sa.inspect(db.engine).has_table("model_version")


def _index_names(table: str) -> set[str]:
    """The indexes a table has — those on expressions too, which SQLAlchemy's inspector leaves out."""
    if is_postgres():
        query = "SELECT indexname FROM pg_indexes WHERE tablename = :t AND schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
    with db.engine.connect() as conn:
        return set(conn.execute(sa.text(query), {"t": table}).scalars())


def upgrade_additively() -> list[str]:
    """Add the columns and indexes the code declares that an existing table lacks. A new column is
    added nullable (or with its server default), since rows already there have no value for it."""
    inspector = sa.inspect(db.engine)
    existing_tables = set(inspector.get_table_names())
    statements: list[str] = []
    preparer = db.engine.dialect.identifier_preparer
    for table in db.metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=db.engine.dialect)
            default = ""
            if column.server_default is not None and hasattr(column.server_default, "arg"):
                arg = column.server_default.arg
                default = f" DEFAULT {arg.text if hasattr(arg, 'text') else repr(str(arg))}"
            statements.append(f"ALTER TABLE {preparer.quote(table.name)} ADD COLUMN "
                              f"{preparer.quote(column.name)} {kind}{default}")
        indexes = _index_names(table.name)
        missing = [index for index in table.indexes if index.name and index.name not in indexes]
        statements.extend(str(sa.schema.CreateIndex(index).compile(dialect=db.engine.dialect))
                          for index in missing)
    if statements:
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    return statements
