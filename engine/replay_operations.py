"""The re-execution check's half for the managers' operations: each recorded operation is applied
again to the re-run workflow the way its command applied it (the same functions do the work), so
the check explains a case that was suspended and resumed, corrected, sent back, moved to a newer
version, or had a failed step retried or resolved.

- suspend / resume: the workflow is untouched while suspended; on resume its waiting timers move by
  the recorded `paused_seconds`, as they did.
- correct: the recorded new value (typed by the task's form) replaces the old one in the task it
  was submitted with and in the later tasks holding the old value.
- send back: the rewind to the recorded task (matched to the re-run's task by id map, else the
  latest completion of that step), with the same cancelled tasks and element sets.
- migrate: the move onto the recorded version; from then on the re-run uses that version's forms.
- retry / resolve: the failed step (matched by element) runs again or is marked done with the
  recorded data.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from engine import loader
from engine import spiff as sw
from engine import spiff_ops as ops
from engine.errors import NotFound
from engine.models import AuditEvent, ModelVersion
from engine.operations import rewind
from engine.recovery import apply_to_failed
from engine.replay_record import Command, Difference, event_key


class Stop(Exception):
    """The re-run cannot go on: one difference, at one step."""

    def __init__(self, step: int, what: str, message: str, recorded: Any = None, replayed: Any = None):
        super().__init__(message)
        self.difference = Difference(step, what, message, recorded, replayed)


def run_engine(wf, engine_task_ready=None) -> tuple[bool, str | None]:
    """Like a command: a failing script becomes an error state, reported as (failed, element)."""
    try:
        sw.advance(wf, engine_task_ready)
        return False, None
    except Exception as exc:  # noqa: BLE001 - the original command recorded any failure
        task = getattr(exc, "task", None)
        return True, getattr(getattr(task, "task_spec", None), "bpmn_id", None)


def failure_keys(failed: bool, element: str | None) -> list[tuple]:
    return [event_key("instance_error", element, None)] if failed else []


def version_of(process_id: str, version: int | None) -> ModelVersion:
    for candidate in loader.versions(process_id):
        if candidate.version == version:
            return loader.model(candidate.id)
    raise NotFound(f"version {version} of '{process_id}' is not deployed", process_id=process_id)


def start_model(current: ModelVersion, events: list[AuditEvent]) -> ModelVersion:
    """The version a case started on: the one it was first moved from, else the one it is pinned to."""
    moved = next((e for e in events if e.type == "instance_migrated"), None)
    if moved is None:
        return current
    return version_of(current.process_id, (moved.data or {}).get("from_version"))


class OperationsRerun:
    """Mixed into the re-run (engine/replay.py), which provides wf, model, parsed, task_map and the
    helpers `_engine_events` and `_inputs`."""

    suspended = False

    def _suspend(self, command: Command) -> list[tuple]:
        self.suspended = True
        return [event_key("instance_suspended", None, None)]

    def _resume(self, command: Command) -> list[tuple]:
        resumed = command.first("instance_resumed")
        before = sw.snapshot(self.wf)
        ops.shift_timers(self.wf, dt.timedelta(seconds=float((resumed.data or {}).get("paused_seconds") or 0)))
        self.suspended = False
        return [event_key("instance_resumed", None, None), *self._engine_events(before)]

    def _correct(self, command: Command) -> list[tuple]:
        fixed = command.first("task_corrected")
        data = fixed.data or {}
        field = data.get("field")
        task_id = self._completed_task(fixed, self.task_map.get(fixed.task_id or ""))
        form = self.model.forms.get(data.get("form")) if data.get("form") else None
        new = self._inputs(fixed, form, {field: (data.get("after") or {}).get(field)})[field]
        before = sw.snapshot(self.wf)
        ops.correct_data(self.wf, task_id, field, sw.task_data(self.wf, task_id).get(field), new)
        return [event_key("task_corrected", fixed.element_id, None), *self._engine_events(before)]

    def _send_back(self, command: Command) -> list[tuple]:
        sent = command.first("instance_sent_back")
        task_id = self._completed_task(sent, self.task_map.get((sent.data or {}).get("from_task_id") or ""))
        before = sw.snapshot(self.wf)
        _new_id, events = rewind(self.wf, task_id)
        failure = run_engine(self.wf)
        return [*(event_key(e["type"], e.get("element_id"), e.get("data")) for e in events),
                *self._engine_events(before), *failure_keys(*failure)]

    def _migrate(self, command: Command) -> list[tuple]:
        moved = command.first("instance_migrated")
        target = version_of(self.model.process_id, (moved.data or {}).get("to_version"))
        before = sw.snapshot(self.wf)
        problems = ops.migrate(self.wf, loader.parsed(target))
        if problems:
            raise Stop(moved.seq, "migrate", f"on re-execution the case cannot move: {problems[0].message}",
                       None, [p.to_dict() for p in problems])
        self.model, self.parsed = target, loader.parsed(target)
        failure = run_engine(self.wf)
        return [event_key("instance_migrated", moved.element_id, None), *self._engine_events(before),
                *failure_keys(*failure)]

    def _retry(self, command: Command) -> list[tuple]:
        return self._failed_step(command.first("incident_retried"), resolve=False)

    def _resolve(self, command: Command) -> list[tuple]:
        return self._failed_step(command.first("incident_resolved"), resolve=True)

    def _failed_step(self, event: AuditEvent, *, resolve: bool) -> list[tuple]:
        data = event.data or {}
        before = sw.snapshot(self.wf)
        failed = sorted((i for i in before.values() if i.state == "ERROR" and i.element_id == event.element_id),
                        key=lambda i: i.changed)
        if not failed:
            raise Stop(event.seq, "input", f"'{event.element_id}' was in error, but on re-execution it is not",
                       event.element_id, sorted(i.element_id for i in before.values() if i.state == "ERROR"))
        mode = apply_to_failed(self.wf, failed[0].id, data.get("data") or {}, resolve=resolve)
        if mode != data.get("mode"):
            raise Stop(event.seq, "input", "the failed step is handled another way on re-execution",
                       data.get("mode"), mode)
        failure = run_engine(self.wf)
        return [event_key(event.type, event.element_id, None), *self._engine_events(before),
                *failure_keys(*failure)]

    def _completed_task(self, event: AuditEvent, mapped: str | None) -> str:
        snap = sw.snapshot(self.wf)
        if mapped and mapped in snap and snap[mapped].state == "COMPLETED":
            return mapped
        task = ops.last_completed(self.wf, event.element_id or "")
        if task is None:
            raise Stop(event.seq, "input", f"step '{event.element_id}' is not done on re-execution",
                       event.element_id, None)
        return str(task.id)
