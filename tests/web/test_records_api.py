"""Customers, equipment, engineers and parts over the API: paginated lists with search, details,
and create/update for the service desk and administrators only, with clear validation errors."""
from __future__ import annotations

import sqlalchemy as sa

from engine.db import db
from engine.models import AuditEvent
from tests.workflows.conftest import actors, records  # noqa: F401 - fixtures


def patch(client, path, **kw):
    return client.client.patch("/api/v1" + path, headers=client.headers, **kw)


def test_customer_list_is_paginated_and_searchable(api, records):  # noqa: F811
    client = api("eng_sw1")
    first = client.get("/customers?per_page=3").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (4, 1, 3, 3)
    assert first["items"][0] == {"id": records.sw, "name": "成都蓉城机械有限公司", "class": "key", "region": "四川"}
    assert len(client.get("/customers?per_page=3&page=2").get_json()["items"]) == 1
    assert [c["name"] for c in client.get("/customers?q=北京").get_json()["items"]] == ["北京京北精工有限公司"]
    assert {c["region"] for c in client.get("/customers?class=key").get_json()["items"]} == {"四川", "广东"}
    assert client.get("/customers?per_page=500").status_code == 422
    detail = client.get(f"/customers/{records.sw}").get_json()
    assert detail["contacts"][0]["name"] == "王工" and detail["key_revisit"] is False
    assert client.get("/customers/999").status_code == 404


def test_equipment_engineer_and_part_lists(api, records):  # noqa: F811
    client = api("sales1")
    equipment = client.get(f"/equipment?customer_id={records.sw}").get_json()
    assert equipment["total"] == 2
    assert set(equipment["items"][0]) == {"id", "serial", "customer_id", "model", "warranty_end", "in_warranty"}
    found = client.get("/equipment?q=EQ-N").get_json()["items"]
    assert [(e["serial"], e["warranty_end"]) for e in found] == [("EQ-N-001", "2027-06-30")]
    assert client.get("/equipment?q=重庆山城").get_json()["items"][0]["serial"] == "EQ-CQ-001"
    old = client.get("/equipment?q=EQ-SW-OLD").get_json()["items"][0]
    assert client.get(f"/equipment/{old['id']}").get_json()["in_warranty"] is False
    engineers = client.get("/engineers?region_team=south_west").get_json()["items"]
    assert [e["username"] for e in engineers] == ["eng_sw1", "eng_sw2"]
    assert set(engineers[0]) == {"id", "username", "region_team"}
    parts = client.get("/parts?q=轴承").get_json()["items"]
    assert parts == [{"code": "BRG-6205", "name": "深沟球轴承 6205", "price": "85.50"}]
    assert client.get("/parts/PLC-S7").get_json()["price"] == "4200.00"


def test_desk_creates_and_updates_customers(api, records):  # noqa: F811
    body = {"name": "昆明滇池化工有限公司", "class": "ordinary", "region": "云南", "address": "昆明市",
            "contacts": [{"name": "段工", "phone": "0871-1234567"}]}
    assert api("eng_sw1").post("/customers", json=body).status_code == 403
    created = api("desk1").post("/customers", json=body)
    assert created.status_code == 201, created.get_json()
    customer = created.get_json()
    assert customer["class"] == "ordinary" and customer["contacts"][0]["name"] == "段工"
    assert api("desk1").post("/customers", json=body).status_code == 409
    changed = patch(api("admin"), f"/customers/{customer['id']}", json={"class": "key"})
    assert changed.status_code == 200 and changed.get_json()["class"] == "key"
    assert changed.get_json()["name"] == "昆明滇池化工有限公司"
    recorded = db.session.execute(sa.select(AuditEvent).where(AuditEvent.stream == "system",
                                                              AuditEvent.type.like("record_%"))).scalars().all()
    assert [(e.type, e.actor) for e in recorded] == [("record_created", "desk1"), ("record_updated", "admin")]


def test_customer_validation_in_chinese_and_english(api, records):  # noqa: F811
    bad = {"class": "vip", "region": "火星", "contacts": [{"phone": "1"}]}
    zh = api("desk1").post("/customers", json=bad)
    assert zh.status_code == 422
    errors = zh.get_json()["errors"]
    assert errors["name"] == ["此项为必填项。"] and errors["class"] == ["请从给定选项中选择。"]
    assert "region" in errors and errors["contacts.0.name"] == ["此项为必填项。"]
    en = api("desk1").post("/customers?lang=en", json=bad).get_json()["errors"]
    assert en["name"] == ["This field is required."]
    emptied = patch(api("desk1"), f"/customers/{records.sw}", json={"name": None})
    assert emptied.status_code == 422 and emptied.get_json()["errors"] == {"name": ["此项为必填项。"]}
    assert api("desk1").post("/customers", json=[1, 2]).status_code == 422


