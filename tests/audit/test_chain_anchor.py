"""The audit chains hold against someone who can write to the database: a rewritten event whose
later hashes and stream head were recomputed (the append-only trigger disabled, as a superuser
can) fails verification, naming the stream; every broken stream is reported; chains written
before the audit key existed are sealed once and still verify."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.audit import anchor
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db, is_postgres
from engine.models import AuditEvent, AuditStream
from web.cli import main

TRIGGER = "audit_event_append_only"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _case(deploy, users, amount: str = "100"):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", actor=users["sales1"],
                                   data={"customer_name": "成都重工", "amount": amount})
    [review] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=review.id, data={"approved": True, "comment": "同意"}, actor=users["desk1"])
    return case


def rewrite_as_a_dba(stream: str, seq: int, change: dict, *, key: bytes | None = None) -> None:
    """Edit event `seq`'s data, recompute every later hash (plain SHA-256: the DBA has the code,
    not the key, unless given one to guess with), and move the head and the seal's head along."""
    with transaction():
        if is_postgres():
            db.session.execute(sa.text(f"ALTER TABLE audit_event DISABLE TRIGGER {TRIGGER}"))
        events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.stream == stream)
                                    .order_by(AuditEvent.seq)).scalars().all()
        prev = audit.GENESIS
        for event in events:
            if event.seq == seq:
                event.data = {**event.data, **change}
            if event.seq >= seq:
                event.prev_hash = prev
                event.hash = audit.event_hash(prev, audit._body(event), key)
            prev = event.hash
        db.session.get(AuditStream, stream).last_hash = prev
        seal = anchor.seal_of(stream)
        if seal is not None:
            seal.last_hash = prev
        if is_postgres():
            db.session.execute(sa.text(f"ALTER TABLE audit_event ENABLE TRIGGER {TRIGGER}"))


def test_a_rewrite_with_every_later_hash_recomputed_fails_naming_the_stream(deploy, users, runner):
    case = _case(deploy, users)
    stream = audit.instance_stream(case.id)
    assert audit.verify_all().ok
    first_data = audit.events_of(case.id)[0].data
    rewrite_as_a_dba(stream, 1, {"start_data": {**first_data["start_data"], "amount": "99999.00"}})
    db.session.expire_all()
    assert audit.events_of(case.id)[0].data["start_data"]["amount"] == "99999.00"  # the rewrite is in
    verdict = audit.verify_all()
    assert not verdict.ok and verdict.stream == stream and verdict.first_bad_seq == 1
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1 and f"FAILED: {stream} event 1" in result.output


def test_a_guessed_key_or_a_deleted_seal_does_not_help(deploy, users):
    case = _case(deploy, users)
    stream = audit.instance_stream(case.id)
    rewrite_as_a_dba(stream, 2, {"note": "added"}, key=b"guessed")
    assert audit.verify_stream(stream).first_bad_seq == 2
    with transaction():
        db.session.delete(anchor.seal_of(stream))
    verdict = audit.verify_stream(stream)
    assert not verdict.ok and verdict.stream == stream


def test_every_broken_stream_is_reported(deploy, users, runner):
    first, second, intact = (_case(deploy, users, amount) for amount in ("100", "200", "300"))
    for case in (first, second):
        rewrite_as_a_dba(audit.instance_stream(case.id), 2, {"comment": "changed"})
    verdict = audit.verify_all()
    assert [b.stream for b in verdict.broken] == [audit.instance_stream(first.id), audit.instance_stream(second.id)]
    assert audit.verify_stream(audit.instance_stream(intact.id)).ok
    output = runner.invoke(main, ["audit", "verify"]).output
    assert audit.instance_stream(first.id) in output and audit.instance_stream(second.id) in output
    assert "2 broken stream(s)" in output


def test_chains_written_before_the_key_are_sealed_once_and_still_verify(deploy, users, runner):
    key = anchor.current_key()
    anchor.use_key(None)  # an older release: plain SHA-256 chains, no seals
    try:
        legacy = _case(deploy, users)
    finally:
        anchor.use_key(key)
    stream = audit.instance_stream(legacy.id)
    assert anchor.seal_of(stream) is None
    assert "not sealed" in audit.verify_stream(stream).problem
    result = runner.invoke(main, ["audit", "seal-legacy"])
    assert result.exit_code == 0 and "stream(s) sealed" in result.output
    assert audit.verify_all().ok
    [ready] = queries.tasks_of(legacy.id, "ready")  # the legacy case runs on, keyed from here
    commands.complete_task(task_id=ready.id, data={}, actor=users["sales1"])
    seal = anchor.seal_of(stream)
    assert seal.since_seq > 1 and audit.verify_all().ok
    rewrite_as_a_dba(stream, 1, {"start_data": {"amount": "1"}})  # the plain part, recomputed
    assert not audit.verify_stream(stream).ok
