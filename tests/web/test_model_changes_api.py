"""Before a rule change goes live: the diff between versions (or a draft) by element and by decision
rule, and the dry run that re-runs the recorded inputs of finished cases on a draft. Driven with the
real compensation flow: a v2 that adds a step before the VP's approval, and the 5,000 → 8,000
threshold change."""
from __future__ import annotations

import io
import json
import re

import pytest

import tests.workflows.test_compensation_approval as compensation
from engine import loader
from tests.workflows.flowkit import complete, ready

PROCESS = "compensation_approval"
DMN = "compensation_authority.dmn"


def step_before_vp(xml: str) -> str:
    """A v2: the desk prepares the file (a new task) before the VP approves."""
    gateway = '<bpmn:flowNodeRef>approver_gateway</bpmn:flowNodeRef>'
    xml = xml.replace(gateway, gateway + '<bpmn:flowNodeRef>vp_brief</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:sequenceFlow id="flow_approver_gateway_vp_approval" sourceRef="approver_gateway" '
                      'targetRef="vp_approval" name="副总" />',
                      '<bpmn:sequenceFlow id="flow_approver_gateway_vp_approval" sourceRef="approver_gateway" '
                      'targetRef="vp_brief" name="副总" />'
                      '<bpmn:sequenceFlow id="flow_vp_brief_vp_approval" sourceRef="vp_brief" '
                      'targetRef="vp_approval" />')
    xml = xml.replace('<bpmn:incoming>flow_approver_gateway_vp_approval</bpmn:incoming>\n      '
                      '<bpmn:outgoing>flow_vp_approval_vp_gateway</bpmn:outgoing>',
                      '<bpmn:incoming>flow_vp_brief_vp_approval</bpmn:incoming>\n      '
                      '<bpmn:outgoing>flow_vp_approval_vp_gateway</bpmn:outgoing>')
    task = ('<bpmn:userTask id="vp_brief" name="整理副总审批材料"><bpmn:incoming>flow_approver_gateway_vp_approval'
            '</bpmn:incoming><bpmn:outgoing>flow_vp_brief_vp_approval</bpmn:outgoing></bpmn:userTask>')
    assert xml.count("vp_brief") == 5
    return xml.replace('<bpmn:userTask id="vp_approval"', task + '<bpmn:userTask id="vp_approval"', 1)


def threshold_8000(dmn: str) -> str:
    changed = dmn.replace("1000 &lt; ? &lt; 5000", "1000 &lt; ? &lt; 8000").replace("&gt;= 5000", "&gt;= 8000")
    assert changed.count("8000") == 2
    return changed


def files(bpmn: str | None = None, dmn: str | None = None) -> list:
    model = loader.latest(PROCESS)
    return [(io.BytesIO((bpmn or model.sources[model.main_file]).encode()), model.main_file),
            (io.BytesIO((dmn or model.sources[DMN]).encode()), DMN)]


def upload(api, path: str, parts: list, user="owner1", **fields):
    return api(user).post(path, data={"file": parts, **fields}, content_type="multipart/form-data")


def finish(flows, actors, amount: str, emergency: bool):
    """A claim decided and carried through to the end."""
    case = compensation.start(flows, actors, amount=amount, emergency=emergency)
    while case.status != "completed":
        element = sorted(ready(case.id))[0]
        who = compensation.APPROVERS.get(element) or dict(compensation.AFTER_APPROVAL)[element]
        case = complete(case, element, actors[who])
    return case


