"""The audit log is hash-chained per case: any edit or deletion is caught by `aftercare audit verify`."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.audit import chain as audit
from engine.db import db
from web.cli import main as cli


def _finished_case(deploy, users):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "华东"}, actor=users["sales1"])
    [review] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=review.id, data={"approved": True, "comment": "同意"}, actor=users["desk1"])
    [notify] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=notify.id, data={}, actor=users["sales1"])
    return case.id


def _as_dba(statement: str, **params) -> None:
    """Change audit rows behind the application's back (on PostgreSQL the trigger must go first)."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(sa.text(statement), params)
        if postgres:
            conn.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def _verify(app):
    return app.test_cli_runner().invoke(cli, ["audit", "verify"])


def test_intact_history_verifies(app, deploy, users):
    case_id = _finished_case(deploy, users)
    result = _verify(app)
    assert result.exit_code == 0 and result.output.startswith("ok:")
    types = [e.type for e in audit.events_of(case_id)]
    assert types == ["instance_started", "element_completed", "task_ready", "task_completed", "gateway_taken",
                     "task_ready", "task_completed", "element_completed", "instance_completed"]


def test_edited_submitted_data_fails_at_that_event(app, deploy, users):
    case_id = _finished_case(deploy, users)
    target = next(e for e in audit.events_of(case_id) if e.type == "task_completed")
    forged = dict(target.data)
    forged["submitted"] = {**forged["submitted"], "comment": "不同意"}
    _as_dba("UPDATE audit_event SET data = :d WHERE id = :id", d=json.dumps(forged, ensure_ascii=False), id=target.id)
    result = _verify(app)
    assert result.exit_code == 1
    assert f"instance:{case_id} event {target.seq}: event content does not match its hash" in result.output


def test_deleted_event_fails_at_the_gap(app, deploy, users):
    case_id = _finished_case(deploy, users)
    victim = audit.events_of(case_id)[4]
    _as_dba("DELETE FROM audit_event WHERE id = :id", id=victim.id)
    result = _verify(app)
    assert result.exit_code == 1 and f"event {victim.seq}: event {victim.seq} is missing" in result.output


def test_deleting_the_newest_event_is_caught_by_the_stream_head(app, deploy, users):
    case_id = _finished_case(deploy, users)
    last = audit.events_of(case_id)[-1]
    _as_dba("DELETE FROM audit_event WHERE id = :id", id=last.id)
    verdict = audit.verify_all()
    assert not verdict.ok and verdict.first_bad_seq == last.seq


def test_deployments_are_audited_in_the_system_stream(deploy, users):
    deploy("t_approval")
    [event] = [e for e in db.session.execute(sa.select(audit.AuditEvent)).scalars() if e.stream == "system"]
    assert event.type == "model_deployed" and event.actor == "owner1"
    assert event.data["process_id"] == "t_approval" and event.data["version"] == 1


@pytest.mark.postgres_only
def test_postgres_refuses_update_and_delete_of_audit_rows(deploy, users):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    case_id = _finished_case(deploy, users)
    for statement in ("UPDATE audit_event SET actor = 'x' WHERE stream = :s",
                      "DELETE FROM audit_event WHERE stream = :s"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement), {"s": f"instance:{case_id}"})
