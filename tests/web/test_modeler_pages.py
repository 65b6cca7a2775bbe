"""The process owner's pages: deployed models with who/when/hash and the open cases pinned to each
version, the editor page and its configuration, forms read-only, every version's files; and a
deploy the way the editor sends it (multipart `file` parts with the page's CSRF token) giving a
new version, "unchanged", or the problems of a broken diagram."""
from __future__ import annotations

import html
import io
import json
import re
import zipfile

import pytest

from engine import commands, loader
from engine.db import db
from tests.workflows.conftest import BPMN_DIR
from web.views.modeler import PROBLEMS

PROCESS = "compensation_approval"
OWNER_PAGES = ["/modeler/", f"/modeler/{PROCESS}", f"/modeler/{PROCESS}/edit", f"/modeler/{PROCESS}/versions/1/forms",
               f"/modeler/{PROCESS}/versions/1/files/{PROCESS}.bpmn", f"/modeler/{PROCESS}/versions/1/bundle.zip",
               f"/modeler/{PROCESS}/diff?to=1"]


def text_of(response) -> str:
    return response.get_data(as_text=True)


def config_of(response) -> dict:
    match = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', text_of(response), re.S)
    return json.loads(match.group(1))


def deploy_from_page(browser, files: dict[str, str], note: str = "核实步骤改名", **fields):
    """What modeler.js sends: the files as multipart parts named `file` and the change note, the page's
    token in X-CSRFToken."""
    parts = [(io.BytesIO(text.encode("utf-8")), name) for name, text in files.items()]
    return browser.client.post("/api/v1/process-models", data={"file": parts, "note": note, **fields},
                               content_type="multipart/form-data",
                               headers={"X-CSRFToken": browser.token, "Accept": "application/json"})


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_owner_pages_are_for_process_owners_and_admins(as_user, client, flows, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for username in ("owner1", "admin"):
        assert as_user(username).get(path).status_code == 200, username
    for username in ("desk1", "manager1", "auditor1"):
        assert as_user(username).get(path).status_code == 403, username


def test_the_list_shows_each_process_with_its_latest_version(as_user, flows):
    page = text_of(as_user("owner1").get("/modeler/"))
    for model in loader.latest_all():
        assert f'data-process="{model.process_id}"' in page
        assert model.content_hash[:12] in page
    assert "零部件赔偿" in page and "owner1" in page


def test_versions_page_counts_the_open_cases_pinned_to_each_version(as_user, deploy, users):
    deploy("t_approval")
    first = commands.start_instance(process_id="t_approval", data={"customer_name": "甲"}, actor=users["sales1"])
    commands.start_instance(process_id="t_approval", data={"customer_name": "乙"}, actor=users["sales1"])
    source = (BPMN_DIR.parent / "tests" / "bpmn" / "t_approval.bpmn").read_text(encoding="utf-8")
    with commands.transaction():
        renamed = source.replace('name="Review request"', 'name="Review the request"')
        loader.deploy({"t_approval.bpmn": renamed}, actor="owner1", note="评审步骤改名")
    commands.start_instance(process_id="t_approval", data={"customer_name": "丙"}, actor=users["sales1"])
    commands.cancel_instance(instance_id=first.id, actor=users["admin"], reason="重复")

    page = text_of(as_user("owner1").get("/modeler/t_approval"))
    counts = dict(re.findall(r'data-version="(\d+)">.*?data-testid="open-cases">(\d+)<', page, re.S))
    assert counts == {"2": "1", "1": "1"}  # the cancelled case no longer counts
    totals = dict(re.findall(r'data-version="(\d+)">.*?data-testid="all-cases">(\d+)<', page, re.S))
    assert totals == {"2": "1", "1": "2"}
    notes = dict(re.findall(r'data-version="(\d+)">.*?data-testid="note">([^<]*)<', page, re.S))
    assert notes == {"2": "评审步骤改名", "1": "—"}
    listing = text_of(as_user("owner1").get("/modeler/"))
    assert "其中 1 个在旧版本上" in listing


def test_the_editor_page_gets_the_latest_sources_and_the_words_of_its_language(as_user, flows):
    owner = as_user("owner1")
    response = owner.get(f"/modeler/{PROCESS}/edit")
    config = config_of(response)
    model = loader.latest(PROCESS)
    assert config["version"] == model.version and config["mainFile"] == f"{PROCESS}.bpmn"
    assert config["dmnFiles"] == ["compensation_authority.dmn"] and config["deployUrl"] == "/api/v1/process-models"
    assert "desk_verify" in config["forms"] and config["roles"]["售后服务部"] == "售后服务部"
    assert config["labels"]["部署被拒绝，请修改以下问题："] == "部署被拒绝，请修改以下问题："
    page = text_of(response)
    assert "bpmn-modeler.production.min.js" in page and "dmn-modeler.production.min.js" in page
    assert "cdn" not in text_of(response).lower()
    assert text_of(owner.get(config["sources"]["compensation_authority.dmn"])) == \
        model.sources["compensation_authority.dmn"]

    english = config_of(owner.get(f"/modeler/{PROCESS}/edit?lang=en"))
    assert english["labels"]["部署被拒绝，请修改以下问题："] == "The deployment was refused. Fix these problems:"
    assert english["roles"]["service_desk"] == "Service desk"


def test_forms_are_shown_read_only_as_json(as_user, flows):
    page = html.unescape(text_of(as_user("owner1").get(f"/modeler/{PROCESS}/versions/1/forms")))
    model = loader.latest(PROCESS)
    assert f'data-form="{PROCESS}/claim"' in page
    assert "<form" not in page.split('id="main"')[1].split("</main>")[0]  # nothing to submit
    definition = model.forms[f"{PROCESS}/claim"]
    assert json.dumps(definition["title"], ensure_ascii=False, indent=2).splitlines()[1].strip() in page


def test_every_file_of_a_version_downloads(as_user, flows):
    owner = as_user("owner1")
    model = loader.latest(PROCESS)
    response = owner.get(f"/modeler/{PROCESS}/versions/1/files/compensation_authority.dmn")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert text_of(response) == model.sources["compensation_authority.dmn"]
    forms = json.loads(owner.get(f"/modeler/{PROCESS}/versions/1/files/{PROCESS}.forms.json").get_data())
    assert forms["claim"] == model.forms[f"{PROCESS}/claim"]
    archive = zipfile.ZipFile(io.BytesIO(owner.get(f"/modeler/{PROCESS}/versions/1/bundle.zip").get_data()))
    names = set(archive.namelist())
    assert {f"{PROCESS}.bpmn", "compensation_authority.dmn", f"forms/{PROCESS}/claim.json"} <= names
    assert owner.get(f"/modeler/{PROCESS}/versions/1/files/other.bpmn").status_code == 404
    assert owner.get(f"/modeler/{PROCESS}/versions/9/forms").status_code == 404
    assert owner.get("/modeler/no_such_process").status_code == 404


# ---------------------------------------------------------------- deploying the way the editor does
def test_a_deploy_from_the_editor_makes_a_new_version_or_reports_unchanged(as_user, flows):
    owner = as_user("owner1")
    before = loader.latest(PROCESS)
    owner.get(f"/modeler/{PROCESS}/edit")  # the page's CSRF token
    same = {name: before.sources[name] for name in (before.main_file, "compensation_authority.dmn")}
    response = deploy_from_page(owner, same)
    assert response.status_code == 201
    assert response.get_json()["created"] is False and response.get_json()["version"] == before.version

    renamed = same[before.main_file].replace("核实来函、存档并分析原因", "核实来函并存档")
    edited = dict(same, **{before.main_file: renamed})
    unexplained = deploy_from_page(owner, edited, note="  ")
    assert unexplained.status_code == 422
    assert unexplained.get_json()["errors"] == [
        {"element": "note", "problem": "write a change note: what changed and why"}]
    response = deploy_from_page(owner, edited)
    assert response.status_code == 201 and response.get_json() == {
        "process_id": PROCESS, "version": before.version + 1, "created": True,
        "deployed": [{"process_id": PROCESS, "version": before.version + 1, "created": True}]}
    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert model.deployed_by == "owner1" and model.forms == before.forms and model.note == "核实步骤改名"
    assert "核实来函并存档" in model.sources[model.main_file]

    refused = owner.client.post("/api/v1/process-models", data={"file": [(io.BytesIO(b"<x/>"), "x.bpmn")]},
                                content_type="multipart/form-data")
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]  # no token, no deploy
    desk = as_user("desk1")
    desk.get("/inbox")
    assert deploy_from_page(desk, edited).status_code == 403