def test_the_diff_names_the_added_step_and_the_flow_led_to_it(api, flows):
    v1 = loader.latest(PROCESS)
    v2 = step_before_vp(v1.sources[v1.main_file])
    assert upload(api, "/process-models", files(v2), note="副总审批前先整理材料").status_code == 201
    body = api("owner1").get(f"/process-models/{PROCESS}/diff?from={v1.version}&to={v1.version + 1}").get_json()
    assert (body["from"], body["to"], body["unchanged"]) == (str(v1.version), str(v1.version + 1), False)
    assert {(e["id"], e["name"], e["kind"]) for e in body["added"]} == {
        ("vp_brief", "整理副总审批材料", "userTask"), ("flow_vp_brief_vp_approval", "", "sequenceFlow")}
    assert body["removed"] == [] and body["decisions"] == []
    changed = {e["id"]: e["changes"] for e in body["changed"]}
    assert changed["flow_approver_gateway_vp_approval"] == [
        {"what": "targetRef", "from": "vp_approval", "to": "vp_brief"}]
    assert set(changed) == {"flow_approver_gateway_vp_approval"}
    back = api("owner1").get(f"/process-models/{PROCESS}/diff?from={v1.version + 1}&to={v1.version}").get_json()
    assert [e["id"] for e in back["removed"]] == ["vp_brief", "flow_vp_brief_vp_approval"]
    assert api("auditor1").get(f"/process-models/{PROCESS}/diff").status_code == 200
    assert api("desk1").get(f"/process-models/{PROCESS}/diff").status_code == 403
    assert api("owner1").get(f"/process-models/{PROCESS}/diff?from=99").status_code == 404
    assert api("owner1").get(f"/process-models/{PROCESS}/diff?to=x").status_code == 422


def test_the_diff_of_a_draft_shows_the_decision_rules_that_changed(api, flows):
    model = loader.latest(PROCESS)
    body = upload(api, f"/process-models/{PROCESS}/diff", files(dmn=threshold_8000(model.sources[DMN]))).get_json()
    assert body["to"] == "draft" and body["unchanged"] is False and body["added"] == body["removed"] == []
    [decision] = body["decisions"]
    assert decision["id"] == "compensation_authority" and decision["status"] == "changed"
    assert [(r["id"], r["from"]["inputs"], r["to"]["inputs"]) for r in decision["rules"]] == [
        ("rule_vp", ["True", "1000 < ? < 5000"], ["True", "1000 < ? < 8000"]),
        ("rule_gm_large", ["True", ">= 5000"], ["True", ">= 8000"])]
    [authority] = body["changed"]
    assert authority["id"] == "authority" and authority["changes"][0]["what"] == "decision rules"
    same = upload(api, f"/process-models/{PROCESS}/diff", files()).get_json()
    assert same["unchanged"] is True
    broken = upload(api, f"/process-models/{PROCESS}/diff",
                    files(dmn=model.sources[DMN].replace("&gt;= 5000", "&gt;=")))
    assert broken.status_code == 422 and broken.get_json()["errors"][0]["element"] == "rule_gm_large"


def test_a_dry_run_of_the_new_threshold_diverges_exactly_for_the_claims_between_5000_and_8000(api, flows, actors):
    cases = {(amount, emergency): finish(flows, actors, amount, emergency).id for amount, emergency in [
        ("800.00", True), ("3000.00", True), ("6000.00", True), ("7999.00", True), ("9000.00", True),
        ("6000.00", False)]}
    running = compensation.start(flows, actors, amount="6500.00", emergency=True)  # not finished: not re-run
    model = loader.latest(PROCESS)
    response = upload(api, f"/process-models/{PROCESS}/dry-run", files(dmn=threshold_8000(model.sources[DMN])),
                      limit="50")
    assert response.status_code == 200, response.get_json()
    items = {item["instance_id"]: item for item in response.get_json()["items"]}
    assert running.id not in items and set(items) == set(cases.values())
    outcomes = {key: items[case_id]["outcome"] for key, case_id in cases.items()}
    assert outcomes == {("800.00", True): "same", ("3000.00", True): "same", ("6000.00", True): "diverged",
                        ("7999.00", True): "diverged", ("9000.00", True): "same", ("6000.00", False): "same"}
    diverged = items[cases[("6000.00", True)]]
    assert diverged["at"]["element_id"] == "gm_needed_gateway" and diverged["at"]["step"] > 0
    assert "总经理审批" in diverged["detail"] and "the draft would" in diverged["detail"]
    assert "needs_general_manager': recorded True, the draft False" in diverged["detail"]
    assert loader.latest(PROCESS).version == model.version  # nothing deployed, nothing written
    assert len(upload(api, f"/process-models/{PROCESS}/dry-run", files(), limit="2").get_json()["items"]) == 2


