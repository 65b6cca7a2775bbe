"""The nightly integrity check and the `aftercare audit ...` commands."""
from __future__ import annotations

import json

import sqlalchemy as sa

from engine import integrity
from engine.audit import chain as audit
from engine.db import db
from engine.models import AuditEvent
from tests.audit.demo_cases import tamper
from web.cli import main as cli


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args))


def _system_events(kind):
    return list(db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.SYSTEM_STREAM, AuditEvent.type == kind).order_by(AuditEvent.seq)).scalars())


def _tamper_comment(case):
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, data={**done.data, "submitted": {**done.data["submitted"], "comment": "改过"}})
    return done


def test_the_check_records_its_result_and_rechecks_only_new_cases(cases, clock):
    cases.approval()
    first = integrity.run_check(now=clock.now())
    assert first.ok and first.rechecked == 1
    clock.advance(hours=20)
    cases.dmn()
    second = integrity.run_check(now=clock.now())
    assert second.ok and second.rechecked == 1  # the case finished since the last run
    runs = _system_events(integrity.EVENT_TYPE)
    assert [r.data["ok"] for r in runs] == [True, True] and runs[-1].data["rechecked"] == 1
    assert audit.verify_all().ok


def test_nightly_check_notifies_when_history_was_altered(cases, clock):
    case = cases.claim()
    done = _tamper_comment(case)
    told = []
    report = integrity.run_check(now=clock.now(), notify=told.append)
    assert not report.ok and told == [report]
    assert report.chain.first_bad_seq == done.seq
    assert report.failures == [{"instance_id": case.id, "case_number": case.case_number, "step": done.seq,
                                "problem": "case data 'comment' differs"}]
    assert _system_events(integrity.EVENT_TYPE)[-1].data["ok"] is False


def test_audit_replay_command(app, cases):
    case = cases.timer()
    by_number = run(app, "audit", "replay", case.case_number)
    assert by_number.exit_code == 0, by_number.output
    assert by_number.output.startswith(f"ok: {case.case_number} replays to its stored state")
    assert run(app, "audit", "replay", str(case.id)).exit_code == 0
    missing = run(app, "audit", "replay", "NOPE-1")
    assert missing.exit_code == 2 and "no case 'NOPE-1'" in missing.output


def test_audit_replay_command_fails_at_the_changed_step(app, cases):
    case = cases.approval()
    done = _tamper_comment(case)
    result = run(app, "audit", "replay", case.case_number)
    assert result.exit_code == 1
    assert f"differs from its re-execution at step {done.seq}" in result.output
    assert f"step {done.seq} [data] case data 'comment' differs" in result.output
    assert f"hash chain broken at step {done.seq}" in result.output


def test_export_archive_and_check_archive_commands(app, cases, archive_folder, tmp_path, clock):
    case = cases.approval()
    out = tmp_path / "export.json"
    exported = run(app, "audit", "export", case.case_number, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert run(app, "audit", "check-archive", str(out)).output.startswith(f"ok: {case.case_number}")
    forged = json.loads(out.read_text(encoding="utf-8"))
    forged["events"][3]["actor"] = "someone"
    out.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    checked = run(app, "audit", "check-archive", str(out))
    assert checked.exit_code == 1 and "at step 4" in checked.output

    clock.advance(days=1)
    archived = run(app, "audit", "archive", "--ended-before", clock.now().strftime("%Y-%m-%d"))
    assert archived.exit_code == 0, archived.output
    assert (archive_folder / f"{case.case_number}.json").exists()
    assert run(app, "audit", "check-archive", str(archive_folder / f"{case.case_number}.json")).exit_code == 0
    again = run(app, "audit", "archive", case.case_number)
    assert again.exit_code == 2 and "already archived" in again.output


def test_nightly_command(app, cases):
    case = cases.dmn()
    assert run(app, "audit", "nightly").output.startswith("ok:")
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, actor="someone")
    result = run(app, "audit", "nightly")
    assert result.exit_code == 1 and f"event {done.seq}" in result.output
