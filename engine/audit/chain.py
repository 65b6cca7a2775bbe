"""The one writer of audit events: append-only, hash-chained per stream (a case or the system).

hash = HMAC-SHA256(audit key, prev_hash || canonical JSON of the event) — plain SHA-256 for the
events written before the audit key existed (see engine/audit/anchor.py). The stream head (last
seq and hash) is kept in `audit_stream` and sealed with the key in `audit_seal`, so deleting the
newest events is as detectable as editing an old one, even by someone who can write the database.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from engine.audit import anchor
from engine.clock import isoformat, utc_naive
from engine.db import db, is_postgres
from engine.jsonutil import canonical, plain
from engine.models import AuditEvent, AuditStream, Instance

GENESIS = "0" * 64
SYSTEM_STREAM = "system"


def instance_stream(instance_id: int) -> str:
    return f"instance:{instance_id}"


def event_hash(prev_hash: str, body: dict[str, Any], key: bytes | None = None) -> str:
    """SHA-256 of the link and the body; keyed (HMAC) when `key` is given."""
    if key is not None:
        return anchor.keyed_hash(key, prev_hash, canonical(body))
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


def _body(event: AuditEvent) -> dict[str, Any]:
    return {
        "stream": event.stream, "seq": event.seq, "type": event.type, "at": isoformat(event.at),
        "actor": event.actor, "element_id": event.element_id, "task_id": event.task_id,
        "instance_id": event.instance_id, "data": event.data or {}, "state": event.state or {},
    }


def head(stream: str) -> AuditStream:
    """The stream's head (created if new), read once per transaction together with its seal and the
    newest event's state (one statement). A case's stream is only written under the case's row lock,
    which already serializes its writers; other streams lock their head row on PostgreSQL."""
    known = db.session.identity_map.get(identity_key(AuditStream, stream))
    if stream.startswith("instance:") and known is not None and "last_seq" in known.__dict__:
        return known  # read in this transaction already (the case's lock is held)
    query = (sa.select(AuditStream, AuditEvent.state, anchor.AuditSeal)  # the seal lands in the session
             .outerjoin(anchor.AuditSeal, anchor.AuditSeal.stream == AuditStream.stream)
             .outerjoin(AuditEvent, sa.and_(AuditEvent.stream == AuditStream.stream,
                                            AuditEvent.seq == AuditStream.last_seq))
             .where(AuditStream.stream == stream))
    if is_postgres() and not stream.startswith("instance:"):
        query = query.with_for_update(of=AuditStream)
    found = db.session.execute(query.execution_options(populate_existing=True)).one_or_none()
    if found is None:
        top = AuditStream(stream=stream, last_seq=0, last_hash=GENESIS)
        db.session.add(top)
        top.newest_state = (0, {})
        return top
    top, state, seal = found
    top.newest_state = (top.last_seq, state or {})
    top.seal = seal  # held while the head is, so the session's (weak) identity map keeps it for the append
    return top


def append(stream: str, events: Iterable[dict[str, Any]], *, instance_id: int | None = None) -> list[AuditEvent]:
    """Append events (dicts with type, at, actor and optional element_id, task_id, data, state)."""
    top = head(stream)
    key, seal = anchor.current_key(), anchor.seal_of(stream)
    # keyed from the first event of a new stream, or from the seal of a sealed one; a legacy stream
    # not yet sealed stays plain until `seal-legacy` anchors it
    since = seal.since_seq if seal is not None else 1 if top.last_seq == 0 else None
    rows = []
    for item in events:
        event = AuditEvent(
            stream=stream, instance_id=instance_id, seq=top.last_seq + 1, type=item["type"],
            at=utc_naive(item["at"]), actor=item["actor"], element_id=item.get("element_id"),
            task_id=item.get("task_id"), data=plain(item.get("data") or {}),
            state=plain(item.get("state") or {}), prev_hash=top.last_hash,
        )
        keyed = key is not None and since is not None and event.seq >= since
        event.hash = event_hash(top.last_hash, _body(event), key if keyed else None)
        top.last_seq, top.last_hash = event.seq, event.hash
        top.newest_state = (event.seq, event.state)
        rows.append({column: getattr(event, column) for column in _COLUMNS})
    if key is not None and since is not None and rows:
        anchor.write_seal(stream, since, top.last_seq, top.last_hash, key)
    db.session.flush()
    if not rows:
        return []
    # one INSERT for the command's events (the ORM would send one per event on SQLite)
    written = db.session.scalars(sa.insert(AuditEvent).returning(AuditEvent), rows)
    return sorted(written, key=lambda event: event.seq)


_COLUMNS = ("stream", "instance_id", "seq", "type", "at", "actor", "element_id", "task_id", "data", "state",
            "prev_hash", "hash")


@dataclass
class Verdict:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    stream: str | None = None
    problem: str | None = None
    broken: list[Verdict] = field(default_factory=list)  # verify_all: every stream that failed

    def to_dict(self) -> dict[str, Any]:
        found = {"ok": self.ok, "events": self.events, "first_bad_seq": self.first_bad_seq,
                 "stream": self.stream, "problem": self.problem}
        if self.broken:
            found["broken"] = [{k: v for k, v in b.to_dict().items() if k != "ok"} for b in self.broken]
        return found


def _stored_events(stream: str):
    return db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)
        .execution_options(populate_existing=True)).scalars()  # what is stored, not what the session holds


def _chain_problem(stream: str, since: int | None, key: bytes | None) -> tuple[int, str, int | None, str | None]:
    """(events read, last hash, first bad seq, problem) of the stream's events."""
    prev, expected_seq, count = GENESIS, 1, 0
    for event in _stored_events(stream):
        count += 1
        if event.seq != expected_seq:
            return count, prev, expected_seq, f"event {expected_seq} is missing"
        if event.prev_hash != prev:
            return count, prev, event.seq, "link to the previous event is broken"
        keyed = since is not None and event.seq >= since
        if event_hash(prev, _body(event), key if keyed else None) != event.hash:
            return count, prev, event.seq, "event content does not match its hash"
        prev, expected_seq = event.hash, expected_seq + 1
    return count, prev, None, None


