"""The customer's link: issued by the desk from the case page (copied, or e-mailed when SMTP is set),
opened without login; it shows the progress in plain words and the customer's documents, nothing
internal; it expires, names one case only, and writes nothing but the one survey — whose answer
lands on the case, in the customer's record, in the phone revisit and in the satisfaction figures."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine import commands, queries, replay
from engine.audit import chain as audit
from engine.clock import now
from engine.db import db
from engine.models import Instance
from tests.web.conftest import Browser
from tests.web.documents_journey import finished_installation
from tests.web.names_journey import visible_text
from tests.workflows.collaboration.conftest import NAMES
from tests.workflows.flowkit import complete
from workflows.collaboration.comments import add_comment
from workflows.documents.customer_link import CustomerFeedback
from workflows.management.facts import CaseFact
from workflows.records.tables import Customer


def issued_link(as_user, case, who="desk1") -> str:
    page = as_user(who).post(f"/cases/{case.id}/customer-link")
    assert page.status_code == 200
    [link] = re.findall(r'value="https?://[^/"]+(/c/[^"]+)"', page.get_data(as_text=True))
    return link


@pytest.fixture
def customer(app):
    return Browser(app.test_client())


def test_the_customer_reads_progress_and_documents_and_nothing_internal(as_user, customer, flows, actors):
    case = finished_installation(flows, actors)
    add_comment(instance_id=case.id, body="内部备注：客户付款较慢", actor=actors["manager1"], now=now())
    link = issued_link(as_user, case)
    page = customer.get(link)
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "服务已完成" in text and case.case_number in text and "成都蓉城机械有限公司" in text
    for title in ("售后服务申请表", "设备培训人员签到表", "设备安装验收单"):
        assert title in text
    internal = ["售后服务备忘录（日志）", "项目售后服务总结报告", "内部备注", "审计", "哈希", *NAMES.values(),
                "eng_sw1", "manager1"]
    assert [word for word in internal if word in text] == []
    pdf = customer.get(f"{link}/documents/acceptance.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert customer.get(f"{link}/documents/service_log.pdf").status_code == 404  # the internal log
    assert customer.post(link).status_code == 405 and customer.post(f"{link}/documents/request.pdf").status_code == 405


def test_the_survey_answer_reaches_the_case_the_records_the_revisit_and_the_figures(as_user, api, customer, flows,
                                                                                    actors):
    case = finished_installation(flows, actors)
    link = issued_link(as_user, case)
    assert 'data-testid="survey"' in customer.get(link).get_data(as_text=True)
    bad = customer.post(f"{link}/survey", {"score": "9", "comment": "x"})
    assert bad.status_code == 422 and "1 到 5" in bad.get_data(as_text=True)
    assert db.session.execute(sa.select(CustomerFeedback)).first() is None
    answered = customer.post(f"{link}/survey", {"score": "4", "comment": "工程师很专业，希望响应再快些"})
    assert answered.status_code == 302
    assert "感谢您的评价" in customer.get(link).get_data(as_text=True)
    assert customer.post(f"{link}/survey", {"score": "1"}).status_code == 409  # once only
    db.session.expire_all()
    [feedback] = db.session.execute(sa.select(CustomerFeedback)).scalars().all()
    assert (feedback.instance_id, feedback.score) == (case.id, 4)
    assert db.session.get(Customer, flows.sw).last_satisfaction == 4
    assert db.session.get(CaseFact, case.id).satisfaction == 4
    revisit = db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id)).scalar_one()
    [phone] = queries.tasks_of(revisit.id, "ready")
    assert phone.draft["satisfaction"] == 4 and "工程师很专业" in phone.draft["comment"]
    timeline = visible_text(as_user("manager1").get(f"/cases/{case.id}").get_data(as_text=True))
    assert "客户满意度评价" in timeline and "4/5 工程师很专业，希望响应再快些" in timeline
    for path in ("history", "report"):
        shown = visible_text(as_user("auditor1").get(f"/cases/{case.id}/{path}").get_data(as_text=True))
        assert "客户满意度评价" in shown and "customer" not in shown, path
    events = api("auditor1").get(f"/process-instances/{case.id}/events?per_page=200").get_json()["items"]
    [answer] = [e for e in events if e["type"] == "customer_survey_answered"]
    assert answer["actor_name"] == "客户" and answer["data"]["score"] == 4
    assert audit.verify_stream(audit.instance_stream(case.id)).ok  # an audited annotation of the case
    assert replay.check(case.id).ok  # the re-execution check still agrees with the history


def test_the_link_expires_and_names_one_case_only(as_user, customer, flows, actors, clock):
    case = finished_installation(flows, actors)
    other = commands.start_instance(process_id="installation", data={
        "customer_id": flows.cq, "contract_number": "HT-CQ-1", "wished_date": "2026-03-20",
        "equipment": [{"model": "HX-200 压滤机", "quantity": 1}]}, actor=actors["sales1"])
    link = issued_link(as_user, case)
    page = customer.get(link).get_data(as_text=True)
    assert case.case_number in page and other.case_number not in page and "重庆山城重工" not in page
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert customer.get(forged).status_code == 404
    other_link = issued_link(as_user, other)
    assert "我们已收到您的申请" in customer.get(other_link).get_data(as_text=True)
    assert customer.post(f"{other_link}/survey", {"score": "5"}).status_code == 409  # not finished yet
    complete(other, "desk_review", actors["desk1"])
    assert "我们正在处理您的申请" in customer.get(other_link).get_data(as_text=True)
    clock.advance(days=31)
    expired = customer.get(link)
    assert expired.status_code == 403 and "已过期" in expired.get_data(as_text=True)
    assert customer.post(f"{link}/survey", {"score": "5"}).status_code == 403


def test_a_turned_down_request_reads_as_closed_and_asks_no_survey(as_user, customer, flows, actors):
    case = commands.start_instance(process_id="installation", data={
        "customer_id": flows.sw, "contract_number": "HT-2026-019", "wished_date": "2026-03-20",
        "equipment": [{"model": "HX-200 压滤机", "quantity": 1}]}, actor=actors["sales1"])
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=False, comment="合同尚未生效")
    case = complete(case, "rejection_notice", actors["sales1"])
    assert case.status == "completed"
    link = issued_link(as_user, case)
    page = customer.get(link).get_data(as_text=True)
    assert "此申请已关闭" in page and 'data-testid="survey"' not in page and "合同尚未生效" not in page
    assert customer.post(f"{link}/survey", {"score": "5"}).status_code == 409


def test_only_sales_the_desk_and_managers_hand_out_links(as_user, flows, actors):
    case = finished_installation(flows, actors)
    assert as_user("eng_sw1").post(f"/cases/{case.id}/customer-link").status_code == 403
    assert as_user("auditor1").post(f"/cases/{case.id}/customer-link").status_code == 403
    assert as_user("manager1").post(f"/cases/{case.id}/customer-link").status_code == 200
    assert 'data-testid="customer-link-issue"' in as_user("desk1").get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="customer-link-issue"' not in as_user("eng_sw1").get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_desk_e_mails_the_link_when_smtp_is_set(as_user, app, monkeypatch, flows, actors):
    sent = []

    class FakeSmtp:
        def __init__(self, host, port, timeout):
            assert (host, port) == ("mail.example", 25)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("web.views.customer_link.smtplib.SMTP", FakeSmtp)
    case = finished_installation(flows, actors)
    desk = as_user("desk1")
    assert 'name="email"' not in desk.post(f"/cases/{case.id}/customer-link").get_data(as_text=True)
    monkeypatch.setitem(app.config, "SMTP_HOST", "mail.example")
    assert 'name="email"' in desk.post(f"/cases/{case.id}/customer-link").get_data(as_text=True)
    assert desk.post(f"/cases/{case.id}/customer-link/email", {"email": "not-an-address"}).status_code == 422
    assert desk.post(f"/cases/{case.id}/customer-link/email", {"email": "wang@rongcheng.example"}).status_code == 302
    [message] = sent
    assert message["To"] == "wang@rongcheng.example" and case.case_number in message["Subject"]
    assert "/c/" in message.get_content()
    assert as_user("eng_sw1").post(f"/cases/{case.id}/customer-link/email",
                                   {"email": "x@y.example"}).status_code == 403
