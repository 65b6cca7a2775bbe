"""The real flows on the pages: the five request pages staff open by hand, and every form of
bpmn/forms rendered with its labels, required marks and inputs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import render_template_string
from markupsafe import escape as html_escape

from web.views import form_view

FORMS = sorted((Path(__file__).resolve().parents[2] / "bpmn" / "forms").glob("*/*.json"))
KNOWN = ["fault_handling", "installation", "tech_support", "complaint", "compensation_approval", "revisit",
         "delivery_installation"]


def offered(html: str) -> list[str]:
    return re.findall(r'data-process="(\w+)"', html)


def test_the_request_pages_each_open_the_start_form_of_its_flow(as_user, flows):
    sales = as_user("sales1")
    listed = sales.get("/start/").get_data(as_text=True)
    assert offered(listed) == KNOWN
    for title in ("故障报告", "安装申请", "客户投诉", "赔偿申请", "现场回访申请"):
        assert title in listed
    assert offered(as_user("desk1").get("/start/").get_data(as_text=True)) == ["tech_support", "complaint",
                                                                               "compensation_approval", "revisit"]
    fault = sales.get("/start/fault_handling").get_data(as_text=True)
    assert "故障报告" in fault and "售后服务申请表（质量故障）" not in fault.split("<main")[0]
    assert 'name="equipment_serial"' in fault and 'data-lookup="/api/v1/equipment"' in fault
    assert 'name="customer_name"' in fault and "提交后由系统填写" in fault  # readonly: filled from the record
    onsite = sales.get("/start/revisit?mode=onsite&source=manual").get_data(as_text=True)
    assert re.search(r'name="mode" value="onsite"\s+checked', onsite)
    assert as_user("eng1").get("/start/installation").status_code == 403


def test_a_fault_report_opens_a_case_filled_from_the_equipment_record(as_user, flows):
    sales = as_user("sales1")
    bad = sales.post("/start/fault_handling", {"equipment_serial": "NOPE-1", "symptom": "异响",
                                               "occurred_at": "2026-03-01T15:30", "damage_extent": "serious"})
    assert bad.status_code == 422 and "出厂编号为 NOPE-1 的设备不存在。" in bad.get_data(as_text=True)
    done = sales.post("/start/fault_handling", {"equipment_serial": "EQ-SW-001", "symptom": "主轴异响",
                                                "occurred_at": "2026-03-01T15:30", "damage_extent": "serious"})
    assert done.status_code == 302
    page = sales.get(done.headers["Location"]).get_data(as_text=True)
    assert "成都蓉城机械有限公司" in page and "EQ-SW-001" in page and "质保期内" in page


@pytest.mark.parametrize("path", FORMS, ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_form_renders_with_labels_and_required_marks(app, path, lang):
    definition = json.loads(path.read_text(encoding="utf-8"))
    with app.test_request_context(f"/?lang={lang}"):
        fields = form_view.field_views(definition, lang, {}, {}, fresh=True)
        html = render_template_string('{% import "_form.html" as forms with context %}{{ forms.form_fields(fields) }}',
                                      fields=fields)
    for spec in definition["fields"]:
        block = html[html.index(f'data-field="{spec["name"]}"'):]
        assert html_escape(spec["label"][lang]) in block[:2000]
        if spec.get("required") and not spec.get("readonly"):
            assert 'class="req"' in block[:600], spec["name"]
        if spec["type"] == "rows":
            assert f'name="{spec["name"]}-0-{spec["fields"][0]["name"]}"' in block
        elif not spec.get("readonly") and spec["type"] not in ("enum", "person"):  # choices: people or values
            assert f'name="{spec["name"]}"' in block


def test_records_named_in_forms_show_by_name(as_user, flows):
    desk = as_user("desk1")
    question = {"customer_id": str(flows.sw), "equipment_serial": "EQ-SW-001", "question": "PLC 报警 E12 是什么意思？",
                "assigned_engineer": "eng_sw1"}
    response = desk.post("/start/tech_support", question)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    record = page[page.index("表单记录"):page.index("时间线")]
    assert "成都蓉城机械有限公司" in record and "EQ-SW-001（HX-200 压滤机）" in record
    assert f">{flows.sw}<" not in record.replace(" ", "")
