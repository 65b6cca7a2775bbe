"""Failed-login throttling: after N failures for a username or address within the window,
further attempts are refused with 429 until the window passes. Kept in memory per process."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import current_app

from engine.errors import AftercareError


class TooManyAttempts(AftercareError):
    code = "too_many_attempts"


_failures: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def _keys(username: str, address: str | None) -> list[str]:
    return [f"user:{username.strip().lower()}", f"addr:{address or '-'}"]


def _recent(key: str, window: float, moment: float) -> deque[float]:
    entries = _failures[key]
    while entries and entries[0] < moment - window:
        entries.popleft()
    return entries


def check_login_allowed(username: str, address: str | None) -> None:
    limit = int(current_app.config["LOGIN_MAX_FAILURES"])
    window = float(current_app.config["LOGIN_WINDOW_SECONDS"])
    moment = time.monotonic()
    with _lock:
        for key in _keys(username, address):
            recent = _recent(key, window, moment)
            if len(recent) >= limit:
                wait = int(recent[0] + window - moment) + 1
                raise TooManyAttempts(f"too many failed logins; try again in {wait} s", retry_after=wait)


def record_login_failure(username: str, address: str | None) -> None:
    moment = time.monotonic()
    with _lock:
        for key in _keys(username, address):
            _failures[key].append(moment)


def reset() -> None:
    with _lock:
        _failures.clear()
