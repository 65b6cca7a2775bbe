"""The workflow side of the managers' operations, kept beside engine/spiff.py (the only other module
that touches SpiffWorkflow objects): retry or complete a failed task, move waiting timers by a
suspension's length, correct a value a completed task holds, rewind to an earlier step, and move a
running workflow onto a newer version of its diagram (SpiffWorkflow's diff and migration helpers).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow

from engine.spiff import (
    CANCELLED,
    COMPLETED,
    ERROR,
    READY,
    SERIALIZER,
    STARTED,
    WAITING,
    EngineError,
    ParsedModel,
    find_task,
    iter_tasks,
)

FINISHED = COMPLETED | CANCELLED
LIVE = READY | WAITING | STARTED | ERROR


def _failed(wf: BpmnWorkflow, task_id: str):
    task = find_task(wf, task_id)
    if task is None or task.state != ERROR:
        raise EngineError(f"task {task_id} is not in error")
    return task


def retry_failed(wf: BpmnWorkflow, task_id: str, data: Mapping[str, Any]) -> None:
    """Put a task in ERROR back to READY with `data` (an operator's correction) merged into it; the
    next `advance()` runs it again."""
    task = _failed(wf, task_id)
    task.data.update(data)
    task._set_state(READY)


def can_complete_unrun(wf: BpmnWorkflow, task_id: str) -> bool:
    """Whether a failed task may be marked done without running it: an activity may (its value is
    given instead), a gateway or an event may not (it has to choose or catch)."""
    task = find_task(wf, task_id)
    return task is not None and type(task.task_spec).__name__ in ("ScriptTask", "ServiceTask", "BusinessRuleTask",
                                                                  "Task", "SendTask")


def complete_failed(wf: BpmnWorkflow, task_id: str, data: Mapping[str, Any]) -> None:
    """Mark a task in ERROR done without running it, `data` standing in for what it would have
    produced (e.g. a service's answer); the engine goes on from its outgoing flow."""
    task = _failed(wf, task_id)
    task.data.update(data)
    task.complete()


def shift_timers(wf: BpmnWorkflow, delta: dt.timedelta) -> int:
    """Move every waiting timer's due time by `delta` (a suspension's length); returns how many."""
    moved = 0
    for task in list(wf.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        value = task.internal_data.get("event_value")
        if not isinstance(definition, TimerEventDefinition) or task.state & FINISHED or value is None:
            continue
        if isinstance(value, dict) and value.get("next"):
            value["next"] = _shifted(value["next"], delta)
        elif isinstance(value, str):
            task.internal_data["event_value"] = _shifted(value, delta)
        else:
            continue
        moved += 1
    return moved


def _shifted(iso: str, delta: dt.timedelta) -> str:
    return (dt.datetime.fromisoformat(iso) + delta).isoformat()


def correct_data(wf: BpmnWorkflow, task_id: str, field_name: str, old: Any, new: Any) -> list[str]:
    """Change a value a completed task holds, and carry it to every later task that still holds the
    old value (so the case continues with it); returns the ids of the tasks changed."""
    task = find_task(wf, task_id)
    if task is None:
        raise EngineError(f"no task {task_id}")
    changed = [task]
    task.data[field_name] = new
    for later in task:  # the task's descendants, whatever their state
        if later is not task and field_name in later.data and later.data[field_name] == old:
            later.data[field_name] = new
            changed.append(later)
    return [str(t.id) for t in changed]


def last_completed(wf: BpmnWorkflow, element_id: str, *, manual: bool = True):
    done = [t for t in iter_tasks(wf) if t.state == COMPLETED and getattr(t.task_spec, "bpmn_id", None) == element_id
            and bool(t.task_spec.manual) == manual]
    return max(done, key=lambda t: t.last_state_change) if done else None


def send_back(wf: BpmnWorkflow, task_id: str) -> str:
    """Rewind the workflow to a completed task: the task and what followed it are undone, and the task
    is to be done again (SpiffWorkflow's `reset_from_task_id`). Tasks that come alive again get new
    ids, so each pass of a step keeps its own inbox row and history. Returns the task's new id."""
    target = find_task(wf, task_id)
    if target is None or target.state != COMPLETED:
        raise EngineError(f"task {task_id} is not a completed task of this case")
    finished_before = {t.id for t in iter_tasks(wf) if t.state & FINISHED}
    wf.reset_from_task_id(target.id)
    for task in [t for t in iter_tasks(wf) if t.id in finished_before and not t.state & FINISHED]:
        renewed = _renew_id(wf, task)
        if task is target:
            task_id = renewed
    return task_id


def _renew_id(wf: BpmnWorkflow, task) -> str:
    workflow, old, new = task.workflow, task.id, uuid4()
    parent = task.parent
    task.id = new
    # in place and in order: the serializer restores a task's data as a delta on its parent's, so a
    # parent must stay ahead of its children
    entries = [(new if key == old else key, value) for key, value in workflow.tasks.items()]
    workflow.tasks.clear()
    workflow.tasks.update(entries)
    if parent is not None:
        parent._children = [new if child == old else child for child in parent._children]
    for child_id in task._children:
        child = workflow.tasks.get(child_id)
        if child is not None:
            child._parent = new
    if old in wf.event_manager.tasks:
        wf.event_manager.tasks[new] = wf.event_manager.tasks.pop(old)
    if old in wf.subprocesses:
        wf.subprocesses[old].parent_task_id = new
        subs = [(new if key == old else key, value) for key, value in wf.subprocesses.items()]
        wf.subprocesses.clear()
        wf.subprocesses.update(subs)
    return str(new)


# ---------------------------------------------------------------- moving to a newer version
@dataclass(frozen=True)
class Problem:
    """Why a case cannot move: a stable code, the element concerned and its name, in English."""

    code: str
    message: str
    element_id: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "element_id": self.element_id, "name": self.name}


def _name(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _diffs(wf: BpmnWorkflow, new: ParsedModel) -> dict[Any, tuple[WorkflowDiff, SpecDiff] | None]:
    """The library's diff per workflow (None: the top one; else the sub-process's parent task id),
    with the spec diff kept (it tells which attributes of a step changed)."""
    top = SpecDiff(SERIALIZER.registry, wf.spec, new.spec)
    diffs: dict[Any, tuple[WorkflowDiff, SpecDiff] | None] = {None: (WorkflowDiff(wf, top), top)}
    for sp_id, sub in wf.subprocesses.items():
        spec = new.subprocess_specs.get(sub.spec.name)
        if spec is None:
            diffs[sp_id] = None
        else:
            spec_diff = SpecDiff(SERIALIZER.registry, sub.spec, spec)
            diffs[sp_id] = (WorkflowDiff(sub, spec_diff), spec_diff)
    return diffs


def _blockers(wf: BpmnWorkflow, diffs) -> list[Problem]:
    """What stops the move before anything is changed: the case's current step gone or turned into
    another kind of element, a step it went through gone (its record would no longer load), a running
    sub-process whose diagram is gone."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for key, pair in diffs.items():
        if pair is None:
            sub = wf.subprocesses[key]
            problems.append(Problem("subprocess_removed", f"its running sub-process '{sub.spec.name}' is not "
                                    "in the new version", sub.spec.name, sub.spec.description or sub.spec.name))
            continue
        wdiff, spec_diff = pair
        for task in wdiff.removed:
            element = getattr(task.task_spec, "bpmn_id", None)
            if element and element not in seen and task.state & (LIVE | COMPLETED):
                seen.add(element)
                live = bool(task.state & LIVE)
                problems.append(Problem(
                    "current_step_removed" if live else "passed_step_removed",
                    f"{'its current step' if live else 'the step it went through'} '{_name(task.task_spec)}' "
                    "is not in the new version", element, _name(task.task_spec)))
        for task in wdiff.changed:
            element = getattr(task.task_spec, "bpmn_id", None)
            if task.state & LIVE and "typename" in spec_diff.changed.get(task.task_spec, []) and element not in seen:
                seen.add(element)
                problems.append(Problem("step_kind_changed", f"its current step '{_name(task.task_spec)}' is "
                                        "another kind of element in the new version", element,
                                        _name(task.task_spec)))
    return problems


def migrate(wf: BpmnWorkflow, new: ParsedModel) -> list[Problem]:
    """Move a workflow onto `new` in place. Returns the problems that stop it (when there are any,
    the workflow may be half-moved: load it again before using it). Waiting timers keep their due
    times where the timer itself is unchanged."""
    diffs = _diffs(wf, new)
    problems = _blockers(wf, diffs)
    if problems:
        return problems
    changed = {t.id for pair in diffs.values() if pair for t in pair[0].changed}
    timers = {t.id: dict(t.internal_data) for t in iter_tasks(wf)
              if t.state == WAITING and t.id not in changed
              and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)}
    subs = {key: wf.subprocesses[key] for key in diffs if key is not None}
    migrate_workflow(diffs[None][0], wf, new.spec)
    for key, sub in subs.items():
        migrate_workflow(diffs[key][0], sub, new.subprocess_specs[sub.spec.name])
    wf.subprocess_specs = new.subprocess_specs
    for task in iter_tasks(wf):
        if task.id in timers and task.state == WAITING:
            task.internal_data.update(timers[task.id])
    return _strays(wf, new)


def _strays(wf: BpmnWorkflow, new: ParsedModel) -> list[Problem]:
    """Tasks still pointing at the old diagram after the move (a branch the library could not
    re-plan): the state would not load on the new version."""
    problems = []
    for task in iter_tasks(wf):
        owner = new.spec if task.workflow is wf else new.subprocess_specs.get(task.workflow.spec.name)
        if owner is None or owner.task_specs.get(task.task_spec.name) is not task.task_spec:
            bpmn_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
            problems.append(Problem("step_not_mapped", f"step '{_name(task.task_spec)}' has no place in the new "
                                    "version", bpmn_id, _name(task.task_spec)))
            break
    return problems
