"""Flow 3, customer revisit: phone questionnaire or manager-signed on-site visit; a low score or
a complaint opens a follow-up for the manager."""
from __future__ import annotations

import datetime as dt

import pytest

from engine import commands
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Forbidden
from tests.workflows.flowkit import assert_story, complete, events, ready, steps, task_of
from workflows.records.tables import Customer


def start(flows, actors, mode="phone", who="desk1", **extra):
    data = {"customer_id": flows.north, "mode": mode, "purpose": "季度回访", **extra}
    return commands.start_instance(process_id="revisit", data=data, actor=actors[who])


def test_phone_revisit_with_good_score_is_recorded_on_the_customer(flows, actors, clock):
    case = start(flows, actors)
    phone = task_of(case, "phone_revisit")
    assert phone.assignee == "eng_n1"  # the customer's region team
    assert phone.due_at == clock.now().replace(tzinfo=None) + dt.timedelta(days=14)
    clock.advance(days=3)
    case = complete(case, "phone_revisit", actors["eng_n1"], satisfaction=4)
    assert case.status == "completed"
    assert "end_done" in events(case)[-1].state["completed"]
    customer = db.session.get(Customer, flows.north)
    assert customer.last_satisfaction == 4 and customer.last_revisit_at == clock.now().replace(tzinfo=None)


@pytest.mark.parametrize(("satisfaction", "complaint"), [(1, False), (2, False), (4, True)])
def test_low_satisfaction_or_complaint_opens_a_follow_up(flows, actors, satisfaction, complaint):
    case = start(flows, actors)
    case = complete(case, "phone_revisit", actors["eng_n1"], satisfaction=satisfaction, complaint=complaint,
                    comment="设备经常停机")
    follow_up = task_of(case, "follow_up")
    assert follow_up.role == "service_manager"
    case = complete(case, "follow_up", actors["manager1"])
    assert_story(case)
    assert steps(case) == [("phone_revisit", "eng_n1"), ("follow_up", "manager1")]


def test_satisfaction_three_closes_without_follow_up(flows, actors):
    case = complete(start(flows, actors), "phone_revisit", actors["eng_n1"], satisfaction=3)
    assert case.status == "completed" and ready(case.id) == {}


def test_on_site_visit_signed_by_the_manager(flows, actors):
    case = start(flows, actors, mode="onsite", assigned_engineer="eng_g1")
    assert set(ready(case.id)) == {"visit_request"}
    complete(case, "visit_request", actors["manager1"], approved=True)
    for element in ("visit_preparation", "onsite_visit", "satisfaction_survey", "visit_report"):
        assert task_of(case, element).assignee == "eng_g1"
        case = complete(case, element, actors["eng_g1"])
    assert_story(case)
    log = events(case)
    survey = [e for e in log if e.type == "task_completed" and e.element_id == "satisfaction_survey"][0]
    assert survey.data["submitted"]["satisfaction"] == 5 and survey.actor == "eng_g1"
    assert audit.verify_all().ok


def test_on_site_visit_with_a_poor_survey_goes_to_the_manager(flows, actors):
    case = start(flows, actors, mode="onsite")
    complete(case, "visit_request", actors["manager1"], approved=True)
    for element in ("visit_preparation", "onsite_visit"):
        complete(case, element, actors["eng_n1"])
    complete(case, "satisfaction_survey", actors["eng_n1"], satisfaction=2, product_quality=2)
    case = complete(case, "visit_report", actors["eng_n1"])
    assert set(ready(case.id)) == {"follow_up"}


def test_unsigned_visit_request_ends_the_case(flows, actors):
    case = start(flows, actors, mode="onsite")
    case = complete(case, "visit_request", actors["manager1"], approved=False, comment="本月已走访")
    assert case.status == "completed"
    assert "end_declined" in events(case)[-1].state["completed"]


def test_due_date_given_by_hand_means_the_end_of_that_day(flows, actors):
    case = start(flows, actors, due_date="2026-03-06")
    assert task_of(case, "phone_revisit").due_at == dt.datetime(2026, 3, 6, 10, 0)  # 18:00 Shanghai


def test_revisit_roles(flows, actors, api):
    body = {"process_id": "revisit", "data": {"customer_id": flows.north, "mode": "phone"}}
    assert api("prod1").post("/process-instances", json=body).status_code == 403
    created = api("sales1").post("/process-instances", json=body)
    assert created.status_code == 201
    phone = task_of(created.get_json()["id"], "phone_revisit")
    assert api("eng_sw1").post(f"/tasks/{phone.id}/complete", json={"data": {}}).status_code == 403
    with pytest.raises(Forbidden):
        complete(phone.instance_id, "phone_revisit", actors["eng_sw1"])
