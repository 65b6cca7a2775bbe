"""Time is injected. All engine code asks `clock.now()`; tests install a FakeClock.

SpiffWorkflow reads the wall clock through the module-level name `datetime` of its timer module,
so the engine replaces that name with a class whose `now()` asks the active clock.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

import SpiffWorkflow.bpmn.specs.event_definitions.timer as _spiff_timer

UTC = dt.UTC


class Clock(Protocol):
    def now(self) -> dt.datetime:  # aware UTC
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (thread-safe, for tests and replays)."""

    def __init__(self, start: dt.datetime | None = None):
        self._now = (start or dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)).astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


_active: Clock = SystemClock()
_local = threading.local()


def get_clock() -> Clock:
    return getattr(_local, "clock", None) or _active


def set_clock(clock: Clock) -> Clock:
    """Install the process-wide clock; returns the previous one."""
    global _active
    previous, _active = _active, clock
    return previous


class using_clock:
    """Context manager: run this thread's engine work under `clock` (re-execution checks)."""

    def __init__(self, clock: Clock):
        self.clock = clock

    def __enter__(self) -> Clock:
        self.previous = getattr(_local, "clock", None)
        _local.clock = self.clock
        return self.clock

    def __exit__(self, *exc: object) -> None:
        _local.clock = self.previous


def now() -> dt.datetime:
    return get_clock().now()


def utc_naive(when: dt.datetime) -> dt.datetime:
    """The form we store: naive UTC (portable across SQLite and PostgreSQL)."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def as_aware(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def isoformat(when: dt.datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset, as the API and the audit chain write times."""
    aware = as_aware(when)
    return aware.isoformat(timespec="microseconds").replace("+00:00", "Z") if aware else None


class _ClockedDateTime(dt.datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102 - mirrors datetime.now
        current = get_clock().now()
        return current.astimezone(tz) if tz else current.astimezone(UTC).replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDateTime
