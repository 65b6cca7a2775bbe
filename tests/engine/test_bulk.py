"""Bulk actions on a chosen set of cases with a preview and a result per case, and where the cases
of a version wait — through the real engine and database."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import bulk, commands, incidents, queries, replay, waiting_cases
from engine.audit import chain as audit
from engine.bulk import CaseFilter
from engine.db import db
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.models import AuditEvent
from tests.engine.test_migration import ready


def ten_cases(deploy, users):
    """4 at 'fill', 4 at 'approve', 2 at 'legacy_review'."""
    model = deploy("t_migrate")
    ids = []
    for n in range(10):
        case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
        path = {1: "normal", 2: "normal", 4: "legacy"}.get(n % 5)
        if path:
            commands.complete_task(task_id=ready(case.id).id, data={"path": path}, actor=users["sales1"])
        ids.append(case.id)
    return model, ids


def by_outcome(report):
    found = {}
    for item in report.items:
        found.setdefault(item.outcome, []).append(item.instance_id)
    return found


def test_where_cases_wait_counts_each_step_and_lists_its_cases(deploy, users):
    ten_cases(deploy, users)
    model = queries.model_version("t_migrate", 1)
    steps = waiting_cases.waiting_map(model)
    assert {k: (v.tasks, v.name) for k, v in steps.steps.items()} == {
        "fill": (4, "Fill in"), "approve": (4, "Approve"), "legacy_review": (2, "Legacy review")}
    assert steps.running == 10
    at_review = waiting_cases.cases_at(model, "legacy_review")
    assert [c.id for c in at_review] == sorted(c.id for c in at_review) and len(at_review) == 2
    assert all(ready(c.id).element_id == "legacy_review" for c in at_review)


def test_bulk_suspend_preview_then_run_then_resume(deploy, users):
    _model, ids = ten_cases(deploy, users)
    chosen = CaseFilter(process_id="t_migrate", status="running")
    preview = bulk.run(action="suspend", actor=users["manager1"], cases=chosen, dry_run=True)
    assert preview.count("would_do") == 10 and preview.dry_run
    assert {queries.instance(i).status for i in ids} == {"running"}  # a preview changes nothing

    done = bulk.run(action="suspend", actor=users["manager1"], cases=chosen, reason="年底盘点暂停", dry_run=False)
    assert done.count("done") == 10 and {queries.instance(i).status for i in ids} == {"suspended"}
    model = queries.model_version("t_migrate", 1)
    assert sum(s.suspended for s in waiting_cases.waiting_map(model).steps.values()) == 10
    again = bulk.run(action="suspend", actor=users["manager1"], cases=CaseFilter(ids=ids[:2]), reason="x",
                     dry_run=False)
    assert [(i.outcome, i.reason_code) for i in again.items] == [("skipped", "status")] * 2

    resumed = bulk.run(action="resume", actor=users["admin"], cases=CaseFilter(ids=ids), reason="盘点结束",
                       dry_run=False)
    assert resumed.count("done") == 10 and {queries.instance(i).status for i in ids} == {"running"}
    assert all(replay.check(i).ok for i in ids[:3])
    recorded = db.session.execute(sa.select(AuditEvent).where(AuditEvent.type == "bulk_action")).scalars().all()
    assert [(e.actor, e.data["action"], len(e.data["done"])) for e in recorded] == [
        ("manager1", "suspend", 10), ("manager1", "suspend", 0), ("admin", "resume", 10)]


def test_bulk_migrate_reassign_cancel_and_retry(deploy, users):
    _model, ids = ten_cases(deploy, users)
    deploy("v2/t_migrate")
    moved = bulk.run(action="migrate", actor=users["manager1"], cases=CaseFilter(process_id="t_migrate", version=1),
                     reason="升级到 v2", to_version=2, dry_run=False)
    outcomes = by_outcome(moved)
    assert len(outcomes["done"]) == 8 and len(outcomes["skipped"]) == 2
    assert {i.reason_code for i in moved.items if i.outcome == "skipped"} == {"current_step_removed"}

    handed = bulk.run(action="reassign", actor=users["manager1"], cases=CaseFilter(ids=ids), reason="休假交接",
                      assignee="manager1", dry_run=False)
    assert handed.count("done") == 4 and handed.count("skipped") == 6  # only 'approve' is a manager's task
    assert {t.assignee for i in ids for t in queries.tasks_of(i, "ready") if t.element_id == "approve"} == {"manager1"}

    cancelled = bulk.run(action="cancel", actor=users["admin"], cases=CaseFilter(ids=ids[:3]), reason="重复登记",
                         dry_run=False)
    assert cancelled.count("done") == 3 and {queries.instance(i).status for i in ids[:3]} == {"cancelled"}

    deploy("t_retry")
    failing = [commands.complete_task(task_id=ready(c.id).id, data={}, actor=users["sales1"]).id for c in
               [commands.start_instance(process_id="t_retry", data={}, actor=users["sales1"]) for _ in range(2)]]
    retried = bulk.run(action="retry", actor=users["admin"], cases=CaseFilter(process_id="t_retry"), reason="再试",
                       dry_run=False)
    assert retried.count("done") == 2  # retried; the script still divides by zero, so the incidents stay
    assert all(incidents.open_of(i)[0].attempts == 2 for i in failing)


def test_bulk_requests_are_checked(deploy, users):
    ten_cases(deploy, users)
    with pytest.raises(Forbidden):
        bulk.run(action="cancel", actor=users["desk1"], cases=CaseFilter(process_id="t_migrate"), reason="x")
    with pytest.raises(NotFound):
        bulk.run(action="explode", actor=users["manager1"], cases=CaseFilter(process_id="t_migrate"), reason="x")
    with pytest.raises(ValidationFailed) as no_reason:
        bulk.run(action="cancel", actor=users["manager1"], cases=CaseFilter(process_id="t_migrate"), dry_run=False)
    assert "reason" in no_reason.value.errors
    with pytest.raises(ValidationFailed) as everything:
        bulk.run(action="cancel", actor=users["manager1"], cases=CaseFilter(), reason="x")
    assert "filter" in everything.value.errors
    with pytest.raises(ValidationFailed) as nobody:
        bulk.run(action="reassign", actor=users["manager1"], cases=CaseFilter(process_id="t_migrate"), reason="x",
                 assignee="ghost")
    assert "assignee" in nobody.value.errors
    assert not [e for e in audit.events_of(1) if e.type == "instance_cancelled"]
