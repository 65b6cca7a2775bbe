"""Parts from the warehouse only against the approved request (art. 28): the warehouse records each
issue (part, quantity, case, engineer, who issued) once the case's compensation request is approved,
within the approved quantities; the draws are on the case's audit chain and feed the parts figures."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.audit import chain as audit
from engine.errors import Forbidden, ValidationFailed
from tests.workflows.flowkit import complete, events
from tests.workflows.test_fault_handling import start, to_engineer
from workflows.records import parts_draw

PARTS = [{"part_code": "BRG-6205", "quantity": 2}, {"part_code": "SEAL-80", "quantity": 4}]


def claimed(flows, actors):
    """A fault case whose engineer replaced warranty parts: the claim waits at the desk."""
    case = to_engineer(start(flows, actors), actors, "onsite")
    complete(case, "onsite_investigation", actors["eng_sw1"])
    return complete(case, "repair", actors["eng_sw1"], emergency=True, warranty_parts=PARTS)


def approved(flows, actors):
    case = claimed(flows, actors)
    complete(case, "desk_verify", actors["desk1"])
    return complete(case, "manager_approval", actors["manager1"])


def test_no_parts_before_the_request_is_approved(flows, actors, clock):
    case = claimed(flows, actors)
    with pytest.raises(ValidationFailed) as refused:
        parts_draw.record_draw(instance_id=case.id, part_code="BRG-6205", quantity=1, actor=actors["logi1"],
                               now=clock.now())
    assert refused.value.errors == {"case": [f"案件 {case.case_number} 的零部件赔偿申请尚未批准，仓库不能发放零部件。"]}
    assert parts_draw.draws_of(case.id, actor=actors["manager1"]) == []


def test_the_warehouse_issues_within_the_approved_quantities(flows, actors, clock):
    case = approved(flows, actors)
    with pytest.raises(Forbidden):
        parts_draw.record_draw(instance_id=case.id, part_code="BRG-6205", quantity=1, actor=actors["eng_sw1"],
                               now=clock.now())
    draw = parts_draw.record_draw(instance_id=case.id, part_code="BRG-6205", quantity=2, actor=actors["logi1"],
                                  now=clock.now())
    assert (draw.part_name, draw.quantity, draw.engineer, draw.issued_by, draw.case_number) == (
        "深沟球轴承 6205", 2, "eng_sw1", "logi1", case.case_number)
    for part, quantity, field in [("BRG-6205", 1, "quantity"), ("SEAL-80", 5, "quantity"), ("MTR-2K2", 1, "part_code"),
                                  ("SEAL-80", 0, "quantity")]:
        with pytest.raises(ValidationFailed) as refused:
            parts_draw.record_draw(instance_id=case.id, part_code=part, quantity=quantity, actor=actors["logi1"],
                                   now=clock.now())
        assert set(refused.value.errors) == {field}
    with pytest.raises(ValidationFailed) as nobody:
        parts_draw.record_draw(instance_id=case.id, part_code="SEAL-80", quantity=1, engineer="sales1",
                               actor=actors["logi1"], now=clock.now())
    assert set(nobody.value.errors) == {"engineer"}
    parts_draw.record_draw(instance_id=case.id, part_code="SEAL-80", quantity=4, engineer="eng_sw2",
                           actor=actors["logi1"], now=clock.now())
    drawn = [e for e in events(case) if e.type == parts_draw.DRAW_EVENT]
    assert [(e.actor, e.data["part_code"], e.data["quantity"], e.data["engineer"]) for e in drawn] == [
        ("logi1", "BRG-6205", 2, "eng_sw1"), ("logi1", "SEAL-80", 4, "eng_sw2")]
    assert audit.verify_stream(audit.instance_stream(case.id)).ok
    figures = parts_draw.parts_figures(start=clock.now() - dt.timedelta(days=1), end=clock.now() + dt.timedelta(days=1))
    assert figures["total_quantity"] == 6
    assert [(r["part_code"], r["quantity"], r["cases"]) for r in figures["parts"]] == [
        ("BRG-6205", 2, 1), ("SEAL-80", 4, 1)]
    assert [(r["engineer"], r["quantity"]) for r in figures["engineers"]] == [("eng_sw1", 2), ("eng_sw2", 4)]
    day = {"start": clock.now() - dt.timedelta(days=1), "end": clock.now() + dt.timedelta(days=1)}
    assert parts_draw.parts_figures(**day, region_team="south_west")["total_quantity"] == 6
    assert parts_draw.parts_figures(**day, region_team="north")["total_quantity"] == 0
    assert parts_draw.parts_figures(start=clock.now() + dt.timedelta(days=1),
                                    end=clock.now() + dt.timedelta(days=2))["total_quantity"] == 0


def test_parts_draws_through_the_api(flows, actors, api, clock):
    case = claimed(flows, actors)
    url = f"/process-instances/{case.id}/parts-draws"
    assert api("eng_sw1").post(url, json={"part_code": "BRG-6205", "quantity": 1}).status_code == 403
    early = api("logi1").post(url, json={"part_code": "BRG-6205", "quantity": 1})
    assert early.status_code == 422 and early.get_json()["errors"]["case"] == [
        f"案件 {case.case_number} 的零部件赔偿申请尚未批准，仓库不能发放零部件。"]
    english = api("logi1").post(f"{url}?lang=en", json={"part_code": "BRG-6205", "quantity": 1}).get_json()
    assert english["errors"]["case"] == [f"The compensation request of case {case.case_number} is not approved "
                                         f"yet: the warehouse cannot issue parts against it."]
    complete(case, "desk_verify", actors["desk1"])
    complete(case, "manager_approval", actors["manager1"])
    assert api("logi1").post(url, json={"part_code": "BRG-6205", "quantity": "1"}).status_code == 422
    assert api("logi1").post(url, json={"part_code": "BRG-6205", "quantity": 2**70}).status_code == 422
    created = api("logi1").post(url, json={"part_code": "BRG-6205", "quantity": 1})
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert (item["part_name"], item["engineer"], item["issued_by"], item["case_number"]) == (
        "深沟球轴承 6205", "eng_sw1", "logi1", case.case_number)
    assert item["engineer_name"] and item["issued_by_name"]
    assert [d["quantity"] for d in api("manager1").get(url).get_json()["items"]] == [1]
    assert api("prod1").get(url).status_code == 403  # no part in this case
    day = clock.now().date().isoformat()
    figures = api("manager1").get(f"/parts-draws/figures?from={day}&to={day}")
    assert figures.status_code == 200 and figures.get_json()["total_quantity"] == 1
    assert figures.get_json()["engineers"][0]["engineer_name"]
    assert api("logi1").get(f"/parts-draws/figures?from={day}&to={day}").status_code == 403
    assert api("manager1").get("/parts-draws/figures").status_code == 422
