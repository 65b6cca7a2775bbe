"""The case list's one search box finds a case by each thing people remember of it, each filter
narrows the list, a person keeps their own filters, and related cases link both ways."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine import commands
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.identity import get_user
from engine.models import Instance, Task
from tests.workflows.flowkit import attachment, complete
from workflows.records.case_search import SavedCaseFilter
from workflows.records.tables import Customer

CASE_LINK = re.compile(r'href="/cases/(\d+)"')


def _fault(actors, serial, engineer):
    case = commands.start_instance(process_id="fault_handling", actor=actors["sales1"], data={
        "equipment_serial": serial, "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious", "photos": [attachment("photo-" + serial)]})
    complete(case, "desk_analysis", actors["desk1"], suggested_mode="onsite")
    complete(case, "vp_decision", actors["salesvp1"], service_mode="onsite")
    return complete(case, "assign_engineer", actors["manager1"], assigned_engineer=engineer)


@pytest.fixture
def cases(flows, actors, clock):
    """A fault in Sichuan (key customer, south-west team, eng_sw1) and one in Beijing (ordinary,
    north team, eng_n1, contact 赵敏 on 13911112222) received a day later."""
    with transaction():
        db.session.get(Customer, flows.north).contacts = [{"name": "赵敏", "phone": "13911112222", "title": "厂长"}]
        get_user("eng_n1").display_name = "诺工程师"
    west = _fault(actors, "EQ-SW-001", "eng_sw1")
    clock.advance(days=1)
    north = _fault(actors, "EQ-N-001", "eng_n1")
    return {"west": db.session.get(Instance, west.id), "north": db.session.get(Instance, north.id)}


def listed(browser, query: str) -> set[int]:
    response = browser.get("/cases/?" + query)
    assert response.status_code == 200
    return {int(i) for i in CASE_LINK.findall(response.get_data(as_text=True))}


@pytest.mark.parametrize("query", ["q={number}", "q=北京京北", "q=EQ-N-001", "q=N-001", "q=赵敏", "q=13911112222",
                                   "q=eng_n1", "q=诺工程师"])
def test_one_box_finds_a_case_by_each_key(cases, as_user, query):
    desk = as_user("desk1")
    north = cases["north"]
    assert listed(desk, query.format(number=north.case_number)) == {north.id}


def test_each_filter_narrows_the_list(cases, as_user, clock):
    desk = as_user("desk1")
    west, north = cases["west"].id, cases["north"].id
    assert listed(desk, "") == {west, north}
    assert f'href="/records/customers/{cases["north"].customer_id}"' in desk.get("/cases/").get_data(as_text=True)
    assert listed(desk, "region=south_west") == {west}
    assert listed(desk, "region=north") == {north}
    assert listed(desk, "region=general") == set()
    assert listed(desk, "engineer=eng_sw1") == {west}
    assert listed(desk, "customer_class=key") == {west}
    assert listed(desk, "customer_class=ordinary") == {north}
    assert listed(desk, "process_id=fault_handling") == {west, north}
    assert listed(desk, "process_id=complaint") == set()
    assert listed(desk, "status=running") == {west, north}
    assert listed(desk, "status=completed") == set()
    assert listed(desk, "from=2026-03-03") == {north}  # received on 2 and 3 March (Shanghai)
    assert listed(desk, "to=2026-03-02") == {west}
    assert listed(desk, "from=2026-03-02&to=2026-03-03") == {west, north}
    assert listed(desk, "overdue=1") == set()


def test_overdue_finds_the_cases_with_a_late_task(cases, actors, as_user, clock):
    waiting = commands.start_instance(process_id="fault_handling", actor=actors["sales1"], data={
        "equipment_serial": "EQ-CQ-001", "symptom": "漏油", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious", "photos": [attachment("photo-cq")]})  # the desk answers within a working day
    desk = as_user("desk1")
    assert listed(desk, "overdue=1") == set()
    clock.advance(days=3)
    late = set(db.session.execute(sa.select(Task.instance_id).where(
        Task.status == "ready", Task.due_at < utc_naive(clock.now()))).scalars())
    assert waiting.id in late  # the desk's answer is late; other steps may be too (their deadlines passed)
    assert listed(desk, "overdue=1") == late
    assert listed(desk, "overdue=1&region=north") == late & {cases["north"].id}


def test_a_person_saves_a_filter_and_reapplies_it(cases, as_user):
    desk = as_user("desk1")
    response = desk.post("/cases/filters", {"name": "华北超期", "region": "north", "process_id": "fault_handling"})
    assert response.status_code == 302
    page = desk.get("/cases/").get_data(as_text=True)
    [link] = re.findall(r'<a href="(/cases/\?[^"]+)" translate="no">华北超期</a>', page)
    assert listed(desk, link.split("?", 1)[1].replace("&amp;", "&")) == {cases["north"].id}
    assert "华北超期" not in as_user("desk2").get("/cases/").get_data(as_text=True)  # one's own
    [saved] = db.session.query(SavedCaseFilter).all()
    assert as_user("desk2").post(f"/cases/filters/{saved.id}/delete").status_code == 404
    assert desk.post(f"/cases/filters/{saved.id}/delete").status_code == 302
    assert db.session.query(SavedCaseFilter).count() == 0


def test_a_filter_without_a_name_or_conditions_is_refused(cases, as_user):
    desk = as_user("desk1")
    desk.post("/cases/filters", {"name": "", "region": "north"})
    desk.post("/cases/filters", {"name": "空"})
    assert db.session.query(SavedCaseFilter).count() == 0


def test_related_cases_link_both_ways(cases, actors, as_user):
    north = cases["north"]
    complaint = commands.start_instance(process_id="complaint", actor=actors["sales1"], data={
        "customer_id": north.customer_id, "channel": "phone", "priority": "ordinary", "description": "维修后仍漏油",
        "related_case": north.case_number})
    desk = as_user("desk1")
    fault_page = desk.get(f"/cases/{north.id}").get_data(as_text=True)
    complaint_page = desk.get(f"/cases/{complaint.id}").get_data(as_text=True)
    assert f'href="/cases/{complaint.id}"' in fault_page.split('data-testid="related-cases"')[1]
    assert f'href="/cases/{north.id}"' in complaint_page.split('data-testid="related-cases"')[1]
    assert 'data-testid="related-cases"' not in desk.get(f"/cases/{cases['west'].id}").get_data(as_text=True)
