"""Page-test helpers: a browser-like client that logs in through the login form and posts forms
with the page's CSRF token, like a person would."""
from __future__ import annotations

import re

import pytest

from engine import commands, queries
from engine.db import db
from tests.workflows.conftest import actors, flows, records  # noqa: F401 - the real flows, for pages

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """Each request runs in its own app context, as on a server (the test's own context would
    otherwise share `g`, and with it the logged-in user and CSRF token, across clients)."""

    def __init__(self, client):
        self.client = client
        self.token = ""

    def _request(self, method: str, path: str, **kw):
        with self.client.application.app_context():
            return getattr(self.client, method)(path, **kw)

    def _remember_token(self, response) -> None:
        if not response.content_type.startswith("text/html"):
            return
        match = CSRF.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)

    def get(self, path: str, **kw):
        response = self._request("get", path, **kw)
        self._remember_token(response)
        return response

    def post(self, path: str, data: dict | None = None, **kw):
        if not self.token:
            self.get("/login")
        body = {"csrf_token": self.token, **(data or {})}
        response = self._request("post", path, data=body, **kw)
        self._remember_token(response)
        return response

    def login(self, username: str, password: str | None = None):
        self.get("/login")
        return self.post("/login", {"username": username, "password": password or "pw-" + username})

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def browser(client, users):
    return Browser(client)


@pytest.fixture
def as_user(app, users):
    """A fresh logged-in Browser for each username asked for."""
    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b
    return make


@pytest.fixture
def approval_case(deploy, users):
    """A t_approval case started by sales1 for 华西机械; its review task waits for the desk."""
    deploy("t_approval")
    instance = commands.start_instance(process_id="t_approval", data={"customer_name": "华西机械", "amount": "1200.50"},
                                       actor=users["sales1"])
    [review] = queries.tasks_of(instance.id, "ready")
    return instance, review


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def forms_case(deploy, users):
    """A t_forms case: sales1 recorded a fault; the engineers' report task (due next day 09:00) waits."""
    deploy("t_forms")
    instance = commands.start_instance(process_id="t_forms", data={"customer_name": "昆明精工机械", "region": "云南",
                                                                   "symptom": "主轴异响"}, actor=users["sales1"])
    [report] = queries.tasks_of(instance.id, "ready")
    return instance, report


def fresh_task(task_id: str):
    """The task row as the database has it now (pages commit in their own sessions)."""
    db.session.expire_all()
    return queries.task(task_id)


def fresh_instance(instance_id: int):
    db.session.expire_all()
    return queries.instance(instance_id)
