"""What the engine learns from workflows/ at start-up (the registry), instead of importing it."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Role:
    id: str
    name_zh: str
    name_en: str


# A reference resolver checks a submitted id and returns its stored form, or raises ValueError.
ReferenceResolver = Callable[[Any], Any]


@dataclass
class CommandContext:
    """Handed to after-command hooks: the instance row and what the command just changed."""

    instance: Any  # engine.models.Instance
    now: dt.datetime
    actor: str
    events: list[dict[str, Any]]
    ready_tasks: list[Any]  # engine.models.Task rows now ready
    closed_tasks: list[Any]  # engine.models.Task rows completed or cancelled by this command
    # what one hook read that a later hook of the same command may reuse instead of reading it again
    # (e.g. the case's SLA records, kept current by the hook that changes them)
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass
class TimerContext:
    """Handed to a timer handler, inside the transaction that holds the case's lock and marks the
    row fired: whatever the handler writes commits with it, or not at all."""

    timer: Any  # engine.models.Timer
    instance: Any  # engine.models.Instance
    now: dt.datetime


@dataclass
class Hooks:
    roles: Mapping[str, Role] = field(default_factory=dict)
    # service task operator name -> handler(task_data, params) -> JSON-able result
    services: Mapping[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = field(default_factory=dict)
    # extra names diagram expressions may call (e.g. working_days)
    script_helpers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    # form field type -> resolver (customer, equipment, engineer, file)
    references: Mapping[str, ReferenceResolver] = field(default_factory=dict)
    # process id -> function(data, actor) -> data, run before the start form is validated
    prepare_start: Mapping[str, Callable[[dict[str, Any], str], dict[str, Any]]] = field(default_factory=dict)
    # process id -> case number prefix
    case_prefixes: Mapping[str, str] = field(default_factory=dict)
    # run inside every command's transaction after the projections are written
    after_command: list[Callable[[CommandContext], None]] = field(default_factory=list)
    # timer row kind (other than 'bpmn') -> handler(TimerContext), e.g. SLA warnings and breaches
    timer_handlers: Mapping[str, Callable[[TimerContext], None]] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    # username -> the people whose assigned cases this user also reads (an engineer's region team)
    case_colleagues: Callable[[str], Iterable[str]] | None = None
    # the cap on a case's serialized data, in bytes (over it the step fails and nothing is stored)
    max_case_data_bytes: int = 1_000_000

    def role_for_lane(self, lane: str | None) -> str | None:
        if not lane:
            return None
        lane = lane.strip()
        if lane in self.roles:
            return lane
        for role in self.roles.values():
            if lane in (role.name_zh, role.name_en):
                return role.id
        return None


_hooks = Hooks()


def configure(hooks: Hooks) -> None:
    global _hooks
    _hooks = hooks


def get() -> Hooks:
    return _hooks
