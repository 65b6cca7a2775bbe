"""Failed logins are counted in the database: per account (another worker process sees the same
count, a restart forgets none) with a separate, higher ceiling per address; one person's wrong
passwords never lock the other accounts used from the same address."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from engine.clock import isoformat, now

ROOT = Path(__file__).resolve().parents[3]
OTHER_WORKER = textwrap.dedent("""
    import datetime as dt, sys
    from engine import identity
    from engine.clock import FakeClock, set_clock
    from web import create_app
    identity.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    set_clock(FakeClock(dt.datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00"))))
    app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True, "SECRET_KEY": "test-secret",
                      "AUDIT_KEY": "a1" * 32})
    client = app.test_client()
    for _ in range(int(sys.argv[3])):
        code = client.post("/api/v1/tokens", json={"username": "desk1", "password": "wrong"}).status_code
        assert code == 401, code
""")


def _fail_in_another_process(app, times: int) -> None:
    """A separate worker process (its own memory) tries wrong passwords against the same database."""
    subprocess.run([sys.executable, "-c", OTHER_WORKER, app.config["DATABASE_URL"], isoformat(now()), str(times)],
                   cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


def _token(client, username: str, password: str, address: str = "10.0.0.7"):
    return client.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_in_another_worker_count_here(app, client, users):
    _fail_in_another_process(app, 3)
    for _ in range(2):
        assert _token(client, "desk1", "wrong", "127.0.0.1").status_code == 401
    blocked = _token(client, "desk1", "pw-desk1", "127.0.0.1")
    assert blocked.status_code == 429, blocked.get_json()
    assert blocked.get_json()["code"] == "too_many_attempts" and int(blocked.headers["Retry-After"]) > 0


def test_a_lockout_lasts_its_window_and_a_success_starts_the_account_again(client, users, clock):
    for _ in range(4):
        _token(client, "desk1", "wrong")
    assert _token(client, "desk1", "pw-desk1").status_code == 201  # the 5th try succeeds: back to zero
    for _ in range(5):
        _token(client, "desk1", "wrong")
    assert _token(client, "desk1", "pw-desk1").status_code == 429
    clock.advance(seconds=301)
    assert _token(client, "desk1", "pw-desk1").status_code == 201


def test_one_persons_failures_do_not_lock_out_others_on_the_same_address(client, users, browser):
    for _ in range(5):
        assert _token(client, "desk1", "wrong", "10.0.0.7").status_code == 401
    assert _token(client, "desk1", "pw-desk1", "10.0.0.7").status_code == 429
    assert _token(client, "sales1", "pw-sales1", "10.0.0.7").status_code == 201
    page = browser.post("/login", {"username": "manager1", "password": "pw-manager1"},
                        environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert page.status_code == 302


def test_an_address_guessing_across_accounts_meets_its_own_ceiling(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 8
    try:
        for name in ["desk1", "sales1", "gm1", "eng1"] * 2:
            assert _token(client, name, "wrong", "10.9.9.9").status_code == 401
        refused = _token(client, "admin", "pw-admin", "10.9.9.9")
        assert refused.status_code == 429 and "address" in refused.get_json()["message"]
        assert _token(client, "admin", "pw-admin", "10.0.0.8").status_code == 201  # another address is fine
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 50


def test_the_login_page_is_throttled_per_account_too(browser, users):
    for _ in range(5):
        assert browser.post("/login", {"username": "desk1", "password": "wrong"}).status_code == 401
    page = browser.post("/login", {"username": "desk1", "password": "pw-desk1"})
    assert page.status_code == 429 and "登录失败次数过多" in page.get_data(as_text=True)
