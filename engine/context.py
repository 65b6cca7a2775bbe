"""Which case a command is working on, for service-task handlers that need to know."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandInfo:
    instance_id: int
    case_number: str | None
    process_id: str
    actor: str
    now: dt.datetime


_current: ContextVar[CommandInfo | None] = ContextVar("aftercare_command", default=None)


def current() -> CommandInfo | None:
    return _current.get()


@contextmanager
def working_on(info: CommandInfo):
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)
