"""Furniture delivery and installation (003): the end customer's and the dealer's paths, the large
job the supervising leader decides, a quality problem that becomes a promised date (a deadline the
service head hears of when missed), returns with their record and the driver's trip records."""
from __future__ import annotations

import datetime as dt
import io

import pytest

from engine import commands
from engine.commands import transaction
from engine.identity import Actor, create_user
from engine.timers import firing as timers
from tests.workflows.flowkit import PNG_SIGNATURE as PNG
from tests.workflows.flowkit import assert_story, attachment, complete, gateways, ready, steps, task_of

DELIVERY_USERS = {"svchead1": ["service_head"], "leader1": ["supervising_leader"],
                  "crew1": ["installation_crew"], "driver1": ["driver"], "instsup1": ["installation_supervisor"],
                  "dealer1": ["dealer_coordinator"]}
ITEMS = [{"product": "办公桌 BZ-1600", "quantity": 6}, {"product": "文件柜 WJ-900", "quantity": 4}]
REQUEST = {"customer_kind": "end_customer", "customer_name": "济南历下区某律师事务所",
           "address": "济南市历下区泉城路1号", "contact": "刘女士", "phone": "13900000000",
           "order_number": "XS-2026-031", "items": ITEMS,
           "wished_date": "2026-03-05"}
FORMS = {
    "assign_crew": {"install_date": "2026-03-05", "crew_size": 2, "vehicle": "鲁A-12345",
                    "crew": [{"name": "曹安装", "level": "supervisor"}, {"name": "严安装", "level": "technician"}]},
    "load_check": {"packaging_intact": True, "loaded": ITEMS, "tools_taken": True},
    "call_customer": {"arrival_time": "2026-03-05T09:30:00+08:00", "address_confirmed": "泉城路1号3楼"},
    "unload_count": {"counted": ITEMS, "count_matches": True},
    "install": {"protection_taken": True, "placed_as_asked": True, "quality_outcome": "none"},
    "adjust_explain": {"adjusted": True, "warranty_explained": True, "warranty_terms": "整体保修三年"},
    "clean_up": {"cleaned": True},
    "thanks": {"thanked": True},
    "trip_record": {"vehicle": "鲁A-12345", "destination": "泉城路1号", "purpose": "delivery",
                    "departed_at": "2026-03-05T08:30:00+08:00", "returned_at": "2026-03-05T15:00:00+08:00",
                    "start_km": 10200, "end_km": 10236},
}
FORMS["rework_trip"] = FORMS["trip_record"]  # the same 出车记录登记表, one a trip


@pytest.fixture
def people(actors):
    with transaction():
        for username, roles in DELIVERY_USERS.items():
            create_user(username, "pw-" + username, roles)
    return {**actors, **{name: Actor(name, frozenset(roles)) for name, roles in DELIVERY_USERS.items()}}


def step(case, element, who, people, **data):
    return complete(case, element, people[who], **{**FORMS.get(element, {}), **data})


def request(people, who="sales1", **extra):
    return commands.start_instance(process_id="delivery_installation", data={**REQUEST, **extra},
                                   actor=people[who])


def to_site(case, people, **crew):
    case = step(case, "assign_crew", "svchead1", people, **crew)
    case = step(case, "load_check", "crew1", people)
    return step(case, "call_customer", "crew1", people)


def receipt(case, people):
    scan = attachment("install-receipt", by="crew1")
    case = step(case, "installation_receipt", "crew1", people, receipt_scan=scan, signed_by="刘女士",
                signed_at="2026-03-05T14:30:00+08:00")
    return case, scan


def test_an_end_customer_delivery_from_the_feedback_form_to_the_trip_record(flows, people):
    case = request(people)
    assert case.case_number.startswith("DLV-2026-") and task_of(case, "assign_crew").role == "service_head"
    assert task_of(case, "assign_crew").due_at == dt.datetime(2026, 3, 3, 1, 0)  # within one working day
    case = to_site(case, people)
    for element in ("unload_count", "install", "adjust_explain", "clean_up"):
        assert task_of(case, element).role == "installation_crew"
        case = step(case, element, "crew1", people)
    case, scan = receipt(case, people)
    case = step(case, "thanks", "crew1", people)
    assert task_of(case, "trip_record").role == "driver"
    case = step(case, "trip_record", "driver1", people)
    assert_story(case)
    assert case.data["receipt_scan"] == scan and case.data["signed_by"] == "刘女士"
    assert [e for e, _ in steps(case)] == ["assign_crew", "load_check", "call_customer", "unload_count", "install",
                                           "adjust_explain", "clean_up", "installation_receipt", "thanks",
                                           "trip_record"]
    assert ("large_gateway", ["load_merge"]) in gateways(case)


