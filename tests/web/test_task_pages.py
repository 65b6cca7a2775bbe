"""The task page: every field type rendered from the definition, inline errors, drafts, files,
repeatable rows, completing and landing on the next task of the case."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa

from engine import queries
from engine.audit import chain as audit
from engine.clock import now
from engine.commands import transaction
from engine.db import db
from engine.identity import create_user
from engine.models import User
from tests.web.conftest import PNG, Browser, fresh_instance, fresh_task
from workflows.records.tables import Engineer

REPORT_OK = {"summary": "更换主轴轴承", "hours": "3", "fixed": "true", "satisfaction": "4",
             "parts-0-part_code": "BRG-6205", "parts-0-quantity": "2", "parts-0-unit_price": "85.50",
             "attendees-0-name": "李工", "attendees-0-phone": "13800000000", "action": "complete"}


def field_block(html: str, key: str) -> str:
    """The HTML of one field (its wrapper carries data-field="<key>")."""
    start = html.index(f'data-field="{key}"')
    return html[start:html.index('<div class="field', start + 10) if '<div class="field' in html[start + 10:]
                else len(html)]


def test_the_form_renders_every_field_type_with_required_marks(as_user, forms_case):
    _, report = forms_case
    html = as_user("eng1").get(f"/tasks/{report.id}").get_data(as_text=True)
    assert "故障处理报告" in html
    assert 'name="summary"' in html and 'maxlength="80"' in html
    assert re.search(r'<textarea id="f-details" name="details"', html) and "按时间顺序填写" in html
    assert 'name="hours"' in html and 'inputmode="numeric"' in html
    assert 'name="cost"' in html and 'inputmode="decimal"' in html
    assert 'type="radio" name="fixed" value="true"' in html and 'type="radio" name="fixed" value="false"' in html
    assert 'name="visit_date" type="date"' in html
    assert 'name="finished_at" type="datetime-local"' in html
    assert '<select id="f-satisfaction" name="satisfaction"' in html and ">很满意</option>" in html
    assert 'type="checkbox" name="causes" value="misuse"' in html
    assert 'type="file" id="f-photos" name="photos"' in html and "multiple" in field_block(html, "photos")
    assert 'name="parts-0-part_code"' in html and 'name="parts-__i__-quantity"' in html  # row + JS template
    assert 'name="attendees-0-name"' in html
    # the readonly field shows the case's value and offers no input to post
    assert 'value="保修期内"' in html and "readonly" in field_block(html, "warranty")
    assert field_block(html, "summary").count('class="req"') == 1
    assert field_block(html, "details").count('class="req"') == 0
    # the case summary beside the form
    assert "昆明精工机械" in html and "主轴异响" in html and "云南" in html


def test_server_validation_errors_show_inline_and_keep_what_was_typed(as_user, forms_case):
    _, report = forms_case
    eng = as_user("eng1")
    response = eng.post(f"/tasks/{report.id}", {"summary": "只写了结论", "hours": "-1", "cost": "12.345",
                                                "parts-0-part_code": "BRG-6205", "parts-0-quantity": "0",
                                                "action": "complete"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请检查标出的字段。" in html
    assert "此项为必填项。" in field_block(html, "fixed")
    assert "不能小于 0。" in field_block(html, "hours")
    assert "最多 2 位小数。" in field_block(html, "cost")
    assert "不能小于 1。" in field_block(html, "parts.0.quantity")
    assert 'value="只写了结论"' in html and 'value="BRG-6205"' in html
    assert fresh_task(report.id).status == "ready"


def test_errors_are_in_english_on_english_pages(as_user, forms_case):
    _, report = forms_case
    eng = as_user("eng1")
    eng.get("/inbox?lang=en")
    html = eng.post(f"/tasks/{report.id}", {"summary": "x", "hours": "1", "action": "complete"}).get_data(as_text=True)
    assert "This field is required." in field_block(html, "fixed")
    assert "Please check the marked fields." in html


def test_save_draft_keeps_unvalidated_input_for_later(as_user, forms_case):
    _, report = forms_case
    eng = as_user("eng1")
    response = eng.post(f"/tasks/{report.id}", {"summary": "未完", "hours": "abc", "causes": ["design", "misuse"],
                                                "satisfaction": "2", "action": "draft"})
    assert response.status_code == 302
    assert fresh_task(report.id).draft == {"summary": "未完", "hours": "abc", "causes": ["design", "misuse"],
                                             "satisfaction": 2, "parts": [], "attendees": [], "photos": []}
    html = eng.get(f"/tasks/{report.id}").get_data(as_text=True)
    assert "已填入草稿，可以修改后提交。" in html and 'value="未完"' in html
    assert re.search(r'value="design"\s+checked', html) and re.search(r'value="2" selected', html)


def test_complete_lands_on_the_next_task_of_the_case_when_it_is_mine(as_user, forms_case):
    instance, report = forms_case
    eng = as_user("eng1")
    response = eng.post(f"/tasks/{report.id}", {**REPORT_OK, "parts-1-part_code": "", "parts-1-quantity": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    [confirm] = queries.tasks_of(instance.id, "ready")
    assert response.headers["Location"] == f"/tasks/{confirm.id}"
    done = fresh_task(report.id)
    assert done.status == "completed" and done.completed_by == "eng1"
    assert done.data["parts"] == [{"part_code": "BRG-6205", "quantity": 2, "unit_price": "85.50"}]  # blank row dropped
    assert done.data["satisfaction"] == 4 and done.data["fixed"] is True
    page = eng.get(response.headers["Location"]).get_data(as_text=True)
    assert "任务已完成，下面是这个案件的下一步。" in page and "客户确认" in page
    assert "故障处理报告" in page and "eng1" in page  # the earlier step, with who did it
    finished = eng.post(f"/tasks/{confirm.id}", {"confirmed_by": "王主任", "action": "complete"})
    assert finished.headers["Location"] == "/inbox"
    assert fresh_instance(instance.id).status == "completed"


def test_add_row_without_javascript_redisplays_the_form_with_one_more_row(as_user, forms_case):
    _, report = forms_case
    html = as_user("eng1").post(f"/tasks/{report.id}", {"summary": "s", "parts-0-part_code": "A1",
                                                         "action": "add_row:parts"}).get_data(as_text=True)
    assert 'name="parts-1-part_code"' in html and 'value="A1"' in html and 'value="s"' in html
    assert fresh_task(report.id).status == "ready"


def test_a_photo_uploaded_with_the_form_is_kept_linked_and_downloadable(as_user, forms_case):
    instance, report = forms_case
    eng = as_user("eng1")
    data = {**REPORT_OK, "photos": (io.BytesIO(PNG), "主轴.png", "image/png")}
    response = eng.post(f"/tasks/{report.id}", data, content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment_id] = fresh_task(report.id).data["photos"]
    case_html = as_user("desk1").get(f"/cases/{instance.id}").get_data(as_text=True)
    assert "主轴.png" in case_html and f"/files/{attachment_id}" in case_html
    download = as_user("manager1").get(f"/files/{attachment_id}?download=1")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert as_user("prod1").get(f"/files/{attachment_id}").status_code == 403  # no part in the case


def test_a_file_that_is_not_an_image_or_pdf_is_refused_inline(as_user, forms_case):
    _, report = forms_case
    eng = as_user("eng1")
    data = {**REPORT_OK, "photos": (io.BytesIO(b"MZ\x90\x00 not a photo"), "photo.jpg", "image/jpeg")}
    response = eng.post(f"/tasks/{report.id}", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "只能上传图片（JPEG、PNG、GIF、WebP）或 PDF 文件。" in field_block(response.get_data(as_text=True), "photos")
    assert fresh_task(report.id).status == "ready"


def test_a_file_over_the_size_limit_is_refused(app, as_user, forms_case):
    _, report = forms_case
    eng = as_user("eng1")
    limit = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 0.001  # about 1 KB
    try:
        big = PNG + b"\x00" * 2000
        response = eng.post(f"/tasks/{report.id}", {**REPORT_OK, "photos": (io.BytesIO(big), "big.png")},
                            content_type="multipart/form-data")
    finally:
        app.config["MAX_UPLOAD_MB"] = limit
    assert response.status_code == 422
    assert "文件超过" in field_block(response.get_data(as_text=True), "photos")


def test_a_wrong_role_cannot_open_or_submit_another_roles_task(as_user, forms_case):
    _, report = forms_case
    sales = as_user("sales1")
    page = sales.get(f"/tasks/{report.id}")
    assert page.status_code == 403 and "此任务需要“服务工程师”角色。" in page.get_data(as_text=True)
    assert sales.post(f"/tasks/{report.id}", {**REPORT_OK}).status_code == 403
    assert "昆明精工机械" not in sales.get("/inbox?tab=role").get_data(as_text=True)
    assert fresh_task(report.id).status == "ready"


def test_someone_elses_claimed_task_is_read_only(as_user, forms_case, users):
    _, report = forms_case
    as_user("eng1").post(f"/tasks/{report.id}/claim")
    assert fresh_task(report.id).assignee == "eng1"
    with transaction():
        create_user("eng2", "pw-eng2", ["engineer"])
        for username in ("eng1", "eng2"):  # one region team: eng2 reads the cases assigned to eng1
            user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
            when = now().replace(tzinfo=None)
            db.session.add(Engineer(user_id=user.id, region_team="north", skills=[], created_at=when, updated_at=when))
    html = as_user("eng2").get(f"/tasks/{report.id}").get_data(as_text=True)
    assert "此任务由 eng1 处理，你只能查看。" in html
    assert 'value="complete"' not in html and "disabled" in field_block(html, "fixed")


def test_complete_without_a_csrf_token_is_refused(client, users, forms_case):
    _, report = forms_case
    b = Browser(client)
    b.login("eng1")
    b.token = "forged"
    response = b.post(f"/tasks/{report.id}", REPORT_OK)
    assert response.status_code == 400
    assert fresh_task(report.id).status == "ready"
    assert [e.type for e in audit.events_of(report.instance_id)].count("task_completed") == 0
