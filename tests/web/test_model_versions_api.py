"""Versions that explain themselves (a change note, who and when, how many cases run on each), and
deploy refusals a process owner can act on, for diagrams drawn here or exported from other tools."""
from __future__ import annotations

import io
import re
import shutil

import pytest

from engine import commands, loader, queries
from tests.conftest import TEST_BPMN

FORMS = TEST_BPMN / "forms"


def upload(api, files: dict[str, str | bytes], user="owner1", **fields):
    parts = [(io.BytesIO(text.encode() if isinstance(text, str) else text), name) for name, text in files.items()]
    return api(user).post("/process-models", data={"file": parts, **fields}, content_type="multipart/form-data")


def dmn_bundle(bpmn: str | None = None, name: str = "t_dmn.bpmn") -> dict[str, str | bytes]:
    return {name: bpmn or (TEST_BPMN / "t_dmn.bpmn").read_text(),
            "t_rules.dmn": (TEST_BPMN / "t_rules.dmn").read_text(),
            "t_dmn.start.json": (FORMS / "t_dmn" / "start.json").read_bytes()}


def test_a_new_version_needs_a_change_note_and_the_list_shows_it_with_its_cases(api, users):
    refused = upload(api, dmn_bundle())
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{"element": "note", "problem": "write a change note: what changed and why"}]
    assert loader.latest("t_dmn") is None
    assert upload(api, dmn_bundle(), note="首次上线").status_code == 201
    commands.start_instance(process_id="t_dmn", data={"amount": 100}, actor=users["desk1"])
    v2 = (TEST_BPMN / "t_dmn.bpmn").read_text().replace('name="VP approves"', 'name="Sales VP approves"')
    assert upload(api, dmn_bundle(v2), note="副总审批改名").status_code == 201
    assert upload(api, dmn_bundle(v2)).get_json()["created"] is False  # unchanged: nothing to explain
    case = commands.start_instance(process_id="t_dmn", data={"amount": 5000}, actor=users["desk1"])
    [vp] = queries.tasks_of(case.id, "ready")
    commands.complete_task(task_id=vp.id, data={}, actor=users["salesvp1"])

    versions = api("owner1").get("/process-models/t_dmn").get_json()["versions"]
    assert [(v["version"], v["note"], v["deployed_by"], v["cases_open"], v["cases_total"]) for v in versions] == [
        (1, "首次上线", "owner1", 1, 1), (2, "副总审批改名", "owner1", 0, 1)]
    assert all(re.match(r"\d{4}-\d\d-\d\dT", v["deployed_at"]) for v in versions)


def test_a_wrong_lane_names_the_task_and_lists_the_roles(api):
    wrong = (TEST_BPMN / "t_dmn.bpmn").read_text().replace('name="sales_vp"', 'name="Marketing"')
    body = upload(api, dmn_bundle(wrong), note="x").get_json()
    [problem] = body["errors"]
    assert problem["element"] == "vp_ok" and problem["name"] == "VP approves"
    assert problem["problem"].startswith("lane 'Marketing' is not a known role; use one of: ")
    assert "分管销售副总 (sales_vp)" in problem["problem"] and "售后服务部 (service_desk)" in problem["problem"]


def test_a_default_role_takes_the_tasks_outside_any_lane(api, users):
    text = (TEST_BPMN / "t_dmn.bpmn").read_text().replace('<bpmn:lane id="l3" name="sales_vp"><bpmn:flowNodeRef>vp_ok'
                                                          '</bpmn:flowNodeRef></bpmn:lane>', "")
    refused = upload(api, dmn_bundle(text), note="x").get_json()["errors"]
    assert [(p["element"], p["problem"].split(" (")[0]) for p in refused] == [("vp_ok", "user task is in no lane")]
    with_default = text.replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements><spiffworkflow:'
                                'properties><spiffworkflow:property name="default_role" value="分管销售副总"/>'
                                '</spiffworkflow:properties></bpmn:extensionElements>', 1)
    assert upload(api, dmn_bundle(with_default), note="副总任务用默认角色").status_code == 201
    case = commands.start_instance(process_id="t_dmn", data={"amount": 5000}, actor=users["desk1"])
    [task] = queries.tasks_of(case.id, "ready")
    assert (task.element_id, task.role) == ("vp_ok", "sales_vp")
    unknown = with_default.replace('value="分管销售副总"', 'value="Boss"')
    [problem] = upload(api, dmn_bundle(unknown), note="x").get_json()["errors"]
    assert problem["element"] == "t_dmn" and problem["problem"].startswith("default role 'Boss' is not a known role")


def test_camunda_decision_ref_and_bpmn20_files_are_accepted(api, users):
    camunda = (TEST_BPMN / "t_dmn.bpmn").read_text().replace(
        'xmlns:spiffworkflow=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=').replace(
        '<bpmn:businessRuleTask id="decide" name="Who approves?">\n      <bpmn:extensionElements><spiffworkflow:'
        'calledDecisionId>t_approver</spiffworkflow:calledDecisionId></bpmn:extensionElements>',
        '<bpmn:businessRuleTask id="decide" name="Who approves?" camunda:decisionRef="t_approver">')
    assert "calledDecisionId" not in camunda
    response = upload(api, dmn_bundle(camunda, name="t_dmn.bpmn20.xml"), note="从 Camunda 导入")
    assert response.status_code == 201, response.get_json()
    assert loader.latest("t_dmn").main_file == "t_dmn.bpmn"
    case = commands.start_instance(process_id="t_dmn", data={"amount": 300}, actor=users["desk1"])
    assert [t.element_id for t in queries.tasks_of(case.id, "ready")] == ["mgr_ok"]  # the table decided
    missing = camunda.replace('camunda:decisionRef="t_approver"', 'camunda:decisionRef="t_nothing"')
    problems = upload(api, dmn_bundle(missing), note="x").get_json()["errors"]
    assert {"element": "decide", "name": "Who approves?",
            "problem": "decision 't_nothing' was not provided"} in problems


