"""`aftercare init` on a database made by an older release adds what the code now declares."""
from __future__ import annotations

import sqlalchemy as sa

from engine import schema
from engine.db import db

INDEX = "ix_notification_user_read"  # on (username, read_at, created_at)


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def _indexes(table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(db.engine).get_indexes(table)}


def test_a_column_and_index_missing_from_an_older_database_are_added(ctx):
    db.session.remove()
    with db.engine.begin() as conn:  # the table as an older release made it
        conn.execute(sa.text(f"DROP INDEX {INDEX}"))
        conn.execute(sa.text("ALTER TABLE notification DROP COLUMN read_at"))
    assert "read_at" not in _columns("notification") and INDEX not in _indexes("notification")

    added = schema.upgrade_additively()

    assert "read_at" in _columns("notification") and INDEX in _indexes("notification")
    assert len(added) == 2
    assert schema.upgrade_additively() == []  # a second run finds nothing to do
