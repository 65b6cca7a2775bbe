"""Service appointments (004): booked against the workshop's capacity, a reminder call the day
before, reception, the work order, progress told to the customer, added work only after the
customer's recorded consent, the charges explained, settlement with a bill, close, and the next
maintenance call scheduled a week before it is due."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from engine import commands
from engine.commands import transaction
from engine.errors import Forbidden, ValidationFailed
from engine.identity import Actor, create_user
from engine.models import Task
from engine.timers import firing as timers
from tests.workflows.flowkit import PNG_SIGNATURE as PNG
from tests.workflows.flowkit import assert_story, attachment, complete, gateways, ready, steps, task_of
from workflows.records import capacity

APPOINTMENT_USERS = {"advisor1": ["service_advisor"], "cashier1": ["cashier"]}
BOOKING = {"appointment_date": "2026-03-04", "slot": "morning", "service_kind": "repair",
           "needs": "液压系统压力不稳"}
WORK_ORDER = {"assigned_engineer": "eng_sw1",
              "labour": [{"item": "液压系统检修", "hours": "2.0", "rate": "150.00"}],
              "parts": [{"part": "SEAL-80", "quantity": 2}]}
ADDED = {"progress": "发现主轴承磨损", "added_work_needed": True, "added_work": "更换主轴承",
         "added_labour": [{"item": "更换主轴承", "hours": "1.5", "rate": "150.00"}],
         "added_parts": [{"part": "BRG-6205", "quantity": 1}]}
NO_ADDED = {"progress": "作业完成", "added_work_needed": False}
TOLD = {"channel": "phone", "told_at": "2026-03-04T10:30:00+08:00", "message": "已告知作业进展"}
PHONE_CONSENT = {"consent_given": True, "consent_by": "王工（设备科长）", "consent_method": "phone",
                 "consent_at": "2026-03-04T10:35:00+08:00"}


@pytest.fixture
def people(actors):
    with transaction():
        for username, roles in APPOINTMENT_USERS.items():
            create_user(username, "pw-" + username, roles)
    return {**actors, **{name: Actor(name, frozenset(roles)) for name, roles in APPOINTMENT_USERS.items()}}


def book(flows, people, **extra):
    return commands.start_instance(process_id="service_appointment",
                                   data={"customer_id": flows.sw, **BOOKING, **extra}, actor=people["advisor1"])


def to_work(case, people, clock):
    """Past the reminder call (the day before, 09:00), reception and the work order."""
    clock.set(dt.datetime(2026, 3, 3, 1, 0, 1, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 1
    case = complete(case, "remind_customer", people["advisor1"], coming=True)
    case = complete(case, "reception", people["advisor1"], equipment_condition="外观完好", customer_needs="检修液压")
    return complete(case, "work_order", people["advisor1"], **WORK_ORDER)


def test_an_appointment_from_booking_to_the_next_maintenance_call(flows, people, clock):
    case = book(flows, people)
    assert case.case_number.startswith("APT-2026-") and case.status == "waiting" and ready(case.id) == {}
    assert case.data["booking_slot"] == "2026-03-04 上午 08:30"
    assert capacity.capacity(dt.date(2026, 3, 4)) == 4 and capacity.seats_taken(dt.date(2026, 3, 4), "morning") == {1}
    clock.set(dt.datetime(2026, 3, 3, 0, 59, tzinfo=dt.UTC))  # 08:59 the day before: not yet
    assert timers.fire_due().fired == 0
    case = to_work(case, people, clock)
    work = task_of(case, "perform_work")
    assert (work.role, work.assignee) == ("engineer", "eng_sw1")
    case = complete(case, "perform_work", people["eng_sw1"], **ADDED)
    case = complete(case, "progress_update", people["advisor1"], **TOLD)
    case = complete(case, "consent", people["advisor1"], **PHONE_CONSENT)
    assert case.data["consent"] == {"granted": True, "by": "王工（设备科长）", "method": "phone",
                                    "at": "2026-03-04T10:35:00+08:00", "signature": None, "work": "更换主轴承"}
    case = complete(case, "added_work", people["eng_sw1"], work_done="已更换主轴承")
    case = complete(case, "perform_work", people["eng_sw1"], **NO_ADDED)
    case = complete(case, "progress_update", people["advisor1"], **TOLD)
    explain = task_of(case, "explain_charges")
    assert explain.draft["final_labour"] == WORK_ORDER["labour"] + ADDED["added_labour"]
    assert explain.draft["final_parts"] == WORK_ORDER["parts"] + ADDED["added_parts"]
    case = complete(case, "explain_charges", people["advisor1"], explained=True, **explain.draft)
    bill = case.data["bill"]
    assert (bill["labour_total"], bill["parts_total"], bill["total"]) == ("525.00", "109.50", "634.50")
    assert [line["name"] for line in bill["parts"]] == ["骨架油封 80", "深沟球轴承 6205"]
    settle = task_of(case, "settlement")
    assert settle.role == "cashier"
    case = complete(case, "settlement", people["cashier1"], payment_method="card", amount_paid="634.50")
    case = complete(case, "close", people["advisor1"], handed_over=True, next_maintenance_date="2026-09-01")
    assert case.data["maintenance_reminder_at"] == "2026-08-25T09:00:00+08:00" and case.status == "waiting"
    clock.set(dt.datetime(2026, 8, 25, 1, 0, 1, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 1
    case = complete(case, "maintenance_reminder", people["advisor1"], customer_response="book")
    assert_story(case)
    assert [element for element, _ in steps(case)] == [
        "remind_customer", "reception", "work_order", "perform_work", "progress_update", "consent", "added_work",
        "perform_work", "progress_update", "explain_charges", "settlement", "close", "maintenance_reminder"]
    assert ("consent_gateway", ["added_agreement"]) in gateways(case)


def test_a_full_day_refuses_the_booking_and_names_the_next_free_slots(flows, people, clock):
    day = dt.date(2026, 3, 4)
    with transaction():
        for engineer in ("eng_sw2", "eng_n1", "eng_g1"):
            capacity.set_day_off(engineer, day, off=True, note="休假", actor=people["manager1"], now=clock.now())
    assert capacity.capacity(day) == 1  # one engineer works that day: one appointment a slot
    book(flows, people)
    book(flows, people, slot="afternoon", customer_id=flows.cq)
    with pytest.raises(ValidationFailed) as refused:
        book(flows, people, customer_id=flows.north)
    [message] = refused.value.errors["appointment_date"]
    assert message == ("2026-03-04 上午 08:30 已约满。"
                       "可预约：2026-03-05 上午 08:30、2026-03-05 下午 13:30、2026-03-06 上午 08:30")
    assert [s.to_dict()["label"] for s in capacity.free_slots(day, count=1)] == ["2026-03-05 上午 08:30"]
    assert capacity.capacity(dt.date(2026, 3, 7)) == 0  # a Saturday
    with pytest.raises(ValidationFailed):
        book(flows, people, appointment_date="2026-03-01")  # yesterday
    with pytest.raises(ValidationFailed) as unknown:
        book(flows, people, appointment_date="2099-03-02")
    assert unknown.value.errors["appointment_date"] == ["2099 年的工作日历尚未确认，暂不能预约。"]
    assert capacity.free_slots(dt.date(9999, 12, 31)) == []


def test_a_cancelled_appointment_frees_its_seat(flows, people, clock):
    case = book(flows, people)
    clock.set(dt.datetime(2026, 3, 3, 1, 0, 1, tzinfo=dt.UTC))
    timers.fire_due()
    case = complete(case, "remind_customer", people["advisor1"], coming=False, note="客户改期")
    assert case.status == "completed" and ("coming_gateway", ["booking_release"]) in gateways(case)
    assert capacity.seats_taken(dt.date(2026, 3, 4), "morning") == set()


def test_a_case_the_manager_cancels_frees_its_seat(flows, people):
    case = book(flows, people)
    commands.cancel_instance(instance_id=case.id, actor=people["manager1"], reason="客户来电取消")
    assert capacity.seats_taken(dt.date(2026, 3, 4), "morning") == set()


def test_a_booking_made_on_the_eve_is_reminded_at_once(flows, people, clock):
    case = book(flows, people, appointment_date="2026-03-02", slot="afternoon")
    assert case.data["reminder_at"] == "2026-03-02T09:00:00+08:00"
    clock.advance(seconds=1)
    assert timers.fire_due().fired == 1 and "remind_customer" in ready(case.id)


def added_work_asked(flows, people, clock):
    case = to_work(book(flows, people), people, clock)
    case = complete(case, "perform_work", people["eng_sw1"], **ADDED)
    return complete(case, "progress_update", people["advisor1"], **TOLD)


def test_added_work_never_starts_without_the_customers_consent(flows, people, clock):
    case = added_work_asked(flows, people, clock)
    case = complete(case, "consent", people["advisor1"], **{**PHONE_CONSENT, "consent_given": False})
    assert "added_work" not in ready(case.id) and "perform_work" in ready(case.id)
    assert case.data["consent"]["granted"] is False
    case = complete(case, "perform_work", people["eng_sw1"], **ADDED)
    case = complete(case, "progress_update", people["advisor1"], **TOLD)
    unsigned = {**PHONE_CONSENT, "consent_method": "signature"}  # said yes, but no signed consent on file
    case = complete(case, "consent", people["advisor1"], **unsigned)
    assert "added_work" not in ready(case.id) and case.data["consent"]["granted"] is False
    case = complete(case, "perform_work", people["eng_sw1"], **NO_ADDED)
    case = complete(case, "progress_update", people["advisor1"], **TOLD)
    assert task_of(case, "explain_charges").draft["final_labour"] == WORK_ORDER["labour"]  # nothing added


def test_a_signed_consent_with_its_scan_lets_the_added_work_start(flows, people, clock):
    case = added_work_asked(flows, people, clock)
    scan = attachment("consent-scan", by="advisor1")
    case = complete(case, "consent", people["advisor1"], **{**PHONE_CONSENT, "consent_method": "signature",
                                                          "consent_signature": scan})
    assert case.data["consent"]["granted"] is True and case.data["consent"]["signature"] == scan
    assert task_of(case, "added_work").assignee == "eng_sw1"


def test_only_the_right_roles_act(flows, people, clock):
    with pytest.raises(Forbidden):
        commands.start_instance(process_id="service_appointment", data={"customer_id": flows.sw, **BOOKING},
                                actor=people["eng_sw1"])
    case = to_work(book(flows, people), people, clock)
    task: Task = task_of(case, "perform_work")
    with pytest.raises(Forbidden):
        commands.complete_task(task_id=task.id, data=NO_ADDED, actor=people["cashier1"])


def test_through_the_api_a_full_slot_is_refused_with_free_slots_and_wrong_roles_get_403(flows, people, clock,
                                                                                      api, app):
    from tests.web.conftest import Browser
    day = dt.date(2026, 3, 4)
    absent = {"engineer": "eng_sw2", "date": "2026-03-04", "note": "培训"}
    assert api("eng_sw1").post("/appointments/days-off", json={}).status_code == 403  # who before what
    assert api("advisor1").post("/appointments/days-off", json={**absent, "engineer": "nobody"}).status_code == 422
    assert api("advisor1").post("/appointments/days-off", json={**absent, "date": "2026-13-01"}).status_code == 422
    assert api("advisor1").post("/appointments/days-off", json={**absent, "date": "2099-01-05"}).status_code == 422
    marked = api("advisor1").post("/appointments/days-off", json=absent).get_json()
    assert marked == {"engineer": "eng_sw2", "date": "2026-03-04", "off": True, "capacity": 3}
    for engineer in ("eng_n1", "eng_g1"):
        assert api("advisor1").post("/appointments/days-off", json={**absent, "engineer": engineer}).status_code == 200
    assert capacity.capacity(day) == 1
    body = {"process_id": "service_appointment", "data": {"customer_id": flows.sw, **BOOKING}}
    assert api("eng_sw1").post("/process-instances", json=body).status_code == 403
    started = api("advisor1").post("/process-instances", json=body)
    assert started.status_code == 201
    refused = api("advisor1").post("/process-instances", json=body)
    assert refused.status_code == 422
    assert "已约满。可预约：2026-03-04 下午 13:30" in refused.get_json()["errors"]["appointment_date"][0]
    assert api("eng_sw1").get("/appointments/free-slots?from=nonsense").status_code == 403  # who before what
    assert api("advisor1").get("/appointments/free-slots?count=0").status_code == 422
    slots = api("advisor1").get("/appointments/free-slots?from=2026-03-04&count=2").get_json()["items"]
    assert [(s["date"], s["slot"], s["free"]) for s in slots] == [("2026-03-04", "afternoon", 1),
                                                                  ("2026-03-05", "morning", 4)]
    case_id = started.get_json()["id"]
    clock.set(dt.datetime(2026, 3, 3, 1, 0, 1, tzinfo=dt.UTC))
    timers.fire_due()
    remind = task_of(case_id, "remind_customer")
    assert api("cashier1").post(f"/tasks/{remind.id}/complete", json={"data": {"coming": True}}).status_code == 403
    assert api("advisor1").post(f"/tasks/{remind.id}/complete", json={"data": {"coming": True}}).status_code == 200

    def act(element, who, **data):
        response = api(who).post(f"/tasks/{task_of(case_id, element).id}/complete", json={"data": data})
        assert response.status_code == 200, (element, response.get_json())

    act("reception", "advisor1", equipment_condition="完好", customer_needs="检修")
    act("work_order", "advisor1", **WORK_ORDER)
    act("perform_work", "eng_sw1", **ADDED)
    act("progress_update", "advisor1", **TOLD)
    added = task_of(case_id, "consent")
    signed = {**PHONE_CONSENT, "consent_method": "signature"}
    assert api("eng_sw1").post(f"/tasks/{added.id}/complete", json={"data": signed}).status_code == 403
    scan = api("advisor1").post("/files", data={"file": (io.BytesIO(PNG + b"c"), "consent.png")},
                                content_type="multipart/form-data").get_json()["id"]
    act("consent", "advisor1", **signed, consent_signature=scan)
    act("added_work", "eng_sw1", work_done="已更换主轴承")
    act("perform_work", "eng_sw1", **NO_ADDED)
    act("progress_update", "advisor1", **TOLD)
    act("explain_charges", "advisor1", explained=True, **task_of(case_id, "explain_charges").draft)
    settle = task_of(case_id, "settlement")
    cashier = Browser(app.test_client())
    cashier.login("cashier1")
    early = cashier.get(f"/appointments/{case_id}/bill").get_data(as_text=True)
    assert 'data-testid="not-billed"' not in early  # the charges are explained: the bill is there
    paid = {"data": {"payment_method": "cash", "amount_paid": "634.50", "receipt_number": "SJ-001"}}
    assert api("advisor1").post(f"/tasks/{settle.id}/complete", json=paid).status_code == 403
    assert api("cashier1").post(f"/tasks/{settle.id}/complete", json=paid).status_code == 200
    page = cashier.get(f"/appointments/{case_id}/bill")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="total">634.50<' in text and "骨架油封 80" in text and "现金" in text
    assert "王工（设备科长）" in text  # who agreed to the added work
    advisor = Browser(app.test_client())
    advisor.login("advisor1")
    other = book(flows, people, customer_id=flows.cq, appointment_date="2026-03-05")
    waiting = advisor.get(f"/appointments/{other.id}/bill")
    assert waiting.status_code == 200 and 'data-testid="not-billed"' in waiting.get_data(as_text=True)
    outsider = Browser(app.test_client())
    outsider.login("eng_n1")
    assert outsider.get(f"/appointments/{case_id}/bill").status_code == 403


def test_the_pages_render_every_appointment_form(flows, people, clock, app):
    from tests.web.conftest import Browser
    advisor = Browser(app.test_client())
    advisor.login("advisor1")
    start = advisor.get("/start/service_appointment")
    assert start.status_code == 200 and "预约日期" in start.get_data(as_text=True)
    case = added_work_asked(flows, people, clock)
    page = advisor.get(f"/tasks/{task_of(case, 'consent').id}").get_data(as_text=True)
    assert "同意方式" in page and "客户签字（签字同意时必填）" in page and "更换主轴承" in page
    booked = advisor.post("/start/service_appointment", {
        "customer_id": str(flows.cq), "appointment_date": "2026-03-05", "slot": "morning", "service_kind": "repair"})
    assert booked.status_code in (302, 303), booked.get_data(as_text=True)[:500]
