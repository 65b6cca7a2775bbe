"""The recorded side of the re-execution check: a case's events grouped into the commands that
wrote them, the differences found, and the comparisons of a re-run with the record."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine.audit import history
from engine.clock import isoformat
from engine.db import db
from engine.jsonutil import plain
from engine.models import AuditEvent, Task

# Event types a command writes. Anything else (claims, reassignments, SLA notes, archiving, ...)
# is an annotation: it must leave the element sets as they were.
COMMAND_TYPES = frozenset({
    "instance_started", "task_ready", "task_completed", "task_cancelled", "gateway_taken", "timer_fired",
    "element_completed", "element_started", "element_failed", "instance_error", "instance_completed",
    "instance_cancelled", "message_received",
    # the managers' operations (engine/operations.py, recovery.py, migration.py)
    "instance_suspended", "instance_resumed", "task_corrected", "instance_sent_back", "instance_migrated",
    "incident_retried", "incident_resolved",
})
# event type that marks a command -> the kind of command (the re-run's method), first match wins
COMMAND_MARKERS = (
    ("instance_started", "start"), ("task_completed", "complete"), ("instance_cancelled", "cancel"),
    ("message_received", "message"),
    ("instance_suspended", "suspend"), ("instance_resumed", "resume"), ("task_corrected", "correct"),
    ("instance_sent_back", "send_back"), ("instance_migrated", "migrate"), ("incident_retried", "retry"),
    ("incident_resolved", "resolve"),
)
SET_NAMES = ("completed", "active", "waiting", "error")
ABSENT = "<absent>"


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
        for marker, kind in COMMAND_MARKERS:
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


def event_key(event_type: str, element: str | None, data: Mapping[str, Any] | None) -> tuple:
    """What must match between a recorded event and a re-executed one."""
    targets = tuple((data or {}).get("to") or ()) if event_type == "gateway_taken" else ()
    return event_type, element, targets


# ---------------------------------------------------------------- comparing
def bare(state: Mapping[str, Any] | None) -> dict[str, list[str]]:
    state = state or {}
    return {name: sorted(state.get(name) or []) for name in SET_NAMES}


def listed(key: tuple) -> list[Any]:
    return [key[0], key[1], list(key[2])]


def compare_events(command: Command, produced: list[tuple]) -> list[Difference]:
    recorded = Counter(event_key(e.type, e.element_id, e.data) for e in command.events)
    replayed = Counter(produced)
    diffs = [Difference(e.seq, "time", "one command's events carry different times", isoformat(e.at),
                        isoformat(command.last.at)) for e in command.events if e.at != command.last.at]
    for key in sorted(recorded - replayed, key=str):
        event = next(e for e in command.events if event_key(e.type, e.element_id, e.data) == key)
        diffs.append(Difference(event.seq, "events", f"recorded event '{key[0]}' on '{key[1]}' is not "
                                "produced by re-execution", listed(key), None))
    for key in sorted(replayed - recorded, key=str):
        diffs.append(Difference(command.last.seq, "events", f"re-execution produces '{key[0]}' on '{key[1]}', "
                                "which was not recorded", None, listed(key)))
    return diffs


def compare_derived(command: Command, previous: dict[str, list[str]]) -> list[Difference]:
    """Every event but a command's last stores the sets derived from the events before it."""
    diffs, sets = [], previous
    for event in command.events[:-1]:
        sets = history.apply(sets, {"type": event.type, "element_id": event.element_id, "data": event.data})
        if bare(event.state) != bare(sets):
            diffs.append(Difference(event.seq, "state", "the stored element sets do not follow from the events",
                                    bare(event.state), bare(sets)))
    return diffs


def compare_sets(step: int, recorded: Mapping[str, Any], replayed: Mapping[str, list[str]]) -> list[Difference]:
    diffs = []
    for name in SET_NAMES:
        have, want = sorted((recorded or {}).get(name) or []), sorted(replayed.get(name) or [])
        if have != want:
            diffs.append(Difference(step, name, f"{name} elements differ", have, want))
    return diffs


