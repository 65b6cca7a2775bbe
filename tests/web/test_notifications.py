"""Notifications: the unread count in the header, the list, opening one, marking all read — fed by
the real outbox (an SLA warning fired by the timer service), and SLA status on the case page."""
from __future__ import annotations

import datetime as dt
import re

from engine import commands, queries
from engine.commands import transaction
from engine.timers import firing as timers
from engine.timers import outbox
from workflows.collaboration import preferences

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def unread(html: str) -> int:
    match = re.search(r'data-testid="unread-count">(\d+)<', html)
    return int(match.group(1)) if match else 0


def fault_report(actors):
    return commands.start_instance(process_id="fault_handling", data={
        "equipment_serial": "EQ-SW-001", "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious"}, actor=actors["sales1"])


def test_an_sla_warning_reaches_the_desk_as_an_unread_notification(as_user, flows, actors, clock):
    with transaction():  # the desk looks at its queue itself: only the SLA warning notifies
        preferences.set_queue_mode(username="desk1", mode="none", now=clock.now())
    case = fault_report(actors)  # Monday 09:00: first response due Tuesday 09:00, warning Monday 15:45
    desk = as_user("desk1")
    assert unread(desk.get("/inbox").get_data(as_text=True)) == 0
    clock.set(dt.datetime(2026, 3, 2, 15, 46, tzinfo=SHANGHAI))
    assert timers.fire_due().fired == 1
    html = desk.get("/inbox?tab=role").get_data(as_text=True)
    assert unread(html) == 1 and "1 未读通知" in html
    # amber in the inbox from the SLA's warning time (75 % of the working time), not the wall clock's
    [analysis] = queries.tasks_of(case.id, "ready")
    assert re.search(rf'<tr class="task-row due-warn" data-task-id="{analysis.id}"', html)
    listing = desk.get("/notifications/").get_data(as_text=True)
    assert f"{case.case_number}：服务申请首次响应即将到期" in listing and 'class="unread"' in listing
    english = desk.get("/notifications/?lang=en").get_data(as_text=True)
    assert f"{case.case_number}: First response to a service request due soon" in english
    [note] = outbox.list_for("desk1").items
    opened = desk.get(f"/notifications/{note.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/cases/{case.id}"
    assert outbox.unread_count("desk1") == 0
    assert unread(desk.get("/inbox").get_data(as_text=True)) == 0
    assert 'class="unread"' not in desk.get("/notifications/?unread=1").get_data(as_text=True)


def test_the_case_page_shows_its_slas(as_user, flows, actors, clock):
    case = fault_report(actors)
    desk = as_user("desk1")
    html = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    sla = re.search(r'data-sla="service_request_response">(.*?)</li>', html, re.S).group(1)
    assert "服务申请首次响应" in sla and 'data-state="ok"' in sla and "2026-03-03 09:00" in sla
    clock.set(dt.datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI))
    html = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-state="warn"' in re.search(r'data-sla="service_request_response">(.*?)</li>', html, re.S).group(1)
    [analysis] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=analysis.id, data={"preliminary_judgement": "轴承", "handling_plan": "更换"},
                           actor=actors["desk1"])
    html = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    sla = re.search(r'data-sla="service_request_response">(.*?)</li>', html, re.S).group(1)
    assert 'data-state="met"' in sla and "按时完成" in sla
    assert "时限开始计时" in html  # in the timeline (all events)


def test_people_see_only_their_own_notifications(as_user, users):
    with transaction():
        mine = outbox.notify("desk1", "note", {"title": {"zh": "给 desk1", "en": "For desk1"}, "link": "/cases/"})
        theirs = outbox.notify("desk2", "note", {"title": {"zh": "给 desk2", "en": "For desk2"},
                                                 "link": "https://evil.example/"})
    desk = as_user("desk1")
    listing = desk.get("/notifications/").get_data(as_text=True)
    assert "给 desk1" in listing and "给 desk2" not in listing
    assert desk.get(f"/notifications/{theirs.id}").status_code == 404
    assert outbox.unread_count("desk2") == 1
    other = as_user("desk2")
    assert other.get(f"/notifications/{theirs.id}").headers["Location"] == "/notifications/"  # never off-site
    assert desk.get(f"/notifications/{mine.id}").headers["Location"] == "/cases/"


def test_mark_all_read(as_user, users):
    with transaction():
        for number in range(3):
            outbox.notify("eng1", "note", {"title": {"zh": f"第{number}条", "en": f"No. {number}"}})
    eng = as_user("eng1")
    assert unread(eng.get("/notifications/").get_data(as_text=True)) == 3
    response = eng.post("/notifications/read")
    assert response.headers["Location"] == "/notifications/"
    html = eng.get("/notifications/").get_data(as_text=True)
    assert unread(html) == 0 and "已全部标为已读。" in html and html.count('data-notification="') == 3
    assert "没有通知" in eng.get("/notifications/?unread=1").get_data(as_text=True)