def test_a_dry_run_of_the_added_step_diverges_where_the_vp_was_reached(api, flows, actors):
    manager = finish(flows, actors, "800.00", True).id
    vp = finish(flows, actors, "3000.00", True).id
    model = loader.latest(PROCESS)
    items = upload(api, f"/process-models/{PROCESS}/dry-run", files(step_before_vp(model.sources[model.main_file])))
    by_case = {item["instance_id"]: item for item in items.get_json()["items"]}
    assert by_case[manager]["outcome"] == "same"
    assert by_case[vp]["outcome"] == "diverged" and by_case[vp]["at"]["element_id"] == "approver_gateway"
    assert "整理副总审批材料" in by_case[vp]["detail"]


@pytest.mark.parametrize("limit", ["0", "201", "x"])
def test_dry_run_inputs_are_bounded_and_for_owners(api, flows, limit):
    assert upload(api, f"/process-models/{PROCESS}/dry-run", files(), limit=limit).status_code == 422
    assert upload(api, f"/process-models/{PROCESS}/dry-run", files(), user="desk1").status_code == 403
    assert upload(api, "/process-models/nothing/dry-run", files()).status_code == 404


def decide(api, dmn: str | None = None, user="owner1", **inputs):
    parts = {"file": [(io.BytesIO(dmn.encode()), DMN)]} if dmn else {}
    return api(user).post(f"/process-models/{PROCESS}/decision-test", data={**parts, "inputs": json.dumps(inputs)},
                          content_type="multipart/form-data")


def test_the_decision_test_says_which_rule_fires_on_the_draft_table(api, flows):
    model = loader.latest(PROCESS)
    before = decide(api, amount=6000, emergency=True).get_json()  # the deployed table
    assert before["fired"] == ["rule_gm_large"] and before["result"]["needs_general_manager"] is True
    after = decide(api, threshold_8000(model.sources[DMN]), amount="6000", emergency=True).get_json()
    assert after["fired"] == ["rule_vp"] and after["matched"][0]["row"] == 2
    assert after["result"] == {"approver": "sales_vp", "needs_general_manager": False,
                               "copy_to": ["quality_vp", "general_manager"]}
    assert after["variables"] == ["emergency", "amount"]
    assert [i["label"] for i in after["inputs"]] == ["紧急事件 emergency", "赔偿总金额（元） amount"]
    ordinary = decide(api, threshold_8000(model.sources[DMN]), amount=6000, emergency=False).get_json()
    assert ordinary["fired"] == ["rule_gm_ordinary"]
    described = api("owner1").post(f"/process-models/{PROCESS}/decision-test", data={},
                                   content_type="multipart/form-data").get_json()
    assert "matched" not in described and described["variables"] == ["emergency", "amount"]


def test_the_decision_test_is_sandboxed_and_bounded(api, flows):
    model = loader.latest(PROCESS)
    escape = model.sources[DMN].replace('"service_manager"', "().__class__.__base__.__subclasses__()")
    refused = decide(api, escape, amount=500, emergency=True)
    assert refused.status_code == 422 and "__class__" not in json.dumps(refused.get_json().get("result", ""))
    assert decide(api, amount="x" * 300, emergency=True).status_code == 422
    assert decide(api, user="desk1", amount=1).status_code == 403
    missing = decide(api, emergency=True)  # no amount: the table cannot decide, and says so
    assert missing.status_code == 422 and "cannot decide" in json.dumps(missing.get_json())
    hostile = '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + model.sources[DMN].split("?>", 1)[1]
    assert decide(api, hostile, amount=1, emergency=True).status_code == 422
    as_text = api("owner1").post(f"/process-models/{PROCESS}/decision-test", data={"file": "{}"},
                                 content_type="multipart/form-data")  # a text part is not a draft table
    assert as_text.status_code == 422 and "file" in as_text.get_json()["errors"]


def send(api, method: str, path: str, user="owner1", **kw):
    client = api(user)
    return getattr(client.client, method)("/api/v1" + path, headers=client.headers,
                                          content_type="multipart/form-data", **kw)


