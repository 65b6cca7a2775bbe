"""Settings pages: the company calendar (admins), SLA settings (process owners and admins), failed
timers and incidents (admins and service managers). Every change is role-checked, needs the CSRF
token, is validated with messages in the page's language, changes what the calendar / SLA / timers
modules compute, and is audited."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands, incidents
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.models import AuditEvent, Instance, Timer
from engine.timers import firing as timers
from workflows.deadlines import calendar, sla

MONDAY = dt.datetime(2026, 3, 2, 9, 0)  # the clock of every test, in Shanghai


def system_events(kind: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.stream == audit.SYSTEM_STREAM, AuditEvent.type == kind).order_by(AuditEvent.seq)).scalars())


def page_text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- who may open what
@pytest.mark.parametrize(("path", "allowed", "refused"), [
    ("/admin/calendar", ["admin"], ["owner1", "manager1", "desk1"]),
    ("/admin/sla", ["owner1", "admin"], ["manager1", "desk1", "auditor1"]),
    ("/admin/timers", ["admin", "manager1"], ["owner1", "desk1", "eng1"]),
    ("/admin/", ["admin", "owner1", "manager1"], ["desk1", "sales1", "auditor1"]),
])
def test_each_settings_page_opens_for_its_roles_only(as_user, client, path, allowed, refused):
    assert client.get(path).status_code == 302 and "/login" in client.get(path).headers["Location"]
    for username in allowed:
        assert as_user(username).get(path).status_code == 200, username
    for username in refused:
        assert as_user(username).get(path).status_code == 403, username


@pytest.mark.parametrize(("path", "data", "refused"), [
    ("/admin/calendar/exceptions", {"day": "2026-03-03", "kind": "off"}, "owner1"),
    ("/admin/calendar/exceptions/2026-03-03/delete", {}, "manager1"),
    ("/admin/calendar/years", {"year": "2031"}, "owner1"),
    ("/admin/calendar/hours", {"start": "09:00", "end": "18:00"}, "manager1"),
    ("/admin/sla/service_request_response", {"amount": "3", "unit": "working_days", "warn_percent": "75",
                                             "enabled": "1"}, "manager1"),
    ("/admin/timers/1/retry", {}, "owner1"),
])
def test_every_change_is_refused_to_other_roles_and_to_anonymous_visitors(as_user, client, users, path, data,
                                                                          refused):
    anonymous = client.post(path, data=data)
    assert anonymous.status_code in (302, 400)  # the login page, or the missing CSRF token first
    assert as_user(refused).post(path, data).status_code == 403
    assert calendar.exceptions_in(2026) == [] and sla.rule("service_request_response").amount == 1
    assert system_events("calendar_year_confirmed") == [] and system_events("calendar_hours_set") == []


def test_a_change_without_the_csrf_token_is_refused(as_user):
    admin = as_user("admin")
    response = admin.client.post("/admin/calendar/exceptions", data={"day": "2026-03-03", "kind": "off"})
    assert response.status_code == 400
    assert calendar.exceptions_in(2026) == []


# ---------------------------------------------------------------- the business calendar
def test_admin_adds_an_extra_day_off_and_one_working_day_moves_past_it(as_user):
    admin = as_user("admin")
    assert calendar.current().add_working_days(MONDAY, 1).date() == dt.date(2026, 3, 3)
    response = admin.post("/admin/calendar/exceptions", {"day": "2026-03-03", "kind": "off", "note": "厂庆放假",
                                                         "year": "2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar?year=2026")
    page = page_text(admin.get("/admin/calendar?year=2026"))
    assert "已把 2026-03-03 设为休息日。" in page and 'data-day="2026-03-03"' in page and "厂庆放假" in page
    db.session.expire_all()
    assert calendar.current().add_working_days(MONDAY, 1).date() == dt.date(2026, 3, 4)
    [event] = system_events("calendar_exception_set")
    assert event.actor == "admin" and event.data == {"day": "2026-03-03", "working": False, "note": "厂庆放假"}

    admin.post("/admin/calendar/exceptions", {"day": "2026-03-07", "kind": "work", "year": "2026"})  # a Saturday
    db.session.expire_all()
    assert calendar.current().is_working_day(dt.date(2026, 3, 7))

    response = admin.post("/admin/calendar/exceptions/2026-03-03/delete", {"year": "2026"})
    assert "已删除 2026-03-03 的例外。" in page_text(admin.get(response.headers["Location"]))
    db.session.expire_all()
    assert [row.day for row in calendar.exceptions_in(2026)] == [dt.date(2026, 3, 7)]
    assert [e.data["day"] for e in system_events("calendar_exception_removed")] == ["2026-03-03"]
    assert audit.verify_all().ok


def test_calendar_form_errors_are_shown_next_to_the_fields_and_nothing_is_stored(as_user):
    admin = as_user("admin")
    response = admin.post("/admin/calendar/exceptions", {"day": "", "kind": "", "year": "2026"})
    page = page_text(response)
    assert response.status_code == 422
    assert "请填写日期。" in page and "请选择：休息日或工作日。" in page
    response = admin.post("/admin/calendar/exceptions", {"day": "2026-02-30", "kind": "off", "note": "x"})
    assert response.status_code == 422 and "“2026-02-30”不是日期，请按 年-月-日 填写。" in page_text(response)
    assert 'value="x"' in page_text(response)  # what was typed stays in the form
    response = admin.post("/admin/calendar/hours", {"start": "18:00", "end": "09:00"})
    assert response.status_code == 422 and "下班时间必须晚于上班时间。" in page_text(response)
    response = admin.post("/admin/calendar/years", {"year": "1999"})
    assert response.status_code == 422 and "1999 不是有效的年份（2000–2200）。" in page_text(response)
    response = admin.post("/admin/calendar/years", {"year": "next"})
    assert response.status_code == 422 and "请填写四位数的年份。" in page_text(response)
    assert calendar.exceptions_in(2026) == [] and system_events("calendar_exception_set") == []

    admin.get("/admin/calendar?lang=en")
    response = admin.post("/admin/calendar/exceptions", {"day": "2026-02-30", "kind": "work"})
    assert "“2026-02-30” is not a date; use year-month-day." in page_text(response)
    response = admin.post("/admin/calendar/exceptions", {"day": "2026-03-03", "kind": "weekend"})
    assert "Choose: day off or working day." in page_text(response)


def test_a_year_the_calendar_does_not_know_is_flagged_until_an_admin_confirms_it(as_user):
    admin = as_user("admin")
    cal = calendar.current()
    unknown = cal.official_until + 1
    page = page_text(admin.get(f"/admin/calendar?year={unknown}"))
    assert 'data-state="unknown"' in page
    response = admin.post("/admin/calendar/years", {"year": str(unknown), "note": "按国务院办公厅通知录入"})
    assert response.status_code == 302
    page = page_text(admin.get(response.headers["Location"]))
    assert 'data-state="confirmed"' in page and f"{unknown} 年的日历已确认。" in page
    db.session.expire_all()
    assert calendar.current().knows(unknown)
    assert [e.data for e in system_events("calendar_year_confirmed")] == [{"year": unknown,
                                                                           "note": "按国务院办公厅通知录入"}]
    assert 'data-state="official"' in page_text(admin.get(f"/admin/calendar?year={cal.official_until}"))


def test_admin_sets_the_working_hours(as_user):
    admin = as_user("admin")
    response = admin.post("/admin/calendar/hours", {"start": "09:00", "end": "18:00", "year": "2026"})
    assert "工作时间已改为 09:00–18:00。" in page_text(admin.get(response.headers["Location"]))
    db.session.expire_all()
    cal = calendar.current()
    assert (cal.start, cal.end) == (dt.time(9), dt.time(18))
    assert system_events("calendar_hours_set")[0].actor == "admin"


# ---------------------------------------------------------------- SLA settings
def test_owner_changes_an_sla_and_only_the_changed_fields_are_audited(as_user):
    owner = as_user("owner1")
    page = page_text(owner.get("/admin/sla"))
    assert 'data-rule="service_request_response"' in page and "服务申请首次响应" in page
    response = owner.post("/admin/sla/service_request_response",
                          {"amount": "2", "unit": "working_days", "warn_percent": "75", "enabled": "1"})
    assert response.status_code == 302
    assert "已保存“服务申请首次响应”。" in page_text(owner.get("/admin/sla"))
    db.session.expire_all()
    rule = sla.rule("service_request_response")
    assert (rule.amount, rule.unit, rule.enabled) == (Decimal(2), "working_days", True)
    [event] = system_events("sla_setting_changed")
    assert event.actor == "owner1" and event.data == {"rule": "service_request_response", "changes": {"amount": "2"}}

    owner.post("/admin/sla/tech_question_answer", {"amount": "4", "unit": "hours", "warn_percent": "50"})  # unticked
    db.session.expire_all()
    rule = sla.rule("tech_question_answer")
    assert (rule.amount, rule.unit, rule.warn_percent, rule.enabled) == (Decimal(4), "hours", 50, False)
    assert 'data-enabled="false"' in page_text(owner.get("/admin/sla"))

    owner.post("/admin/sla/tech_question_answer", {"amount": "4", "unit": "hours", "warn_percent": "50"})
    assert "“技术问题书面答复”没有修改。" in page_text(owner.get("/admin/sla"))
    assert len(system_events("sla_setting_changed")) == 2


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"amount": "abc", "unit": "hours", "warn_percent": "75"}, "amount", "“abc”不是数字。"),
    ({"amount": "0", "unit": "hours", "warn_percent": "75"}, "amount", "时限必须大于零。"),
    ({"amount": "1.5", "unit": "working_days", "warn_percent": "75"}, "amount", "工作日必须是整数。"),
    ({"amount": "", "unit": "hours", "warn_percent": "75"}, "amount", "请填写时限。"),
    ({"amount": "2", "unit": "weeks", "warn_percent": "75"}, "unit", "请选择时间单位。"),
    ({"amount": "2", "unit": "hours", "warn_percent": "0"}, "warn_percent", "预警比例须在 1 到 99 之间。"),
    ({"amount": "2", "unit": "hours", "warn_percent": "most"}, "warn_percent", "预警比例须在 1 到 99 之间。"),
])
def test_sla_form_errors_name_the_field_and_change_nothing(as_user, form, field, message):
    owner = as_user("owner1")
    response = owner.post("/admin/sla/service_request_response", {**form, "enabled": "1"})
    page = page_text(response)
    assert response.status_code == 422 and message in page
    assert 'details class="sla-edit" open' in page  # the rule being edited stays open with the errors
    db.session.expire_all()
    assert sla.rule("service_request_response").amount == 1 and system_events("sla_setting_changed") == []


def test_sla_messages_in_english_and_an_unknown_rule(as_user):
    owner = as_user("owner1")
    owner.get("/admin/sla?lang=en")
    response = owner.post("/admin/sla/service_request_response", {"amount": "1.5", "unit": "working_days",
                                                                  "warn_percent": "75"})
    assert "Working days must be a whole number." in page_text(response)
    assert owner.post("/admin/sla/no_such_rule", {"amount": "1", "unit": "hours", "warn_percent": "75"}
                      ).status_code == 404


# ---------------------------------------------------------------- failed timers and incidents
@pytest.fixture
def failed_timer(deploy, users, clock):
    """A t_approval case whose timer of a kind nobody handles failed on its only try."""
    deploy("t_approval")
    case = commands.start_instance(process_id="t_approval", data={"customer_name": "华西机械"}, actor=users["sales1"])
    with commands.transaction():
        row = Timer(instance_id=case.id, task_id="t-1", element_id="review", kind="nobody_handles",
                    due_at=utc_naive(clock.now()), status="pending", created_at=utc_naive(clock.now()))
        db.session.add(row)
    clock.advance(seconds=1)
    assert timers.fire_due(retry=timers.RetryPolicy(max_attempts=1)).failed == 1
    return case, row.id


def test_failed_timers_are_listed_as_incidents_with_their_case_and_error_and_can_be_retried(as_user, failed_timer):
    case, timer_id = failed_timer
    manager = as_user("manager1")
    page = page_text(manager.get("/admin/timers"))
    assert f'data-timer="{timer_id}"' in page and 'data-kind="timer"' in page and case.case_number in page
    assert f'href="/cases/{case.id}"' in page and "no handler is registered for timers of kind" in page
    [incident] = incidents.open_of(case.id)

    response = manager.post(f"/operations/incidents/{incident.id}/retry", {"reason": "已注册处理程序",
                                                                           "next": "/admin/timers"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/timers"
    page = page_text(manager.get("/admin/timers"))
    assert "故障已处理：已重试。" in page and "没有待处理的故障。" in page
    db.session.expire_all()
    row, instance = db.session.get(Timer, timer_id), db.session.get(Instance, case.id)
    assert (row.status, row.attempts) == ("pending", 0) and instance.error is None and instance.status == "running"
    [retried] = [e for e in audit.events_of(case.id) if e.type == "timer_retried"]
    assert retried.actor == "manager1" and retried.data["reason"] == "已注册处理程序"

    response = manager.post(f"/operations/incidents/{incident.id}/retry", {"reason": "x"})  # already handled
    assert "这个故障已经处理过了。" in page_text(manager.get(response.headers["Location"]))


def test_the_timer_retry_of_the_command_line_still_ends_the_incident(as_user, failed_timer):
    case, timer_id = failed_timer
    manager = as_user("manager1")
    response = manager.post(f"/admin/timers/{timer_id}/retry")
    assert response.status_code == 302
    assert f"案件 {case.case_number} 的故障已清除" in page_text(manager.get("/admin/timers"))
    assert incidents.open_of(case.id) == []
    response = manager.post(f"/admin/timers/{timer_id}/retry")  # already queued again
    assert "该定时器已不是失败状态" in page_text(manager.get(response.headers["Location"]))
    response = manager.post("/admin/timers/999999/retry")
    assert "找不到该定时器。" in page_text(manager.get(response.headers["Location"]))


def test_settings_overview_shows_the_failed_timers_and_the_header_links_follow_the_roles(as_user, failed_timer):
    page = page_text(as_user("admin").get("/admin/"))
    assert "1 个待处理的故障" in page
    assert 'data-testid="settings-calendar"' in page and 'data-testid="settings-timers"' in page
    assert 'data-nav="admin"' in page and 'data-nav="models"' in page
    owner = page_text(as_user("owner1").get("/admin/"))
    assert 'data-testid="settings-sla"' in owner and "settings-calendar" not in owner and "settings-timers" not in owner
    desk = page_text(as_user("desk1").get("/inbox"))
    assert 'data-nav="admin"' not in desk and 'data-nav="models"' not in desk
    manager = page_text(as_user("manager1").get("/inbox"))
    assert 'data-nav="admin"' in manager and 'data-nav="models"' not in manager
