"""Start pages (each the start form of its flow) and the case page: diagram source and marks,
timeline, submitted forms, deadlines, documents; who may read a case."""
from __future__ import annotations

import html as htmllib
import io
import json
import re

from engine import commands, loader, queries
from engine.commands import transaction
from tests.conftest import TEST_BPMN
from tests.web.conftest import PNG


def test_the_start_list_offers_the_flows_my_roles_may_start(as_user, deploy):
    deploy("t_approval")
    deploy("t_forms")
    sales = as_user("sales1").get("/start/").get_data(as_text=True)
    assert 'data-process="t_approval"' in sales and 'data-process="t_forms"' in sales
    desk = as_user("desk1").get("/start/").get_data(as_text=True)
    assert "data-process=" not in desk and "你的角色没有可以发起的流程" in desk
    assert as_user("desk1").get("/start/t_approval").status_code == 403


def test_starting_a_case_validates_inline_then_opens_the_case(as_user, deploy):
    deploy("t_forms")
    sales = as_user("sales1")
    form = sales.get("/start/t_forms").get_data(as_text=True)
    assert "故障登记" in form and 'name="symptom"' in form and 'type="file"' in form
    bad = sales.post("/start/t_forms", {"customer_name": "成都华西机械", "action": "start"})
    assert bad.status_code == 422 and "此项为必填项。" in bad.get_data(as_text=True)
    assert 'value="成都华西机械"' in bad.get_data(as_text=True)
    assert queries.paginate(queries.instance_query(), 1, 10).total == 0
    response = sales.post("/start/t_forms", {"customer_name": "成都华西机械", "region": "四川", "symptom": "漏油",
                                             "photos": (io.BytesIO(PNG), "漏油.png"), "action": "start"},
                          content_type="multipart/form-data")
    [instance] = queries.paginate(queries.instance_query(), 1, 10).items
    assert response.headers["Location"] == f"/cases/{instance.id}"  # the next step is the engineers'
    page = sales.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已创建案件 {instance.case_number}。" in page and "漏油.png" in page and "成都华西机械" in page
    assert instance.data["photos"] and instance.region == "四川"


def marks_of(html: str) -> dict:
    return json.loads(htmllib.unescape(re.search(r'data-marks="([^"]*)"', html).group(1)))


def test_the_case_page_shows_progress_forms_deadlines_and_documents(as_user, forms_case, users, clock):
    instance, report = forms_case
    eng = as_user("eng1")
    eng.post(f"/tasks/{report.id}", {"summary": "更换轴承", "hours": "2", "fixed": "true",
                                     "causes": ["production"],
                                     "photos": (io.BytesIO(PNG), "现场.png"), "parts-0-part_code": "BRG-6205",
                                     "parts-0-quantity": "2", "action": "complete"}, content_type="multipart/form-data")
    html = as_user("desk1").get(f"/cases/{instance.id}").get_data(as_text=True)
    marks = marks_of(html)
    assert "report" in marks["completed"] and marks["active"] == ["confirm"] and "lookup" in marks["completed"]
    assert f'data-xml-url="/cases/{instance.id}/diagram.bpmn"' in html
    # submitted forms with labels and readable values
    assert "故障处理报告" in html and "处理结论" in html and "更换轴承" in html and "生产" in html
    assert "BRG-6205" in html and "零件编号" in html
    # timeline, deadlines and documents
    for text in ("创建案件", "完成任务", "任务待办", "客户确认"):
        assert text in html
    assert re.search(r'data-testid="deadlines">.*?按时完成', html, re.S)
    assert "现场.png" in html and "故障处理报告 ·" in html
    assert 'data-status="running"' in html


def test_the_diagram_is_the_version_the_case_is_pinned_to(as_user, approval_case):
    instance, _ = approval_case
    files = loader.read_folder_bundle([TEST_BPMN / "t_approval.bpmn"])
    renamed = files["t_approval.bpmn"].replace(b'name="Tell the customer"', b'name="Call the customer"')
    files["t_approval.bpmn"] = renamed
    with transaction():
        [result] = loader.deploy(files, actor="owner1")
    assert result.version == 2
    xml = as_user("desk1").get(f"/cases/{instance.id}/diagram.bpmn").get_data(as_text=True)
    assert "Tell the customer" in xml and "Call the customer" not in xml
    assert "版本 1" in as_user("desk1").get(f"/cases/{instance.id}").get_data(as_text=True)


def test_people_with_no_part_in_a_case_cannot_read_it(as_user, approval_case):
    instance, _ = approval_case
    prod = as_user("prod1")
    assert prod.get(f"/cases/{instance.id}").status_code == 403
    assert prod.get(f"/cases/{instance.id}/diagram.bpmn").status_code == 403
    assert instance.case_number not in prod.get("/cases/").get_data(as_text=True)
    assert instance.case_number in as_user("sales1").get("/cases/").get_data(as_text=True)  # started it
    assert as_user("desk1").get("/cases/999").status_code == 404


def test_a_finished_case_shows_completed(as_user, approval_case, users):
    instance, review = approval_case
    commands.complete_task(task_id=review.id, data={"approved": False}, actor=users["desk1"])
    html = as_user("sales1").get(f"/cases/{instance.id}").get_data(as_text=True)
    assert 'data-status="completed"' in html and "案件完成" in html
    assert "end_rejected" in marks_of(html)["completed"]
    listed = as_user("sales1").get("/cases/?status=completed").get_data(as_text=True)
    assert instance.case_number in listed