def test_a_broken_diagram_comes_back_as_problems_the_page_can_explain(as_user, flows):
    owner = as_user("owner1")
    owner.get(f"/modeler/{PROCESS}/edit")
    model = loader.latest(PROCESS)
    xml = model.sources[model.main_file]
    out_of_lane = xml.replace("<bpmn:flowNodeRef>vp_approval</bpmn:flowNodeRef>", "")
    missing_form = out_of_lane.replace('<spiffworkflow:property name="form" value="gm_approval" />',
                                       '<spiffworkflow:property name="form" value="no_such_form" />')
    no_condition = missing_form.replace('default="flow_approver_gateway_vp_approval"', "")
    response = deploy_from_page(owner, {model.main_file: no_condition})
    assert response.status_code == 422
    problems = {p["element"]: p["problem"] for p in response.get_json()["errors"]}
    assert problems["vp_approval"].startswith("user task is in no lane")
    assert "售后服务部 (service_desk)" in problems["vp_approval"]  # the roles it may take
    assert problems["gm_approval"] == "form 'no_such_form' was not provided"
    assert "has no condition and is not the gateway's default" in problems["flow_approver_gateway_vp_approval"]
    db.session.expire_all()
    assert loader.latest(PROCESS).version == model.version

    explained = {element: _explain(problem) for element, problem in problems.items()}
    assert explained["vp_approval"].startswith("用户任务不在任何泳道中：请把它拖进某个角色的泳道，或为流程设置默认角色")
    assert explained["gm_approval"] == "表单“no_such_form”不存在：此流程的表单中没有这个名称。"
    assert explained["flow_approver_gateway_vp_approval"] == \
        "从网关“approver_gateway”出来的这条连线既没有条件，也不是默认连线。"
    broken = deploy_from_page(owner, {model.main_file: xml.replace("approved == True", "approved ==")})
    assert all(_explain(p["problem"]).startswith("表达式有语法错误") for p in broken.get_json()["errors"])


