"""The SLA settings a server process keeps: read once, not once per command; a change made
through this process applies at once, one made through another process within SETTINGS_CACHE."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.commands import transaction
from engine.db import db
from tests.engine.test_sql_budget import _statements
from workflows.deadlines import sla

RULE = "service_request_response"


def _reads(call) -> tuple[object, int]:
    result, seen = _statements(call)
    return result, sum("sla_setting" in s for s in seen)


def _amount() -> int:
    return int(sla.by_key(sla.rules())[RULE].amount)


def test_the_settings_are_read_once_then_kept(users):
    first, reads = _reads(_amount)
    assert reads == 1
    again, reads = _reads(_amount)
    assert (again, reads) == (first, 0)


def test_a_change_made_here_applies_at_once(users):
    assert _amount() == 1
    with transaction():
        sla.update_rule(RULE, amount=3, actor=users["owner1"])
    assert _amount() == 3


def test_a_change_that_was_rolled_back_is_not_kept(users):
    assert _amount() == 1
    with pytest.raises(RuntimeError), transaction():
        sla.update_rule(RULE, amount=3, actor=users["owner1"])
        assert _amount() == 3  # within its own transaction
        raise RuntimeError("the request failed after the change")
    assert _amount() == 1


def test_a_change_made_by_another_server_process_applies_within_seconds(users, clock):
    assert _amount() == 1
    with transaction():  # what another process's change leaves in the database
        db.session.add(sla.SlaSetting(key=RULE, processes="service_request", amount=4, unit="working_days",
                                      role=None, warn_percent=75, enabled=True, updated_by="owner1",
                                      updated_at=dt.datetime(2026, 3, 2)))
    assert _amount() == 1  # this process keeps its copy a little longer
    clock.advance(seconds=sla.SETTINGS_CACHE.total_seconds() + 1)
    assert _amount() == 4