def test_a_draft_is_kept_for_its_owner_only_and_goes_once_deployed(api, flows, as_user):
    model = loader.latest(PROCESS)
    draft_dmn = threshold_8000(model.sources[DMN])
    path = f"/process-models/{PROCESS}/draft"
    assert api("owner1").get(path).status_code == 404
    saved = send(api, "put", path, data={"file": files(dmn=draft_dmn), "note": "额度调整中"})
    assert saved.status_code == 200 and saved.get_json()["note"] == "额度调整中"
    again = api("owner1").get(path).get_json()
    assert again["files"][DMN] == draft_dmn and again["files"][model.main_file] == model.sources[model.main_file]
    assert api("admin").get(path).status_code == 404  # another owner's draft is not theirs
    assert api("desk1").get(path).status_code == 403  # staff never see drafts
    hostile = send(api, "put", path, data={"file": [(io.BytesIO(b"<!DOCTYPE x []><x/>"), "x.bpmn")]})
    assert hostile.status_code == 422 and api("owner1").get(path).get_json()["files"][DMN] == draft_dmn

    page = as_user("owner1").get(f"/modeler/{PROCESS}/edit").get_data(as_text=True)
    assert 'data-testid="draft-notice"' in page
    opened = as_user("owner1").get(f"/modeler/{PROCESS}/edit?draft=1").get_data(as_text=True)
    assert "1000 &amp;lt; ? &amp;lt; 8000" in opened or "1000 \\u0026lt; ? \\u0026lt; 8000" in opened

    assert upload(api, "/process-models", files(dmn=draft_dmn), note="额度提高到8000").status_code == 201
    assert api("owner1").get(path).status_code == 404  # deployed: the draft is done with
    assert send(api, "delete", path).status_code == 404


def test_the_forms_editor_preview_checks_like_deploy_and_shows_both_languages(api, flows):
    path = f"/process-models/{PROCESS}/form-preview"
    definition = {"title": {"zh": "补充说明", "en": "Further details"}, "fields": [
        {"name": "reason", "type": "text", "required": True, "label": {"zh": "原因", "en": "Reason"}},
        {"name": "channel", "type": "enum", "label": {"zh": "渠道", "en": "Channel"},
         "choices": [{"value": "phone", "label": {"zh": "电话", "en": "Phone"}}]}]}
    body = api("owner1").post(path, json={"name": "extra", "definition": definition}).get_json()
    assert body["problems"] == []
    assert body["zh"]["title"] == "补充说明" and body["en"]["fields"][0] == {
        "name": "reason", "label": "Reason", "type": "text", "required": True}
    assert body["en"]["fields"][1]["choices"] == [{"value": "phone", "label": "Phone"}]
    broken = {"fields": [{"name": "when", "type": "moment"}]}
    problems = api("owner1").post(path, json={"name": "extra", "definition": broken}).get_json()["problems"]
    assert problems and "moment" in problems[0]
    assert api("desk1").post(path, json={"name": "x", "definition": {}}).status_code == 403
    assert api("owner1").post(path, json={"name": "", "definition": {}}).status_code == 422


@pytest.mark.parametrize("dmn", [
    "<definitions/>",
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="d"/></definitions>',
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="d"><decisionTable id="t">'
    '<rule id="r"><inputEntry id="e"><text>1</text></inputEntry></rule></decisionTable></decision></definitions>',
    "not xml at all",
])
def test_a_decision_test_of_a_broken_table_is_a_clear_refusal(api, flows, dmn):
    response = decide(api, dmn, amount=1)
    assert response.status_code in (200, 422), response.get_data(as_text=True)


def test_a_dry_run_reports_the_cases_a_draft_would_fail_on(api, flows, actors):
    ordinary = finish(flows, actors, "3000.00", False).id
    emergency = finish(flows, actors, "800.00", True).id
    model = loader.latest(PROCESS)
    bpmn = model.sources[model.main_file]
    condition = re.search(r'<bpmn:sequenceFlow id="flow_approver_gateway_manager_approval"[^>]*>\s*'
                          r'<bpmn:conditionExpression[^>]*>([^<]*)<', bpmn).group(1)
    broken = bpmn.replace(condition, "emergency and no_such_field &gt; 1", 1)
    items = {i["instance_id"]: i for i in upload(api, f"/process-models/{PROCESS}/dry-run", files(broken))
             .get_json()["items"]}
    assert items[emergency]["outcome"] == "failed" and items[emergency]["at"]["element_id"] == "approver_gateway"
    assert "由谁批准" in items[emergency]["detail"]
    assert items[ordinary]["outcome"] == "same"  # `emergency and …` stops before the missing field
