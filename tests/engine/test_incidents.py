"""A failing script or service task opens an incident on its case; "retry" (after the cause is fixed,
or with corrected data) and "resolve with a value" end it — through the real engine and database,
each audited, and the re-execution check still explains the case."""
from __future__ import annotations

import dataclasses

import pytest

from engine import commands, hooks, incidents, queries, recovery, replay
from engine.audit import chain as audit
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed


@pytest.fixture
def parts_system(ctx):
    """The `t_quote` service of t_service.bpmn: a parts system that is down until told otherwise."""
    previous = hooks.get()
    state = {"down": True, "calls": 0}

    def quote(_data, params):
        state["calls"] += 1
        if state["down"]:
            raise ConnectionError("parts system unreachable (connection refused)")
        return {"part": params["part"], "price": "85.50"}

    hooks.configure(dataclasses.replace(previous, services={**previous.services, "t_quote": quote}))
    yield state
    hooks.configure(previous)


def failed_quote(deploy, users):
    deploy("t_service")
    case = commands.start_instance(process_id="t_service", data={}, actor=users["sales1"])
    [ask] = queries.tasks_of(case.id, "ready")
    return commands.complete_task(task_id=ask.id, data={"part": "BRG-6205"}, actor=users["sales1"])


def failed_division(deploy, users):
    deploy("t_retry")
    case = commands.start_instance(process_id="t_retry", data={}, actor=users["sales1"])
    [ask] = queries.tasks_of(case.id, "ready")
    return commands.complete_task(task_id=ask.id, data={}, actor=users["sales1"])


def test_a_failing_service_task_opens_an_incident_and_a_retry_after_the_fix_completes_the_case(
        deploy, users, parts_system):
    case = failed_quote(deploy, users)
    assert case.status == "error" and case.error["element_id"] == "quote"
    [incident] = incidents.open_of(case.id)
    assert (incident.kind, incident.element_id, incident.status) == ("service", "quote", "open")
    assert "parts system unreachable" in incident.message
    assert incidents.open_count() == 1

    still_down = recovery.retry(incident_id=incident.id, actor=users["manager1"], reason="再试一次")
    assert still_down.status == "open" and still_down.attempts == 2
    assert queries.instance(case.id).status == "error"

    parts_system["down"] = False
    done = recovery.retry(incident_id=incident.id, actor=users["manager1"], reason="配件系统已恢复")
    assert (done.status, done.resolution, done.closed_by) == ("closed", "retried", "manager1")
    case = queries.instance(case.id)
    assert case.status == "running" and case.error is None and case.data["quote"]["price"] == "85.50"
    [confirm] = queries.tasks_of(case.id, "ready")
    case = commands.complete_task(task_id=confirm.id, data={}, actor=users["sales1"])
    assert case.status == "completed" and incidents.open_count() == 0

    retried = [e for e in audit.events_of(case.id) if e.type == "incident_retried"]
    assert [(e.actor, e.element_id, e.data["reason"]) for e in retried] == [
        ("manager1", "quote", "再试一次"), ("manager1", "quote", "配件系统已恢复")]
    report = replay.check(case.id)
    assert report.ok, report.to_dict()
    assert parts_system["calls"] == 3  # the re-execution answered from the record, it called nobody


def test_resolve_with_a_value_stands_in_for_the_service(deploy, users, parts_system):
    case = failed_quote(deploy, users)
    [incident] = incidents.open_of(case.id)
    resolved = recovery.resolve(incident_id=incident.id, actor=users["admin"], reason="电话询价",
                                data={"quote": {"part": "BRG-6205", "price": "90.00"}})
    assert (resolved.resolution, resolved.data) == ("resolved", {"quote": {"part": "BRG-6205", "price": "90.00"}})
    case = queries.instance(case.id)
    assert case.status == "running" and case.data["quote"]["price"] == "90.00"
    event = next(e for e in audit.events_of(case.id) if e.type == "incident_resolved")
    assert event.data["mode"] == "completed" and "quote" in event.state["completed"]
    assert parts_system["calls"] == 1  # resolving did not call the service again
    assert replay.check(case.id).ok


def test_a_script_retried_with_corrected_data_runs_on(deploy, users):
    case = failed_division(deploy, users)
    [incident] = incidents.open_of(case.id)
    assert incident.kind == "script"
    recovery.retry(incident_id=incident.id, actor=users["manager1"], reason="客户补充了数量",
                   data={"total": 10, "count": 4})
    case = queries.instance(case.id)
    assert case.status == "completed" and case.data["ratio"] == 2.5
    retried = next(e for e in audit.events_of(case.id) if e.type == "incident_retried")
    assert retried.data["data"] == {"total": 10, "count": 4} and retried.data["mode"] == "retried"
    report = replay.check(case.id)
    assert report.ok, report.to_dict()


def test_a_retry_that_fails_again_keeps_the_incident_and_replays(deploy, users):
    case = failed_division(deploy, users)
    [incident] = incidents.open_of(case.id)
    again = recovery.retry(incident_id=incident.id, actor=users["admin"], reason="再试", data={"total": 1, "count": 0})
    assert again.status == "open" and "division by zero" in again.message
    assert queries.instance(case.id).status == "error"
    assert replay.check(case.id).ok


def test_only_managers_and_admins_end_incidents_and_only_open_ones(deploy, users, parts_system):
    case = failed_quote(deploy, users)
    [incident] = incidents.open_of(case.id)
    with pytest.raises(Forbidden):
        recovery.retry(incident_id=incident.id, actor=users["desk1"])
    with pytest.raises(Forbidden):  # who before what: no hint that the incident does not exist
        recovery.resolve(incident_id=99999, actor=users["sales1"], data={})
    with pytest.raises(NotFound):
        recovery.retry(incident_id=99999, actor=users["manager1"])
    with pytest.raises(ValidationFailed) as bad:
        recovery.resolve(incident_id=incident.id, actor=users["manager1"], data={"__class__": 1})
    assert "data" in bad.value.errors
    with pytest.raises(ValidationFailed):
        recovery.resolve(incident_id=incident.id, actor=users["manager1"], data=[1, 2])
    parts_system["down"] = False
    recovery.retry(incident_id=incident.id, actor=users["manager1"])
    with pytest.raises(Conflict):
        recovery.retry(incident_id=incident.id, actor=users["manager1"])


def test_cancelling_a_case_closes_its_incidents(deploy, users, parts_system):
    case = failed_quote(deploy, users)
    commands.cancel_instance(instance_id=case.id, actor=users["manager1"], reason="客户取消")
    assert incidents.open_of(case.id) == []
    assert replay.check(case.id).ok
