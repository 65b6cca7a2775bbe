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


SCRIPT = r"""
import importlib, pathlib, sys
import sqlalchemy as sa
from engine import schema
from engine.db import db
from web import create_app
app = create_app({"DATABASE_URL": "sqlite:///" + sys.argv[1], "TESTING": True, "SECRET_KEY": "x",
                  "AUDIT_KEY": "a1" * 32})
with app.app_context():
    schema.create_all()
    for path in sorted(p for room in ("engine", "workflows", "web") for p in pathlib.Path(room).rglob("*.py")):
        if "__tablename__" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.with_suffix("").parts))
    created = set(sa.inspect(db.engine).get_table_names())
    print(sorted(set(db.metadata.tables) - created))
"""


def test_the_app_creates_every_table_the_code_declares(tmp_path):
    """A table whose module the app does not import would be missing from a new database."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "fresh.db")], cwd=root, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
