"""Which case a command is working on, for service-task handlers that need to know; and who is
submitting a form to which case, for the reference checks that depend on it (attachments)."""
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


@dataclass(frozen=True)
class Submission:
    actor: str
    instance_id: int | None  # None while a case is being started
    system: bool = False


_submission: ContextVar[Submission | None] = ContextVar("aftercare_submission", default=None)


def submission() -> Submission | None:
    return _submission.get()


@contextmanager
def submitting(actor: str, instance_id: int | None, *, system: bool = False):
    token = _submission.set(Submission(actor, instance_id, system))
    try:
        yield
    finally:
        _submission.reset(token)
