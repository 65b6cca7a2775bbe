"""One rule says who may read a case (`engine.queries.can_read_case`), and every page and API
endpoint that shows a case — the case page, the auditors' pages, the instances and history API —
answers by it: 200 for those it admits, 403 for the others, 404 for a case that does not exist."""
from __future__ import annotations

import pytest

from engine import commands, queries
from engine.commands import transaction
from engine.identity import Actor, create_user

EXTRA = {"eng2": ["engineer"], "sales2": ["sales"]}


def case_readers(app):
    """Every GET route about one case."""
    return sorted(rule.rule.replace("<int:instance_id>", "{id}") for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and "instance_id" in rule.arguments)


@pytest.fixture
def more_users(users):
    with transaction():
        for username, roles in EXTRA.items():
            create_user(username, "pw-" + username, roles)
    return {**users, **{name: Actor(name, frozenset(roles)) for name, roles in EXTRA.items()}}


def test_every_case_reader_follows_the_one_rule(app, deploy, more_users, api):
    deploy("t_parallel")
    case = commands.start_instance(process_id="t_parallel", actor=more_users["sales1"], data={
        "lines": [{"quantity": 2, "price": "100.50"}]})
    assert {t.element_id for t in queries.tasks_of(case.id, "ready")} >= {"install"}
    routes = case_readers(app)
    assert len(routes) >= 13 and "/cases/{id}/history" in routes and "/api/v1/process-instances/{id}" in routes
    verdicts = {"sales1": True, "eng2": True, "auditor1": True, "owner1": False, "sales2": False}
    for username, admitted in verdicts.items():
        assert queries.can_read_case(case, more_users[username]) is admitted, username
        client = api(username)
        for route in routes:
            path = route.format(id=case.id).replace("<key>", "request") + ("?step=1" if route.endswith("/replay")
                                                                             else "")
            status = client.client.get(path, headers=client.headers).status_code
            assert status == (200 if admitted else 403), (username, path, status)
    auditor = api("auditor1")
    for route in routes:
        path = route.format(id=case.id + 99).replace("<key>", "request")
        assert auditor.client.get(path, headers=auditor.headers).status_code == 404, route
