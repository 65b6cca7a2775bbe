"""The documents of a finished installation and of a finished quality-fault case: listed by the
API, each a PDF in the company layout whose text holds the case's Chinese values and the captured
signatures; a printable page for each; the case's read rules."""
from __future__ import annotations

import pytest

from engine import commands
from tests.web.documents_journey import (
    at_the_receipt,
    drawn_signature,
    finished_fault,
    finished_installation,
    pdf_images,
    pdf_text,
)
from tests.workflows.flowkit import complete, office_of

INSTALLATION_DOCUMENTS = {"request": "售后服务申请表", "service_log": "售后服务备忘录（日志）",
                          "goods_count": "设备到货清点报告", "commissioning": "设备安装调试资料数据采集清单",
                          "training": "设备培训人员签到表", "acceptance": "设备安装验收单",
                          "summary_report": "项目售后服务总结报告"}
FAULT_DOCUMENTS = {"request": "售后服务申请表", "service_log": "售后服务备忘录（日志）",
                   "service_report": "质量故障处理服务报告", "compensation": "售后服务零部件赔偿单"}
# key -> Chinese values of the case the document must carry
INSTALLATION_VALUES = {
    "request": ["成都蓉城机械有限公司", "HT-2026-018", "HX-200 压滤机", "厂房二号车间"],
    "service_log": ["核对发货清单和装箱单", "两台设备安装调试完成，性能考核合格"],
    "goods_count": ["压滤机", "王工", "crate-photo.jpg"],
    "commissioning": ["过滤压力", "MPa"],
    "training": ["操作与日常维护", "李操作", "赵维修", "签名有效"],
    "acceptance": ["处理量", "21 m³/h", "王厂长", "签名有效"],
    "summary_report": ["两台设备安装调试完成，性能考核合格"],
}
FAULT_VALUES = {
    "request": ["成都蓉城机械有限公司", "主轴异响，温升高", "严重"],
    "service_log": ["故障原因分析及处理方案", "主轴承损坏"],
    "service_report": ["轴承滚道剥落", "更换主轴承和油封", "外购轴承质量问题", "王工", "签名有效"],
    "compensation": ["PLC 控制器", "外购件质量问题", "同意"],
}


