"""Logging in and out: sessions, CSRF, throttled failures, safe redirects."""
from __future__ import annotations

from tests.web.conftest import Browser


def test_login_lands_on_the_inbox_and_logout_ends_the_session(browser):
    assert browser.get("/inbox").headers["Location"].startswith("/login")
    response = browser.login("desk1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == "/inbox"
    assert browser.get("/inbox").status_code == 200
    assert browser.logout().headers["Location"] == "/login"
    assert browser.get("/inbox").status_code == 302


def test_wrong_password_is_refused_with_a_message(browser):
    response = browser.login("desk1", "wrong")
    assert response.status_code == 401 and "用户名或密码错误。" in response.get_data(as_text=True)


def test_failed_logins_are_throttled(browser):
    for _ in range(5):
        browser.login("desk1", "wrong")
    response = browser.login("desk1")  # even the right password waits now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(browser):
    browser.get("/login")
    browser.token = "forged"
    response = browser.post("/login", {"username": "desk1", "password": "pw-desk1"})
    assert response.status_code == 400 and "页面已过期，请刷新后重试。" in response.get_data(as_text=True)


def test_logout_is_a_post(as_user):
    desk = as_user("desk1")
    assert desk.get("/logout").status_code == 405
    assert desk.get("/inbox").status_code == 200


def test_next_only_goes_to_this_site(client, users):
    b = Browser(client)
    b.get("/login")
    response = b.post("/login?next=//evil.example/x", {"username": "desk1", "password": "pw-desk1"})
    assert response.headers["Location"] == "/"
    b.logout()
    b.get("/login")
    response = b.post("/login?next=/cases/", {"username": "desk1", "password": "pw-desk1"})
    assert response.headers["Location"] == "/cases/"
