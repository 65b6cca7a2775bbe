"""Request classification and priority (001): each flow is a type of request, each request has a
priority that chooses its response SLA and puts it ahead in the inbox."""
from __future__ import annotations

import datetime as dt

from engine import commands, queries
from engine.db import db
from engine.queries import TaskFilter
from tests.workflows.flowkit import task_of
from workflows import FLOWS
from workflows.deadlines import sla
from workflows.records import classification


def question(flows, actors, **extra):
    return commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.north, "question": "滤布多久更换一次？", **extra}, actor=actors["sales1"])


def test_every_request_has_one_of_the_six_types():
    flows = {flow.PROCESS_ID for flow in FLOWS} - set(classification.INTERNAL)
    assert flows == set(classification.TYPES)
    assert {classification.request_type(p) for p in flows} == {"咨询", "报修", "投诉", "安装", "回访", "预约"}
    assert classification.request_type("fault_handling", "en") == "Repair request"
    assert classification.priority_of({}) == "ordinary" and classification.priority_of({"priority": "x"}) == "ordinary"


def test_the_priority_chooses_the_response_sla(flows, actors, clock):
    urgent, high, ordinary = (question(flows, actors, priority=p) for p in ("urgent", "high", "ordinary"))
    rules = {case.id: {r.rule: r.due_at for r in sla.records_of(case.id)} for case in (urgent, high, ordinary)}
    monday_9 = dt.datetime(2026, 3, 2, 1, 0)  # 09:00 in Shanghai, UTC
    assert rules[urgent.id]["urgent_request_response"] == monday_9 + dt.timedelta(hours=2)
    assert rules[high.id]["high_request_response"] == monday_9 + dt.timedelta(hours=4)
    assert "urgent_request_response" not in rules[ordinary.id] and "high_request_response" not in rules[ordinary.id]
    assert "tech_question_answer" in rules[ordinary.id]  # the flow's usual SLA
    assert task_of(urgent, "answer").due_at == monday_9 + dt.timedelta(hours=2)  # the inbox shows the nearer one


def test_the_inbox_puts_the_most_urgent_first_then_the_soonest_due(flows, actors, clock):
    ordinary = question(flows, actors)  # recorded without a priority: ordinary, due within 8 working hours
    clock.advance(hours=7)  # 16:00: an urgent question now falls due (Tue 10:00) after the ordinary one
    urgent = question(flows, actors, priority="urgent")
    high = question(flows, actors, priority="high")
    assert task_of(ordinary, "answer").due_at < task_of(urgent, "answer").due_at
    rows = db.session.execute(queries.task_query(actors["eng_n1"], TaskFilter(scope="mine"))).scalars().all()
    assert [row.instance_id for row in rows] == [urgent.id, high.id, ordinary.id]
    assert [row.priority for row in rows] == [0, 1, 2]


def test_the_inbox_page_marks_urgent_and_high_requests_and_lists_them_first(flows, actors, clock, app):
    from tests.web.conftest import Browser
    ordinary = question(flows, actors)
    clock.advance(hours=7)
    urgent = question(flows, actors, priority="urgent")
    high = question(flows, actors, priority="high")
    engineer = Browser(app.test_client())
    engineer.login("eng_n1")
    page = engineer.get("/inbox?tab=mine").get_data(as_text=True)
    shown = [page.index(case.case_number) for case in (urgent, high, ordinary)]
    assert shown == sorted(shown)
    assert page.count('data-priority="urgent"') == 1 and page.count('data-priority="high"') == 1
    assert "优先级：紧急" in page
    assert page.count("<span class=\"sub\" data-request-type>咨询</span>") == 3  # the request type beside the flow
    english = engineer.get("/inbox?tab=mine&lang=en").get_data(as_text=True)
    assert "data-request-type>Enquiry</span>" in english
