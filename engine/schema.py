"""Create the schema. On PostgreSQL the audit table refuses UPDATE and DELETE at the database level."""
from __future__ import annotations

import sqlalchemy as sa

from engine import attachments, identity  # noqa: F401 - attachments, outbox: their tables must exist
from engine.audit import anchor  # noqa: F401 - the seals' table must exist
from engine.db import db, is_postgres
from engine.timers import outbox  # noqa: F401 - attachments, outbox: their tables must exist

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


def create_all() -> None:
    db.create_all()
    if is_postgres():
        with db.engine.begin() as conn:
            conn.execute(sa.text(AUDIT_GUARD))
    identity.sync_roles()
    db.session.commit()


def is_initialised() -> bool:
    return sa.inspect(db.engine).has_table("model_version")