def test_a_dealer_delivery_is_coordinated_counted_and_its_signed_note_reaches_the_supervisor(flows, people):
    case = request(people, who="dealer1", customer_kind="dealer", customer_name="历城家具经销部")
    case = complete(case, "coordinate", people["dealer1"], agreed_date="2026-03-06", installation_needed=False)
    case = to_site(case, people)
    case = step(case, "dealer_count", "crew1", people, dealer_person="经销商王经理", counted=ITEMS, count_matches=True)
    signed = attachment("delivery-note-signed", by="crew1")
    case = step(case, "delivery_note", "crew1", people, note_number="FH-0088", copies_given=2, dealer_signed=True,
                signed_copy=signed)
    assert task_of(case, "supervisor_copy").role == "installation_supervisor"
    case = step(case, "supervisor_copy", "instsup1", people, copy_received=True)
    case = step(case, "trip_record", "driver1", people)
    assert_story(case)
    assert case.data["signed_copy"] == signed
    assert [e for e, _ in steps(case)] == ["coordinate", "assign_crew", "load_check", "call_customer",
                                           "dealer_count", "delivery_note", "supervisor_copy", "trip_record"]


def test_a_large_crew_waits_for_the_supervising_leader_who_may_send_it_back(flows, people):
    case = request(people)
    case = step(case, "assign_crew", "svchead1", people, crew_size=6)
    decision = task_of(case, "leader_decision")
    assert decision.role == "supervising_leader" and "load_check" not in ready(case.id)
    case = complete(case, "leader_decision", people["leader1"], approved=False, comment="人手不足，分两批")
    case = step(case, "assign_crew", "svchead1", people, crew_size=4)  # still large: asked again
    case = complete(case, "leader_decision", people["leader1"], approved=True)
    assert "load_check" in ready(case.id)
    assert [to for element, to in gateways(case) if element == "leader_gateway"] == [["crew_merge"], ["load_merge"]]


def test_a_quality_problem_fixed_on_site_goes_on_to_the_adjustment(flows, people):
    case = to_site(request(people), people)
    case = step(case, "unload_count", "crew1", people)
    case = step(case, "install", "crew1", people, quality_outcome="fixed", problem="桌腿螺丝缺失，现场补齐")
    assert "adjust_explain" in ready(case.id) and "apology" not in ready(case.id)


def rework(people, **apology):
    case = to_site(request(people), people)
    case = step(case, "unload_count", "crew1", people)
    case = step(case, "install", "crew1", people, quality_outcome="rework", problem="文件柜门板开裂")
    return complete(case, "apology", people["crew1"], **{"apologised": True, "promised_date": "2026-03-10",
                                                          "needs_return": True, **apology})


