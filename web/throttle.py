"""Failed-login throttling, counted in the database (engine/login_attempts.py) so every worker
sees the same count and a restart forgets nothing.

- per account: after LOGIN_MAX_FAILURES failures for one username within LOGIN_WINDOW_SECONDS,
  that account's logins are refused (429) until the oldest failure leaves the window; a
  successful login starts the account again from zero;
- per address: a separate, higher ceiling (LOGIN_MAX_FAILURES_PER_ADDRESS) stops one client
  guessing across many accounts. One person's wrong passwords never lock out the other accounts
  used from the same address (an office behind one NAT address)."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from engine import login_attempts
from engine.clock import as_aware, now
from engine.commands import transaction
from engine.errors import AftercareError


class TooManyAttempts(AftercareError):
    code = "too_many_attempts"


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=float(current_app.config["LOGIN_WINDOW_SECONDS"]))


def _refuse(recent: login_attempts.Recent, moment: dt.datetime, whom: str) -> None:
    oldest = as_aware(recent.oldest) or moment
    wait = max(1, int((oldest + _window() - moment).total_seconds()) + 1)
    raise TooManyAttempts(f"too many failed logins {whom}; try again in {wait} s", retry_after=wait)


def check_login_allowed(username: str, address: str | None) -> None:
    moment = now()
    since = moment - _window()
    account = login_attempts.recent_for_account(username, since=since)
    if account.count >= int(current_app.config["LOGIN_MAX_FAILURES"]):
        _refuse(account, moment, "for this account")
    per_address = int(current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    if per_address > 0:
        address = login_attempts.recent_for_address(address, since=since)
        if address.count >= per_address:
            _refuse(address, moment, "from this address")


def record_login_failure(username: str, address: str | None) -> None:
    """Counted at once, in its own transaction: the failed request commits nothing else."""
    moment = now()
    with transaction():
        login_attempts.record_failure(username, address, now=moment, forget_before=moment - _window())


def record_login_success(username: str) -> None:
    with transaction():
        login_attempts.clear_account(username)


def reset() -> None:
    """Forget every failure (an administrator lifting lockouts; tests)."""
    with transaction():
        login_attempts.clear_all()
