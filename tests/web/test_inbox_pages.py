"""The inbox: tabs with counts, claim / give back / reassign, due colours, sorting, filters,
search and pages."""
from __future__ import annotations

import datetime as dt
import re

from engine import commands, queries
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db
from engine.models import Task
from tests.web.conftest import fresh_task

UTC = dt.UTC


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="task-row [^"]*" data-task-id="([^"]+)"', html)


def row_class(html: str, task_id: str) -> str:
    return re.search(rf'<tr class="task-row ([^"]*)" data-task-id="{task_id}"', html).group(1)


def current_tab(html: str) -> str:
    return re.search(r'aria-current="page" data-tab="(\w+)"', html).group(1)


def count(html: str, tab: str) -> int:
    return int(re.search(rf'data-count="{tab}">(\d+)<', html).group(1))


def start_approvals(users, *customers: str, region: str | None = None) -> list[Task]:
    tasks = []
    for customer in customers:
        instance = commands.start_instance(process_id="t_approval", data={"customer_name": customer},
                                           actor=users["sales1"])
        [task] = queries.tasks_of(instance.id, "ready")
        if region:
            task.region = region
        tasks.append(task)
    db.session.commit()
    return tasks


def test_the_roles_queue_lists_unassigned_tasks_with_counts_per_tab(as_user, approval_case):
    instance, review = approval_case
    html = as_user("desk1").get("/inbox?tab=role").get_data(as_text=True)
    assert rows(html) == [review.id]
    assert (count(html, "mine"), count(html, "role")) == (0, 1)
    assert instance.case_number in html and "华西机械" in html and "审核" in html and "Test approval" in html
    assert 'data-tab="all"' not in html  # only supervisors get the whole list
    sales = as_user("sales1").get("/inbox?tab=role").get_data(as_text=True)
    assert rows(sales) == [] and "队列是空的" in sales


def test_claim_moves_a_task_to_my_tasks_and_give_back_returns_it(as_user, approval_case):
    instance, review = approval_case
    desk = as_user("desk1")
    response = desk.post(f"/tasks/{review.id}/claim", {"next": "/inbox?tab=role"})
    assert response.headers["Location"] == "/inbox?tab=role"
    html = desk.get("/inbox?tab=mine").get_data(as_text=True)
    assert rows(html) == [review.id] and (count(html, "mine"), count(html, "role")) == (1, 0)
    assert "已领取任务。" in html
    assert rows(as_user("desk2").get("/inbox?tab=role").get_data(as_text=True)) == []
    desk.post(f"/tasks/{review.id}/unclaim")
    assert fresh_task(review.id).assignee is None
    types = [e.type for e in audit.events_of(instance.id)]
    assert types[-2:] == ["task_claimed", "task_unclaimed"]


def test_claiming_a_task_someone_else_took_says_who_has_it(as_user, approval_case):
    _, review = approval_case
    as_user("desk2").post(f"/tasks/{review.id}/claim")
    html = as_user("desk1").post(f"/tasks/{review.id}/claim", {"next": "/inbox?tab=role"}, follow_redirects=True)
    assert "该任务已由 desk2 领取。" in html.get_data(as_text=True)
    assert fresh_task(review.id).assignee == "desk2"


def test_a_manager_reassigns_to_a_named_user_and_it_is_audited(as_user, approval_case):
    instance, review = approval_case
    manager = as_user("manager1")
    page = manager.get(f"/tasks/{review.id}").get_data(as_text=True)
    assert "改派给其他人" in page and '<option value="desk2"' in page and '<option value="sales1"' not in page
    manager.post(f"/tasks/{review.id}/reassign", {"assignee": "desk2", "reason": "desk1 出差"})
    assert fresh_task(review.id).assignee == "desk2"
    event = audit.events_of(instance.id)[-1]
    assert (event.type, event.actor, event.data["to"], event.data["reason"]) == \
        ("task_reassigned", "manager1", "desk2", "desk1 出差")
    assert rows(as_user("desk2").get("/inbox?tab=mine").get_data(as_text=True)) == [review.id]
    timeline = manager.get(f"/cases/{instance.id}").get_data(as_text=True)
    assert "改派任务" in timeline and "desk1 出差" in timeline


def test_reassigning_needs_a_manager_and_a_user_with_the_role(as_user, approval_case):
    _, review = approval_case
    refused = as_user("desk1").post(f"/tasks/{review.id}/reassign", {"assignee": "desk2"}, follow_redirects=True)
    assert "只有售后服务部经理可以改派任务。" in refused.get_data(as_text=True)
    wrong = as_user("manager1").post(f"/tasks/{review.id}/reassign", {"assignee": "sales1"}, follow_redirects=True)
    assert "sales1 没有处理此任务所需的角色。" in wrong.get_data(as_text=True)
    assert fresh_task(review.id).assignee is None


def test_a_manager_sees_every_open_task_in_the_all_tab(as_user, approval_case, deploy, users):
    deploy("t_forms")
    commands.start_instance(process_id="t_forms", data={"customer_name": "A", "symptom": "x"}, actor=users["sales1"])
    html = as_user("manager1").get("/inbox?tab=all").get_data(as_text=True)
    assert count(html, "all") == 2 and len(rows(html)) == 2


def test_due_colour_turns_amber_at_75_percent_of_the_time_and_red_when_overdue(as_user, forms_case, clock):
    instance, report = forms_case  # created Mon 09:00, due Tue 09:00 Shanghai: warning from Tue 03:00
    eng = as_user("eng1")
    assert row_class(eng.get("/inbox?tab=role").get_data(as_text=True), report.id) == "due-ok"
    clock.advance(hours=17, minutes=59)
    assert "due-ok" in row_class(eng.get("/inbox?tab=role").get_data(as_text=True), report.id)
    clock.advance(minutes=1)
    html = eng.get("/inbox?tab=role").get_data(as_text=True)
    assert "due-warn" in row_class(html, report.id) and "即将到期" in html and "剩余 6 小时" in html
    clock.advance(hours=6, minutes=1)
    html = eng.get("/inbox?tab=role").get_data(as_text=True)
    assert "due-late" in row_class(html, report.id) and "已超期" in html and "超期 1 分钟" in html
    assert rows(eng.get("/inbox?tab=role&overdue=1").get_data(as_text=True)) == [report.id]


def test_rows_are_ordered_by_due_time_with_undated_tasks_last(as_user, approval_case, users, clock):
    _, first = approval_case
    second, third = start_approvals(users, "B 公司", "C 公司")
    now = clock.now().replace(tzinfo=None)
    with transaction():
        db.session.get(Task, second.id).due_at = now + dt.timedelta(hours=2)
        db.session.get(Task, third.id).due_at = now - dt.timedelta(hours=1)
    html = as_user("desk1").get("/inbox?tab=role").get_data(as_text=True)
    assert rows(html) == [third.id, second.id, first.id]
    assert "due-late" in row_class(html, third.id) and "due-none" in row_class(html, first.id)
    by_age = as_user("desk1").get("/inbox?tab=role&sort=age").get_data(as_text=True)
    assert set(rows(by_age)) == {first.id, second.id, third.id}


def test_filters_and_search(as_user, approval_case, users, deploy):
    instance, review = approval_case
    [north] = start_approvals(users, "沈阳重型机器厂", region="东北")
    deploy("t_forms")
    sales = users["sales1"]
    other = commands.start_instance(process_id="t_forms", data={"customer_name": "沈阳重型机器厂", "symptom": "x"},
                                    actor=sales)
    desk, eng = as_user("desk1"), as_user("eng1")
    assert rows(desk.get("/inbox?tab=role&region=东北").get_data(as_text=True)) == [north.id]
    assert rows(desk.get("/inbox?tab=role&customer=华西").get_data(as_text=True)) == [review.id]
    assert rows(desk.get(f"/inbox?tab=role&q={instance.case_number}").get_data(as_text=True)) == [review.id]
    assert rows(desk.get("/inbox?tab=role&q=沈阳").get_data(as_text=True)) == [north.id]
    assert rows(desk.get("/inbox?tab=role&flow=t_forms").get_data(as_text=True)) == []
    [report] = queries.tasks_of(other.id, "ready")
    assert rows(eng.get("/inbox?tab=role&flow=t_forms&q=沈阳").get_data(as_text=True)) == [report.id]
    html = desk.get("/inbox?tab=role&region=东北").get_data(as_text=True)
    assert "清除筛选" in html and '<option translate="no" value="东北" selected>' in html
    assert "没有符合条件的任务" in desk.get("/inbox?tab=role&q=不存在").get_data(as_text=True)


def test_pages_of_twenty_five(as_user, deploy, users):
    deploy("t_approval")
    start_approvals(users, *[f"客户{i:02d}" for i in range(30)])
    desk = as_user("desk1")
    first = desk.get("/inbox?tab=role").get_data(as_text=True)
    assert len(rows(first)) == 25 and "共 30 条" in first and 'rel="prev"' not in first
    following = re.search(r'href="(/inbox\?cursor=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = desk.get(following).get_data(as_text=True)
    assert len(rows(second)) == 5 and not set(rows(first)) & set(rows(second)) and 'rel="next"' not in second
    back = re.search(r'href="(/inbox\?cursor=[^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert rows(desk.get(back).get_data(as_text=True)) == rows(first)
    numbered = desk.get("/inbox?tab=role&page=2").get_data(as_text=True)  # older links still work
    assert rows(numbered) == rows(second)


def test_the_header_shows_the_open_task_count(as_user, approval_case):
    html = as_user("desk1").get("/cases/").get_data(as_text=True)
    assert re.search(r'data-testid="nav-open-count">1<', html)


def test_the_inbox_opens_on_my_tasks_or_on_the_queue_when_i_have_none(as_user, approval_case):
    _, review = approval_case
    desk = as_user("desk1")
    assert current_tab(desk.get("/inbox").get_data(as_text=True)) == "role"
    desk.post(f"/tasks/{review.id}/claim")
    html = desk.get("/inbox").get_data(as_text=True)
    assert current_tab(html) == "mine" and rows(html) == [review.id]
    assert current_tab(as_user("sales1").get("/inbox").get_data(as_text=True)) == "mine"  # nothing anywhere
    assert current_tab(desk.get("/inbox?tab=all").get_data(as_text=True)) == "mine"  # not a supervisor
