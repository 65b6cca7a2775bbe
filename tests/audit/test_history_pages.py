"""The auditor's pages, read through a logged-in browser session."""
from __future__ import annotations

import csv
import io
import re

import pytest

from engine.audit import chain as audit
from tests.audit.demo_cases import tamper


def login(client, username):
    page = client.get("/login")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    response = client.post("/login", data={"username": username, "password": "pw-" + username, "csrf_token": token})
    assert response.status_code == 302
    return token


@pytest.fixture
def auditor(client, users):
    login(client, "auditor1")
    return client


def test_history_shows_every_event_with_approval_comment_and_before_after(cases, auditor):
    case = cases.claim(amount="800", comment="同意，核减运费", approved_amount="750")
    page = auditor.get(f"/cases/{case.id}/history").get_data(as_text=True)
    for seq in range(1, len(audit.events_of(case.id)) + 1):
        assert f'id="step-{seq}"' in page
    assert "同意，核减运费" in page and "审批意见" in page
    # the approver lowered the amount: before and after are both shown
    row = re.search(r"<tr class=\"changed\">\s*<td>核定金额</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page)
    assert row is not None and row.groups() == ("800.00", "750.00")
    assert "哈希链" in page and "完整" in page


def test_history_filters_by_category_type_and_actor(cases, auditor):
    case = cases.approval()
    approvals = auditor.get(f"/cases/{case.id}/history?category=approval").get_data(as_text=True)
    assert approvals.count('class="event ') == 1 and "合同齐全" in approvals
    admin = auditor.get(f"/cases/{case.id}/history?category=admin").get_data(as_text=True)
    assert "desk1 on leave" in admin and admin.count('class="event ') == 1  # the reassignment
    by_actor = auditor.get(f"/cases/{case.id}/history?actor=sales1").get_data(as_text=True)
    expected = sum(1 for e in audit.events_of(case.id) if e.actor == "sales1")
    assert by_actor.count('class="event ') == expected
    claimed = auditor.get(f"/cases/{case.id}/history?type=task_claimed").get_data(as_text=True)
    assert claimed.count('class="event ') == 1 and "由 desk1 领取" in claimed


def test_filtered_csv(cases, auditor):
    case = cases.approval()
    response = auditor.get(f"/api/v1/process-instances/{case.id}/history.csv?category=input")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["type"] for r in rows] == ["instance_started", "task_completed", "task_completed"]
    review = rows[1]
    assert review["comment"] == "合同齐全" and review["decision"] == "true" and len(review["hash"]) == 64
    assert 'approved: null -> true' in review["changes"]


def test_replay_page_carries_the_pinned_diagram_and_the_step_count(cases, auditor):
    case = cases.claim()
    page = auditor.get(f"/cases/{case.id}/replay?step=3").get_data(as_text=True)
    assert 'id="replay-slider" min="1" max="9" value="3"' in page
    assert "bpmn-navigated-viewer.production.min.js" in page and "js/replay.js" in page
    assert "BPMNDiagram" in page  # the pinned version's XML travels with the page


def test_check_page_reports_agreement_or_the_step_of_the_difference(cases, auditor):
    case = cases.approval()
    assert "一致：5 条命令" in auditor.get(f"/cases/{case.id}/check").get_data(as_text=True)
    done = next(e for e in audit.events_of(case.id) if e.type == "task_completed")
    tamper(done.id, data={**done.data, "submitted": {**done.data["submitted"], "comment": "改过"}})
    page = auditor.get(f"/cases/{case.id}/check").get_data(as_text=True)
    assert f"不一致：第 {done.seq} 步出现差异" in page
    assert f"第 {done.seq} 步校验失败" in page  # the hash chain says the same


def test_printable_report(cases, auditor):
    case = cases.claim()
    page = auditor.get(f"/cases/{case.id}/report").get_data(as_text=True)
    assert "案件审计报告" in page and case.case_number in page
    assert audit.events_of(case.id)[-1].hash in page
    assert "data-print" in page and '"mode": "report"' in page


def test_search_page_is_for_auditors(cases, client, users):
    case = cases.claim()
    login(client, "sales1")
    assert client.get("/audit/cases").status_code == 403
    login(client, "auditor1")
    page = client.get("/audit/cases?customer=华西").get_data(as_text=True)
    assert case.case_number in page and "manager1" in page


def test_archive_button_posts_with_csrf(cases, client, archivist, archive_folder):
    case = cases.approval()
    token = login(client, "archivist1")
    page = client.get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "归档（签名导出，不删除）" in page
    assert client.post(f"/cases/{case.id}/archive").status_code == 400  # no CSRF token
    response = client.post(f"/cases/{case.id}/archive", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "已归档" in page and f"{case.case_number}.json" in page
    assert (archive_folder / f"{case.case_number}.json").exists()


def test_people_outside_the_case_cannot_open_its_pages(cases, client, users):
    case = cases.approval()
    login(client, "eng1")
    for page in ("history", "replay", "check", "report"):
        assert client.get(f"/cases/{case.id}/{page}").status_code == 403


def test_pages_speak_english_when_asked(cases, auditor):
    case = cases.claim()
    page = auditor.get(f"/cases/{case.id}/history?lang=en").get_data(as_text=True)
    assert "Case started" in page and "Comment" in page and "intact, 9 events" in page
    replay = auditor.get(f"/cases/{case.id}/replay").get_data(as_text=True)  # the language is remembered
    assert "Forward" in replay and '"Task completed"' in replay


def test_csv_cells_never_run_as_spreadsheet_formulas(cases, auditor):
    case = cases.claim(comment="=HYPERLINK(\"http://evil.example\")")
    text = auditor.get(f"/api/v1/process-instances/{case.id}/history.csv?category=approval").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["comment"] == "'=HYPERLINK(\"http://evil.example\")"
