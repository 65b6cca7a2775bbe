"""What one task completion through the API costs the database, counted (not timed): every SQL
statement the request runs, the bearer token's lookup included. The engine's own part (lock, save,
inbox, timers, audit, response) has a budget; the after-command hooks of the rooms above it (SLA
clocks, notifications, management facts) come on top and are bounded so they do not creep."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import hooks
from engine.commands import transaction
from engine.db import db, is_postgres
from engine.identity import TOKEN_CACHE, deactivate_user, get_user
from engine.models import ApiToken

# statements per completion: the engine with authentication and the response / everything
ENGINE_BUDGET = {"postgresql": 12, "sqlite": 13}  # SQLite counts its BEGIN IMMEDIATE
TOTAL_BUDGET = {"postgresql": 20, "sqlite": 21}  # + SLA records, the queue notice, the case's facts
# what a process keeps (SLA settings, diagrams and forms) or one hook already read (the SLA records)
NOT_READ_BY_HOOKS = ("FROM sla_setting", "FROM model_version", "FROM user_role", "FROM step_fact",
                     "FROM sla_fact", "FROM customer_feedback")


def _statements(call) -> tuple[object, list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return result, seen


def _review_task(api) -> str:
    started = api("sales1").post("/process-instances", json={"process_id": "t_approval",
                                                             "data": {"customer_name": "甲"}})
    assert started.status_code == 201, started.get_json()
    [task] = started.get_json()["tasks"]
    return task["id"]


def _complete(api, task_id: str):
    return api("desk1").post(f"/tasks/{task_id}/complete", json={"data": {"approved": True}})


@pytest.fixture
def approval(users, deploy, api):
    deploy("t_approval")
    api("desk1")  # the token is issued before counting
    return api


def test_a_completion_runs_within_the_engines_statement_budget(approval, monkeypatch):
    monkeypatch.setattr(hooks.get(), "after_command", [])
    task_id = _review_task(approval)
    response, statements = _statements(lambda: _complete(approval, task_id))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "running" and response.get_json()["next_task_id"] is None
    kind = "postgresql" if is_postgres() else "sqlite"
    assert len(statements) <= ENGINE_BUDGET[kind], "\n".join(s.split("\n")[0][:120] for s in statements)


def test_a_completion_with_every_hook_stays_within_its_bound(approval):
    task_id = _review_task(approval)
    response, statements = _statements(lambda: _complete(approval, task_id))
    assert response.status_code == 200, response.get_json()
    kind = "postgresql" if is_postgres() else "sqlite"
    assert len(statements) <= TOTAL_BUDGET[kind], "\n".join(s.split("\n")[0][:120] for s in statements)
    assert not [s for s in statements if any(table in s for table in NOT_READ_BY_HOOKS)]
    assert sum("FROM sla_record" in s for s in statements) == 1  # read by the SLA hook, reused by the facts


def test_the_facts_of_a_completion_are_written_with_what_it_changed(approval):
    """The case's row, one new step fact and its month's sum added in place: nothing is re-read or
    rewritten for the steps done before."""
    first = _review_task(approval)
    _complete(approval, first)
    second = _review_task(approval)
    response, statements = _statements(lambda: _complete(approval, second))
    assert response.status_code == 200
    heads = [s.split("(")[0].split(" SET ")[0].strip() for s in statements if s.startswith(("INSERT", "UPDATE"))]
    writes = [head for head in heads if "fact" in head or "step_month" in head]
    assert writes == ["UPDATE case_fact", "INSERT INTO step_fact", "INSERT INTO step_month"], writes


def test_a_token_is_read_once_with_its_user_and_roles_then_trusted_for_a_few_seconds(approval, clock):
    response, statements = _statements(lambda: approval("desk1").get("/tasks?scope=role"))
    assert response.status_code == 200
    assert sum("api_token" in s for s in statements) == 1
    assert not any("FROM user_role" in s and "api_token" not in s for s in statements)
    response, statements = _statements(lambda: approval("desk1").get("/tasks?scope=role"))
    assert response.status_code == 200 and not any("api_token" in s for s in statements)
    clock.advance(seconds=TOKEN_CACHE.total_seconds() + 1)
    response, statements = _statements(lambda: approval("desk1").get("/tasks?scope=role"))
    assert sum("api_token" in s for s in statements) == 1


def test_a_token_revoked_by_another_server_process_stops_working_within_seconds(approval, clock):
    desk = approval("desk1")
    assert desk.get("/tasks").status_code == 200
    with transaction():  # what another process's revocation leaves in the database
        db.session.execute(sa.delete(ApiToken))
    assert desk.get("/tasks").status_code == 200  # this process trusts it a little longer
    clock.advance(seconds=TOKEN_CACHE.total_seconds() + 1)
    assert desk.get("/tasks").status_code == 401


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(approval, client):
    desk = approval("desk1")
    assert desk.get("/tasks").status_code == 200
    [current] = [t for t in desk.get("/tokens").get_json()["items"] if t["current"]]
    assert desk.client.delete(f"/api/v1/tokens/{current['id']}", headers=desk.headers).status_code == 204
    assert desk.get("/tasks").status_code == 401

    sales = approval("sales1")
    assert sales.get("/tasks").status_code == 200
    with transaction():
        deactivate_user(get_user("sales1"))
    assert sales.get("/tasks").status_code == 401
