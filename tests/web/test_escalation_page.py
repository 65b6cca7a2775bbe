"""The SLA escalation task as the manager sees it: the late task's people by name, and the new
assignee picked from the people who hold the task's role — never typed as a login name."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine import commands
from engine.db import db
from engine.models import Instance, Task, User
from engine.timers import firing as timers
from tests.web.names_journey import codes_in, forbidden_words, visible_text
from tests.workflows.collaboration.conftest import give_names
from tests.workflows.flowkit import task_of
from workflows.deadlines import sla

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def breached_question(flows, actors, clock) -> tuple[Instance, Task]:
    """A technical question whose written answer is late: its escalation task for the manager."""
    clock.set(dt.datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI))
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.sw, "question": "请提供液压站维护手册"}, actor=actors["desk1"])
    clock.set(dt.datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI))
    timers.fire_due()
    record = db.session.execute(sa.select(sla.SlaRecord).where(sla.SlaRecord.instance_id == case.id)).scalar_one()
    escalation = db.session.get(Instance, record.escalation_id)
    return case, task_of(escalation, "handle")


def test_the_manager_picks_the_new_assignee_by_name_among_those_with_the_role(as_user, flows, actors, clock):
    give_names()
    case, handle = breached_question(flows, actors, clock)
    names = dict(db.session.execute(sa.select(User.username, User.display_name)).all())
    html = as_user("manager1").get(f"/tasks/{handle.id}").get_data(as_text=True)
    shown = visible_text(html)
    assert names["eng_sw1"] in shown and names["eng_sw2"] in shown  # engineers offered by name
    assert names["desk1"] not in shown.split("新处理人", 1)[1]  # only people with the task's role
    assert codes_in(shown, forbidden_words()) == []
    field = html.split('data-field="new_assignee"', 1)[1].split('data-field=', 1)[0]
    assert 'value="eng_sw2"' in field and 'value="desk1"' not in field  # the login travels as the value only

    response = as_user("manager1").post(f"/tasks/{handle.id}", {"decision": "reassign", "new_assignee": "eng_sw2",
                                                                "note": "周工休假", "action": "complete"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    assert task_of(case, "answer").assignee == "eng_sw2"


def test_a_person_without_the_role_or_no_longer_active_is_refused_by_name(as_user, flows, actors, clock):
    give_names()
    case, handle = breached_question(flows, actors, clock)
    manager = as_user("manager1")
    html = manager.post(f"/tasks/{handle.id}", {"decision": "reassign", "new_assignee": "desk1",
                                                 "action": "complete"}).get_data(as_text=True)
    desk_name = db.session.execute(sa.select(User.display_name).where(User.username == "desk1")).scalar_one()
    assert f"{desk_name} 不是服务工程师" in html
    db.session.execute(sa.update(User).where(User.username == "eng_sw2").values(active=False))
    db.session.commit()
    html = manager.post(f"/tasks/{handle.id}", {"decision": "reassign", "new_assignee": "eng_sw2",
                                                 "action": "complete"}).get_data(as_text=True)
    assert "请选择在职的员工" in html
    assert task_of(case, "answer").assignee == "eng_sw1"  # nothing half-done
