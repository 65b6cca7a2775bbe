"""Authentication on every route: nothing but the login page, static files and token exchange
answers an anonymous request."""
from __future__ import annotations

import re

PUBLIC = {"auth.login", "static", "vendor.asset", "api.create_token", "api.openapi", "health"}
# the customer's link: no login, but a signed token naming one case (tests/web/test_customer_link.py)
CUSTOMER_LINK = {"customer_link.show", "customer_link.document", "customer_link.survey"}


def _sample_path(rule: str) -> str:
    return re.sub(r"<(?:int:)?\w+>", "1", re.sub(r"<path:\w+>", "x/y.js", rule))


def test_every_route_requires_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC | CUSTOMER_LINK:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_sample_path(rule.rule), method=method)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                assert response.get_json()["code"] == "unauthorized"
            else:
                assert response.status_code in (302, 400), (method, rule.rule, response.status_code)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"]
            checked += 1
    assert checked >= 15


def test_the_customer_link_is_the_one_route_without_login_and_needs_its_token(app, client):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint in CUSTOMER_LINK}
    assert set(rules) == CUSTOMER_LINK and all(rule.rule.startswith("/c/<token>") for rule in rules.values())
    assert client.get("/c/forged").status_code == 404
    assert client.get("/c/forged/documents/request.pdf").status_code == 404
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    assert client.post("/c/forged/survey", data={"score": "5", "csrf_token": token}).status_code == 404


def test_session_api_calls_need_the_csrf_token(app, client, users, deploy):
    deploy("t_approval")
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    assert client.post("/login", data={"username": "sales1", "password": "pw-sales1"}).status_code == 400
    assert client.post("/login", data={"username": "sales1", "password": "pw-sales1",
                                       "csrf_token": token}).status_code == 302
    body = {"process_id": "t_approval", "data": {"customer_name": "x"}}
    assert client.get("/api/v1/tasks").status_code == 200  # reading on the session is fine
    refused = client.post("/api/v1/process-instances", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    accepted = client.post("/api/v1/process-instances", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_login_redirect_never_leaves_the_site(client, users):
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/login?next=https://evil.example/x", data={
        "username": "sales1", "password": "pw-sales1", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