def test_a_diagram_reusing_another_process_id_is_refused_unless_confirmed(api):
    assert upload(api, dmn_bundle(), note="首次上线").status_code == 201
    other = (TEST_BPMN / "t_dmn.bpmn").read_text().replace('name="Test DMN"', 'name="Spare parts order"')
    refused = upload(api, dmn_bundle(other, name="parts_order.bpmn"), note="新流程")
    assert refused.status_code == 422
    [problem] = refused.get_json()["errors"]
    assert problem["element"] == "t_dmn" and "already belongs to 'Test DMN' (file t_dmn.bpmn)" in problem["problem"]
    assert loader.latest("t_dmn").version == 1
    replaced = upload(api, dmn_bundle(other, name="parts_order.bpmn"), note="替换为备件订单", replace="true")
    assert replaced.status_code == 201 and loader.latest("t_dmn").name == "Spare parts order"
    renamed = other.replace('name="Spare parts order"', 'name="Spare parts orders"')  # same file: an edit
    assert upload(api, dmn_bundle(renamed, name="parts_order.bpmn"), note="改名").status_code == 201


FOREIGN = {
    "a python object in the message": """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
        <bpmn:complexGateway id="cg"/></bpmn:process>""",
    "a catch event of no kind": """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
        <bpmn:intermediateCatchEvent id="c"/></bpmn:process>""",
    "a flow to nowhere": """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ghost"/></bpmn:process>""",
    "no process": """<bpmn:collaboration id="c"><bpmn:participant id="x" processRef="missing"/></bpmn:collaboration>""",
    "not executable": """<bpmn:process id="p"><bpmn:startEvent id="s"/></bpmn:process>""",
    "a signal and an unknown timer": """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s">
        <bpmn:signalEventDefinition id="sd"/></bpmn:startEvent><bpmn:intermediateCatchEvent id="t">
        <bpmn:timerEventDefinition id="td"/></bpmn:intermediateCatchEvent></bpmn:process>""",
}


FOREIGN.update({
    "a camunda form and a message start": """<bpmn:process id="p" isExecutable="true"><bpmn:laneSet id="ls">
        <bpmn:lane id="l" name="售后服务部"><bpmn:flowNodeRef>u</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
        <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing><bpmn:messageEventDefinition id="m"/></bpmn:startEvent>
        <bpmn:userTask id="u" name="Check"><bpmn:extensionElements><camunda:formData><camunda:formField id="a"
        label="A" type="string"/></camunda:formData></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming>
        </bpmn:userTask><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/><bpmn:dataObject id="do"/>
        </bpmn:process>""",
    "a script in another language": """<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/>
        <bpmn:scriptTask id="st" scriptFormat="javascript"><bpmn:script>var a = 1;</bpmn:script></bpmn:scriptTask>
        </bpmn:process>""",
})
RAW = {"no namespace": "<definitions><process id='p'/></definitions>", "empty": "", "not xml": "hello"}


@pytest.mark.parametrize("case", sorted(RAW))
def test_files_that_are_no_bpmn_get_messages(api, case):
    response = upload(api, {"diagram.bpmn": RAW[case]}, note="导入")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert all(e["element"] and e["problem"] for e in response.get_json()["errors"])


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_diagrams_from_other_tools_get_a_version_or_element_messages(api, case):
    text = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            '20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://x">'
            f'{FOREIGN[case]}</bpmn:definitions>')
    response = upload(api, {"diagram.bpmn": text}, note="导入")
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        errors = response.get_json()["errors"]
        assert errors and len({(e["element"], e["problem"]) for e in errors}) == len(errors)
        for error in errors:
            assert error["element"] and error["problem"]
            assert " at 0x" not in error["problem"] and not re.search(r"[.,:;]\s*[.,:;]", error["problem"])


def test_the_deploy_command_takes_a_note_and_bpmn20_files(app, tmp_path):
    from tests.web.test_cli import run

    shutil.copy(TEST_BPMN / "t_dmn.bpmn", tmp_path / "t_dmn.bpmn20.xml")
    shutil.copy(TEST_BPMN / "t_rules.dmn", tmp_path / "t_rules.dmn")
    shutil.copytree(FORMS / "t_dmn", tmp_path / "forms" / "t_dmn")
    files = [str(tmp_path / "t_dmn.bpmn20.xml"), str(tmp_path / "t_rules.dmn")]
    without = run(app, "deploy", *files)
    assert without.exit_code == 2 and "--note" in without.output and loader.latest("t_dmn") is None
    done = run(app, "deploy", *files, "--note", "从 Flowable 导入")
    assert done.exit_code == 0, done.output
    assert "t_dmn v1 deployed" in done.output and loader.latest("t_dmn").note == "从 Flowable 导入"
