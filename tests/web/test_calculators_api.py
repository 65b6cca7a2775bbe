"""The calculators over the API and on the managers' page: same figures, who may use them, bad input
as field messages; the settings of the rules for process owners."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize(("loss", "fine"), [("0", "0.00"), ("500", "150.00"), ("500.01", "150.00"),
                                            ("2000", "525.00"), ("3000", "725.00"), ("10000", "1875.00")])
def test_accident_fine(api, loss, fine):
    response = api("manager1").post("/calculators/accident-fine", json={"loss": loss})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["fine"] == fine


def test_accident_fine_lists_the_bands(api):
    body = api("manager1").post("/calculators/accident-fine", json={"loss": "3000.00"}).get_json()
    assert body["bands"][1] == {"from": "500.00", "to": "2000.00", "rate": "0.25", "amount": "375.00"}
    assert len(body["bands"]) == 5


def test_tool_compensation(api):
    response = api("manager1").post("/calculators/tool-compensation", json={
        "price": "6000.00", "tool_class": "1", "purchased_on": "2025-01-01", "lost_on": "2026-09-01"})
    assert response.get_json() == {"amount": "4200.00", "half_years": 3, "rate": "0.70"}
    worn = api("manager1").post("/calculators/tool-compensation", json={
        "price": "6000.00", "tool_class": "2", "purchased_on": "2025-01-01", "lost_on": "2026-09-01",
        "normal_wear": True})
    assert worn.get_json()["amount"] == "0.00"


@pytest.mark.parametrize(("body", "field"), [
    ({"loss": "-1"}, "loss"), ({"loss": "abc"}, "loss"), ({}, "loss"), ({"loss": "1.001"}, "loss"),
    ({"loss": "1e30"}, "loss"), ({"loss": "1", "extra": 1}, "extra"),
])
def test_bad_fine_input_is_a_field_message(api, body, field):
    response = api("manager1").post("/calculators/accident-fine", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


@pytest.mark.parametrize(("change", "field"), [
    ({"tool_class": "3"}, "tool_class"), ({"purchased_on": "2025-13-01"}, "purchased_on"),
    ({"lost_on": "2024-01-01"}, "lost_on"), ({"price": "-5"}, "price"),
])
def test_bad_tool_input_is_a_field_message(api, change, field):
    body = {"price": "100", "tool_class": "1", "purchased_on": "2025-01-01", "lost_on": "2026-01-01", **change}
    response = api("manager1").post("/calculators/tool-compensation", json=body)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_only_managers_and_auditors_use_the_calculators(api):
    assert api("eng1").post("/calculators/accident-fine", json={"loss": "bad"}).status_code == 403
    assert api("sales1").post("/calculators/tool-compensation", json={}).status_code == 403
    assert api("auditor1").post("/calculators/accident-fine", json={"loss": "1"}).status_code == 200


def test_process_owner_changes_the_bands(api, client):
    owner = api("owner1")
    refused = client.put("/api/v1/accountability-settings/accident_fine_bands", json={"value": "x"},
                         headers=api("manager1").headers)
    assert refused.status_code == 403
    changed = client.put("/api/v1/accountability-settings/accident_fine_bands",
                         json={"value": "1000:0.5,:0.1"}, headers=owner.headers)
    assert changed.status_code == 200, changed.get_json()
    assert api("manager1").post("/calculators/accident-fine", json={"loss": "3000"}).get_json()["fine"] == "700.00"
    bad = client.put("/api/v1/accountability-settings/commission_rate", json={"value": "2"}, headers=owner.headers)
    assert bad.status_code == 422
    assert api("eng1").get("/accountability-settings").status_code == 403
    assert api("manager1").get("/accountability-settings").get_json()["accident_fine_bands"] == "1000:0.5,:0.1"


def test_the_page_shows_the_same_figures(as_user):
    manager = as_user("manager1")
    page = manager.post("/calculators", {"calculator": "fine", "loss": "3000"})
    assert page.status_code == 200 and "725.00" in page.get_data(as_text=True)
    page = manager.post("/calculators", {"calculator": "tool", "price": "6000", "tool_class": "1",
                                         "purchased_on": "2025-01-01", "lost_on": "2026-09-01"})
    assert "4,200.00" in page.get_data(as_text=True) or "4200.00" in page.get_data(as_text=True)
    bad = manager.post("/calculators", {"calculator": "fine", "loss": "abc"})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    assert as_user("eng1").get("/calculators").status_code == 403
