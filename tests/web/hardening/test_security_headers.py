"""Every response carries the security headers: a Content-Security-Policy allowing only this site's
own scripts and styles and no framing, nosniff, a Referrer-Policy; and every page still works under
that policy in a real browser (bpmn-js, dmn-js, forms, print) without a single violation."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from engine import attachments, commands, queries
from engine.clock import now
from engine.commands import transaction
from tests.browserkit import chromium, live_server  # noqa: F401 - fixtures
from tests.web.conftest import PNG
from web.headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[3] / "web" / "templates"


def _assert_secure(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_api_errors_and_static_files_carry_the_headers(client, as_user, api):
    responses = [client.get("/login"), client.get("/static/css/app.css"), client.get("/healthz"),
                 client.get("/inbox"), client.get("/no/such/page"), client.get("/api/v1/tasks"),
                 as_user("desk1").get("/inbox"), api("desk1").get("/tasks"), api("desk1").get("/tasks/nope")]
    assert [r.status_code for r in responses] == [200, 200, 200, 302, 404, 401, 200, 200, 404]
    for response in responses:
        _assert_secure(response)


def test_a_downloaded_upload_keeps_its_own_stricter_policy(as_user):
    desk = as_user("desk1")
    uploaded = desk.post("/files", {"file": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    download = desk.get(uploaded.get_json()["url"])
    assert download.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_or_handlers():
    """What the policy would block, found before a browser does: inline handlers and script bodies."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {m.group()}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path.name}: inline <script>" for _ in re.finditer(
            r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", text)]
        offenders += [f"{path.name}: <style>" for _ in re.finditer(r"<style", text)]
    assert offenders == []


@pytest.mark.browser
def test_every_page_works_under_the_policy(chromium, live_server, flows, actors):  # noqa: F811
    case = commands.start_instance(process_id="compensation_approval", data={
        "customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "quality_letter",
        "evidence": [_upload_png("desk1")], "description": "主轴承滚道剥落", "emergency": True,
        "lines": [{"part_code": "BRG-6205", "quantity": 1}]}, actor=actors["desk1"])
    [verify] = queries.tasks_of(case.id, "ready")
    visits = {
        "desk1": ["/inbox", f"/tasks/{verify.id}", f"/cases/{case.id}", "/cases/", "/notifications/"],
        "owner1": ["/modeler/", "/modeler/compensation_approval/edit"],
        "auditor1": [f"/cases/{case.id}/history", f"/cases/{case.id}/replay", f"/cases/{case.id}/report",
                     "/audit/cases"],
        "admin": ["/admin/", "/admin/calendar", "/admin/sla", "/admin/timers"],
    }
    problems: list[str] = []
    for username, paths in visits.items():
        context = chromium.new_context(locale="zh-CN")
        page = context.new_page()
        _watch(page, problems)
        page.goto(live_server + "/login")
        page.fill("#username", username)
        page.fill("#password", "pw-" + username)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        for path in paths:
            response = page.goto(live_server + path)
            assert response.status == 200, (username, path, response.status)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            page.wait_for_load_state("networkidle")
            if path.endswith("/edit"):
                page.wait_for_selector("[data-testid=modeler][data-ready=true]")
            if path == f"/cases/{case.id}":
                page.wait_for_selector(".djs-container svg")  # bpmn-js drew the diagram
        context.close()
    assert problems == []


def _watch(page, problems: list[str]) -> None:
    """Collect what the browser says the policy refused, and script errors."""
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))


def _upload_png(username: str) -> str:
    with transaction():
        return attachments.store(filename="letter.png", content=PNG, uploaded_by=username, max_bytes=10**6,
                                 now=now()).id
