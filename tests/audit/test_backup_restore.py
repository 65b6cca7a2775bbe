"""`aftercare backup` and `aftercare restore`: a database with finished, archived and running
cases is restored into an empty database (of the same kind the suite runs on), where every audit
chain verifies, every finished case re-executes to its recorded state, and the running cases run
on to their end."""
from __future__ import annotations

import json
import os
import zipfile

import psycopg
import pytest
import sqlalchemy as sa

from engine import archive, backup, commands, replay, schema
from engine.audit import chain as audit
from engine.clock import now
from engine.db import db
from engine.errors import Conflict
from engine.models import Instance
from tests.conftest import _postgres_schema_url
from tests.workflows.flowkit import complete, task_of
from web import create_app
from web.cli import main


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database of the kind the suite runs on."""
    base = os.environ.get("AFTERCARE_DATABASE_URL", "")
    if not base.startswith(("postgresql", "postgres")):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base = base.replace("postgres://", "postgresql://", 1) if base.startswith("postgres://") else base
    url, name = _postgres_schema_url(base)
    yield url
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def _second_app(url: str, archive_dir):
    """Another server (same secret and audit keys) on the empty database."""
    return create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret", "AUDIT_KEY": "a1" * 32,
                       "ARCHIVE_DIR": str(archive_dir)})


@pytest.fixture
def busy_database(demo, flows, actors, archivist, archive_folder):
    """Finished cases (one archived) and running ones (a question waiting for its answer, with its
    deadline timer; a claim waiting for approval)."""
    finished = [demo("installation"), demo("compensation_manager"), demo("fault_remote")]
    archive.archive_case(finished[0].id, key=b"test-secret", actor=archivist, now=now(), directory=archive_folder)
    question = commands.start_instance(process_id="tech_support", actor=actors["desk1"], data={
        "customer_id": flows.sw, "question": "请提供液压站维护手册"})
    return finished, question


def test_a_backup_restores_into_an_empty_database_that_verifies_and_runs_on(
        app, busy_database, actors, empty_database, tmp_path):
    finished, question = busy_database
    finished_ids, question_id = [case.id for case in finished], question.id  # rows of this database's session
    file = tmp_path / "aftercare-backup.zip"
    result = app.test_cli_runner().invoke(main, ["backup", str(file)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(file) as bundle:
        assert "keys/audit_key" in bundle.namelist() and any(n.startswith("archive/") for n in bundle.namelist())
    counts = {name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
              for name, table in db.metadata.tables.items()}

    restored_archive = tmp_path / "restored-archive"
    second = _second_app(empty_database, restored_archive)
    with second.app_context():
        result = second.test_cli_runner().invoke(main, ["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert "ok:" in result.output
        for name, table in db.metadata.tables.items():
            assert db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == counts[name], name
        assert audit.verify_all().ok
        for case_id in finished_ids:
            assert replay.check(case_id).ok, case_id
        [archived] = list(restored_archive.glob("*.json"))
        assert archive.verify_document(json.loads(archived.read_text()), b"test-secret").ok
        running = db.session.get(Instance, question_id)
        assert running.status == "running" and task_of(running, "answer").assignee == "eng_sw1"
        done = complete(running, "answer", actors["eng_sw1"], channel="email", answer="已邮件发送手册")
        assert done.status == "completed"
        later = commands.start_instance(process_id="tech_support", actor=actors["desk1"], data={
            "customer_id": db.session.get(Instance, question_id).customer_id, "question": "新的问题"})
        assert later.id > max(*finished_ids, question_id)  # ids carry on after the restored ones
        assert audit.verify_all().ok and replay.check(done.id).ok
        again = second.test_cli_runner().invoke(main, ["restore", str(file)])
        assert again.exit_code == 2 and "not empty" in again.output  # only into an empty database
        db.session.rollback()
        db.engine.dispose()


def test_a_restore_refuses_another_archive_key_or_audit_key(app, busy_database, empty_database, tmp_path):
    file = tmp_path / "backup.zip"
    backup.write_backup(file, archive_dir=tmp_path / "none", archive_key_id=archive.key_id(b"test-secret"), now=now())
    second = _second_app(empty_database, tmp_path / "a")
    with second.app_context():
        schema.create_all()
        with pytest.raises(Conflict, match="archive key"):
            backup.restore_backup(file, archive_dir=tmp_path / "a", archive_key_id=archive.key_id(b"other"),
                                  audit_key=None)
        with pytest.raises(Conflict, match="audit key"):
            backup.restore_backup(file, archive_dir=tmp_path / "a", archive_key_id=archive.key_id(b"test-secret"),
                                  audit_key=b"another key")
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count()).select_from(Instance)).scalar_one() == 0
        db.session.rollback()
        db.engine.dispose()
