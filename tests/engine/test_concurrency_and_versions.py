"""Optimistic locking under real concurrency, and instances pinned to the version they started on."""
from __future__ import annotations

import threading

import pytest

from engine import commands, loader, queries, store
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict
from engine.models import Instance, Task
from tests.conftest import TEST_BPMN


def test_two_concurrent_completions_one_wins_one_conflicts(app, deploy, users):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["sales1"])
    [task] = queries.tasks_of(case.id, "ready")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def complete(actor, approved):
        with app.app_context():
            barrier.wait()
            try:
                commands.complete_task(task_id=task.id, data={"approved": approved}, actor=actor)
                outcomes.append("ok")
            except Conflict:
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete, args=(users["desk1"], True)),
               threading.Thread(target=complete, args=(users["desk2"], False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]
    db.session.expire_all()
    completions = [e for e in audit.events_of(case.id) if e.type == "task_completed"]
    assert len(completions) == 1
    row = db.session.get(Task, task.id)
    assert row.status == "completed" and row.completed_by == completions[0].actor
    assert audit.verify_all().ok


def test_stale_version_is_a_conflict_and_writes_nothing(deploy, users):
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "x"}, actor=users["sales1"])
    [task] = queries.tasks_of(case.id, "ready")
    # someone else saves the case between our lock and our save: simulate by bumping the version


    original_save = store.save

    def racing_save(instance, wf, *, now, expected_version):
        db.session.execute(Instance.__table__.update().where(Instance.id == instance.id)
                           .values(version=Instance.version + 1))
        original_save(instance, wf, now=now, expected_version=expected_version)

    store.save = racing_save
    try:
        with pytest.raises(Conflict):
            commands.complete_task(task_id=task.id, data={"approved": True}, actor=users["desk1"])
    finally:
        store.save = original_save
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "ready"
    assert [e.type for e in audit.events_of(case.id)].count("task_completed") == 0


def test_instance_stays_on_the_version_it_started_on(deploy, users, tmp_path):
    deploy("t_approval")
    old_case = commands.start_instance(process_id="t_approval", data={"customer_name": "旧"}, actor=users["sales1"])
    v2 = tmp_path / "t_approval.bpmn"
    v2.write_text((TEST_BPMN / "t_approval.bpmn").read_text().replace('name="Tell the customer"',
                                                                       'name="Phone the customer"'))
    forms = tmp_path / "forms" / "t_approval"
    forms.mkdir(parents=True)
    for form in (TEST_BPMN / "forms" / "t_approval").glob("*.json"):
        (forms / form.name).write_text(form.read_text())



    with transaction():
        [result] = loader.deploy(loader.read_folder_bundle([v2]), actor="owner1")
    assert (result.version, result.created) == (2, True)
    new_case = commands.start_instance(process_id="t_approval", data={"customer_name": "新"}, actor=users["sales1"])
    for case in (old_case, new_case):
        [review] = queries.tasks_of(case.id, "ready")
        commands.complete_task(task_id=review.id, data={"approved": True}, actor=users["desk1"])
    names = {case.id: queries.tasks_of(case.id, "ready")[0].name for case in (old_case, new_case)}
    assert names == {old_case.id: "Tell the customer", new_case.id: "Phone the customer"}
    db.session.expire_all()
    assert db.session.get(Instance, old_case.id).model.version == 1
    assert db.session.get(Instance, new_case.id).model.version == 2
