"""User administration: an administrator creates people with roles and a region team, changes them,
resets a password and deactivates; a deactivated person cannot log in and their tokens stop working.
Nobody else may, and every change is audited without the password."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine.db import db
from engine.identity import get_user
from engine.models import AuditEvent
from workflows.records.tables import Engineer


def user_events() -> list[AuditEvent]:
    return list(db.session.execute(sa.select(AuditEvent).where(AuditEvent.element_id.like("user:%"))
                                   .order_by(AuditEvent.id)).scalars())


def engineer_team(username: str) -> str | None:
    db.session.expire_all()
    row = db.session.execute(sa.select(Engineer).where(Engineer.user_id == get_user(username).id)).scalar_one_or_none()
    return row.region_team if row else None


def test_admin_creates_an_engineer_who_can_log_in(users, as_user, client):
    admin = as_user("admin")
    response = admin.post("/admin/users/", {"username": "eng_x1", "password": "secret-1", "display_name": "周工",
                                            "email": "zhou@example.com", "roles": ["engineer"],
                                            "region_team": "south_west"})
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "周工" in page and "服务工程师" in page and "西南组" in page
    assert engineer_team("eng_x1") == "south_west"
    assert client.post("/api/v1/tokens", json={"username": "eng_x1", "password": "secret-1"}).status_code == 201
    [event] = user_events()
    assert (event.type, event.actor, event.data["values"]["roles"]) == ("user_created", "admin", ["engineer"])
    assert "secret-1" not in str(event.data)
    listing = re.sub(r"<[^>]+>", " ", admin.get("/admin/users/").get_data(as_text=True))
    assert "周工" in listing and "eng_x1" not in listing  # people by name


def test_admin_changes_roles_and_team(users, actors, as_user):
    admin = as_user("admin")
    eng = get_user("eng_sw1")
    admin.post(f"/admin/users/{eng.id}", {"display_name": "孙工", "roles": ["engineer"], "region_team": "north"})
    assert engineer_team("eng_sw1") == "north" and get_user("eng_sw1").display_name == "孙工"
    admin.post(f"/admin/users/{eng.id}", {"display_name": "孙工", "roles": ["service_desk"]})
    db.session.expire_all()
    assert get_user("eng_sw1").role_ids == {"service_desk"} and engineer_team("eng_sw1") is None
    assert [e.type for e in user_events()] == ["user_updated", "user_updated"]


def test_a_deactivated_user_cannot_log_in_and_their_tokens_stop(users, as_user, api, client):
    token_client = api("eng1")
    assert token_client.get("/tasks").status_code == 200
    engineer = as_user("eng1")
    admin = as_user("admin")
    assert admin.post(f"/admin/users/{get_user('eng1').id}/active", {"active": "0"}).status_code == 302
    assert token_client.get("/tasks").status_code == 401
    assert engineer.get("/").status_code == 302  # the open session ended: back to the login page
    assert client.post("/api/v1/tokens", json={"username": "eng1", "password": "pw-eng1"}).status_code == 401
    page = admin.get(f"/admin/users/{get_user('eng1').id}").get_data(as_text=True)
    assert "已停用" in page
    admin.post(f"/admin/users/{get_user('eng1').id}/active", {"active": "1"})
    assert client.post("/api/v1/tokens", json={"username": "eng1", "password": "pw-eng1"}).status_code == 201
    assert [e.type for e in user_events()] == ["user_deactivated", "user_activated"]


def test_a_password_reset_ends_the_old_password_and_tokens(users, as_user, api, client):
    token_client = api("sales1")
    as_user("admin").post(f"/admin/users/{get_user('sales1').id}/password", {"password": "new-pass-9"})
    assert token_client.get("/tasks").status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "sales1", "password": "pw-sales1"}).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "sales1", "password": "new-pass-9"}).status_code == 201
    [event] = user_events()
    assert event.type == "user_password_reset" and "new-pass-9" not in str(event.data)


def test_bad_input_changes_nothing(users, as_user):
    admin = as_user("admin")
    admin.post("/admin/users/", {"username": "x y", "password": "secret-1", "display_name": "某人", "roles": ["sales"]})
    admin.post("/admin/users/", {"username": "eng_y", "password": "secret-1", "display_name": "某人",
                                 "roles": ["engineer"]})  # an engineer needs a team
    admin.post("/admin/users/", {"username": "sales1", "password": "secret-1", "display_name": "重名",
                                 "roles": ["sales"]})
    admin.post("/admin/users/", {"username": "nobody", "password": "secret-1", "display_name": "某人",
                                 "roles": ["emperor"]})
    admin.post(f"/admin/users/{get_user('admin').id}/active", {"active": "0"})  # not oneself
    admin.post(f"/admin/users/{get_user('admin').id}", {"display_name": "管理员", "roles": ["sales"]})
    db.session.expire_all()
    assert get_user("admin").active and get_user("admin").role_ids == {"admin"}
    assert db.session.execute(sa.select(sa.func.count()).select_from(sa.text("app_user"))).scalar() == len(users)
    assert user_events() == []


@pytest.mark.parametrize("who", ["manager1", "desk1", "auditor1", "owner1"])
def test_only_administrators_manage_users(users, as_user, who):
    browser = as_user(who)
    target = get_user("eng1").id
    assert browser.get("/admin/users/").status_code == 403
    assert browser.get(f"/admin/users/{target}").status_code == 403
    assert browser.post("/admin/users/", {"username": "x1", "password": "secret-1", "display_name": "X",
                                          "roles": ["admin"]}).status_code == 403
    assert browser.post(f"/admin/users/{target}/active", {"active": "0"}).status_code == 403
    assert browser.post(f"/admin/users/{target}/password", {"password": "hijack-1"}).status_code == 403
    assert browser.post(f"/admin/users/{target}", {"display_name": "X", "roles": ["admin"]}).status_code == 403
    db.session.expire_all()
    assert get_user("eng1").active and get_user("eng1").role_ids == {"engineer"} and user_events() == []
