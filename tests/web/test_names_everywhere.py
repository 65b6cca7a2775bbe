"""People read names, never codes: a full fault case with compensation, every page of it rendered
for each person involved, and the API's `*_name` fields beside the ids."""
from __future__ import annotations

import json

from engine.audit import chain as audit
from tests.web.names_journey import codes_in, drive, forbidden_words, visible_text


def pages_of(journey, username: str) -> list[str]:
    case = journey.case
    paths = ["/inbox", "/notifications/", f"/cases/{case.id}", f"/cases/{case.id}/history",
             f"/cases/{case.id}/replay", f"/cases/{case.id}/report"]
    return paths + [f"/tasks/{task_id}" for task_id in journey.done_by.get(username, [])]


def test_no_page_of_a_finished_fault_case_shows_a_code(as_user, flows, actors):
    journey = drive(flows, actors)
    words = forbidden_words()
    seen: dict[str, list[str]] = {}
    for username in [*journey.people, "auditor1"]:
        browser = as_user(username)
        for path in pages_of(journey, username):
            response = browser.get(path)
            if response.status_code == 403:
                continue
            assert response.status_code == 200, (username, path, response.status_code)
            found = codes_in(visible_text(response.get_data(as_text=True)), words)
            if found:
                seen[f"{username} {path}"] = found
    assert seen == {}, "\n".join(f"{k}: {v}" for k, v in seen.items())


def test_every_replay_step_speaks_in_names(as_user, flows, actors):
    """The replay page draws each step from its step endpoint: what it shows is `display`."""
    journey = drive(flows, actors)
    words = forbidden_words()
    seen = {}
    steps = len(audit.events_of(journey.case.id))
    for username in ("auditor1", "manager1"):
        browser = as_user(username)
        for step in range(1, steps + 1):
            body = browser.get(f"/cases/{journey.case.id}/replay/step?step={step}").get_json()
            shown = json.dumps(body["display"], ensure_ascii=False)
            found = codes_in(shown, words)
            if found:
                seen[f"{username} step {step} {body['event']['type']}"] = found
    assert seen == {}, "\n".join(f"{k}: {v}" for k, v in seen.items())
    last = as_user("auditor1").get(f"/cases/{journey.case.id}/replay/step?step={steps}").get_json()["display"]
    data = dict(last["data"])
    assert data["负责组"] == "西南组" and data["客户类别"] == "重点客户" and data["赔偿结果"] == "已批准"
    assert data["申请人"] == "王销售" and "spindle-photo.png" in data["照片"]


def test_the_api_names_people_roles_and_flows_beside_the_ids(api, flows, actors):
    journey = drive(flows, actors)
    case = api("manager1").get(f"/process-instances/{journey.case.id}").get_json()
    assert case["started_by"] == "sales1" and case["started_by_name"] == "王销售"
    assert case["process_name"] and case["customer_id"] and case["equipment_serial"] == "EQ-SW-001"
    review = next(t for t in case["completed_tasks"] if t["element_id"] == "manager_review")
    assert (review["completed_by"], review["completed_by_name"]) == ("manager1", "张经理")
    assert (review["role"], review["role_name"]) == ("service_manager", "售后服务部经理")
    english = api("manager1").get(f"/process-instances/{journey.case.id}?lang=en").get_json()
    assert next(t for t in english["completed_tasks"] if t["element_id"] == "manager_review")["role_name"] == \
        "Service manager"
    events = api("manager1").get(f"/process-instances/{journey.case.id}/events").get_json()["items"]
    assert {(e["actor"], e["actor_name"]) for e in events} >= {("sales1", "王销售"), ("system", "系统")}
    history = api("auditor1").get(f"/process-instances/{journey.case.id}/history").get_json()["items"]
    assert ("gm1", "孙总经理") in {(e["actor"], e["actor_name"]) for e in history}
    tasks = api("eng_sw1").get("/tasks?scope=all&status=completed").get_json()["items"]
    assert tasks and all(t["completed_by_name"] == "周工（西南）" for t in tasks if t["completed_by"] == "eng_sw1")


def test_a_case_the_system_started_names_what_started_it(as_user, flows, actors):
    import re

    import sqlalchemy as sa

    from engine.db import db
    from engine.models import Instance
    journey = drive(flows, actors)
    revisit = db.session.execute(sa.select(Instance).where(Instance.parent_id == journey.case.id,
                                                           Instance.process_id == "revisit")).scalar_one()
    assert revisit.started_by == "system"
    html = as_user("manager1").get(f"/cases/{revisit.id}").get_data(as_text=True)
    starter = re.search(r'data-testid="starter">([^<]+)<', html).group(1)
    assert starter == "故障处理后回访", starter
    history = as_user("auditor1").get(f"/cases/{revisit.id}/history").get_data(as_text=True)
    assert "故障处理后回访" in history
    office = db.session.execute(sa.select(Instance).where(Instance.parent_id == journey.case.id,
                                                          Instance.process_id == "compensation_office")).scalar_one()
    html = as_user("qualityvp1").get(f"/cases/{office.id}").get_data(as_text=True)
    starter = re.search(r'data-testid="starter">([^<]+)<', html).group(1)
    assert starter == f"质量故障处理 {journey.case.case_number}", starter  # the claim it belongs to