def _check_pdfs(api, case, expected_titles, expected_values):
    listed = api("manager1").get(f"/process-instances/{case.id}/documents")
    assert listed.status_code == 200
    items = {item["key"]: item for item in listed.get_json()["items"]}
    assert {k: v["title"] for k, v in items.items()} == expected_titles
    for key, values in expected_values.items():
        response = api("manager1").get(f"/process-instances/{case.id}/documents/{key}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", key
        text = pdf_text(response.data)
        assert case.case_number in text and expected_titles[key] in text, key
        missing = [v for v in values if v not in text]
        assert not missing, (key, missing, text[:2000])
    return items


def test_a_finished_installation_prints_every_document_with_its_signatures(api, flows, actors):
    case = finished_installation(flows, actors)
    items = _check_pdfs(api, case, INSTALLATION_DOCUMENTS, INSTALLATION_VALUES)
    assert items["training"]["signed"] and items["acceptance"]["signed"] and not items["goods_count"]["signed"]
    assert items["request"]["task_id"] is None and items["training"]["task_id"]
    training = api("manager1").get(f"/process-instances/{case.id}/documents/training.pdf").data
    assert pdf_images(training) == 2  # one drawn signature per trainee
    goods = api("manager1").get(f"/process-instances/{case.id}/documents/goods_count.pdf").data
    assert "客户签字" in pdf_text(goods)  # an unsigned document leaves a line for the signature
    assert pdf_images(goods) == 1  # the photo of the crates


def test_a_finished_fault_case_prints_every_document_with_the_customers_signature(api, flows, actors):
    case = finished_fault(flows, actors)
    items = _check_pdfs(api, case, FAULT_DOCUMENTS, FAULT_VALUES)
    assert items["service_report"]["signed"] and not items["request"]["signed"]
    report = api("manager1").get(f"/process-instances/{case.id}/documents/service_report.pdf").data
    assert pdf_images(report) >= 1  # the customer's signature (the test's site photo is not a real image)


def test_the_claims_office_work_prints_its_cost_and_responsibility_sheet(api, flows, actors):
    office = office_of(finished_fault(flows, actors))
    listed = api("qualityvp1").get(f"/process-instances/{office.id}/documents").get_json()["items"]
    assert [(item["key"], item["title"]) for item in listed] == [("office_work", "赔偿成本核算与责任认定单")]
    text = pdf_text(api("manager1").get(f"/process-instances/{office.id}/documents/office_work.pdf").data)
    assert office.data["claim_case"] in text and "外购轴承质量问题" in text and "45.50" in text  # finding, freight


def test_the_documents_page_lists_them_and_each_prints(as_user, flows, actors):
    case = finished_installation(flows, actors)
    browser = as_user("manager1")
    page = browser.get(f"/cases/{case.id}/documents").get_data(as_text=True)
    for title in INSTALLATION_DOCUMENTS.values():
        assert title in page
    printable = browser.get(f"/cases/{case.id}/documents/acceptance")
    html = printable.get_data(as_text=True)
    assert printable.status_code == 200 and "王厂长" in html and "签名有效" in html and case.case_number in html
    assert browser.get(f"/cases/{case.id}/documents/acceptance.pdf").mimetype == "application/pdf"
    assert browser.get(f"/cases/{case.id}/documents/nothing").status_code == 404


@pytest.mark.parametrize("path", ["/documents", "/documents/request.pdf"])
def test_who_may_not_read_the_case_may_not_read_its_documents(api, flows, actors, path):
    case = finished_installation(flows, actors)
    assert api("eng_n1").get(f"/process-instances/{case.id}{path}").status_code == 403
    assert api("manager1").get(f"/process-instances/999999{path}").status_code == 404
    assert api("manager1").get(f"/process-instances/{case.id}/documents/nothing.pdf").status_code == 404


def test_a_value_corrected_after_signing_shows_on_the_document_as_no_longer_matching(api, as_user, flows, actors):
    case = at_the_receipt(flows, actors)
    complete(case, "performance_test", actors["eng_sw1"], passed=True, customer_signatory="王厂长",
             customer_signature=drawn_signature("王厂长", "eng_sw1"))
    [acceptance] = [i for i in api("manager1").get(f"/process-instances/{case.id}/documents").get_json()["items"]
                    if i["key"] == "acceptance"]
    assert acceptance["signed"]
    corrected = api("manager1").post(f"/process-instances/{case.id}/correct", json={
        "task_id": acceptance["task_id"], "field": "problems", "value": "二号机振动偏大", "reason": "漏记了问题"})
    assert corrected.status_code == 200, corrected.get_json()
    [acceptance] = [i for i in api("manager1").get(f"/process-instances/{case.id}/documents").get_json()["items"]
                    if i["key"] == "acceptance"]
    assert not acceptance["signed"]
    text = pdf_text(api("manager1").get(f"/process-instances/{case.id}/documents/acceptance.pdf").data)
    assert "签名与内容不符" in text and "二号机振动偏大" in text and "王厂长" in text
    page = as_user("manager1").get(f"/cases/{case.id}/documents").get_data(as_text=True)
    assert 'data-signing="mismatch"' in page and "签名与内容不符" in page


def test_the_api_describes_a_signature_field_with_its_signer(api, flows, actors):
    case = at_the_receipt(flows, actors)
    receipt = [t for t in api("eng_sw1").get("/tasks").get_json()["items"] if t["instance_id"] == case.id][0]
    form = api("eng_sw1").get(f"/tasks/{receipt['id']}").get_json()["form"]
    [signature] = [f for f in form["fields"] if f["type"] == "signature"]
    assert signature == {"name": "customer_signature", "label": "客户签名", "type": "signature", "required": False,
                         "signer": "customer_signatory"}


def test_an_answered_technical_question_prints_its_answer(api, flows, actors):
    case = commands.start_instance(process_id="tech_support", data={
        "customer_id": flows.north, "equipment_serial": "EQ-N-001", "question": "滤布多久更换一次？"},
        actor=actors["sales1"])
    case = complete(case, "answer", actors["eng_n1"], answer="建议每运行三个月检查一次滤布")
    items = api("manager1").get(f"/process-instances/{case.id}/documents").get_json()["items"]
    assert [(i["key"], i["title"]) for i in items] == [("tech_answer", "技术答复单")]
    text = pdf_text(api("manager1").get(f"/process-instances/{case.id}/documents/tech_answer.pdf").data)
    assert "滤布多久更换一次？" in text and "建议每运行三个月检查一次滤布" in text and "北京京北精工有限公司" in text


def test_a_handled_complaint_prints_its_receipt(api, flows, actors):
    case = commands.start_instance(process_id="complaint", data={
        "customer_id": flows.sw, "channel": "phone", "priority": "urgent",
        "description": "工程师安装后设备漏油，客户停产"}, actor=actors["desk1"])
    complete(case, "respond", actors["manager1"], remedy_plan="内部：先派南区工程师")
    engineer = [t for t in api("manager1").get("/tasks?tab=all").get_json()["items"]
                if t["instance_id"] == case.id][0]["assignee"]
    complete(case, "engineer_handling", actors[engineer], actions="上门复查，更换密封件", result="漏油已排除")
    complete(case, "confirm", actors["desk1"], contact_person="王工", satisfied=True, satisfaction=4)
    text = pdf_text(api("manager1").get(f"/process-instances/{case.id}/documents/complaint_receipt.pdf").data)
    assert "客户投诉处理单" in text and "工程师安装后设备漏油，客户停产" in text and "漏油已排除" in text
    assert "王工" in text and "内部：先派南区工程师" not in text
