"""Re-execution check: run a case again from its recorded inputs, on its pinned diagram version, in
a scratch engine, and compare with what was stored after every command. It proves the history
explains the state.

What is re-run, command by command, with the clock set to the command's recorded time (which also
drives SpiffWorkflow's timers): the start data, each submitted form (matched to its task by element
id and order, since task ids differ on re-execution), timer firings in their recorded order,
messages received, cancellations, and the managers' operations — suspend and resume (timers moved by the recorded
pause), corrections, send-backs, moves to a newer version (the re-run starts on the version the case
started on), retried and resolved failed steps (engine/replay_operations.py). A cycle timer fires
without completing, so each of its firings is recorded as `timer_fired` with `data.cycle`; the
re-run produces one wherever a waiting timer's due time moved on.
The record is plain JSON, so inputs are typed again as the original run had them: money fields of
the pinned forms become Decimal, and what a flow's prepare_start added to the start data takes the
type (Decimal, datetime) the stored workflow holds at that path.

What is not re-run: annotations — claims, reassignments, SLA events (`sla_*`, from the SLA timers
and after commands), timer failures and retries — which must leave the element sets as they were;
after-command hooks (they may start other cases, as a breached SLA opens an escalation case, which
is a case checked on its own); and service-task handlers. A service's answer (a dispatch suggestion,
a warranty lookup) depends on the world at that time, so it is an input like a form: the scratch
engine answers each service call with the value its result variable holds in the case data recorded
after that command. A timer that failed its last try puts the case in `error` outside any command:
while such a failure is open (not retried, no command since), `error` is the status expected at the
end. Nothing is written to the database.

What is compared: per command, (1) the events it recorded against those the re-run produces, as a
multiset of (type, element, gateway targets); (2) each event's stored element sets against the sets
derived from the events before it, and on the command's last event the engine's exact sets
(completed/active/waiting/error) and the case data; at the end (3) the case row's status and data,
the element sets of the persisted workflow, and the inbox rows' submitted data. The check stops at
the first command that differs: after that the re-run has left the recorded path.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from engine import hooks, loader, store
from engine import spiff as sw
from engine.audit import chain as audit
from engine.audit import history
from engine.clock import FakeClock, as_aware, using_clock
from engine.context import CommandInfo, working_on
from engine.db import db
from engine.errors import NotFound
from engine.jsonutil import dumps, plain
from engine.models import AuditEvent, Instance, ModelVersion
from engine.replay_inputs import form_paths, retype, stored_types
from engine.replay_operations import OperationsRerun, start_model
from engine.replay_operations import Stop as _Stop
from engine.replay_operations import run_engine as _advance
from engine.replay_record import (
    ABSENT,
    COMMAND_TYPES,
    SET_NAMES,
    Command,
    Difference,
    LaterRecord,
    ReplayReport,
    bare,
    compare_annotation,
    compare_data,
    compare_derived,
    compare_events,
    compare_inbox,
    compare_sets,
    event_key,
    group_commands,
    open_timer_incident,
)
from engine.replay_tasks import Mark, TaskTracker, TrackedWorkflow
from engine.scripts import Sandbox

__all__ = ["Command", "Difference", "ReplayReport", "Rerun", "check", "check_command", "group_commands"]


# Commands that only move a case forward: the re-run follows them from the tasks under way
# (engine/replay_tasks.py); the others (the managers' operations, a cancellation) may rewrite
# finished history, so the whole tree is read again after them.
INCREMENTAL = frozenset({"start", "complete", "message", "timers"})


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


class Rerun(OperationsRerun):
    """One case re-run in memory. Each method runs one recorded command and returns the event keys
    it produced."""

    def __init__(self, instance: Instance, model: ModelVersion):
        registry = hooks.get()
        self.instance, self.model = instance, model
        self.parsed = loader.parsed(model)
        self.engine = _RecordedServiceEngine(Sandbox(registry.script_helpers), registry.services)
        self.wf = None
        self.tracker: TaskTracker | None = None  # the re-run's tasks, refreshed from what can change
        self.task_map: dict[str, str] = {}  # recorded task id -> re-run task id
        self._mapped: set[str] = set()  # its values
        self.cancelled = False
        try:
            self.stored_types = stored_types(sw.case_data(store.load(instance)))
        except Exception:  # noqa: BLE001 - a damaged state is reported by the final comparison
            self.stored_types = {}

    def run(self, command: Command) -> list[tuple]:
        when = as_aware(command.last.at)
        self.engine.recorded = (command.last.state or {}).get("case_data") or {}
        info = CommandInfo(self.instance.id, self.instance.case_number, self.instance.process_id,
                           command.last.actor, when)
        incremental = command.kind in INCREMENTAL
        if self.wf is not None:  # an operation may rewrite finished history: the library walks the whole tree
            self.wf.tracker = self.tracker if incremental else None
        try:
            with using_clock(FakeClock(when)), working_on(info):
                was_completed = self.wf is not None and self._completed()
                produced = getattr(self, f"_{command.kind}")(command)
        finally:
            if self.tracker is not None:
                self.tracker.close_marks()
                if not incremental:
                    self.tracker.rescan()
                self.wf.tracker = self.tracker
        if command.kind != "cancel" and self._completed() and not was_completed:
            produced.append(event_key("instance_completed", None, None))
        self._map_new_tasks(command)
        return produced

    def _completed(self) -> bool:
        return self.tracker.completed() if self.tracker is not None else sw.is_completed(self.wf)

    def _run_engine(self) -> tuple[bool, str | None]:
        return _advance(self.wf, self.tracker.engine_task_ready)

    def _engine_events(self, before: Mark | Mapping[str, sw.TaskInfo], skip=frozenset()) -> list[tuple]:
        """Events for what changed since `before`: a mark of the tracker, or (after an operation that
        may rewrite finished history) a full snapshot, in which case every task is read again."""
        if isinstance(before, Mark):
            before, after = self.tracker.changes(before)
        else:
            self.tracker.rescan()
            after = self.tracker.infos
        events = history.engine_events(before, after, at=dt.datetime.min, actor="", skip=set(skip),
                                       gateway_targets=lambda task_id: sw.chosen_flows(self.wf, task_id))
        return [event_key(e["type"], e["element_id"], e.get("data")) for e in events]

    def _failure(self, failed: bool, element: str | None) -> list[tuple]:
        return [event_key("instance_error", element, None)] if failed else []

    def _start(self, command: Command) -> list[tuple]:
        started = command.first("instance_started")
        recorded = started.data or {}
        if recorded.get("version") != self.model.version:
            raise _Stop(started.seq, "input", "the case was started on another version than it is pinned to",
                        recorded.get("version"), self.model.version)
        data = self._inputs(started, loader.start_form(self.model), recorded.get("start_data") or {},
                            computed=True)
        self.wf = sw.new_workflow(self.parsed, data, self.engine, TrackedWorkflow)
        self.tracker = self.wf.tracker = TaskTracker(self.wf)
        failure = self._run_engine()
        return [event_key("instance_started", started.element_id, None), *self._engine_events({}),
                *self._failure(*failure)]

    def _complete(self, command: Command) -> list[tuple]:
        done = command.first("task_completed")
        form = self.model.forms.get(done.data.get("form")) if done.data.get("form") else None
        data = self._inputs(done, form, done.data.get("submitted") or {})
        before, waiting = self.tracker.mark(), self._waiting_timers()
        try:  # as the command did before applying the user's input
            sw.fire_due_timers(self.wf, self.tracker.engine_task_ready)
        except Exception as exc:  # noqa: BLE001 - the original command would have been refused
            raise _Stop(done.seq, "timers", f"a due timer fails on re-execution before this input: {exc}") from exc
        early = [*self._cycle_firings(waiting), *self._engine_events(before)]
        before = self.tracker.mark()
        task_id = self._ready_task(done, {info.id: info for info in self.tracker.live_infos()})
        sw.run_user_task(self.wf, sw.find_task(self.wf, task_id), data)
        failure = self._run_engine()
        return [*early, event_key("task_completed", done.element_id, None),
                *self._engine_events(before, {task_id}), *self._failure(*failure)]

    def _message(self, command: Command) -> list[tuple]:
        received = command.first("message_received")
        before, waiting = self.tracker.mark(), self._waiting_timers()
        sw.fire_due_timers(self.wf, self.tracker.engine_task_ready)  # as the command did before the message
        early = [*self._cycle_firings(waiting), *self._engine_events(before)]
        before = self.tracker.mark()
        element = sw.deliver_message(self.wf, received.data.get("message"), received.data.get("payload") or {})
        if element is None:
            raise _Stop(received.seq, "input", "on re-execution the case is not waiting for this message",
                        received.data.get("message"))
        failure = self._run_engine()
        return [*early, event_key("message_received", element, None), *self._engine_events(before),
                *self._failure(*failure)]

    def _timers(self, command: Command) -> list[tuple]:
        before, waiting = self.tracker.mark(), self._waiting_timers()
        self.wf.refresh_timers()
        failure = self._run_engine()
        return [*self._cycle_firings(waiting), *self._engine_events(before), *self._failure(*failure)]

    def _waiting_timers(self) -> dict[str, str]:
        return {task_id: due for task_id, _element, due in sw.pending_timers(self.wf)}

    def _cycle_firings(self, waiting: Mapping[str, str]) -> list[tuple]:
        """A cycle timer that fired waits again with a later due time; the command recorded each such
        firing as `timer_fired` (data.cycle), since the timer never completes."""
        return [event_key("timer_fired", element, None) for task_id, element, due in sw.pending_timers(self.wf)
                if waiting.get(task_id) not in (None, due)]

    def _cancel(self, command: Command) -> list[tuple]:
        before = sw.snapshot(self.wf)
        sw.cancel(self.wf)
        self.cancelled = True
        return [event_key("instance_cancelled", None, None), *self._engine_events(before)]

    def _unknown(self, command: Command) -> list[tuple]:
        odd = next(e for e in command.events if e.type not in COMMAND_TYPES)
        raise _Stop(odd.seq, "unsupported", f"a '{odd.type}' command cannot be re-executed")

    def _inputs(self, event: AuditEvent, form, data: Mapping[str, Any], computed: bool = False) -> dict[str, Any]:
        """Form fields are typed by their form; start data also holds what prepare_start computed,
        typed as the stored workflow holds it."""
        declared, converters = form_paths((form or {}).get("fields", []))
        if computed:
            converters = {**{p: c for p, c in self.stored_types.items() if p not in declared}, **converters}
        try:
            return retype(dict(data), converters)
        except (ArithmeticError, ValueError) as exc:
            raise _Stop(event.seq, "input", f"a recorded value has not the type its form gives it: {exc}",
                        data) from exc

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
        fresh = sorted((i for i in self.tracker.live_infos()
                        if i.manual and i.state == "READY" and i.id not in self._mapped), key=lambda i: i.changed)
        for event in command.events:
            if event.type != "task_ready":
                continue
            match = next((i for i in fresh if i.element_id == event.element_id), None)
            if match is not None:
                fresh.remove(match)
                self.task_map[event.task_id] = match.id
                self._mapped.add(match.id)

    def sets(self) -> dict[str, list[str]]:
        return self.tracker.sets()

    def case_data(self) -> dict[str, Any]:
        return plain(self.tracker.case_data())

    def status(self) -> str:
        held = "cancelled" if self.cancelled else "suspended" if self.suspended else "running"
        return store.status_of(self.wf, SimpleNamespace(status=held))


def _expected_status(rerun: Rerun, events: list[AuditEvent]) -> tuple[str, str]:
    """The status the history explains, and why: the engine's, unless a failed timer left the case in error."""
    incident = open_timer_incident(events)
    if incident is not None:
        return "error", f" (timer '{incident.element_id}' failed for good at step {incident.seq} and was not retried)"
    return rerun.status(), ""


