"""What ties the hash chains to something the database does not hold: the audit key.

Someone who can write to the database can rewrite an event and recompute every later SHA-256 hash
and the stream head. With the key (a file or an environment setting on the application servers,
never in the database) the events are hashed with HMAC-SHA256 instead, and every stream's head is
sealed: a MAC over (stream, first keyed seq, last seq, last hash) kept in `audit_seal`. Without the
key neither can be recomputed, so such a rewrite fails verification at the rewritten event, and a
deleted or rolled-back seal fails at the stream's head.

Chains written before the key existed stay as they are (plain SHA-256 up to `since_seq`), and are
sealed once (`aftercare audit seal-legacy`, also run by `aftercare init`): from then on their heads
are anchored as well, and what is appended to them is keyed.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import db
from engine.jsonutil import canonical
from engine.models import AuditStream


class AuditSeal(db.Model):
    """The keyed seal of one stream's head (see the module's docstring)."""

    __tablename__ = "audit_seal"
    stream: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    since_seq: Mapped[int]  # events from this seq on are HMAC-keyed; earlier ones are plain SHA-256
    last_seq: Mapped[int]
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    key_id: Mapped[str] = mapped_column(sa.String(16))
    mac: Mapped[str] = mapped_column(sa.String(64))


_key: bytes | None = None


def use_key(key: bytes | None) -> None:
    """Set at start-up by the application (nothing here reads configuration)."""
    global _key
    _key = key


def current_key() -> bytes | None:
    return _key


def key_id(key: bytes) -> str:
    """Names the key without revealing it."""
    return hashlib.sha256(b"aftercare-audit-key:" + key).hexdigest()[:16]


def load_or_create_key(path: Path) -> bytes:
    """The key kept in `path` (hex), generated there (mode 0600) on first use."""
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    with open(path, "x") as handle:
        handle.write(key.hex())
    path.chmod(0o600)
    return key


def replace_key_file(path: Path, key: bytes) -> None:
    """Put `key` in `path` (restoring a backup into an empty database: its chains use that key)."""
    if path.exists() and path.read_text().strip() == key.hex():
        return
    if path.exists():
        path.replace(path.with_name(path.name + ".replaced"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x") as handle:
        handle.write(key.hex())
    path.chmod(0o600)


def keyed_hash(key: bytes, prev_hash: str, body_text: str) -> str:
    return hmac.new(key, (prev_hash + body_text).encode("utf-8"), hashlib.sha256).hexdigest()


def seal_mac(key: bytes, stream: str, since_seq: int, last_seq: int, last_hash: str) -> str:
    body = canonical({"stream": stream, "since_seq": since_seq, "last_seq": last_seq, "last_hash": last_hash})
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_of(stream: str, *, fresh: bool = False) -> AuditSeal | None:
    return db.session.get(AuditSeal, stream, populate_existing=fresh)


def write_seal(stream: str, since_seq: int, last_seq: int, last_hash: str, key: bytes) -> AuditSeal:
    row = seal_of(stream)
    if row is None:
        row = AuditSeal(stream=stream)
        db.session.add(row)
    row.since_seq, row.last_seq, row.last_hash = since_seq, last_seq, last_hash
    row.key_id, row.mac = key_id(key), seal_mac(key, stream, since_seq, last_seq, last_hash)
    return row


def seal_problem(row: AuditSeal, key: bytes) -> str | None:
    """Why a seal does not hold, or None."""
    if row.key_id != key_id(key):
        return f"the stream was sealed with another audit key (key id {row.key_id}, this server has {key_id(key)})"
    expected = seal_mac(key, row.stream, row.since_seq, row.last_seq, row.last_hash)
    if not hmac.compare_digest(expected, row.mac):
        return "the stream's seal does not match its head (rewritten or rolled back without the audit key)"
    return None


def unsealed_streams() -> list[str]:
    """Streams holding events but no seal (written before the key existed)."""
    query = sa.select(AuditStream.stream).where(AuditStream.last_seq > 0, ~sa.exists().where(
        AuditSeal.stream == AuditStream.stream)).order_by(AuditStream.stream)
    return list(db.session.execute(query).scalars())