def _explain(problem: str) -> str:
    """The page's translation (modeler.js runs the same patterns)."""
    for pattern, words in PROBLEMS:
        match = re.match(pattern, problem)
        if match:
            return words.format(**match.groupdict())
    return problem


def test_two_versions_compare_on_the_newer_diagram(as_user, flows):
    from tests.web.test_model_changes_api import step_before_vp

    owner = as_user("owner1")
    model = loader.latest(PROCESS)
    owner.get(f"/modeler/{PROCESS}/edit")
    assert deploy_from_page(owner, {model.main_file: step_before_vp(model.sources[model.main_file])},
                            note="副总审批前先整理材料").status_code == 201
    versions = text_of(owner.get(f"/modeler/{PROCESS}"))
    assert f'href="/modeler/{PROCESS}/diff?to={model.version + 1}" data-testid="compare"' in versions
    page = html.unescape(text_of(owner.get(f"/modeler/{PROCESS}/diff?to={model.version + 1}")))
    marks = json.loads(re.search(r"data-diff-marks=\"([^\"]*)\"", text_of(
        owner.get(f"/modeler/{PROCESS}/diff?to={model.version + 1}"))).group(1).replace("&#34;", '"'))
    assert marks == {"added": ["vp_brief", "flow_vp_brief_vp_approval"],
                     "changed": ["flow_approver_gateway_vp_approval"]}
    assert "整理副总审批材料" in page and "targetRef: vp_approval → vp_brief" in page
    assert "副总审批前先整理材料" in page
