"""The major-accident flow (NK-MF25-B) through the engine: the fine on the loss by the bands, the
manager's confirmation or return, the general manager's sanction, the ledger entry."""
from __future__ import annotations

import pytest

from engine import commands
from engine.commands import transaction
from engine.errors import Forbidden
from tests.workflows.flowkit import assert_story, complete, gateways, ready, task_of
from workflows.management import accountability_settings, fines

RECORD = {"responsible_engineer": "eng_sw1", "occurred_on": "2026-02-26", "description": "调试时未按规程操作，电机烧毁",
          "responsibility": "服务工程师违反操作规程", "loss": "3000.00", "proposed_sanction": "demotion"}


def record(actors, **extra):
    return commands.start_instance(process_id="accident", actor=actors["qualityvp1"], data={**RECORD, **extra})


@pytest.mark.parametrize("sanction", ["demotion", "pay_freeze", "removal", "dismissal", "none"])
def test_confirmed_fine_and_the_sanction_go_to_the_ledger(flows, actors, sanction):
    case = record(actors)
    assert case.data["accident_fine"] == "725.00"
    confirm = task_of(case, "manager_confirmation")
    assert confirm.role == "service_manager"
    complete(case, "manager_confirmation", actors["manager1"], confirmed=True)
    assert task_of(case, "sanction_decision").role == "general_manager"
    case = complete(case, "sanction_decision", actors["gm1"], sanction=sanction, decision_reason="严重失职")
    assert case.status == "completed" and ("confirmed_gateway", ["sanction_decision"]) in gateways(case)
    assert_story(case)
    [entry] = fines.ledger(actor=actors["manager1"], engineer="eng_sw1")["items"]
    assert (entry["kind"], entry["amount"], entry["sanction"], entry["month"]) == ("accident", "725.00", sanction,
                                                                                   "2026-03")
    assert entry["case_number"] == case.case_number and entry["link"] == f"/cases/{case.id}"


def test_a_returned_finding_books_nothing(flows, actors):
    case = record(actors)
    complete(case, "manager_confirmation", actors["manager1"], confirmed=False, comment="损失金额需复核")
    notice = task_of(case, "return_notice")
    assert notice.role == "quality_vp"
    case = complete(case, "return_notice", actors["qualityvp1"], note="重新核定损失")
    assert case.status == "completed" and ready(case.id) == {}
    assert fines.ledger(actor=actors["manager1"])["items"] == []


@pytest.mark.parametrize(("loss", "fine"), [("0", "0.00"), ("500.01", "150.00"), ("10000", "1875.00")])
def test_the_fine_follows_the_bands(flows, actors, loss, fine):
    assert record(actors, loss=loss).data["accident_fine"] == fine


def test_the_fine_follows_a_changed_setting(flows, actors, clock):
    with transaction():
        accountability_settings.update("accident_fine_bands", "1000:0.5,:0.1", actor=actors["owner1"],
                                       now=clock.now())
    assert record(actors).data["accident_fine"] == "700.00"


def test_only_the_quality_vp_records_an_accident(flows, actors):
    with pytest.raises(Forbidden):
        commands.start_instance(process_id="accident", actor=actors["eng_sw1"], data=RECORD)
