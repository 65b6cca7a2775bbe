"""Records pages: a customer's file, equipment by serial and the parts catalogue. Those who serve
customers read them, production and process owners do not; the desk and admins edit, and every
edit lands in the audit trail."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import AuditEvent
from tests.workflows.flowkit import attachment, complete
from workflows.records.tables import Customer, Equipment, Part


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def record_events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.element_id.like(f"{kind}:%"))
                                   .order_by(AuditEvent.id)).scalars())


@pytest.fixture
def history(flows, actors, clock):
    """A fault on EQ-N-001 still open and a finished phone revisit that scored 4, both for 北京京北."""
    fault = commands.start_instance(process_id="fault_handling", actor=actors["sales1"], data={
        "equipment_serial": "EQ-N-001", "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious", "photos": [attachment("photo-n")]})
    revisit = commands.start_instance(process_id="revisit", actor=actors["desk1"],
                                      data={"customer_id": flows.north, "mode": "phone", "purpose": "季度回访"})
    clock.advance(days=2)
    complete(revisit, "phone_revisit", actors["eng_n1"], satisfaction=4)
    return fault, revisit


def test_customer_file_shows_contacts_equipment_cases_plan_and_satisfaction(history, flows, as_user):
    fault, revisit = history
    page = as_user("desk1").get(f"/records/customers/{flows.north}")
    text = text_of(page)
    assert "北京京北精工有限公司" in text and "一般客户" in text and "华北东北组" in text
    assert "王工" in text and "13800000000" in text
    assert "EQ-N-001" in text and "HT-EQ-N-001" in text  # equipment and its contract
    html = page.get_data(as_text=True)
    open_part = html.split('data-testid="open-cases"')[1].split("</section>")[0]
    past_part = html.split('data-testid="past-cases"')[1].split("</section>")[0]
    assert fault.case_number in open_part and revisit.case_number in past_part
    assert "普通客户每季度电话回访" in text
    satisfaction = html.split('data-testid="satisfaction"')[1].split("</section>")[0]
    assert "4 / 5" in satisfaction and revisit.case_number in satisfaction
    assert "ordinary" not in text and "north" not in text and "eng_n1" not in text
    seller = as_user("sales1").get(f"/records/customers/{flows.north}").get_data(as_text=True)
    assert fault.case_number in seller and revisit.case_number not in seller  # only the cases they may open


def test_equipment_page_by_serial_lists_every_case_on_it(history, as_user):
    fault, _ = history
    text = text_of(as_user("manager1").get("/records/equipment/EQ-N-001"))
    assert "HX-200 压滤机" in text and "北京京北精工有限公司" in text and fault.case_number in text
    assert "2025-06-30" in text and "2027-06-30" in text and "质保期内" in text  # commissioned + 24 months
    assert as_user("desk1").get("/records/equipment/NO-SUCH").status_code == 404


def test_parts_catalogue_lists_prices(flows, as_user):
    text = text_of(as_user("eng_sw1").get("/records/parts/"))
    assert "PLC 控制器" in text and "4,200.00" in text and "深沟球轴承 6205" in text


@pytest.mark.parametrize("who", ["prod1", "owner1"])
@pytest.mark.parametrize("path", ["/records/customers/", "/records/customers/1", "/records/equipment/",
                                  "/records/equipment/EQ-N-001"])
def test_people_without_a_reason_cannot_read_records(flows, as_user, who, path):
    assert as_user(who).get(path).status_code == 403


def test_the_parts_catalogue_is_read_by_production_too(flows, as_user):
    assert as_user("prod1").get("/records/parts/").status_code == 200
    assert as_user("owner1").get("/records/parts/").status_code == 403


@pytest.mark.parametrize("who", ["eng_n1", "sales1", "manager1"])
def test_only_the_desk_and_admins_edit_records(flows, as_user, who):
    browser = as_user(who)
    assert 'data-testid="edit-customer"' not in browser.get(f"/records/customers/{flows.north}").get_data(as_text=True)
    assert browser.post(f"/records/customers/{flows.north}", {"name": "改名", "region": "北京"}).status_code == 403
    assert browser.post("/records/customers/", {"name": "新客户", "region": "北京"}).status_code == 403
    assert browser.post("/records/equipment/EQ-N-001", {"model": "X"}).status_code == 403
    assert browser.post("/records/parts/", {"code": "X1", "name": "X", "price": "1"}).status_code == 403
    assert browser.post("/records/parts/PLC-S7", {"price": "1"}).status_code == 403
    assert db.session.get(Part, "PLC-S7").price == 4200 and db.session.get(Part, "X1") is None
    assert record_events("customer") == record_events("part") == []


def test_desk_edits_a_customer_and_the_change_is_audited(flows, as_user):
    desk = as_user("desk1")
    response = desk.post(f"/records/customers/{flows.north}", {
        "name": "北京京北精工有限公司", "class": "key", "region": "北京", "address": "北京亦庄",
        "contact_name": ["赵敏", ""], "contact_phone": ["13911112222", ""], "contact_title": ["厂长", ""]})
    assert response.status_code == 302
    db.session.expire_all()
    customer = db.session.get(Customer, flows.north)
    assert customer.customer_class == "key" and customer.contacts == [
        {"name": "赵敏", "phone": "13911112222", "title": "厂长"}]
    [event] = record_events("customer")
    assert event.actor == "desk1" and event.type == "record_updated" and event.data["values"]["class"] == "key"
    created = desk.post("/records/customers/", {"name": "西安秦川机床", "class": "ordinary", "region": "陕西"})
    assert created.status_code == 302 and "/records/customers/" in created.headers["Location"]
    assert [e.type for e in record_events("customer")] == ["record_updated", "record_created"]


def test_a_bad_edit_changes_nothing(flows, as_user):
    desk = as_user("desk1")
    desk.post(f"/records/customers/{flows.north}", {"name": "", "region": "火星"})
    desk.post("/records/parts/PLC-S7", {"price": "-5"})
    db.session.expire_all()
    assert db.session.get(Customer, flows.north).name == "北京京北精工有限公司"
    assert db.session.get(Part, "PLC-S7").price == 4200
    assert record_events("customer") == record_events("part") == []


def test_admin_edits_equipment_and_parts_audited(flows, as_user):
    admin = as_user("admin")
    assert admin.post("/records/equipment/EQ-N-001", {"contract_number": "HT-2025-088", "model": "HX-200 压滤机",
                                                      "commissioned_on": "2025-09-01"}).status_code == 302
    assert admin.post("/records/parts/PLC-S7", {"name": "PLC 控制器", "price": "4350.00"}).status_code == 302
    assert admin.post("/records/parts/", {"code": "VLV-20", "name": "球阀 DN20", "price": "66.00"}).status_code == 302
    db.session.expire_all()
    equipment = db.session.execute(sa.select(Equipment).where(Equipment.serial == "EQ-N-001")).scalar_one()
    assert equipment.contract_number == "HT-2025-088"
    assert str(db.session.get(Part, "PLC-S7").price) == "4350.00" and db.session.get(Part, "VLV-20").name == "球阀 DN20"
    assert [(e.type, e.actor) for e in record_events("equipment")] == [("record_updated", "admin")]
    assert [(e.type, e.actor) for e in record_events("part")] == [("record_updated", "admin"),
                                                                  ("record_created", "admin")]
    page = text_of(admin.get("/records/equipment/EQ-N-001"))
    assert "HT-2025-088" in page and "2025-09-01" in page and "2027-09-01" in page  # the warranty moved with it