def test_a_return_is_repacked_recorded_and_redelivered_by_the_promised_date(flows, people, clock):
    case = rework(people)
    assert case.data["promised_deadline"] == "2026-03-10T17:30:00+08:00"
    case = complete(case, "repack_return", people["crew1"], repacked=True, return_number="TH-001",
                    returned=[{"product": "文件柜 WJ-900", "quantity": 1, "reason": "门板开裂"}])
    case = step(case, "rework_trip", "driver1", people, purpose="return")
    redelivery = task_of(case, "redelivery")
    assert redelivery.due_at == dt.datetime(2026, 3, 10, 9, 30)  # the promise, UTC
    case = complete(case, "redelivery", people["crew1"], delivered_on="2026-03-09")
    clock.set(dt.datetime(2026, 3, 11, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 0  # kept: the deadline went with the task
    for element in ("unload_count", "install", "adjust_explain", "clean_up"):
        case = step(case, element, "crew1", people)
    case, _ = receipt(case, people)
    case = step(case, "thanks", "crew1", people)
    case = step(case, "trip_record", "driver1", people)
    assert_story(case)
    trips = [e for e, _ in steps(case) if e in ("rework_trip", "trip_record")]
    assert trips == ["rework_trip", "trip_record"]  # one record a trip


def test_a_missed_promise_reaches_the_service_head(flows, people, clock):
    case = rework(people, needs_return=False)
    assert ("return_gateway", ["rework_trip"]) in gateways(case)
    case = step(case, "rework_trip", "driver1", people, purpose="redelivery")
    clock.set(dt.datetime(2026, 3, 10, 9, 29, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 0
    clock.set(dt.datetime(2026, 3, 10, 9, 31, tzinfo=dt.UTC))
    assert timers.fire_due().fired == 1
    follow_up = task_of(case, "overdue_follow_up")
    assert follow_up.role == "service_head" and "redelivery" in ready(case.id)  # the delivery is still owed
    case = complete(case, "overdue_follow_up", people["svchead1"], action="致电顾客致歉，改约次日上午")
    case = complete(case, "redelivery", people["crew1"], delivered_on="2026-03-11")
    assert "unload_count" in ready(case.id)


def test_wrong_roles_get_403_through_the_api(flows, people, api):
    body = {"process_id": "delivery_installation", "data": REQUEST}
    assert api("eng_sw1").post("/process-instances", json=body).status_code == 403
    case_id = api("sales1").post("/process-instances", json=body).get_json()["id"]
    assign = task_of(case_id, "assign_crew")
    assert api("crew1").post(f"/tasks/{assign.id}/complete", json={"data": FORMS["assign_crew"]}).status_code == 403
    done = api("svchead1").post(f"/tasks/{assign.id}/complete", json={"data": FORMS["assign_crew"]})
    assert done.status_code == 200
    load = task_of(case_id, "load_check")
    assert api("driver1").post(f"/tasks/{load.id}/complete", json={"data": FORMS["load_check"]}).status_code == 403


def test_both_paths_end_to_end_through_the_api_as_the_right_users(flows, people, api):
    def act(case_id, element, who, **data):
        task = task_of(case_id, element)
        response = api(who).post(f"/tasks/{task.id}/complete", json={"data": {**FORMS.get(element, {}), **data}})
        assert response.status_code == 200, (element, response.get_json())
        return response.get_json()

    receipt_scan = api("crew1").post("/files", data={"file": (io.BytesIO(PNG + b"r"), "receipt.png")},
                                     content_type="multipart/form-data").get_json()["id"]
    note_scan = api("crew1").post("/files", data={"file": (io.BytesIO(PNG + b"n"), "note.png")},
                                  content_type="multipart/form-data").get_json()["id"]
    end = api("sales1").post("/process-instances", json={"process_id": "delivery_installation",
                                                          "data": REQUEST}).get_json()["id"]
    dealer = api("dealer1").post("/process-instances", json={"process_id": "delivery_installation", "data": {
        **REQUEST, "customer_kind": "dealer", "customer_name": "历城家具经销部"}}).get_json()["id"]
    act(dealer, "coordinate", "dealer1", agreed_date="2026-03-06", installation_needed=False)
    for case_id in (end, dealer):
        for element, who in (("assign_crew", "svchead1"), ("load_check", "crew1"), ("call_customer", "crew1")):
            act(case_id, element, who)
    for element in ("unload_count", "install", "adjust_explain", "clean_up"):
        act(end, element, "crew1")
    act(end, "installation_receipt", "crew1", receipt_scan=receipt_scan, signed_by="刘女士",
        signed_at="2026-03-05T14:30:00+08:00")
    act(end, "thanks", "crew1")
    done = act(end, "trip_record", "driver1")
    assert done["status"] == "completed" and done["data"]["receipt_scan"] == receipt_scan
    act(dealer, "dealer_count", "crew1", dealer_person="王经理", counted=ITEMS, count_matches=True)
    act(dealer, "delivery_note", "crew1", note_number="FH-0089", copies_given=2, dealer_signed=True,
        signed_copy=note_scan)
    act(dealer, "supervisor_copy", "instsup1", copy_received=True)
    done = act(dealer, "trip_record", "driver1")
    assert done["status"] == "completed" and done["data"]["signed_copy"] == note_scan
