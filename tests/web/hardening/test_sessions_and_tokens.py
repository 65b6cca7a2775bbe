"""Sessions end on the server: logout, a new password or deactivation make a copied cookie or token
worthless. A user lists and revokes their own API tokens. The session cookie is SameSite=Lax, and
Secure over HTTPS (behind a proxy only when AFTERCARE_PROXY_COUNT says so)."""
from __future__ import annotations

from engine import identity
from engine.commands import transaction
from web import create_app


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """Another browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    with app.app_context():
        return thief.get("/inbox")


def test_a_cookie_replayed_after_logout_gets_the_login_page(app, as_user):
    desk = as_user("desk1")
    assert desk.get("/inbox").status_code == 200
    copied = _cookie(desk.client)
    assert _replay(app, copied).status_code == 200  # a copy works while the session lives
    assert desk.logout().status_code == 302
    replayed = _replay(app, copied)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_new_password_ends_every_session_and_token(app, as_user, api, client):
    browser = as_user("desk1")
    copied = _cookie(browser.client)
    token = api("desk1").headers
    with transaction():
        identity.set_password(identity.get_user("desk1"), "new-secret")
    assert _replay(app, copied).status_code == 302
    assert client.get("/api/v1/tasks", headers=token).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "desk1", "password": "new-secret"}).status_code == 201


def test_deactivating_a_user_ends_every_session_and_token(app, as_user, api, client):
    browser = as_user("sales1")
    copied = _cookie(browser.client)
    token = api("sales1").headers
    with transaction():
        identity.deactivate_user(identity.get_user("sales1"))
    with transaction():  # even if an administrator turns the account on again, the old ones stay dead
        identity.get_user("sales1").active = True
    assert _replay(app, copied).status_code == 302
    assert client.get("/api/v1/tasks", headers=token).status_code == 401


def _new_token(client, username: str) -> dict:
    body = client.post("/api/v1/tokens", json={"username": username, "password": "pw-" + username}).get_json()
    return {"id": body["id"], "headers": {"Authorization": f"Bearer {body['token']}"}}


def test_a_user_lists_and_revokes_their_own_tokens(client, users, clock):
    first, second = _new_token(client, "desk1"), _new_token(client, "desk1")
    other = _new_token(client, "sales1")
    listing = client.get("/api/v1/tokens", headers=first["headers"]).get_json()
    assert listing["total"] == 2 and [t["id"] for t in listing["items"]] == [second["id"], first["id"]]
    assert [t["current"] for t in listing["items"]] == [False, True]
    assert set(listing["items"][0]) == {"id", "created_at", "expires_at", "current"}  # never the secret
    assert client.delete(f"/api/v1/tokens/{other['id']}", headers=first["headers"]).status_code == 404
    assert client.get("/api/v1/tasks", headers=other["headers"]).status_code == 200  # someone else's stays
    assert client.delete(f"/api/v1/tokens/{second['id']}", headers=first["headers"]).status_code == 204
    assert client.get("/api/v1/tasks", headers=second["headers"]).status_code == 401
    assert client.get("/api/v1/tokens", headers=first["headers"]).get_json()["total"] == 1
    assert client.delete(f"/api/v1/tokens/{first['id']}", headers=first["headers"]).status_code == 204
    assert client.get("/api/v1/tokens", headers=first["headers"]).status_code == 401


def test_session_cookie_is_lax_and_secure_over_https(app, users, browser):
    response = browser.login("desk1")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie
    secure = app.test_client()
    page = secure.get("/login", base_url="https://aftercare.example")
    assert "Secure" in page.headers["Set-Cookie"] and "SameSite=Lax" in page.headers["Set-Cookie"]


def test_forwarded_proto_counts_only_behind_a_configured_proxy(app, users):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = app.test_client().get("/login", headers=forwarded)
    assert "Secure" not in direct.headers["Set-Cookie"]  # anyone can send the header
    proxied_app = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "AUDIT_KEY")},
                              "TESTING": True, "PROXY_COUNT": 1})
    behind = proxied_app.test_client().get("/login", headers=forwarded)
    assert "Secure" in behind.headers["Set-Cookie"]
    assert behind.headers["Strict-Transport-Security"].startswith("max-age=")
