"""The one writer of audit events: append-only, hash-chained per stream (a case or the system).

hash = sha256(prev_hash || canonical JSON of the event). The stream head (last seq and hash) is
kept in `audit_stream`, so deleting the newest events is as detectable as editing an old one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.clock import isoformat, utc_naive
from engine.db import db, is_postgres
from engine.jsonutil import canonical, plain
from engine.models import AuditEvent, AuditStream, Instance

GENESIS = "0" * 64
SYSTEM_STREAM = "system"


def instance_stream(instance_id: int) -> str:
    return f"instance:{instance_id}"


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


def _body(event: AuditEvent) -> dict[str, Any]:
    return {
        "stream": event.stream, "seq": event.seq, "type": event.type, "at": isoformat(event.at),
        "actor": event.actor, "element_id": event.element_id, "task_id": event.task_id,
        "instance_id": event.instance_id, "data": event.data or {}, "state": event.state or {},
    }


def head(stream: str) -> AuditStream:
    """The stream's head (created if new). A case's stream is only written under the case's row
    lock, which already serializes its writers; other streams lock their head row on PostgreSQL."""
    if stream.startswith("instance:"):
        head = db.session.get(AuditStream, stream)
    else:
        query = sa.select(AuditStream).where(AuditStream.stream == stream)
        if is_postgres():
            query = query.with_for_update()
        head = db.session.execute(query).scalar_one_or_none()
    if head is None:
        head = AuditStream(stream=stream, last_seq=0, last_hash=GENESIS)
        db.session.add(head)
    return head


def append(stream: str, events: Iterable[dict[str, Any]], *, instance_id: int | None = None) -> list[AuditEvent]:
    """Append events (dicts with type, at, actor and optional element_id, task_id, data, state)."""
    top = head(stream)
    written = []
    for item in events:
        event = AuditEvent(
            stream=stream, instance_id=instance_id, seq=top.last_seq + 1, type=item["type"],
            at=utc_naive(item["at"]), actor=item["actor"], element_id=item.get("element_id"),
            task_id=item.get("task_id"), data=plain(item.get("data") or {}),
            state=plain(item.get("state") or {}), prev_hash=top.last_hash,
        )
        event.hash = event_hash(top.last_hash, _body(event))
        top.last_seq, top.last_hash, top.last_state = event.seq, event.hash, event.state
        db.session.add(event)
        written.append(event)
    db.session.flush()
    return written


@dataclass
class Verdict:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    stream: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "first_bad_seq": self.first_bad_seq,
                "stream": self.stream, "problem": self.problem}


def verify_stream(stream: str) -> Verdict:
    fresh = {"populate_existing": True}  # verify what is stored, not what this session remembers
    head = db.session.get(AuditStream, stream, populate_existing=True)
    rows = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)
        .execution_options(**fresh)).scalars()
    prev, expected_seq, count = GENESIS, 1, 0
    for event in rows:
        count += 1
        if event.seq != expected_seq:
            return Verdict(False, count, expected_seq, stream, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return Verdict(False, count, event.seq, stream, "link to the previous event is broken")
        if event_hash(prev, _body(event)) != event.hash:
            return Verdict(False, count, event.seq, stream, "event content does not match its hash")
        prev, expected_seq = event.hash, expected_seq + 1
    if head is None:
        if count:
            return Verdict(False, count, 1, stream, "stream head is missing")
        return Verdict(True, 0, stream=stream)
    if head.last_seq != count or head.last_hash != prev:
        return Verdict(False, count, count + 1 if head.last_seq > count else head.last_seq, stream,
                       f"stream head says {head.last_seq} events, found {count}")
    return Verdict(True, count, stream=stream)


def verify_all() -> Verdict:
    """Every stream, plus every case having a stream at all."""
    total = 0
    streams = set(db.session.execute(sa.select(AuditStream.stream)).scalars())
    streams |= set(db.session.execute(sa.select(AuditEvent.stream).distinct()).scalars())
    for stream in sorted(streams):
        verdict = verify_stream(stream)
        total += verdict.events
        if not verdict.ok:
            verdict.events = total
            return verdict
    orphan = db.session.execute(
        sa.select(Instance.id).where(~sa.exists().where(
            AuditStream.stream == sa.literal("instance:", sa.String) + sa.cast(Instance.id, sa.String)))
        .limit(1)).scalar_one_or_none()
    if orphan is not None:
        return Verdict(False, total, 1, instance_stream(orphan), "case has no audit history")
    return Verdict(True, total)


def events_of(instance_id: int) -> list[AuditEvent]:
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.stream == instance_stream(instance_id))
        .order_by(AuditEvent.seq)).scalars())


def last_state(stream: str) -> dict[str, Any]:
    """The element sets after the stream's newest event (read from its head, no event scan)."""
    return dict(head(stream).last_state or {})


def event_time(when: dt.datetime) -> dt.datetime:
    return utc_naive(when)
