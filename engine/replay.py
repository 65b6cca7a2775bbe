"""Re-execution check: run a case again from its recorded inputs, on its pinned diagram version, in
a scratch engine, and compare with what was stored after every command. It proves the history
explains the state.

What is re-run, command by command, with the clock set to the command's recorded time (which also
drives SpiffWorkflow's timers): the start data, each submitted form (matched to its task by element
id and order, since task ids differ on re-execution; retyped through the pinned form so that money
is a Decimal again, as it was), timer firings in their recorded order, and cancellations.

What is not re-run: claims, reassignments and other annotations (they do not move the case);
after-command hooks (they may start other cases); and service-task handlers. A service's answer
(a dispatch suggestion, a warranty lookup) depends on the world at that time, so it is an input
like a form: the scratch engine answers each service call with the value its result variable holds
in the case data recorded after that command. Nothing is written to the database.

What is compared: per command, (1) the events it recorded against those the re-run produces, as a
multiset of (type, element, gateway targets); (2) each event's stored element sets against the sets
derived from the events before it, and on the command's last event the engine's exact sets
(completed/active/waiting/error) and the case data; at the end (3) the case row's status and data,
the element sets of the persisted workflow, and the inbox rows' submitted data. The check stops at
the first command that differs: after that the re-run has left the recorded path.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from engine import audit, history, hooks, loader, store
from engine import spiff as sw
from engine.clock import FakeClock, as_aware, isoformat, using_clock
from engine.context import CommandInfo, working_on
from engine.db import db
from engine.errors import NotFound, ValidationFailed
from engine.forms import validate_data
from engine.jsonutil import dumps, plain
from engine.models import AuditEvent, Instance, ModelVersion, Task
from engine.scripts import Sandbox

# Event types a command writes. Anything else (claims, reassignments, SLA notes, archiving, ...)
# is an annotation: it must leave the element sets as they were.
COMMAND_TYPES = frozenset({
    "instance_started", "task_ready", "task_completed", "task_cancelled", "gateway_taken", "timer_fired",
    "element_completed", "element_started", "element_failed", "instance_error", "instance_completed",
    "instance_cancelled",
})
SET_NAMES = ("completed", "active", "waiting", "error")
_ABSENT = "<absent>"


@dataclass
class Difference:
    step: int
    what: str
    message: str
    recorded: Any = None
    replayed: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "what": self.what, "message": self.message,
                "recorded": self.recorded, "replayed": self.replayed}


@dataclass
class ReplayReport:
    instance_id: int
    case_number: str | None
    process_id: str
    version: int
    steps: int
    commands: int = 0
    checked_through: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def first_step(self) -> int | None:
        return min((d.step for d in self.differences), default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "case_number": self.case_number, "process_id": self.process_id,
                "version": self.version, "ok": self.ok, "steps": self.steps, "commands": self.commands,
                "checked_through": self.checked_through, "first_step": self.first_step,
                "differences": [d.to_dict() for d in sorted(self.differences, key=lambda d: d.step)]}


@dataclass
class Command:
    """The events one command appended: they end with the one carrying `case_data`."""

    events: list[AuditEvent]

    @property
    def kind(self) -> str:
        types = {e.type for e in self.events}
        if not types <= COMMAND_TYPES:
            return "unknown"
        for marker, kind in (("instance_started", "start"), ("task_completed", "complete"),
                             ("instance_cancelled", "cancel")):
            if marker in types:
                return kind
        return "timers"

    @property
    def last(self) -> AuditEvent:
        return self.events[-1]

    @property
    def closed(self) -> bool:
        return "case_data" in (self.last.state or {})

    def first(self, event_type: str) -> AuditEvent | None:
        return next((e for e in self.events if e.type == event_type), None)


def group_commands(events: list[AuditEvent]) -> list[Command]:
    """Split a case's events into commands; an annotation is a command of its own."""
    groups: list[Command] = []
    current: list[AuditEvent] = []
    for event in events:
        state = event.state or {}
        if event.type not in COMMAND_TYPES and "case_data" not in state and not current:
            groups.append(Command([event]))
            continue
        current.append(event)
        if "case_data" in state:
            groups.append(Command(current))
            current = []
    if current:
        groups.append(Command(current))
    return groups