def verify_stream(stream: str) -> Verdict:
    head = db.session.get(AuditStream, stream, populate_existing=True)
    key, seal = anchor.current_key(), anchor.seal_of(stream, fresh=True)
    if seal is not None and key is None:
        return Verdict(False, 0, 1, stream, "verifying a keyed stream needs the audit key")
    count, last_hash, bad_seq, problem = _chain_problem(stream, seal.since_seq if seal else None, key)
    if problem:  # the rewritten event itself, when it can be told
        return Verdict(False, count, bad_seq, stream, problem)
    if head is None:
        if count:
            return Verdict(False, count, 1, stream, "stream head is missing")
        return Verdict(True, 0, stream=stream)
    if head.last_seq != count or head.last_hash != last_hash:
        return Verdict(False, count, count + 1 if head.last_seq > count else head.last_seq, stream,
                       f"stream head says {head.last_seq} events, found {count}")
    if seal is None and key is not None and count:
        return Verdict(False, count, 1, stream, "the stream is not sealed with the audit key (sealed chains "
                       "are written from the start; older ones are sealed by `aftercare audit seal-legacy`)")
    seal_problem = anchor.seal_problem(seal, key) if seal is not None else None
    if seal_problem:
        return Verdict(False, count, min(seal.last_seq, count), stream, seal_problem)
    if seal is not None and (seal.last_seq != count or seal.last_hash != last_hash):
        return Verdict(False, count, min(seal.last_seq, count) + 1, stream,
                       f"the sealed head says {seal.last_seq} events, found {count}")
    return Verdict(True, count, stream=stream)


def _orphans() -> list[int]:
    return list(db.session.execute(
        sa.select(Instance.id).where(~sa.exists().where(
            AuditStream.stream == sa.literal("instance:", sa.String) + sa.cast(Instance.id, sa.String)))
        .order_by(Instance.id)).scalars())


def verify_all() -> Verdict:
    """Every stream, plus every case having a stream at all; reports every broken stream."""
    total, broken = 0, []
    streams = set(db.session.execute(sa.select(AuditStream.stream)).scalars())
    streams |= set(db.session.execute(sa.select(AuditEvent.stream).distinct()).scalars())
    for stream in sorted(streams, key=_stream_order):
        verdict = verify_stream(stream)
        total += verdict.events
        if not verdict.ok:
            broken.append(verdict)
    broken += [Verdict(False, 0, 1, instance_stream(orphan), "case has no audit history") for orphan in _orphans()]
    if not broken:
        return Verdict(True, total)
    first = broken[0]
    return Verdict(False, total, first.first_bad_seq, first.stream, first.problem, broken)


def _stream_order(stream: str) -> tuple[int, str]:
    kind, _, number = stream.partition(":")
    return (int(number), kind) if number.isdigit() else (-1, stream)


def seal_legacy() -> list[str]:
    """Seal the streams written before the audit key existed, each after its plain chain verifies
    (run once after upgrading; `aftercare init` runs it). Returns the streams sealed; a stream that
    does not verify is left unsealed, so verification keeps reporting it."""
    key = anchor.current_key()
    if key is None:
        return []
    sealed = []
    for stream in anchor.unsealed_streams():
        count, last_hash, _bad, problem = _chain_problem(stream, None, None)
        top = db.session.get(AuditStream, stream)
        if problem is None and top is not None and top.last_seq == count and top.last_hash == last_hash:
            anchor.write_seal(stream, count + 1, count, last_hash, key)
            sealed.append(stream)
    db.session.flush()
    return sealed


def events_of(instance_id: int) -> list[AuditEvent]:
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.stream == instance_stream(instance_id))
        .order_by(AuditEvent.seq)).scalars())


def last_state(stream: str) -> dict[str, Any]:
    """The element sets after the stream's newest event (read with the stream's head, no event scan)."""
    return state_after(head(stream))


def state_after(top: AuditStream) -> dict[str, Any]:
    """The state of the newest event of the stream whose head this is."""
    seq, state = getattr(top, "newest_state", (None, None))
    if seq != top.last_seq:  # the head was read some other way (e.g. by a verification)
        db.session.expire(top)
        seq, state = head(top.stream).newest_state
    return dict(state or {})


def event_time(when: dt.datetime) -> dt.datetime:
    return utc_naive(when)