def inputs_of(command: Command) -> tuple[AuditEvent | None, Mapping[str, Any]]:
    started, done = command.first("instance_started"), command.first("task_completed")
    if started is not None:
        return started, started.data.get("start_data") or {}
    if done is not None:
        return done, done.data.get("submitted") or {}
    return None, {}


class LaterRecord:
    """Where a recorded input and a recorded outcome disagree, the record that follows tells which
    one was changed: the original value is carried on in the case data stored after later commands."""

    def __init__(self, commands: list[Command], final: Mapping[str, Any]):
        self.stored = [(c.last.seq, (c.last.state or {}).get("case_data") or {}) for c in commands if c.closed]
        self.final = plain(dict(final or {}))

    def value(self, key: str, after: int) -> Any:
        for seq, data in self.stored:
            if seq > after and key in data:
                return data[key]
        return self.final.get(key, ABSENT)


def compare_data(command: Command, replayed: Mapping[str, Any], later: LaterRecord) -> list[Difference]:
    """A differing value is blamed on the input event when the input is the odd one out (the case
    data recorded before and after agree with each other), otherwise on the event holding the outcome."""
    recorded = (command.last.state or {}).get("case_data") or {}
    source, inputs = inputs_of(command)
    diffs = []
    for key in sorted(set(recorded) | set(replayed)):
        have, want = recorded.get(key, ABSENT), replayed.get(key, ABSENT)
        if have == want:
            continue
        blamed = command.last.seq
        if source is not None and key in inputs and plain(inputs[key]) != have \
                and later.value(key, command.last.seq) == have:
            blamed = source.seq
        diffs.append(Difference(blamed, "data", f"case data '{key}' differs", have, want))
    return diffs


def compare_annotation(event: AuditEvent, previous: dict[str, list[str]]) -> list[Difference]:
    if bare(event.state) != previous:
        return [Difference(event.seq, "state", f"'{event.type}' must not change the element sets",
                           bare(event.state), previous)]
    return []


def open_timer_incident(events: list[AuditEvent]) -> AuditEvent | None:
    """The timer failure the case still shows, if any. A timer that failed its last try puts the case
    in `error` outside any command (`timer_failed`); a retry of that timer (`timer_retried`), its
    dismissal (`timer_resolved`) or the next command, which derives the status from the engine
    again, ends it."""
    incident = None
    for event in events:
        if "case_data" in (event.state or {}):
            incident = None
        elif event.type == "timer_failed":
            incident = event
        elif event.type in ("timer_retried", "timer_resolved") and incident is not None \
                and _same_timer(event, incident):
            incident = None
    return incident


def _same_timer(one: AuditEvent, other: AuditEvent) -> bool:
    return (one.task_id, one.element_id, (one.data or {}).get("kind")) == \
        (other.task_id, other.element_id, (other.data or {}).get("kind"))


def compare_inbox(instance_id: int, events: list[AuditEvent]) -> list[Difference]:
    """The inbox rows are a projection: their submitted data must agree with the history (what was
    submitted, with the corrections made to it since)."""
    rows = {row.id: row for row in db.session.execute(
        sa.select(Task).where(Task.instance_id == instance_id)).scalars()}
    corrected: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.type == "task_corrected" and event.task_id:
            corrected.setdefault(event.task_id, {}).update((event.data or {}).get("after") or {})
    diffs = []
    for event in events:
        row = rows.get(event.task_id or "")
        if event.type != "task_completed" or row is None:
            continue
        expected = {**((event.data or {}).get("submitted") or {}), **corrected.get(row.id, {})}
        if plain(row.data or {}) != plain(expected):
            diffs.append(Difference(event.seq, "inbox", f"the task row of '{event.element_id}' shows other data "
                                    "than the history", expected, row.data))
    return diffs