# ---------------------------------------------------------------- the scratch engine
class _RecordedServiceEngine(sw.AftercareScriptEngine):
    """Answers service tasks with the result recorded in the command's case data; never calls out."""

    recorded: Mapping[str, Any] = {}

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        variable = task.task_spec.result_variable
        if variable not in self.recorded:
            raise sw.WorkflowTaskException(
                f"the result of service '{operation_name}' ({variable}) is not in the recorded case data",
                task=task)
        return dumps(self.recorded[variable])


def _advance(wf) -> tuple[bool, str | None]:
    """Like a command: a failing script becomes an error state, reported as (failed, element)."""
    try:
        sw.advance(wf)
        return False, None
    except Exception as exc:  # noqa: BLE001 - the original command recorded any failure
        task = getattr(exc, "task", None)
        return True, getattr(getattr(task, "task_spec", None), "bpmn_id", None)


def _key(event_type: str, element: str | None, data: Mapping[str, Any] | None) -> tuple:
    targets = tuple((data or {}).get("to") or ()) if event_type == "gateway_taken" else ()
    return event_type, element, targets


def _typed(definition: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Recorded inputs are plain JSON; the original run had them typed by the form (Decimal money)."""
    if not definition or not data:
        return dict(data)
    names = {f["name"] for f in definition.get("fields", []) if not f.get("readonly")}
    typed = validate_data(definition, {k: v for k, v in data.items() if k in names}, resolvers={},
                          tz=hooks.get().timezone)
    return {**data, **typed}


class _Rerun:
    """One case re-run in memory. Each method runs one recorded command and returns the event keys
    it produced."""

    def __init__(self, instance: Instance, model: ModelVersion):
        registry = hooks.get()
        self.instance, self.model = instance, model
        self.parsed = loader.parsed(model)
        self.engine = _RecordedServiceEngine(Sandbox(registry.script_helpers), registry.services)
        self.wf = None
        self.task_map: dict[str, str] = {}  # recorded task id -> re-run task id
        self.cancelled = False

    def run(self, command: Command) -> list[tuple]:
        when = as_aware(command.last.at)
        self.engine.recorded = (command.last.state or {}).get("case_data") or {}
        info = CommandInfo(self.instance.id, self.instance.case_number, self.instance.process_id,
                           command.last.actor, when)
        with using_clock(FakeClock(when)), working_on(info):
            was_completed = self.wf is not None and sw.is_completed(self.wf)
            produced = getattr(self, f"_{command.kind}")(command)
        if command.kind != "cancel" and sw.is_completed(self.wf) and not was_completed:
            produced.append(_key("instance_completed", None, None))
        self._map_new_tasks(command)
        return produced

    def _engine_events(self, before, skip=frozenset()) -> list[tuple]:
        after = sw.snapshot(self.wf)
        events = history.engine_events(before, after, at=dt.datetime.min, actor="", skip=set(skip),
                                       gateway_targets=lambda task_id: sw.chosen_flows(self.wf, task_id))
        return [_key(e["type"], e["element_id"], e.get("data")) for e in events]

    def _failure(self, failed: bool, element: str | None) -> list[tuple]:
        return [_key("instance_error", element, None)] if failed else []

    def _start(self, command: Command) -> list[tuple]:
        started = command.first("instance_started")
        recorded = started.data or {}
        if recorded.get("version") != self.model.version:
            raise _Stop(started.seq, "input", "the case was started on another version than it is pinned to",
                        recorded.get("version"), self.model.version)
        data = self._inputs(started, loader.start_form(self.model), recorded.get("start_data") or {})
        self.wf = sw.new_workflow(self.parsed, data, self.engine)
        failure = _advance(self.wf)
        return [_key("instance_started", started.element_id, None), *self._engine_events({}),
                *self._failure(*failure)]

    def _complete(self, command: Command) -> list[tuple]:
        done = command.first("task_completed")
        form = self.model.forms.get(done.data.get("form")) if done.data.get("form") else None
        data = self._inputs(done, form, done.data.get("submitted") or {})
        before = sw.snapshot(self.wf)
        sw.fire_due_timers(self.wf)  # as the command did before applying the user's input
        early = self._engine_events(before)
        before = sw.snapshot(self.wf)
        task_id = self._ready_task(done, before)
        sw.run_user_task(self.wf, sw.find_task(self.wf, task_id), data)
        failure = _advance(self.wf)
        return [*early, _key("task_completed", done.element_id, None),
                *self._engine_events(before, {task_id}), *self._failure(*failure)]

    def _timers(self, command: Command) -> list[tuple]:
        before = sw.snapshot(self.wf)
        self.wf.refresh_timers()
        failure = _advance(self.wf)
        return [*self._engine_events(before), *self._failure(*failure)]

    def _cancel(self, command: Command) -> list[tuple]:
        before = sw.snapshot(self.wf)
        sw.cancel(self.wf)
        self.cancelled = True
        return [_key("instance_cancelled", None, None), *self._engine_events(before)]

    def _unknown(self, command: Command) -> list[tuple]:
        odd = next(e for e in command.events if e.type not in COMMAND_TYPES)
        raise _Stop(odd.seq, "unsupported", f"a '{odd.type}' command cannot be re-executed")

    def _inputs(self, event: AuditEvent, form, data: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return _typed(form, data)
        except ValidationFailed as exc:
            raise _Stop(event.seq, "input", "the recorded input does not pass its form", data,
                        exc.errors) from exc

    def _ready_task(self, done: AuditEvent, snap: Mapping[str, sw.TaskInfo]) -> str:
        mapped = self.task_map.get(done.task_id or "")
        if mapped and mapped in snap and snap[mapped].state == "READY":
            return mapped
        candidates = sorted((i for i in snap.values() if i.manual and i.state == "READY"
                             and i.element_id == done.element_id), key=lambda i: i.changed)
        if not candidates:
            raise _Stop(done.seq, "input", f"task '{done.element_id}' was completed, but on re-execution it "
                        "is not ready", done.element_id, sorted(i.element_id for i in snap.values()
                                                                if i.manual and i.state == "READY"))
        return candidates[0].id

    def _map_new_tasks(self, command: Command) -> None:
        """Pair the tasks that became ready with the recorded task_ready events, by element and order."""
        known = set(self.task_map.values())
        fresh = sorted((i for i in sw.snapshot(self.wf).values()
                        if i.manual and i.state == "READY" and i.id not in known), key=lambda i: i.changed)
        for event in command.events:
            if event.type != "task_ready":
                continue
            match = next((i for i in fresh if i.element_id == event.element_id), None)
            if match is not None:
                fresh.remove(match)
                self.task_map[event.task_id] = match.id

    def sets(self) -> dict[str, list[str]]:
        return history.element_sets(sw.snapshot(self.wf))

    def case_data(self) -> dict[str, Any]:
        return plain(sw.case_data(self.wf))

    def status(self) -> str:
        return store.status_of(self.wf, SimpleNamespace(status="cancelled" if self.cancelled else "running"))


class _Stop(Exception):
    """The re-run cannot go on: one difference, at one step."""

    def __init__(self, step: int, what: str, message: str, recorded: Any = None, replayed: Any = None):
        super().__init__(message)
        self.difference = Difference(step, what, message, recorded, replayed)


# ---------------------------------------------------------------- comparing
def _bare(state: Mapping[str, Any] | None) -> dict[str, list[str]]:
    state = state or {}
    return {name: sorted(state.get(name) or []) for name in SET_NAMES}


def _listed(key: tuple) -> list[Any]:
    return [key[0], key[1], list(key[2])]


def _compare_events(command: Command, produced: list[tuple]) -> list[Difference]:
    recorded = Counter(_key(e.type, e.element_id, e.data) for e in command.events)
    replayed = Counter(produced)
    diffs = [Difference(e.seq, "time", "one command's events carry different times", isoformat(e.at),
                        isoformat(command.last.at)) for e in command.events if e.at != command.last.at]
    for key in sorted(recorded - replayed, key=str):
        event = next(e for e in command.events if _key(e.type, e.element_id, e.data) == key)
        diffs.append(Difference(event.seq, "events", f"recorded event '{key[0]}' on '{key[1]}' is not "
                                "produced by re-execution", _listed(key), None))
    for key in sorted(replayed - recorded, key=str):
        diffs.append(Difference(command.last.seq, "events", f"re-execution produces '{key[0]}' on '{key[1]}', "
                                "which was not recorded", None, _listed(key)))
    return diffs


def _compare_derived(command: Command, previous: dict[str, list[str]]) -> list[Difference]:
    """Every event but a command's last stores the sets derived from the events before it."""
    diffs, sets = [], previous
    for event in command.events[:-1]:
        sets = history.apply(sets, {"type": event.type, "element_id": event.element_id})
        if _bare(event.state) != _bare(sets):
            diffs.append(Difference(event.seq, "state", "the stored element sets do not follow from the events",
                                    _bare(event.state), _bare(sets)))
    return diffs


def _compare_sets(step: int, recorded: Mapping[str, Any], replayed: Mapping[str, list[str]]) -> list[Difference]:
    diffs = []
    for name in SET_NAMES:
        have, want = sorted((recorded or {}).get(name) or []), sorted(replayed.get(name) or [])
        if have != want:
            diffs.append(Difference(step, name, f"{name} elements differ", have, want))
    return diffs


def _inputs_of(command: Command) -> tuple[AuditEvent | None, Mapping[str, Any]]:
    started, done = command.first("instance_started"), command.first("task_completed")
    if started is not None:
        return started, started.data.get("start_data") or {}
    if done is not None:
        return done, done.data.get("submitted") or {}
    return None, {}


class _LaterRecord:
    """Where a recorded input and a recorded outcome disagree, the record that follows tells which
    one was changed: the original value is carried on in the case data stored after later commands."""

    def __init__(self, commands: list[Command], final: Mapping[str, Any]):
        self.stored = [(c.last.seq, (c.last.state or {}).get("case_data") or {}) for c in commands if c.closed]
        self.final = plain(dict(final or {}))

    def value(self, key: str, after: int) -> Any:
        for seq, data in self.stored:
            if seq > after and key in data:
                return data[key]
        return self.final.get(key, _ABSENT)


def _compare_data(command: Command, replayed: Mapping[str, Any], later: _LaterRecord) -> list[Difference]:
    """A differing value is blamed on the input event when the input is the odd one out (the case
    data recorded before and after agree with each other), otherwise on the event holding the outcome."""
    recorded = (command.last.state or {}).get("case_data") or {}
    source, inputs = _inputs_of(command)
    diffs = []
    for key in sorted(set(recorded) | set(replayed)):
        have, want = recorded.get(key, _ABSENT), replayed.get(key, _ABSENT)
        if have == want:
            continue
        blamed = command.last.seq
        if source is not None and key in inputs and plain(inputs[key]) != have \
                and later.value(key, command.last.seq) == have:
            blamed = source.seq
        diffs.append(Difference(blamed, "data", f"case data '{key}' differs", have, want))
    return diffs


def _compare_annotation(event: AuditEvent, previous: dict[str, list[str]]) -> list[Difference]:
    if _bare(event.state) != previous:
        return [Difference(event.seq, "state", f"'{event.type}' must not change the element sets",
                           _bare(event.state), previous)]
    return []


def _compare_final(instance: Instance, rerun: _Rerun, step: int) -> list[Difference]:
    diffs = []
    if instance.status != rerun.status():
        diffs.append(Difference(step, "final", "the case's status differs", instance.status, rerun.status()))
    data = rerun.case_data()
    if plain(instance.data or {}) != data:
        keys = sorted(k for k in set(instance.data or {}) | set(data)
                      if plain((instance.data or {}).get(k, _ABSENT)) != data.get(k, _ABSENT))
        diffs.append(Difference(step, "final", f"the case's stored data differs ({', '.join(keys)})",
                                {k: (instance.data or {}).get(k) for k in keys}, {k: data.get(k) for k in keys}))
    try:
        persisted = history.element_sets(sw.snapshot(store.load(instance)))
    except Exception as exc:  # noqa: BLE001 - a damaged state is a finding, not a crash
        return [*diffs, Difference(step, "final", f"the stored workflow state cannot be loaded: {exc}")]
    for diff in _compare_sets(step, persisted, rerun.sets()):
        diff.what, diff.message = "final", f"stored workflow state: {diff.message}"
        diffs.append(diff)
    return diffs


def _compare_inbox(instance_id: int, events: list[AuditEvent]) -> list[Difference]:
    """The inbox rows are a projection: their submitted data must agree with the history."""
    rows = {row.id: row for row in db.session.execute(
        sa.select(Task).where(Task.instance_id == instance_id)).scalars()}
    diffs = []
    for event in events:
        row = rows.get(event.task_id or "")
        if event.type == "task_completed" and row is not None and plain(row.data or {}) != plain(
                (event.data or {}).get("submitted") or {}):
            diffs.append(Difference(event.seq, "inbox", f"the task row of '{event.element_id}' shows other data "
                                    "than the history", (event.data or {}).get("submitted"), row.data))
    return diffs


# ---------------------------------------------------------------- the check
def check(instance_id: int) -> ReplayReport:
    """Re-execute one case and compare; read-only."""
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    model = loader.model(instance.model_version_id)
    events = audit.events_of(instance_id)
    report = ReplayReport(instance.id, instance.case_number, instance.process_id, model.version, len(events))
    if not events:
        report.differences.append(Difference(1, "events", "the case has no history"))
        return report
    rerun = _Rerun(instance, model)
    previous = {name: [] for name in SET_NAMES}
    commands = group_commands(events)
    later = _LaterRecord(commands, instance.data)
    for command in commands:
        report.commands += 1
        diffs = _check_command(rerun, command, previous, later)
        if diffs:
            report.differences.extend(diffs)
            return report
        previous = _bare(command.last.state)
        report.checked_through = command.last.seq
    if rerun.wf is None:
        report.differences.append(Difference(1, "events", "the history does not start the case"))
        return report
    report.differences.extend(_compare_final(instance, rerun, events[-1].seq))
    report.differences.extend(_compare_inbox(instance.id, events))
    return report


def _check_command(rerun: _Rerun, command: Command, previous: dict[str, list[str]],
                   later: _LaterRecord) -> list[Difference]:
    if len(command.events) == 1 and not command.closed and command.last.type not in COMMAND_TYPES:
        return _compare_annotation(command.last, previous)
    if not command.closed:
        return [Difference(command.events[0].seq, "events", "these events do not end a command (no case data "
                           "is recorded after them)")]
    if (command.kind == "start") != (rerun.wf is None):
        return [Difference(command.events[0].seq, "events", "a case starts once, with its first command")]
    try:
        produced = rerun.run(command)
    except _Stop as stop:
        return [stop.difference]
    diffs = _compare_events(command, produced) + _compare_derived(command, previous)
    diffs += _compare_sets(command.last.seq, command.last.state, rerun.sets())
    diffs += _compare_data(command, rerun.case_data(), later)
    return diffs
