"""While the database is unreachable every request answers 503 `database_unavailable` with
Retry-After (a page for people), /healthz says so, the log says once that it went and once that it
came back — no traceback per request — and service resumes by itself."""
from __future__ import annotations

import logging

import psycopg
import pytest
from sqlalchemy import event

from engine.db import db
from tests.web.conftest import Browser
from web import create_app


class Switch:
    """Cuts the app's database off the way an outage does: pooled connections die, new ones are refused."""

    def __init__(self, app):
        self.app, self.down = app, False
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "do_connect", self._connect)

    def _connect(self, dialect, _record, _cargs, _cparams):
        if self.down:
            error = psycopg.OperationalError if dialect.name == "postgresql" else dialect.loaded_dbapi.OperationalError
            raise error("connection refused: is the server running on host 127.0.0.1 and accepting connections?")
        return None

    def cut(self) -> None:
        self.down = True
        self.engine.dispose()

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        event.remove(self.engine, "do_connect", self._connect)
        self.engine.dispose()


@pytest.fixture
def outage(app, users):
    second = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True, "SECRET_KEY": "test-secret",
                         "AUDIT_KEY": app.config["AUDIT_KEY"], "RETRY_AFTER_SECONDS": 7})
    switch = Switch(second)
    yield second, switch
    switch.close()


def test_an_outage_answers_503_logs_once_and_recovers_by_itself(outage, caplog):
    second, switch = outage
    client = second.test_client()
    token = client.post("/api/v1/tokens", json={"username": "desk1", "password": "pw-desk1"}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    person = Browser(second.test_client())
    assert person.login("desk1").status_code == 302
    assert client.get("/healthz").get_json()["database"] == {"ok": True}

    caplog.clear()
    caplog.set_level(logging.INFO)
    switch.cut()
    for _ in range(3):
        api = client.get("/api/v1/tasks", headers=bearer)
        assert api.status_code == 503 and api.headers["Retry-After"] == "7"
        assert api.get_json()["code"] == "database_unavailable" and api.get_json()["retry_after"] == 7
    page = person.get("/inbox")
    assert page.status_code == 503 and page.content_type.startswith("text/html")
    assert "暂时无法服务" in page.get_data(as_text=True) and page.headers["Retry-After"] == "7"
    posted = client.post("/api/v1/tokens", json={"username": "desk1", "password": "pw-desk1"})
    assert posted.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"]["ok"] is False
    assert "connection refused" in health.get_json()["database"]["error"]

    switch.restore()
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200
    assert person.get("/inbox").status_code == 200
    assert client.get("/healthz").status_code == 200

    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([m for m in lines if m.startswith("database unavailable")]) == 1, lines
    assert len([m for m in lines if m.startswith("database available again")]) == 1, lines
    assert not [r for r in caplog.records if r.exc_info], "no traceback per request"
    assert not any("unhandled error" in m for m in lines)


def test_healthz_names_the_scheduler_leader(app, client):
    from engine.timers.scheduler import _lease_for, process_name
    with app.app_context():
        lease = _lease_for(db.engine.url.render_as_string(hide_password=False), app.instance_path)
    assert client.get("/healthz").get_json()["scheduler"] == {"ok": False, "leader": None, "here": False,
                                                              "enabled_here": False}
    assert lease.acquire()
    try:
        body = client.get("/healthz").get_json()
        assert body["ok"] is True and body["scheduler"]["leader"] == process_name()
    finally:
        lease.release()
