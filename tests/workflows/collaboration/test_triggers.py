"""Who is told what, driven through the real flows and commands: one test per trigger."""
from __future__ import annotations

import datetime as dt

from engine import commands
from engine.commands import transaction
from engine.timers import outbox
from tests.workflows.flowkit import complete, task_of
from workflows.collaboration import preferences

START = {"contract_number": "HT-2026-018", "equipment": [{"model": "HX-200 压滤机", "quantity": 2}],
         "wished_date": "2026-03-20"}


def notes(username: str, kind: str | None = None):
    return [n for n in outbox.list_for(username, per_page=200).items if kind is None or n.kind == kind]


def installation(flows, actors):
    return commands.start_instance(process_id="installation", data={"customer_id": flows.sw, **START},
                                   actor=actors["sales1"])


def test_a_task_assigned_by_the_diagram_tells_its_assignee(named, flows, actors):
    case = installation(flows, actors)
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw2")
    [note] = notes("eng_sw2", "task_assigned")
    check = task_of(case, "shipping_check")
    assert note.payload["link"] == f"/tasks/{check.id}" and note.instance_id == case.id
    assert note.payload["title"]["zh"].startswith("新任务：") and case.case_number in note.payload["body"]["zh"]
    assert "成都蓉城机械有限公司" in note.payload["body"]["zh"]
    assert note.payload["title"]["en"].startswith("New task: ")
    assert notes("eng_sw1") == []  # the other engineer of the team is not told
    # the next steps stay with the same engineer, who completes them himself: nobody is told again
    complete(case, "shipping_check", actors["eng_sw2"])
    assert len(notes("eng_sw2", "task_assigned")) == 1


def test_a_reassigned_task_tells_the_new_assignee_by_name(named, flows, actors):
    case = installation(flows, actors)
    review = task_of(case, "desk_review")
    commands.reassign_task(task_id=review.id, assignee="desk2", actor=actors["manager1"], reason="李客服休假")
    [note] = notes("desk2", "task_reassigned")
    assert note.payload["link"] == f"/tasks/{review.id}"
    assert "manager1" not in note.payload["body"]["zh"] and "原因：李客服休假" in note.payload["body"]["zh"]
    assert notes("manager1") == []  # not told about his own reassignment


def test_a_task_in_my_role_queue_each_digest_or_none(named, flows, actors, clock):
    with transaction():
        preferences.set_queue_mode(username="desk2", mode="none", now=clock.now())
    case = installation(flows, actors)
    review = task_of(case, "desk_review")
    [note] = notes("desk1", "queue_task")  # the default: one notification each
    assert note.payload["link"] == f"/tasks/{review.id}" and "售后服务部" in note.payload["body"]["zh"]
    assert notes("desk2") == []
    assert notes("sales1", "queue_task") == []  # the starter's own role queue aside: not the desk's
    # a task given back to the queue arrives there again
    commands.claim_task(task_id=review.id, actor=actors["desk1"])
    commands.unclaim_task(task_id=review.id, actor=actors["desk1"])
    assert len(notes("desk1", "queue_task")) == 1  # he gave it back himself
    commands.claim_task(task_id=review.id, actor=actors["desk1"])
    commands.unclaim_task(task_id=review.id, actor=actors["manager1"])
    assert len(notes("desk1", "queue_task")) == 2


def test_the_starter_hears_when_the_case_is_rejected(named, flows, actors):
    case = installation(flows, actors)
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=False, comment="合同未生效")
    [note] = notes("sales1", "case_rejected")  # told at the decision, with the approver's words
    assert note.payload["link"] == f"/cases/{case.id}"
    assert note.payload["body"]["zh"].startswith("赵副总 在「") and "意见：合同未生效" in note.payload["body"]["zh"]
    complete(case, "rejection_notice", actors["sales1"])  # he tells the customer; the case ends rejected
    assert [n.kind for n in notes("sales1")] == ["case_rejected", "task_assigned"]  # no "finished" on top


def test_the_starter_hears_when_the_case_finishes(named, flows, actors):
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.sw, "question": "过滤压力应设多少？"}, actor=actors["sales1"])
    complete(case, "answer", actors["eng_sw1"])
    [note] = notes("sales1", "case_completed")
    assert note.payload["link"] == f"/cases/{case.id}" and "已答复" in note.payload["body"]["zh"]
    assert note.payload["title"]["en"] == f"Case finished: {case.case_number}"


def test_the_starter_hears_when_the_case_is_cancelled(named, flows, actors):
    case = installation(flows, actors)
    commands.cancel_instance(instance_id=case.id, actor=actors["manager1"], reason="客户撤回申请")
    [note] = notes("sales1", "case_cancelled")
    assert "客户撤回申请" in note.payload["body"]["zh"] and note.payload["link"] == f"/cases/{case.id}"
    assert "manager1" not in note.payload["body"]["zh"]


def test_the_digest_lists_the_queue_once_a_day(named, flows, actors, clock):
    from workflows.collaboration import digest
    with transaction():
        preferences.set_queue_mode(username="desk1", mode="digest", now=clock.now())
    case = installation(flows, actors)  # Monday 09:00
    assert notes("desk1") == []  # no notification each
    shanghai = dt.timezone(dt.timedelta(hours=8))
    clock.set(dt.datetime(2026, 3, 3, 7, 59, tzinfo=shanghai))
    assert digest.run(now=clock.now()) == 0  # before 08:00
    clock.set(dt.datetime(2026, 3, 3, 8, 2, tzinfo=shanghai))
    assert digest.run(now=clock.now()) == 1
    [note] = notes("desk1", "queue_digest")
    assert case.case_number in note.payload["body"]["zh"] and note.payload["link"] == "/inbox?tab=role"
    assert note.payload["title"]["zh"] == "今日队列摘要：1 项新任务"
    assert digest.run(now=clock.now()) == 0  # once a day
    clock.set(dt.datetime(2026, 3, 4, 8, 5, tzinfo=shanghai))
    assert digest.run(now=clock.now()) == 0  # nothing new since