def test_equipment_rules(api, records):  # noqa: F811
    body = {"serial": "EQ-NEW-01", "model": "HX-300", "ship_date": "2026-02-01", "customer_id": records.cq}
    created = api("desk1").post("/equipment", json=body)
    assert created.status_code == 201 and created.get_json()["customer_name"] == "重庆山城重工有限公司"
    # not commissioned yet: the company's 12 months from the ship date
    assert (created.get_json()["warranty_start"], created.get_json()["warranty_end"]) == ("2026-02-01", "2027-02-01")
    assert api("desk1").post("/equipment", json=body).status_code == 409
    typed = api("desk1").post("/equipment", json={**body, "serial": "EQ-NEW-04", "warranty_end": "2030-01-01"})
    assert typed.status_code == 422 and "warranty_end" in typed.get_json()["errors"]  # computed, never typed
    backwards = api("desk1").post("/equipment", json={**body, "serial": "EQ-NEW-02", "commissioned_on": "2025-01-01"})
    assert backwards.get_json()["errors"] == {"commissioned_on": ["安装调试日期不能早于出厂日期。"]}
    nobody = api("desk1").post("/equipment?lang=en", json={**body, "serial": "EQ-NEW-03", "customer_id": 999})
    assert nobody.get_json()["errors"] == {"customer_id": ["There is no customer 999."]}
    moved = patch(api("desk1"), f"/equipment/{created.get_json()['id']}",
                  json={"commissioned_on": "2026-03-15", "warranty_months": 24})
    assert (moved.get_json()["warranty_start"], moved.get_json()["warranty_end"]) == ("2026-03-15", "2028-03-15")
    assert moved.get_json()["warranty_months"] == 24
    as_text = patch(api("desk1"), f"/equipment/{created.get_json()['id']}", json={"warranty_months": " 30 "})
    assert as_text.get_json()["warranty_months"] == 30  # a whole number typed as text
    blank = patch(api("desk1"), f"/equipment/{created.get_json()['id']}", json={"warranty_months": "", "model": ""})
    kept = blank.get_json()
    assert blank.status_code == 200 and (kept["warranty_months"], kept["model"]) == (30, "HX-300")
    assert patch(api("desk1"), f"/equipment/{created.get_json()['id']}",
                 json={"warranty_months": "two years"}).status_code == 422


def test_engineer_and_part_rules(api, records, actors):  # noqa: F811
    not_engineer = api("desk1").post("/engineers", json={"username": "sales1", "region_team": "north"})
    assert not_engineer.status_code == 422 and "username" in not_engineer.get_json()["errors"]
    again = api("desk1").post("/engineers", json={"username": "eng_n1", "region_team": "north"})
    assert again.status_code == 409
    created = api("desk1").post("/engineers", json={"username": "eng1", "region_team": "general",
                                                    "skills": ["electrical", "training"]})
    assert created.status_code == 201 and created.get_json()["open_tasks"] == 0
    team = patch(api("desk1"), f"/engineers/{created.get_json()['id']}", json={"region_team": "north"})
    assert team.get_json()["region_team"] == "north"
    assert patch(api("desk1"), f"/engineers/{created.get_json()['id']}", json={"username": "x"}).status_code == 422
    part = api("admin").post("/parts", json={"code": "GEAR-7", "name": "齿轮", "price": "310.5"})
    assert part.status_code == 201 and part.get_json() == {"code": "GEAR-7", "name": "齿轮", "price": "310.50"}
    cents = api("admin").post("/parts", json={"code": "GEAR-8", "name": "齿轮", "price": "1.234"})
    assert cents.get_json()["errors"] == {"price": ["最多 2 位小数。"]}
    assert patch(api("desk1"), "/parts/GEAR-7", json={"price": "299.00"}).get_json()["price"] == "299.00"
    assert patch(api("desk1"), "/parts/GEAR-7", json={"code": "GEAR-9"}).status_code == 422
    assert patch(api("sales1"), "/parts/GEAR-7", json={"price": "1"}).status_code == 403
    assert api("desk1").get("/parts/NOPE").status_code == 404
