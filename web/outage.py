"""When the database is gone: every request answers 503 `database_unavailable` with Retry-After,
the log says once that it went and once that it came back (no traceback per request), and nothing
needs a restart — the pool pings a connection before handing it out and reconnects on its own.

A connection checked out of the pool (after its ping) is the sign the database is back."""
from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event, exc

from engine.db import db

log = logging.getLogger("aftercare.database")
UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


def first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0][:300]


class DatabaseWatch:
    """Whether the database is reachable, as the last connection attempt found it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.failures = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        log.error("database unavailable: %s — requests answer 503 until it is back", first_line(error))

    def recovered(self) -> None:
        if self.down_since is None:  # the common case: no lock taken
            return
        with self._lock:
            if self.down_since is None:
                return
            seconds, failures = time.monotonic() - self.down_since, self.failures
            self.down_since, self.failures = None, 0
        log.warning("database available again after %.0f s (%d requests refused meanwhile)", seconds, failures)


def probe() -> str | None:
    """None when a query runs; else why not (first line of the error)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except UNAVAILABLE as error:
        watch_of().failed(error)
        return first_line(error)
    return None


_watch = DatabaseWatch()


def watch_of() -> DatabaseWatch:
    return _watch


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkout")
    def _checked_out(*_args) -> None:
        _watch.recovered()
