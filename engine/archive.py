"""A case's full history as one signed document, and the archiving of finished cases.

The document carries every event with the fields its hash covers, so anyone holding it can
recompute the chain without our database; the signature (HMAC-SHA256 over the canonical JSON of
the document, keyed by the archive key) proves it left this system unchanged.

Retention: a finished case can be archived, which writes the signed document to the archive folder
and appends a `case_archived` event to the case's own chain. Archiving never deletes anything, and
there is no silent deletion at all: the case stays readable, replayable and verifiable.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine import loader, store
from engine.audit import anchor
from engine.audit import chain as audit
from engine.clock import isoformat, utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound
from engine.identity import Actor
from engine.jsonutil import canonical, plain
from engine.models import AuditEvent, Instance

FORMAT = "aftercare.case-history/1"
ALGORITHM = "HMAC-SHA256"
FINISHED = ("completed", "cancelled")
ARCHIVERS = ("archivist", "admin")


def key_id(key: bytes) -> str:
    """Names the key without revealing it, so a verifier knows which key to use."""
    return hashlib.sha256(b"aftercare-archive-key:" + key).hexdigest()[:16]


def _event_item(event: AuditEvent) -> dict[str, Any]:
    return {"stream": event.stream, "seq": event.seq, "type": event.type, "at": isoformat(event.at),
            "actor": event.actor, "element_id": event.element_id, "task_id": event.task_id,
            "instance_id": event.instance_id, "data": event.data or {}, "state": event.state or {},
            "prev_hash": event.prev_hash, "hash": event.hash}


def case_document(instance: Instance, *, now: dt.datetime, exported_by: str) -> dict[str, Any]:
    """The machine-readable history of one case, with its hashes and the chain's verdict."""
    events = audit.events_of(instance.id)
    model = loader.model(instance.model_version_id)
    return plain({
        "format": FORMAT,
        "exported_at": isoformat(now), "exported_by": exported_by,
        "case": {"id": instance.id, "case_number": instance.case_number, "process_id": instance.process_id,
                 "status": instance.status, "started_at": isoformat(instance.started_at),
                 "started_by": instance.started_by, "ended_at": isoformat(instance.ended_at),
                 "customer_name": instance.customer_name, "amount": instance.amount, "data": instance.data},
        "model": {"process_id": model.process_id, "version": model.version, "content_hash": model.content_hash,
                  "main_file": model.main_file},
        "chain": {"stream": audit.instance_stream(instance.id), "head": events[-1].hash if events else audit.GENESIS,
                  "events": len(events), **_keying(audit.instance_stream(instance.id)),
                  "verdict": audit.verify_stream(audit.instance_stream(instance.id)).to_dict()},
        "events": [_event_item(e) for e in events],
    })


def _keying(stream: str) -> dict[str, Any]:
    """From which event on the hashes are keyed with the audit key (HMAC), and which key."""
    seal = anchor.seal_of(stream)
    return {"keyed_from_seq": seal.since_seq, "audit_key_id": seal.key_id} if seal is not None else {}


def sign(document: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    body = {k: v for k, v in document.items() if k != "signature"}
    value = hmac.new(key, canonical(body).encode("utf-8"), hashlib.sha256).hexdigest()
    return {**body, "signature": {"algorithm": ALGORITHM, "key_id": key_id(key), "value": value}}


@dataclass
class DocumentVerdict:
    ok: bool
    signature_ok: bool | None
    chain_ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "signature_ok": self.signature_ok, "chain_ok": self.chain_ok,
                "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def _chain_problem(events: list[Mapping[str, Any]], keyed_from: int | None,
                   audit_key: bytes | None) -> tuple[int | None, str | None]:
    """Keyed events are recomputed with the audit key when it is at hand; without it only their
    links are checked (the archive signature still covers them)."""
    prev, expected = audit.GENESIS, 1
    for item in events:
        body = {k: item.get(k) for k in ("stream", "seq", "type", "at", "actor", "element_id", "task_id",
                                         "instance_id", "data", "state")}
        if item.get("seq") != expected:
            return expected, f"event {expected} is missing"
        if item.get("prev_hash") != prev:
            return item["seq"], "link to the previous event is broken"
        keyed = keyed_from is not None and item["seq"] >= keyed_from
        if (not keyed or audit_key is not None) and \
                audit.event_hash(prev, body, audit_key if keyed else None) != item.get("hash"):
            return item["seq"], "event content does not match its hash"
        prev, expected = item["hash"], expected + 1
    return None, None


def verify_document(document: Mapping[str, Any], key: bytes | None,
                    audit_key: bytes | None = None) -> DocumentVerdict:
    """Check an exported document on its own: its hash chain (keyed hashes with the audit key, this
    server's by default), and its signature when a key is given."""
    chain = document.get("chain") or {}
    if audit_key is None and chain.get("audit_key_id"):
        current = anchor.current_key()
        audit_key = current if current is not None and anchor.key_id(current) == chain["audit_key_id"] else None
    signature_ok = None
    if key is not None:
        given = (document.get("signature") or {}).get("value", "")
        signature_ok = hmac.compare_digest(sign(document, key)["signature"]["value"], str(given))
    events = list(document.get("events") or [])
    bad_seq, problem = _chain_problem(events, chain.get("keyed_from_seq"), audit_key)
    head = (document.get("chain") or {}).get("head")
    if bad_seq is None and events and head != events[-1].get("hash"):
        bad_seq, problem = len(events), "the chain head does not match the last event"
    if signature_ok is False and problem is None:
        problem = "the signature does not match the document"
    return DocumentVerdict(bool(signature_ok is not False and bad_seq is None), signature_ok, bad_seq is None,
                           bad_seq, problem)


# ---------------------------------------------------------------- archiving
@dataclass
class Archived:
    instance_id: int
    case_number: str | None
    path: Path
    sha256: str
    events: int


def archived_event(instance_id: int) -> AuditEvent | None:
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.instance_stream(instance_id), AuditEvent.type == "case_archived")
        .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()


def _write_new(path: Path, content: bytes) -> None:
    """Write once: an archive file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _free_path(directory: Path, stem: str, digest: str) -> Path:
    """The case number names the file; a file of that name left by another database sharing the
    folder (or by an earlier installation) is never overwritten: this one takes its digest too."""
    path = directory / f"{stem}.json"
    return path if not path.exists() else directory / f"{stem}-{digest[:16]}.json"


def archive_case(instance_id: int, *, key: bytes, actor: Actor, now: dt.datetime, directory: Path) -> Archived:
    """Archive one finished case: the signed document goes to `directory`, the act into the chain."""
    if not actor.has_role(*ARCHIVERS):
        raise Forbidden("archiving a case needs the archivist role", instance_id=instance_id)
    if db.session.get(Instance, instance_id) is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    with transaction():
        instance = store.lock(instance_id)
        if instance.status not in FINISHED:
            raise Conflict(f"only finished cases can be archived; this one is {instance.status}",
                           instance_id=instance_id, status=instance.status)
        previous = archived_event(instance_id)
        if previous is not None:
            raise Conflict(f"the case was already archived at {isoformat(previous.at)}", instance_id=instance_id,
                           file=(previous.data or {}).get("file"))
        document = sign(case_document(instance, now=now, exported_by=actor.username), key)
        content = canonical(document).encode("utf-8")
        digest = hashlib.sha256(content).hexdigest()
        path = _free_path(directory, f"{instance.case_number or instance.id}", digest)
        _write_new(path, content)
        try:
            _record_archiving(instance, document, digest, path, actor, now)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return Archived(instance.id, instance.case_number, path, digest, document["chain"]["events"])


def _record_archiving(instance: Instance, document, digest: str, path: Path, actor: Actor, now) -> None:
    stream = audit.instance_stream(instance.id)
    state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
    data = {"file": path.name, "sha256": digest, "events": document["chain"]["events"],
            "head": document["chain"]["head"], "key_id": document["signature"]["key_id"]}
    audit.append(stream, [{"type": "case_archived", "at": now, "actor": actor.username, "data": data,
                           "state": state}], instance_id=instance.id)
    audit.append(audit.SYSTEM_STREAM, [{"type": "case_archived", "at": now, "actor": actor.username,
                                        "data": {"case_number": instance.case_number, **data}}])


def finished_unarchived(*, ended_before: dt.datetime) -> list[int]:
    """Finished cases ended before a time and not archived yet (the retention run)."""
    archived = sa.select(AuditEvent.instance_id).where(AuditEvent.type == "case_archived",
                                                        AuditEvent.instance_id.is_not(None))
    return list(db.session.execute(sa.select(Instance.id).where(
        Instance.status.in_(FINISHED), Instance.ended_at < utc_naive(ended_before),
        Instance.id.not_in(archived)).order_by(Instance.id)).scalars())
