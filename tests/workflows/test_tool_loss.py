"""The tool register and the lost-or-damaged tool flow through the engine: loss or wilful damage is
paid by the half-years of use (a 服务器械赔偿单 is recorded), normal wear and consumables cost
nothing; only the engineer who holds a tool reports it; the February replenishment request."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.timers.outbox import Notification
from tests.workflows.flowkit import assert_story, complete, gateways, task_of
from workflows.management import tools, tools_schedule

D = dt.date


@pytest.fixture
def kit(flows, actors, clock):
    with transaction():
        made = {code: tools.issue("eng_sw1", code, Decimal(price), day, actor=actors["manager1"], now=clock.now())
                for code, price, day in [("laptop", "6000.00", D(2025, 1, 1)), ("hammer", "80.00", D(2023, 1, 1)),
                                         ("tape", "25.00", D(2025, 9, 1))]}
    return {code: item.id for code, item in made.items()}


def report(actors, item_id, who="eng_sw1", **extra):
    return commands.start_instance(process_id="tool_loss", actor=actors[who], data={
        "tool_item": item_id, "what_happened": "lost", "lost_on": "2026-03-01", "description": "出差途中遗失",
        **extra})


def test_a_lost_laptop_is_paid_by_its_half_years_of_use(kit, actors):
    case = report(actors, kit["laptop"])
    assert (case.data["tool_name"], case.data["tool_class"], case.data["price"]) == ("笔记本电脑", "1", "6000.00")
    assert task_of(case, "manager_decision").role == "service_manager"
    complete(case, "manager_decision", actors["manager1"], cause="fault")
    form = task_of(case, "compensation_form")
    assert form.assignee == "eng_sw1" and case.data["compensation_amount"] == "4800.00"  # 2 full half-years: 80 %
    case = complete(case, "compensation_form", actors["eng_sw1"], acknowledged=True)
    assert case.status == "completed" and case.data["tool_status"] == tools.LOST
    assert_story(case)
    [paid] = tools.compensations(actor=actors["eng_sw1"], engineer="eng_sw1")
    assert (paid["amount"], paid["cause"], paid["case_number"]) == ("4800.00", "fault", case.case_number)
    assert db.session.get(tools.ToolItem, kit["laptop"]).status == tools.LOST


def test_normal_wear_costs_nothing(kit, actors):
    case = report(actors, kit["hammer"], what_happened="damaged", description="锤头正常磨损开裂")
    case = complete(case, "manager_decision", actors["manager1"], cause="normal_wear")
    assert case.status == "completed" and ("cause_gateway", ["wear_record"]) in gateways(case)
    [record] = tools.compensations(actor=actors["manager1"])
    assert (record["amount"], record["cause"]) == ("0.00", "normal_wear")
    assert db.session.get(tools.ToolItem, kit["hammer"]).status == tools.WORN


def test_a_consumable_is_not_paid(kit, actors):
    case = report(actors, kit["tape"])
    complete(case, "manager_decision", actors["manager1"], cause="fault")
    assert case.data["compensation_amount"] == "0.00"


def test_only_the_holder_reports_a_tool_they_hold(kit, actors):
    with pytest.raises(Forbidden):
        report(actors, kit["laptop"], who="eng_sw2")
    with pytest.raises(ValidationFailed):
        report(actors, 999_999)
    with pytest.raises(ValidationFailed):
        report(actors, kit["laptop"], lost_on="2024-12-31")


def test_issue_and_return_records(kit, actors, clock):
    with transaction():
        back = tools.take_back(kit["tape"], D(2026, 3, 2), actor=actors["manager1"], now=clock.now())
    assert (back.status, back.returned_on) == (tools.RETURNED, D(2026, 3, 2))
    with pytest.raises(Conflict):
        tools.take_back(kit["tape"], D(2026, 3, 2), actor=actors["manager1"], now=clock.now())
    with pytest.raises(Forbidden):
        tools.issue("eng_sw1", "laptop", Decimal(1), D(2026, 1, 1), actor=actors["eng_sw1"], now=clock.now())
    with pytest.raises(ValidationFailed):
        tools.issue("eng_sw1", "rocket", Decimal(1), D(2026, 1, 1), actor=actors["manager1"], now=clock.now())
    held = tools.register("eng_sw1", actor=actors["eng_sw1"])["items"]
    assert [(i["code"], i["status"], i["life_ends_on"]) for i in held] == [
        ("hammer", "issued", "2025-01-01"), ("laptop", "issued", "2030-01-01"), ("tape", "returned", "2026-09-01")]
    with pytest.raises(Forbidden):
        tools.register("eng_sw1", actor=actors["eng_sw2"])


def test_the_february_replenishment_request(kit, actors):
    request = tools.replenishment(2026, actor=actors["manager1"])
    mine = {line["code"] for line in request["lines"] if line["engineer"] == "eng_sw1"}
    assert "laptop" not in mine and "tape" not in mine  # held and within their lives at the end of February
    assert "hammer" in mine and "camera" in mine  # past its two years; never issued
    others = [line for line in request["lines"] if line["engineer"] == "eng_n1"]
    assert len(others) == len(tools.STANDARD_KIT) and request["month"] == "2026-02"


def test_the_request_is_drawn_up_once_from_february(kit, actors, clock):
    run = tools_schedule.job()
    clock.set(dt.datetime(2027, 1, 31, 4, tzinfo=dt.UTC))
    assert run() is None  # not February yet
    clock.set(dt.datetime(2027, 2, 1, 1, tzinfo=dt.UTC))
    assert run() == 2027 and run() is None  # once a year
    kept = db.session.get(tools_schedule.ToolRequest, 2027)
    assert {"hammer", "camera"} <= {line["code"] for line in kept.lines if line["engineer"] == "eng_sw1"}
    told = db.session.execute(sa.select(Notification.username).where(
        Notification.kind == tools_schedule.NOTIFICATION_KIND)).scalars().all()
    assert told == ["manager1"]
