"""Backup and restore: the whole database as a portable logical dump (every table's rows through
SQLAlchemy, so a SQLite backup restores into PostgreSQL and back), the archive folder and the audit
key, in one zip file.

The restore goes into an empty database only, checks that this server's archive key is the one the
archived files were signed with (their signatures would fail otherwise), and hands back the audit
key the chains were keyed with, so `audit verify` and the re-execution check pass on the restored
copy and its running cases carry on where they were.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa

from engine.audit import anchor
from engine.db import db, is_postgres
from engine.errors import Conflict, ValidationFailed

FORMAT = "aftercare.backup/1"
BATCH = 500
SETUP_TABLES = {"role"}  # filled by creating the schema; replaced by the backup's rows


@dataclass
class BackupSummary:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    archive_files: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# ---------------------------------------------------------------- values
def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column: sa.Column):
    """How a dumped value of `column` becomes a Python value again (by the column's type)."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    if isinstance(kind, sa.Numeric) and kind.asdecimal:
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    return None


# ---------------------------------------------------------------- backup
def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)  # parents before children


def _rows(table: sa.Table) -> Iterator[str]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = db.session.execute(sa.select(table).order_by(*order).execution_options(yield_per=BATCH))
    for row in result.mappings():
        yield json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False, separators=(",", ":"))


def write_backup(path: Path, *, archive_dir: Path, archive_key_id: str, now: dt.datetime) -> BackupSummary:
    """Dump every table, the archive folder and the audit key into the zip file `path`."""
    key = anchor.current_key()
    summary = BackupSummary(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for table in _tables():
            lines = list(_rows(table))
            summary.rows[table.name] = len(lines)
            bundle.writestr(f"tables/{table.name}.jsonl", "\n".join(lines))
        if archive_dir.is_dir():
            for file in sorted(p for p in archive_dir.rglob("*") if p.is_file()):
                bundle.write(file, f"archive/{file.relative_to(archive_dir).as_posix()}")
                summary.archive_files += 1
        if key is not None:
            bundle.writestr("keys/audit_key", key.hex())
        manifest = {"format": FORMAT, "created_at": now.isoformat(), "dialect": db.engine.dialect.name,
                    "tables": summary.rows, "archive_files": summary.archive_files,
                    "archive_key_id": archive_key_id, "audit_key_id": anchor.key_id(key) if key else None}
        bundle.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    db.session.rollback()  # end the long read
    path.chmod(0o600)  # it holds the audit key
    return summary


# ---------------------------------------------------------------- restore
@dataclass
class Restored:
    rows: dict[str, int]
    archive_files: int
    audit_key: bytes | None


def read_manifest(bundle: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(bundle.read("manifest.json"))
    except (KeyError, json.JSONDecodeError) as exc:
        raise ValidationFailed({"file": ["not an Aftercare backup (no manifest)"]}) from exc
    if manifest.get("format") != FORMAT:
        raise ValidationFailed({"file": [f"unknown backup format {manifest.get('format')!r}"]})
    return manifest


def check_empty() -> None:
    for table in _tables():
        if table.name in SETUP_TABLES:
            continue
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise Conflict(f"the database is not empty (table {table.name} has rows); restore into an empty one",
                           table=table.name)


def check_keys(manifest: dict[str, Any], *, archive_key_id: str, audit_key: bytes | None) -> bytes | None:
    """The archive key must be the backup's; the audit key is the backup's, unless this server is
    set to another one (then nothing would verify)."""
    if manifest.get("archive_key_id") != archive_key_id:
        raise Conflict(f"this server's archive key (id {archive_key_id}) is not the one the backup's archives were "
                       f"signed with (id {manifest.get('archive_key_id')}); set AFTERCARE_ARCHIVE_KEY to that key",
                       backup_key_id=manifest.get("archive_key_id"), server_key_id=archive_key_id)
    wanted = manifest.get("audit_key_id")
    if audit_key is not None and wanted and anchor.key_id(audit_key) != wanted:
        raise Conflict(f"this server is set to another audit key (id {anchor.key_id(audit_key)}) than the backup's "
                       f"(id {wanted}); unset AFTERCARE_AUDIT_KEY or set it to the backup's key",
                       backup_key_id=wanted, server_key_id=anchor.key_id(audit_key))
    return audit_key


def _insert_table(bundle: zipfile.ZipFile, table: sa.Table) -> int:
    decoders = {c.name: _decoder(c) for c in table.columns}
    try:
        text = bundle.read(f"tables/{table.name}.jsonl").decode("utf-8")
    except KeyError:
        return 0  # a table this backup predates: left empty
    count, batch = 0, []
    for line in filter(None, text.split("\n")):
        row = json.loads(line)
        batch.append({k: (decoders[k](v) if v is not None and decoders.get(k) else v)
                      for k, v in row.items() if k in decoders})
        if len(batch) >= BATCH:
            db.session.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences: move each past the restored rows."""
    if not is_postgres():
        return
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (isinstance(column.type, sa.Integer) and column.autoincrement == "auto"):
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false) "
                    f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL"))


def restore_backup(path: Path, *, archive_dir: Path, archive_key_id: str, audit_key: bytes | None) -> Restored:
    """Load a backup into this (empty, created) database and the archive folder; the caller
    commits. Returns the audit key to use from now on."""
    with zipfile.ZipFile(path) as bundle:
        manifest = read_manifest(bundle)
        key = check_keys(manifest, archive_key_id=archive_key_id, audit_key=audit_key)
        check_empty()
        for table in reversed(_tables()):
            if table.name in SETUP_TABLES:
                db.session.execute(table.delete())
        rows = {table.name: _insert_table(bundle, table) for table in _tables()}
        _reset_sequences()
        files = _restore_archive(bundle, archive_dir)
        if key is None and "keys/audit_key" in bundle.namelist():
            key = bytes.fromhex(bundle.read("keys/audit_key").decode("ascii").strip())
    db.session.flush()
    return Restored(rows, files, key)


def _restore_archive(bundle: zipfile.ZipFile, archive_dir: Path) -> int:
    count = 0
    for name in bundle.namelist():
        if not name.startswith("archive/") or name.endswith("/"):
            continue
        relative = PurePosixPath(name[len("archive/"):])
        if relative.is_absolute() or ".." in relative.parts:
            raise ValidationFailed({"file": [f"unsafe path in the backup: {name}"]})
        target = archive_dir.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and target.read_bytes() != bundle.read(name):
            raise Conflict(f"the archive folder already holds a different {relative}", file=str(relative))
        target.write_bytes(bundle.read(name))
        count += 1
    return count
