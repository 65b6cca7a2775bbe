"""Moving running cases to a newer diagram version: 100 cases of v1, a v2 that adds a step (and
replaces one): every case that can move does, the others are reported with the reason, and every
moved case completes on v2 — through the real engine and database, audited and re-executable."""
from __future__ import annotations

import pytest

from engine import commands, migration, queries, replay, store
from engine import spiff as sw
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import Instance


def ready(case_id, element=None):
    rows = [t for t in queries.tasks_of(case_id, "ready") if element in (None, t.element_id)]
    assert len(rows) == 1, rows
    return rows[0]


def hundred_cases(deploy, users):
    """40 at 'fill', 40 at 'approve', 20 at 'legacy_review' (a step v2 no longer has)."""
    deploy("t_migrate")
    cases = {"fill": [], "approve": [], "legacy_review": []}
    for n in range(100):
        case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
        where = ("fill", "fill", "approve", "approve", "legacy_review")[n % 5]
        if where != "fill":
            path = "normal" if where == "approve" else "legacy"
            commands.complete_task(task_id=ready(case.id).id, data={"path": path}, actor=users["sales1"])
        cases[where].append(case.id)
    return cases


def finish_on_v2(case_id, users):
    if queries.tasks_of(case_id, "ready")[0].element_id == "fill":
        commands.complete_task(task_id=ready(case_id, "fill").id, data={"path": "normal"}, actor=users["sales1"])
    commands.complete_task(task_id=ready(case_id, "approve").id, data={}, actor=users["manager1"])
    return commands.complete_task(task_id=ready(case_id, "confirm").id, data={}, actor=users["sales1"])


def test_a_hundred_running_cases_move_to_v2_where_they_can_and_complete_there(deploy, users):
    cases = hundred_cases(deploy, users)
    deploy("v2/t_migrate")
    everyone = [*cases["fill"], *cases["approve"], *cases["legacy_review"]]

    preview = [migration.migrate_instance(instance_id=i, to_version=2, actor=users["manager1"], dry_run=True)
               for i in everyone]
    assert sum(r.can_move for r in preview) == 80 and not any(r.moved for r in preview)
    assert {queries.instance(i).model.version for i in everyone} == {1}  # a preview writes nothing

    results = {i: migration.migrate_instance(instance_id=i, to_version=2, actor=users["manager1"],
                                             reason="v2 增加客户确认") for i in everyone}
    moved = [i for i, r in results.items() if r.moved]
    assert sorted(moved) == sorted(cases["fill"] + cases["approve"])
    for case_id in cases["legacy_review"]:
        [problem] = results[case_id].problems
        assert (problem.code, problem.element_id, problem.name) == ("current_step_removed", "legacy_review",
                                                                    "Legacy review")
        assert queries.instance(case_id).model.version == 1

    event = next(e for e in audit.events_of(moved[0]) if e.type == "instance_migrated")
    assert (event.actor, event.data["from_version"], event.data["to_version"], event.data["reason"]) == (
        "manager1", 1, 2, "v2 增加客户确认")

    for case_id in moved:
        case = finish_on_v2(case_id, users)
        assert case.status == "completed" and case.model.version == 2
        assert "confirm" in audit.events_of(case_id)[-1].state["completed"]
    for case_id in moved[::8] + cases["fill"][:1]:
        report = replay.check(case_id)
        assert report.ok, report.to_dict()

    legacy = cases["legacy_review"][0]  # the cases left on v1 finish there
    case = commands.complete_task(task_id=ready(legacy).id, data={}, actor=users["desk1"])
    assert case.status == "completed" and case.model.version == 1


def test_a_moved_case_replays_from_the_version_it_started_on(deploy, users):
    deploy("t_migrate")
    case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
    deploy("v2/t_migrate")
    result = migration.migrate_instance(instance_id=case.id, to_version=2, actor=users["admin"], reason="升级")
    assert result.moved
    report = replay.check(case.id)
    assert report.ok, report.to_dict()
    assert [t.name for t in queries.tasks_of(case.id, "ready")] == ["Fill in"]


def test_migration_requests_are_checked(deploy, users):
    deploy("t_migrate")
    case = commands.start_instance(process_id="t_migrate", data={}, actor=users["sales1"])
    with pytest.raises(Forbidden):
        migration.migrate_instance(instance_id=case.id, to_version=2, actor=users["desk1"], reason="x")
    with pytest.raises(ValidationFailed) as missing:
        migration.migrate_instance(instance_id=case.id, to_version=2, actor=users["manager1"], reason=" ")
    assert "reason" in missing.value.errors
    with pytest.raises(ValidationFailed) as unknown:
        migration.migrate_instance(instance_id=case.id, to_version=7, actor=users["manager1"], reason="x")
    assert "to_version" in unknown.value.errors
    same = migration.migrate_instance(instance_id=case.id, to_version=1, actor=users["manager1"], reason="x")
    assert [p.code for p in same.problems] == ["same_version"] and not same.moved
    db.session.expire_all()
    assert db.session.get(Instance, case.id).version == case.version


def test_a_waiting_timer_keeps_its_due_time_when_the_case_moves(deploy, users, clock):
    deploy("t_timer")
    case = commands.start_instance(process_id="t_timer", data={}, actor=users["eng1"])
    [(_, _, due)] = sw.pending_timers(store.load(case))
    deploy("v2/t_timer")  # adds a report after the repair
    clock.advance(seconds=1)
    assert migration.migrate_instance(instance_id=case.id, to_version=2, actor=users["admin"], reason="加报告").moved
    [(_, _, still)] = sw.pending_timers(store.load(queries.instance(case.id)))
    assert still == due  # not restarted at the move
    case = commands.complete_task(task_id=ready(case.id, "repair").id, data={}, actor=users["eng1"])
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["report"]
    case = commands.complete_task(task_id=ready(case.id, "report").id, data={}, actor=users["eng1"])
    assert case.status == "completed"
    report = replay.check(case.id)
    assert report.ok, report.to_dict()
