"""Signed export of a case's history, and archiving of finished cases (never a deletion)."""
from __future__ import annotations

import json

import pytest

from engine import archive, replay
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Conflict, Forbidden
from engine.models import Instance

KEY = b"archive-test-key"


def _document(case):
    return archive.sign(archive.case_document(case, now=audit.event_time(case.started_at), exported_by="auditor1"),
                        KEY)


def test_export_holds_every_event_with_its_hashes_and_verifies_on_its_own(cases):
    case = cases.approval()
    document = json.loads(json.dumps(_document(case), ensure_ascii=False))  # as read back from a file
    events = audit.events_of(case.id)
    assert [e["hash"] for e in document["events"]] == [e.hash for e in events]
    assert document["chain"]["head"] == events[-1].hash and document["chain"]["verdict"]["ok"]
    assert document["model"]["version"] == 1 and document["case"]["case_number"] == case.case_number
    assert document["signature"]["algorithm"] == "HMAC-SHA256"
    verdict = archive.verify_document(document, KEY)
    assert verdict.ok and verdict.signature_ok and verdict.chain_ok


def test_an_edited_export_fails_at_the_edited_event(cases):
    case = cases.approval()
    document = _document(case)
    done = next(e for e in document["events"] if e["type"] == "task_completed")
    done["data"]["submitted"]["comment"] = "改过的意见"
    verdict = archive.verify_document(document, KEY)
    assert not verdict.ok and not verdict.signature_ok
    assert not verdict.chain_ok and verdict.first_bad_seq == done["seq"]
    assert archive.verify_document(_document(case), b"another key").signature_ok is False


def test_archivist_archives_a_finished_case_and_nothing_is_deleted(cases, archivist, archive_folder, clock):
    case = cases.approval()
    steps = len(audit.events_of(case.id))
    result = archive.archive_case(case.id, key=KEY, actor=archivist, now=clock.now(), directory=archive_folder)
    assert result.path == archive_folder / f"{case.case_number}.json" and result.events == steps
    stored = json.loads(result.path.read_text(encoding="utf-8"))
    assert archive.verify_document(stored, KEY).ok
    events = audit.events_of(case.id)
    assert len(events) == steps + 1 and events[-1].type == "case_archived"
    assert events[-1].data["sha256"] == result.sha256 and events[-1].actor == "archivist1"
    assert db.session.get(Instance, case.id) is not None  # the case stays
    assert audit.verify_all().ok and replay.check(case.id).ok  # archiving does not move the case
    with pytest.raises(Conflict, match="already archived"):
        archive.archive_case(case.id, key=KEY, actor=archivist, now=clock.now(), directory=archive_folder)


def test_a_file_of_the_same_name_in_a_shared_archive_folder_is_kept_and_not_overwritten(
        cases, archivist, archive_folder, clock):
    case = cases.approval()
    archive_folder.mkdir(parents=True, exist_ok=True)
    other = archive_folder / f"{case.case_number}.json"  # left by another database using the folder
    other.write_text('{"another": "installation"}', encoding="utf-8")
    result = archive.archive_case(case.id, key=KEY, actor=archivist, now=clock.now(), directory=archive_folder)
    assert other.read_text(encoding="utf-8") == '{"another": "installation"}'
    assert result.path != other and result.path.name.startswith(f"{case.case_number}-")
    assert archive.verify_document(json.loads(result.path.read_text(encoding="utf-8")), KEY).ok
    assert audit.events_of(case.id)[-1].data["file"] == result.path.name


def test_only_finished_cases_are_archived_and_only_by_an_archivist(cases, users, archivist, archive_folder, clock):
    running = cases.failed()  # in error, not finished
    with pytest.raises(Conflict, match="only finished cases"):
        archive.archive_case(running.id, key=KEY, actor=archivist, now=clock.now(), directory=archive_folder)
    done = cases.cancelled()
    with pytest.raises(Forbidden):
        archive.archive_case(done.id, key=KEY, actor=users["auditor1"], now=clock.now(), directory=archive_folder)
    assert not archive_folder.exists() or not list(archive_folder.iterdir())


def test_export_and_archive_through_the_api(cases, api, client, archivist, archive_folder, app):
    case = cases.claim()
    response = api("auditor1").get(f"/process-instances/{case.id}/export")
    assert response.status_code == 200
    assert f'{case.case_number}-history.json' in response.headers["Content-Disposition"]
    key = app.config["SECRET_KEY"].encode()
    assert archive.verify_document(response.get_json(), key).ok
    assert api("auditor1").post(f"/process-instances/{case.id}/archive").status_code == 403
    created = api("archivist1").post(f"/process-instances/{case.id}/archive")
    assert created.status_code == 201, created.get_json()
    assert (archive_folder / created.get_json()["file"]).exists()
    assert api("archivist1").post(f"/process-instances/{case.id}/archive").status_code == 409


def test_the_archive_key_can_be_set_apart_from_the_secret_key(cases, api, app):
    case = cases.dmn()
    app.config["ARCHIVE_KEY"] = "a-separate-archive-key"
    try:
        document = api("auditor1").get(f"/process-instances/{case.id}/export").get_json()
    finally:
        app.config.pop("ARCHIVE_KEY")
    assert archive.verify_document(document, b"a-separate-archive-key").ok
    assert not archive.verify_document(document, app.config["SECRET_KEY"].encode()).ok
