"""Fixtures for the audit tests: the demo cases, the service the a_claim diagram calls, and the
shared browser fixtures."""
from __future__ import annotations

import dataclasses

import pytest

from engine import hooks
from engine.commands import transaction
from engine.identity import Actor, create_user
from tests.audit.demo_cases import Cases
from tests.audit.flow_cases import SCENARIOS
from tests.browserkit import artifacts, chromium, live_server, open_session  # noqa: F401 - the browser tests'
from tests.workflows.conftest import actors, flows, records  # noqa: F401 - the flows' fixtures


@pytest.fixture
def booking(ctx):
    """Installs the `book_cost` service the a_claim diagram calls; returns the list of real calls."""
    previous = hooks.get()
    calls: list[dict] = []

    def book_cost(_data, params):
        calls.append(params)
        return {"voucher": f"V-{len(calls):04d}", "amount": params["amount"]}

    hooks.configure(dataclasses.replace(previous, services={**previous.services, "book_cost": book_cost}))
    yield calls
    hooks.configure(previous)


@pytest.fixture
def cases(deploy, users, clock, booking):
    return Cases(deploy, users, clock)


@pytest.fixture
def archivist(users):
    with transaction():
        create_user("archivist1", "pw-archivist1", ["archivist"])
    return Actor("archivist1", frozenset({"archivist"}))


@pytest.fixture
def archive_folder(app, tmp_path):
    previous = app.config.get("ARCHIVE_DIR")
    app.config["ARCHIVE_DIR"] = str(tmp_path / "archive")
    yield tmp_path / "archive"
    app.config["ARCHIVE_DIR"] = previous


@pytest.fixture
def demo(flows, actors, clock):  # noqa: F811 - the flows' fixtures
    """A finished demo case of a real flow, by scenario name (tests/audit/flow_cases.py)."""
    flows.actors = actors
    return lambda name: SCENARIOS[name](flows, clock)