def _compare_final(instance: Instance, rerun: Rerun, events: list[AuditEvent]) -> list[Difference]:
    step = events[-1].seq
    diffs = []
    expected, reason = _expected_status(rerun, events)
    if instance.status != expected:
        diffs.append(Difference(step, "final", f"the case's status differs{reason}", instance.status, expected))
    data = rerun.case_data()
    if plain(instance.data or {}) != data:
        keys = sorted(k for k in set(instance.data or {}) | set(data)
                      if plain((instance.data or {}).get(k, ABSENT)) != data.get(k, ABSENT))
        diffs.append(Difference(step, "final", f"the case's stored data differs ({', '.join(keys)})",
                                {k: (instance.data or {}).get(k) for k in keys}, {k: data.get(k) for k in keys}))
    try:
        persisted = history.element_sets(sw.snapshot(store.load(instance)))
    except Exception as exc:  # noqa: BLE001 - a damaged state is a finding, not a crash
        return [*diffs, Difference(step, "final", f"the stored workflow state cannot be loaded: {exc}")]
    for diff in compare_sets(step, persisted, rerun.sets()):
        diff.what, diff.message = "final", f"stored workflow state: {diff.message}"
        diffs.append(diff)
    return diffs


# ---------------------------------------------------------------- the check
def check(instance_id: int) -> ReplayReport:
    """Re-execute one case and compare; read-only."""
    instance = db.session.get(Instance, instance_id, populate_existing=True)  # what is stored, not a stale copy
    if instance is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    pinned = loader.model(instance.model_version_id)
    events = audit.events_of(instance_id)
    report = ReplayReport(instance.id, instance.case_number, instance.process_id, pinned.version, len(events))
    if not events:
        report.differences.append(Difference(1, "events", "the case has no history"))
        return report
    try:
        model = start_model(pinned, events)  # a case moved to a newer version re-runs from the one it started on
    except NotFound as exc:
        report.differences.append(Difference(1, "input", exc.message))
        return report
    rerun = Rerun(instance, model)
    previous = {name: [] for name in SET_NAMES}
    commands = group_commands(events)
    later = LaterRecord(commands, instance.data)
    for command in commands:
        report.commands += 1
        diffs = check_command(rerun, command, previous, later)
        if diffs:
            report.differences.extend(diffs)
            return report
        previous = bare(command.last.state)
        report.checked_through = command.last.seq
    if rerun.wf is None:
        report.differences.append(Difference(1, "events", "the history does not start the case"))
        return report
    report.differences.extend(_compare_final(instance, rerun, events))
    report.differences.extend(compare_inbox(instance.id, events))
    return report


def check_command(rerun: Rerun, command: Command, previous: dict[str, list[str]],
                   later: LaterRecord) -> list[Difference]:
    if len(command.events) == 1 and not command.closed and command.last.type not in COMMAND_TYPES:
        return compare_annotation(command.last, previous)
    if not command.closed:
        return [Difference(command.events[0].seq, "events", "these events do not end a command (no case data "
                           "is recorded after them)")]
    if (command.kind == "start") != (rerun.wf is None):
        return [Difference(command.events[0].seq, "events", "a case starts once, with its first command")]
    try:
        produced = rerun.run(command)
    except _Stop as stop:
        return [stop.difference]
    except Exception as exc:  # noqa: BLE001 - whatever breaks the re-run is a finding at this step
        return [Difference(command.events[0].seq, "engine", f"re-execution failed: {type(exc).__name__}: {exc}")]
    diffs = compare_events(command, produced) + compare_derived(command, previous)
    diffs += compare_sets(command.last.seq, command.last.state, rerun.sets())
    diffs += compare_data(command, rerun.case_data(), later)
    return diffs
