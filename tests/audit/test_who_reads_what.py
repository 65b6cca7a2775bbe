"""Who reads what: an engineer reads the cases assigned to them or to their region team (or only
their own, with the `own` setting), not every case any engineer ever touched; production reads the
cases it has or had a task in. The case list, the case pages and the API follow the same rule."""
from __future__ import annotations

import dataclasses

import pytest

from engine import commands, hooks, queries
from engine.commands import transaction
from engine.identity import Actor, create_user
from tests.workflows.flowkit import complete, task_of
from tests.workflows.test_compensation_approval import start as start_claim


def _question(flows, actors):
    """A technical question of a south-west customer: its answer goes to eng_sw1."""
    case = commands.start_instance(process_id="tech_support", actor=actors["desk1"], data={
        "customer_id": flows.sw, "question": "请提供液压站维护手册"})
    assert task_of(case, "answer").assignee == "eng_sw1"
    return case


def _reads(case, actor) -> bool:
    listed = {c.id for c in queries.case_list(actor, status=None, q=None, page=1, per_page=200).items}
    readable = queries.can_read_case(case, actor)
    assert readable == (case.id in listed), actor.username  # one rule for the page and the list
    return readable


@pytest.fixture
def engineers_read():
    previous = hooks.get()

    def setting(value: str) -> None:
        colleagues = previous.case_colleagues if value == "team" else None
        hooks.configure(dataclasses.replace(previous, case_colleagues=colleagues))

    yield setting
    hooks.configure(previous)


def test_an_engineer_reads_the_cases_of_their_region_team(flows, actors, api):
    case = _question(flows, actors)
    assert _reads(case, actors["eng_sw1"]) and _reads(case, actors["eng_sw2"])  # assigned; teammate
    assert not _reads(case, actors["eng_n1"]) and not _reads(case, actors["eng_g1"])  # other teams
    assert api("eng_n1").get(f"/process-instances/{case.id}").status_code == 403
    assert api("eng_sw2").get(f"/process-instances/{case.id}").status_code == 200
    done = complete(case, "answer", actors["eng_sw1"], channel="email", answer="已发送")
    assert done.status == "completed"
    assert _reads(done, actors["eng_sw2"]) and not _reads(done, actors["eng_n1"])  # a touched case stays closed


def test_with_the_own_setting_an_engineer_reads_only_their_cases(flows, actors, engineers_read):
    engineers_read("own")
    case = _question(flows, actors)
    assert _reads(case, actors["eng_sw1"])
    assert not _reads(case, actors["eng_sw2"]) and not _reads(case, actors["eng_n1"])


def test_production_reads_the_cases_it_has_or_had_a_task_in(flows, actors):
    with transaction():
        create_user("prod2", "pw-prod2", ["production"])
    prod2 = Actor("prod2", frozenset({"production"}))
    waiting = start_claim(flows, actors, amount="800.00")  # at the manager's approval
    claim = start_claim(flows, actors, amount="600.00")
    claim = complete(claim, "manager_approval", actors["manager1"], approved=True)
    claim = complete(claim, "production_order", actors["sales1"])
    assert task_of(claim, "production").assignee is None
    assert _reads(claim, actors["prod1"]) and _reads(claim, prod2)  # in their queue: they may take it
    assert not _reads(waiting, actors["prod1"])
    claim = complete(claim, "production", actors["prod1"])
    assert _reads(claim, actors["prod1"])  # had a task
    assert not _reads(claim, prod2)  # a production task someone else did is not theirs to read
