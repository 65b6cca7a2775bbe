"""The settings pages for deadlines: each SLA with its unit and where its clock starts, and a
confirmed year giving waiting deadlines their dates."""
from __future__ import annotations

import re

from engine import commands
from engine.commands import transaction
from tests.workflows.deadlines.test_sla import record, shanghai
from workflows.deadlines import calendar, sla


def row_of(page: str, key: str) -> str:
    return re.search(rf'<tr data-rule="{key}">(.*?)</tr>', page, re.S).group(1)


def amount_of(page: str, key: str) -> str:
    return " ".join(re.search(r'data-testid="sla-amount">(.*?)</td>', row_of(page, key), re.S).group(1).split())


def test_each_sla_shows_its_unit_and_where_its_clock_starts(as_user):
    page = as_user("owner1").get("/admin/sla").get_data(as_text=True)
    assert amount_of(page, "tech_question_answer") == "8 小时（自然时间）"
    assert amount_of(page, "arrival") == "48 小时（自然时间）" and "任务出现时起算" in row_of(page, "arrival")
    for key in ("approval_manager", "approval_vp", "approval_gm"):
        assert amount_of(page, key) == "1 工作日"
    assert amount_of(page, "low_satisfaction_follow_up") == "2 工作日"
    english = as_user("owner1").get("/admin/sla?lang=en").get_data(as_text=True)
    assert "From when the task appears" in row_of(english, "arrival")


def test_confirming_a_year_schedules_the_deadlines_that_waited_for_it(as_user, users, deploy, clock):
    deploy("t_question")
    with transaction():
        sla.update_rule("tech_question_answer", processes=["t_question"], unit="working_hours", actor=users["owner1"])
    unknown = calendar.last_official_year() + 1
    clock.set(shanghai(unknown - 1, 12, 31, 16, 0))
    case = commands.start_instance(process_id="t_question", data={"question": "?"}, actor=users["sales1"])
    assert record(case.id, "tech_question_answer").outcome == "unscheduled"
    admin = as_user("admin")
    response = admin.post("/admin/calendar/years", {"year": str(unknown), "note": "按国务院办公厅通知录入"})
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "已为 1 个等待该年日历的期限计算了日期。" in page
    assert record(case.id, "tech_question_answer").outcome == "open"
