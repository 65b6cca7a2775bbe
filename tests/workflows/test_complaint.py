"""Customer complaints: recorded by sales or the desk, answered by the manager, handled by an
engineer or the desk, confirmed with the customer (back to handling when not satisfied) and closed
by the manager, who decides whether it counts in an engineer's monthly tally (NK-MF25-B)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands, queries
from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance
from engine.timers import firing as timers
from engine.timers import outbox
from tests.workflows.flowkit import assert_story, complete, events, gateways, ready, steps, task_of
from workflows import complaint
from workflows.deadlines import sla

URGENT = {"channel": "phone", "priority": "urgent", "description": "工程师安装后设备漏油，客户停产，要求立即处理"}

SLA_KINDS = ("sla_warning", "sla_breached", "sla_intervention", "calendar_unknown", "task_reassigned")


def sla_notes(username: str, *, unread: bool = False):
    """The deadline notifications of a person (newest first), leaving aside what other triggers
    tell them (tasks arriving in their queue, tasks assigned to them)."""
    return [n for n in outbox.list_for(username, unread_only=unread, per_page=200).items if n.kind in SLA_KINDS]



def record(flows, actors, who="desk1", **extra):
    data = {"customer_id": flows.sw, **URGENT, **extra}
    return commands.start_instance(process_id="complaint", data=data, actor=actors[who])


def close_to_done(case, actors, **close):
    """Respond (an engineer of the region handles it), handle, confirm and close."""
    complete(case, "respond", actors["manager1"])
    engineer = task_of(case, "engineer_handling").assignee
    complete(case, "engineer_handling", actors[engineer])
    complete(case, "confirm", actors["desk1"])
    return complete(case, "close", actors["manager1"], **close)


def test_complaint_about_an_engineer_goes_to_another_and_counts_against_him(flows, actors, clock):
    case = record(flows, actors, complained_engineer="eng_sw1", equipment_serial="EQ-SW-001")
    assert case.case_number.startswith("CPL-2026-")
    assert case.received_at == clock.now().replace(tzinfo=None) and case.customer_name == "成都蓉城机械有限公司"
    respond = task_of(case, "respond")
    assert (respond.role, respond.assignee) == ("service_manager", None)
    case = complete(case, "respond", actors["manager1"])
    handling = task_of(case, "engineer_handling")
    assert (handling.role, handling.assignee) == ("engineer", "eng_sw2")  # the region's other engineer
    case = complete(case, "engineer_handling", actors["eng_sw2"])
    case = complete(case, "confirm", actors["desk1"])
    close = task_of(case, "close")
    assert close.draft == {"engineer_responsible": "eng_sw1"}
    assert case.data["consequence"] == ("若投诉属实并计入eng_sw1：2026年3月第 1 次投诉，"
                                        "按《售后服务责任事故追究制度》（NK-MF25-B）当月罚款合计 50 元。")
    case = complete(case, "close", actors["manager1"], engineer_responsible="eng_sw1")
    assert_story(case)
    assert steps(case) == [("respond", "manager1"), ("engineer_handling", "eng_sw2"), ("confirm", "desk1"),
                           ("close", "manager1")]
    assert (case.data["justified"], case.data["engineer_complaint"]) == (True, "eng_sw1")
    assert complaint.monthly_tally(2026, 3) == {"eng_sw1": 1}


def test_the_manager_names_the_engineer_who_handles_it(flows, actors):
    case = record(flows, actors, who="sales1", priority="ordinary")
    case = complete(case, "respond", actors["manager1"], assigned_engineer="eng_g1")
    assert task_of(case, "engineer_handling").assignee == "eng_g1"
    assert case.data["requested_by"] == "sales1"


def test_the_engineer_complained_about_never_handles_it_even_when_alone_in_his_team(flows, actors):
    case = record(flows, actors, customer_id=flows.north, complained_engineer="eng_n1")
    complete(case, "respond", actors["manager1"])
    assert task_of(case, "engineer_handling").assignee == "eng_g1"  # the least-loaded engineer of another team


def test_unsatisfied_customer_sends_the_desk_back_to_work_and_unjustified_counts_for_nobody(flows, actors):
    case = record(flows, actors, complained_engineer="eng_sw1", priority="ordinary", channel="letter")
    complete(case, "respond", actors["manager1"], handled_by="service_desk")
    handling = task_of(case, "desk_handling")
    assert (handling.role, handling.assignee) == ("service_desk", None)
    complete(case, "desk_handling", actors["desk2"], actions="电话解释保修条款", result="客户仍有异议")
    case = complete(case, "confirm", actors["desk1"], satisfied=False, customer_feedback="要求书面答复")
    assert set(ready(case.id)) == {"desk_handling"} and case.data["customer_feedback"] == "要求书面答复"
    complete(case, "desk_handling", actors["desk2"], actions="寄送书面答复", result="客户接受")
    complete(case, "confirm", actors["desk1"], satisfied=True, customer_feedback="满意")
    case = complete(case, "close", actors["manager1"], justified=False, cause="other",
                    engineer_responsible="eng_sw1")
    assert_story(case)
    assert [element for element, _ in steps(case)] == ["respond", "desk_handling", "confirm", "desk_handling",
                                                       "confirm", "close"]
    assert [target for gateway, target in gateways(case) if gateway == "satisfied_gateway"] == [
        ["handling_merge"], ["consequence_preview"]]
    assert case.data["engineer_complaint"] is None and complaint.monthly_tally(2026, 3) == {}


def test_second_complaint_in_the_month_shows_the_doubled_fine(flows, actors, clock):
    close_to_done(record(flows, actors, complained_engineer="eng_sw1"), actors, engineer_responsible="eng_sw1")
    second = record(flows, actors, complained_engineer="eng_sw1", priority="ordinary")
    complete(second, "respond", actors["manager1"], handled_by="service_desk")
    complete(second, "desk_handling", actors["desk1"])
    second = complete(second, "confirm", actors["desk1"])
    assert "2026年3月第 2 次投诉" in second.data["consequence"]
    assert "当月罚款合计 200 元（此前 1 次，合计 50 元）" in second.data["consequence"]
    april = record(flows, actors, complained_engineer="eng_sw1", received_at="2026-04-01T08:00:00+08:00")
    complete(april, "respond", actors["manager1"], assigned_engineer="eng_sw2")
    complete(april, "engineer_handling", actors["eng_sw2"])
    assert "2026年4月第 1 次投诉" in complete(april, "confirm", actors["desk1"]).data["consequence"]


@pytest.mark.parametrize(("complaints", "fine"), [(0, "0"), (1, "50"), (2, "200"), (3, "300")])
def test_nk_mf25_b_fines_fifty_for_one_and_a_hundred_each_for_two_or_more(complaints, fine):
    assert complaint.monthly_fine(complaints) == Decimal(fine)


def test_the_tally_counts_closed_justified_complaints_by_the_month_the_customer_complained(flows, actors):
    late_feb = "2026-02-28T23:30:00+08:00"
    early_march = "2026-03-01T00:30:00+08:00"  # still February in UTC: the month is company time
    for received, engineer in [(late_feb, "eng_sw1"), (early_march, "eng_sw1"), (early_march, "eng_sw2")]:
        close_to_done(record(flows, actors, received_at=received, complained_engineer=engineer), actors,
                      engineer_responsible=engineer)
    open_case = record(flows, actors, received_at=early_march, complained_engineer="eng_sw1")
    complete(open_case, "respond", actors["manager1"])
    assert complaint.monthly_tally(2026, 2) == {"eng_sw1": 1}
    assert complaint.monthly_tally(2026, 3) == {"eng_sw1": 1, "eng_sw2": 1}  # the open one does not count yet
    assert complaint.counted_engineer(True, None) is None and complaint.counted_engineer(False, "eng_sw1") is None


def test_only_sales_and_desk_record_and_each_step_needs_its_role(flows, actors, api):
    body = {"process_id": "complaint", "data": {"customer_id": flows.north, **URGENT}}
    assert api("eng_n1").post("/process-instances", json=body).status_code == 403
    missing = api("sales1").post("/process-instances", json={"process_id": "complaint", "data": {
        "customer_id": flows.north, "channel": "phone", "description": "x", "priority": "high"}})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"priority": ["请从给定选项中选择。"]}
    english = api("sales1").post("/process-instances?lang=en", json={"process_id": "complaint", "data": {
        "customer_id": flows.north, "channel": "phone", "description": "x"}})
    assert english.get_json()["errors"] == {"priority": ["This field is required."]}
    created = api("sales1").post("/process-instances", json=body)
    assert created.status_code == 201, created.get_json()
    case_id, [respond] = created.get_json()["id"], created.get_json()["tasks"]
    answer = {"data": {"response": "已受理", "remedy_plan": "上门处理", "handled_by": "engineer"}}
    assert api("desk1").post(f"/tasks/{respond['id']}/complete", json=answer).status_code == 403
    assert api("manager1").post(f"/tasks/{respond['id']}/complete", json=answer).status_code == 200
    handling = task_of(case_id, "engineer_handling")
    assert handling.assignee == "eng_n1"
    work = {"data": {"actions": "上门", "result": "已解决"}}
    assert api("eng_g1").post(f"/tasks/{handling.id}/complete", json=work).status_code == 403
    assert api("eng_n1").post(f"/tasks/{handling.id}/complete", json=work).status_code == 200
    confirm = task_of(case_id, "confirm")
    agreed = {"data": {"contact_person": "王工", "satisfied": True}}
    assert api("sales1").post(f"/tasks/{confirm.id}/complete", json=agreed).status_code == 403
    assert api("desk2").post(f"/tasks/{confirm.id}/complete", json=agreed).status_code == 200
    close = task_of(case_id, "close")
    verdict = {"data": {"justified": True, "cause": "late_response"}}
    assert api("eng_n1").post(f"/tasks/{close.id}/complete", json=verdict).status_code == 403
    assert api("manager1").post(f"/tasks/{close.id}/complete", json=verdict).status_code == 200
    db.session.expire_all()  # the requests ran in their own sessions
    case = db.session.get(Instance, case_id)
    assert case.status == "completed" and case.data["engineer_complaint"] is None
    assert case.data["consequence"].startswith("登记时未指明被投诉的服务工程师")
    assert_story(case)


# ---------------------------------------------------------------- opened from a revisit
def revisit(flows, actors, **answers):
    case = commands.start_instance(process_id="revisit", data={
        "customer_id": flows.north, "equipment_serial": "EQ-N-001", "mode": "phone"}, actor=actors["desk1"])
    return complete(case, "phone_revisit", actors["eng_n1"], **answers)


def children(case, process_id="complaint"):
    return list(db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id,
                                                             Instance.process_id == process_id)).scalars())


def test_a_complaint_during_a_revisit_opens_an_ordinary_complaint_case(flows, actors, clock):
    case = revisit(flows, actors, satisfaction=3, complaint=True, comment="上次维修后仍漏油，工程师态度差")
    [opened] = children(case)
    assert case.data["complaint_case"] == opened.case_number
    assert (opened.data["priority"], opened.data["channel"], opened.data["related_case"]) == (
        "ordinary", "revisit", case.case_number)
    assert opened.data["description"] == "上次维修后仍漏油，工程师态度差"
    assert (opened.data["equipment_serial"], opened.data["contact"]) == ("EQ-N-001", "王工")
    assert opened.received_at == clock.now().replace(tzinfo=None) and opened.started_by == "system"
    assert set(ready(opened.id)) == {"respond"}
    assert {r.rule: r.outcome for r in sla.records_of(opened.id)} == {
        "complaint_ordinary_response": "open", "complaint_ordinary_resolution": "open"}
    assert set(ready(case.id)) == {"follow_up"}  # the manager still follows the revisit up
    case = complete(case, "follow_up", actors["manager1"])
    assert_story(case)
    assert [e.type for e in events(opened)][0] == "instance_started"


def test_a_low_score_without_complaint_opens_no_complaint_case(flows, actors):
    case = revisit(flows, actors, satisfaction=1, comment="响应太慢")
    assert children(case) == [] and case.data["complaint_case"] is None
    assert set(ready(case.id)) == {"follow_up"}
    assert queries.tasks_of(case.id, "ready")[0].role == "service_manager"


# ---------------------------------------------------------------- response and resolution SLAs
def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def naive_utc(*args) -> dt.datetime:
    return shanghai(*args).replace(tzinfo=None)


def outcomes(case) -> dict[str, str]:
    return {r.rule: r.outcome for r in sla.records_of(case.id)}


def sla_record(case, rule):
    return next(r for r in sla.records_of(case.id) if r.rule == rule)


def test_urgent_response_late_warns_then_escalates_to_the_manager(flows, actors, clock):
    clock.set(shanghai(2026, 3, 2, 16, 30))
    case = record(flows, actors)
    respond = task_of(case, "respond")
    assert respond.due_at == naive_utc(2026, 3, 3, 9, 30)  # 2 working hours: 1 today, 1 from 08:30 tomorrow
    assert sla_record(case, "complaint_urgent_resolution").due_at == naive_utc(2026, 3, 4, 16, 30)  # 2 working days
    assert set(outcomes(case)) == {"complaint_urgent_response", "complaint_urgent_resolution"}
    clock.set(shanghai(2026, 3, 3, 9, 1))
    timers.fire_due()
    assert [n.kind for n in sla_notes("manager1")] == ["sla_warning"]
    clock.set(shanghai(2026, 3, 3, 9, 31))
    timers.fire_due()
    breach = sla_record(case, "complaint_urgent_response")
    assert (breach.outcome, breach.task_id) == ("breached", respond.id)
    escalation = db.session.get(Instance, breach.escalation_id)
    handle = task_of(escalation, "handle")
    assert (escalation.process_id, escalation.parent_id, handle.role) == ("sla_escalation", case.id, "service_manager")
    assert escalation.data["task_name"] == "首次响应：受理、指派、制定措施"
    assert sla_notes("manager1")[0].kind == "sla_breached"
    complete(escalation, "handle", actors["manager1"], decision="intervene", note="经理亲自致电客户")
    assert "sla_intervention" in [e.type for e in audit.events_of(case.id)]
    case = complete(case, "respond", actors["manager1"])
    assert outcomes(case) == {"complaint_urgent_response": "breached", "complaint_urgent_resolution": "open"}


def test_ordinary_complaint_over_may_day_is_answered_and_resolved_in_time(flows, actors, clock):
    clock.set(shanghai(2026, 4, 30, 16, 30))
    case = record(flows, actors, priority="ordinary", received_at="2026-04-30T16:00:00+08:00")
    assert task_of(case, "respond").due_at == naive_utc(2026, 5, 6, 16, 0)  # 1 working day after the holiday
    assert sla_record(case, "complaint_ordinary_resolution").due_at == naive_utc(2026, 5, 11, 16, 0)  # 9 May works
    assert not [rule for rule in outcomes(case) if rule.startswith("complaint_urgent")]
    clock.set(shanghai(2026, 5, 6, 9, 0))
    complete(case, "respond", actors["manager1"])
    assert outcomes(case)["complaint_ordinary_response"] == "met"
    clock.set(shanghai(2026, 5, 9, 10, 0))  # the make-up Saturday
    complete(case, "engineer_handling", actors[task_of(case, "engineer_handling").assignee])
    complete(case, "confirm", actors["desk1"])
    case = complete(case, "close", actors["manager1"])
    assert outcomes(case) == {"complaint_ordinary_response": "met", "complaint_ordinary_resolution": "met"}
    assert timers.fire_due().fired == 0
    assert_story(case)


def test_urgent_complaint_unresolved_in_two_working_days_is_breached(flows, actors, clock):
    case = record(flows, actors)  # Monday 09:00
    clock.advance(hours=1)
    complete(case, "respond", actors["manager1"], handled_by="service_desk")
    complete(case, "desk_handling", actors["desk1"])
    complete(case, "confirm", actors["desk1"], satisfied=False, customer_feedback="仍未解决")
    resolution = sla_record(case, "complaint_urgent_resolution")
    assert (resolution.due_at, resolution.task_id) == (naive_utc(2026, 3, 4, 9, 0), None)
    clock.set(shanghai(2026, 3, 4, 9, 1))
    timers.fire_due()
    assert sla_record(case, "complaint_urgent_resolution").outcome == "breached"
    assert [n.kind for n in sla_notes("manager1")][:1] == ["sla_breached"]
    escalation = db.session.get(Instance, sla_record(case, "complaint_urgent_resolution").escalation_id)
    assert "task_id" not in escalation.data and set(ready(escalation.id)) == {"handle"}
    complete(case, "desk_handling", actors["desk1"])
    complete(case, "confirm", actors["desk1"])
    case = complete(case, "close", actors["manager1"])
    assert outcomes(case) == {"complaint_urgent_response": "met", "complaint_urgent_resolution": "breached"}
