"""Fixtures for the audit tests: the demo cases and the service the a_claim diagram calls."""
from __future__ import annotations

import dataclasses

import pytest

from engine import hooks
from tests.audit.demo_cases import Cases


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
