"""The process owner in a real browser: open a deployed process in the modeler, rename a task,
deploy, see the next version; a deliberate mistake is refused with the problem next to the
diagram and the element at fault selected; a decision table edited in dmn-js deploys with the
process; what the engine reads survives the editor's import and export of every real diagram;
phone widths."""
from __future__ import annotations

import json

import pytest

from engine import loader
from engine.db import db
from engine.inspect_model import inventory
from tests.browserkit import NO_HORIZONTAL_SCROLL
from tests.workflows.flowkit import complete, ready

pytestmark = pytest.mark.browser
PROCESS = "compensation_approval"


def open_modeler(session, process_id: str = PROCESS):
    page = session.go(f"/modeler/{process_id}/edit")
    page.wait_for_selector("[data-testid=modeler][data-ready=true]")
    return page


def select(page, element_id: str) -> None:
    """Select an element as a click would (thin connections are hard to hit by coordinates)."""
    page.evaluate("""id => { const m = window.AftercareModeler.bpmn;
                             m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    page.wait_for_selector(f"[data-testid=properties][data-element='{element_id}']")


def change(page, prop: str, value: str) -> None:
    field = page.locator(f"[data-testid=properties] [data-prop={prop}]")
    field.fill(value)
    field.press("Tab")


def review_and_deploy(page, note: str = "流程调整") -> None:
    """Deploy as the page asks: see what changes, write the change note, confirm."""
    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=review]:not([hidden])")
    page.fill("[data-testid=change-note]", note)
    page.click("[data-testid=confirm-deploy]")


def latest_version() -> int:
    db.session.expire_all()
    return loader.latest(PROCESS).version


def test_owner_renames_a_task_deploys_and_sees_the_next_version(open_session, flows):
    before = loader.latest(PROCESS)
    page = open_modeler(open_session("owner1"))
    assert page.get_attribute("[data-testid=current-version]", "data-version") == str(before.version)

    page.click(".djs-element[data-element-id=desk_verify]")  # a click on the diagram selects the task
    assert page.get_attribute("[data-testid=properties]", "data-element") == "desk_verify"
    assert page.input_value("[data-testid=properties] [data-prop=form]") == "desk_verify"
    change(page, "name", "核实来函并存档")
    page.wait_for_selector("#dirty-state:has-text('有未部署的修改')")  # no string eval: the page's CSP forbids it
    page.click("[data-testid=deploy]")  # first what changes, marked on the diagram
    page.wait_for_selector("[data-testid=review]:not([hidden])")
    assert "desk_verify" in page.text_content("[data-testid=diff-changed] li[data-element=desk_verify]")
    assert page.locator(".djs-element.ac-changed[data-element-id=desk_verify]").count() == 1
    page.click("[data-testid=confirm-deploy]")  # no note yet: asked for one, nothing deployed
    assert page.locator("[data-note-missing]").is_visible() and latest_version() == before.version
    page.fill("[data-testid=change-note]", "核实步骤改名")
    page.click("[data-testid=confirm-deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    assert f"已部署为版本 {before.version + 1}" in page.text_content("[data-testid=deploy-result]")
    assert page.get_attribute("[data-testid=current-version]", "data-version") == str(before.version + 1)

    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert model.version == before.version + 1 and model.deployed_by == "owner1"
    tasks = {t["id"]: t for t in inventory({model.main_file: model.sources[model.main_file]}).user_tasks}
    assert tasks["desk_verify"]["name"] == "核实来函并存档" and tasks["desk_verify"]["form"] == "desk_verify"
    assert model.forms == before.forms  # forms not re-uploaded carried over
    assert model.sources["compensation_authority.dmn"] == before.sources["compensation_authority.dmn"]

    page.click("[data-testid=deploy]")  # nothing changed since: the same version
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=unchanged]")
    assert f"内容没有变化，仍是版本 {before.version + 1}" in page.text_content("[data-testid=deploy-result]")
    assert latest_version() == before.version + 1

    page.click("[data-testid=deploy-result] a")
    assert page.locator(f"[data-testid=versions] tr[data-version='{before.version + 1}']").is_visible()


def test_a_missing_form_and_a_flow_without_condition_are_refused_next_to_the_diagram(open_session, flows):
    before = latest_version()
    page = open_modeler(open_session("owner1"))
    page.click(".djs-element[data-element-id=vp_approval]")
    change(page, "form", "no_such_form")
    assert "此版本没有名为“no_such_form”的表单" in page.text_content("[data-testid=properties] [data-warning]")
    select(page, "flow_approver_gateway_vp_approval")  # the gateway's default flow, without a condition
    page.uncheck("[data-testid=properties] [data-prop=default]")

    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=refused]")
    problems = page.locator("[data-testid=problems] li")
    texts = {problems.nth(i).get_attribute("data-element"): problems.nth(i).text_content()
             for i in range(problems.count())}
    assert "表单“no_such_form”不存在" in texts["vp_approval"]
    assert texts["vp_approval"].startswith("分管销售副总审批 (vp_approval)")  # by name and id
    assert "既没有条件，也不是默认连线" in texts["flow_approver_gateway_vp_approval"]
    assert page.locator(".djs-element.ac-error[data-element-id=vp_approval]").count() == 1
    assert latest_version() == before  # nothing deployed

    page.click("[data-testid=problems] [data-locate=vp_approval]")  # the problem leads to its element
    assert page.get_attribute("[data-testid=properties]", "data-element") == "vp_approval"
    change(page, "form", "vp_approval")
    select(page, "flow_approver_gateway_vp_approval")
    page.check("[data-testid=properties] [data-prop=default]")
    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=unchanged]")  # back to what is deployed
    assert page.locator(".djs-element.ac-error").count() == 0
    assert latest_version() == before


def test_a_decision_table_edited_in_dmn_js_deploys_with_the_process(open_session, flows):
    before = loader.latest(PROCESS)
    page = open_modeler(open_session("owner1"))
    page.click("[data-tab='compensation_authority.dmn']")
    page.wait_for_selector("[data-pane='compensation_authority.dmn'][data-ready=true]")
    assert page.locator("#dmn-help").is_visible() and not page.locator("#properties").is_visible()
    cell = page.locator("[data-pane='compensation_authority.dmn'] td", has_text="<= 1000").first
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("<= 2000 +")  # not an expression
    page.keyboard.press("Tab")
    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=refused]")
    assert "表达式有语法错误：<= 2000 +" in page.text_content("[data-testid=problems] li[data-element=rule_manager]")
    page.click("[data-tab='compensation_approval.bpmn']")
    page.click("[data-testid=problems] [data-locate=rule_manager]")  # back to the table, the rule marked
    page.wait_for_selector("[data-pane='compensation_authority.dmn'].active .dmn-problem")

    cell = page.locator("[data-pane='compensation_authority.dmn'] td", has_text="<= 2000 +").first
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("<= 2000")
    page.keyboard.press("Tab")
    review_and_deploy(page)
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert model.version == before.version + 1
    assert "&lt;= 2000" in model.sources["compensation_authority.dmn"]
    assert "&lt;= 1000" not in model.sources["compensation_authority.dmn"]
    assert model.sources[model.main_file] == before.sources[model.main_file]  # the diagram went as it was


def _engine_view(source: str, name: str) -> dict:
    inv = inventory({name: source})
    return {"tasks": sorted(repr((t["id"], t["name"], t["lane"], t["form"])) for t in inv.user_tasks),
            "expressions": sorted(repr((e.element, e.text.strip(), e.mode)) for e in inv.expressions),
            "services": sorted(map(repr, inv.services)), "decisions": sorted(map(repr, inv.decisions_used)),
            "called": sorted(map(repr, inv.called)),
            "start_forms": inv.start_forms, "start_lanes": inv.start_lanes,
            "gateways": sorted(map(repr, inv.gateway_problems))}


def test_the_editor_keeps_everything_the_engine_reads_in_every_real_diagram(open_session, flows):
    session = open_session("owner1")
    for model in loader.latest_all():
        page = open_modeler(session, model.process_id)
        exported = page.evaluate("window.AftercareModeler.bpmn.saveXML({format: true}).then(r => r.xml)")
        original = model.sources[model.main_file]
        assert _engine_view(exported, model.main_file) == _engine_view(original, model.main_file), model.process_id
        assert "spiffworkflow:properties" in exported or "spiffworkflow:properties" not in original


def test_list_pages_fit_a_phone_and_the_editor_says_it_needs_a_desktop(open_session, flows, artifacts):
    session = open_session("owner1", width=390, height=844)
    for path, name in (("/modeler/", "models"), (f"/modeler/{PROCESS}", "versions"),
                       (f"/modeler/{PROCESS}/versions/1/forms", "forms"), (f"/modeler/{PROCESS}/diff?to=1", "diff")):
        page = session.go(path)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), path
        page.screenshot(path=str(artifacts / f"modeler-{name}-390.png"), full_page=True)
    page = session.go(f"/modeler/{PROCESS}/edit")
    assert page.locator("[data-testid=desktop-only]").is_visible()
    assert not page.locator("[data-testid=modeler]").is_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)

    admin = open_session("admin", width=390, height=844)
    for path, name in (("/admin/calendar", "calendar"), ("/admin/sla", "sla"), ("/admin/timers", "timers")):
        page = admin.go(path)
        assert page.evaluate(NO_HORIZONTAL_SCROLL), path
        page.screenshot(path=str(artifacts / f"admin-{name}-390.png"), full_page=True)




def test_timer_and_condition_expressions_are_edited_in_the_panel(open_session, deploy, users):
    deploy("t_modeler")  # a boundary timer and a gateway, with a layout
    page = open_modeler(open_session("owner1"), "t_modeler")
    select(page, "sla")
    assert page.input_value("[data-testid=properties] [data-prop=timer-kind]") == "timeDuration"
    assert page.input_value("[data-testid=properties] [data-prop=timer]") == '"PT2H"'
    change(page, "timer", '"PT4H')  # the closing quote forgotten
    select(page, "f_yes")
    assert page.input_value("[data-testid=properties] [data-prop=condition]") == "approved == True"
    assert not page.is_checked("[data-testid=properties] [data-prop=default]")
    change(page, "condition", "approved != False")
    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=refused]")
    assert "表达式有语法错误" in page.text_content("[data-testid=problems] li[data-element=sla]")
    assert page.get_attribute("[data-testid=properties]", "data-element") == "sla"  # the element at fault

    change(page, "timer", '"PT4H"')
    page.select_option("[data-testid=properties] [data-prop=timer-kind]", "timeDate")
    change(page, "timer", "working_days(1, received_at)")
    review_and_deploy(page)
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    db.session.expire_all()
    model = loader.latest("t_modeler")
    expressions = {(e.element, e.text.strip()) for e in inventory(model.sources).expressions}
    assert {("sla", "working_days(1, received_at)"), ("f_yes", "approved != False")} <= expressions
    assert "<bpmn:timeDate" in model.sources["t_modeler.bpmn"] and "timeDuration" not in model.sources["t_modeler.bpmn"]


def test_a_diagram_without_layout_says_so(open_session, deploy, users):
    deploy("t_parallel")
    page = open_session("owner1").go("/modeler/t_parallel/edit")
    page.wait_for_selector("[data-testid=modeler][data-ready=error]")
    assert "没有图形布局信息" in page.text_content("[data-testid=deploy-result]")
    assert page.is_disabled("[data-testid=deploy]")


def test_owner_raises_the_threshold_tries_it_sees_the_diff_dry_runs_and_deploys(open_session, flows, actors):
    """The compensation threshold 5,000 → 8,000: the decision test on 6,000 emergency (the sales VP
    alone), the diff, the dry run over finished claims, the deploy with a note; a claim started
    before keeps the old rule."""
    import tests.workflows.test_compensation_approval as compensation
    from engine import commands, queries
    from tests.web.test_model_changes_api import finish

    finished = {amount: finish(flows, actors, amount, True).id for amount in ("800.00", "6000.00", "9000.00")}
    earlier = commands.start_instance(process_id=PROCESS, data=compensation.claim(flows, amount="6000.00"),
                                      actor=actors["desk1"])  # started before the change, not yet decided
    before = loader.latest(PROCESS)

    page = open_modeler(open_session("owner1"))
    page.click("[data-tab='compensation_authority.dmn']")
    page.wait_for_selector("[data-pane='compensation_authority.dmn'][data-decision-ready=true]")
    for old, new in (("1000 < ? < 5000", "1000 < ? < 8000"), (">= 5000", ">= 8000")):
        page.locator("[data-pane='compensation_authority.dmn'] td", has_text=old).first.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(new)
        page.keyboard.press("Tab")
    test = page.locator("[data-testid=decision-test]")
    test.locator("[data-variable=amount]").fill("6000")
    test.locator("[data-variable=emergency]").select_option("true")
    page.click("[data-testid=decision-run]")
    page.wait_for_selector("[data-testid=decision-fired][data-rule=rule_vp]")
    assert test.locator("[data-output=approver]").text_content() == '"sales_vp"'
    assert test.locator("[data-output=needs_general_manager]").text_content() == "false"  # the sales VP only

    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=review]:not([hidden])")
    rules = page.text_content("[data-testid=diff-rules]")
    assert "rule_vp" in rules and "1000 < ? < 8000" in rules and "rule_gm_large" in rules
    assert page.locator(".djs-element.ac-changed[data-element-id=authority]").count() == 1
    page.click("[data-testid=dry-run]")
    page.wait_for_selector("[data-testid=dry-run-summary]")
    outcomes = {amount: page.get_attribute(f"[data-testid=dry-run-results] tr[data-instance='{case_id}']",
                                           "data-outcome") for amount, case_id in finished.items()}
    assert outcomes == {"800.00": "same", "6000.00": "diverged", "9000.00": "same"}
    assert latest_version() == before.version  # nothing deployed yet

    page.fill("[data-testid=change-note]", "紧急赔偿副总批准额度由5000元提高到8000元")
    page.click("[data-testid=confirm-deploy]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert model.version == before.version + 1 and model.note == "紧急赔偿副总批准额度由5000元提高到8000元"
    assert "1000 &lt; ? &lt; 8000" in model.sources["compensation_authority.dmn"]
    page.goto(page.url.split("/modeler/")[0] + f"/modeler/{PROCESS}")  # the versions, then the comparison
    assert page.text_content(f"tr[data-version='{model.version}'] [data-testid=note]") == model.note
    page.click(f"tr[data-version='{model.version}'] [data-testid=compare]")
    page.wait_for_selector("[data-diff-marks][data-marked=true]")
    assert page.locator(".djs-element.ac-changed[data-element-id=authority]").count() == 1
    assert "1000 < ? < 8000" in page.text_content("[data-testid=diff-rules]")

    case = complete(earlier, "desk_verify", actors["desk1"])  # pinned to the old version: the old rule
    case = complete(case, "vp_approval", actors["salesvp1"])
    assert set(ready(case.id)) == {"gm_approval"}
    later = compensation.start(flows, actors, amount="6000.00", emergency=True)
    later = complete(later, "vp_approval", actors["salesvp1"])
    assert set(ready(later.id)) == {"production_order"}  # the new rule: no general manager
    assert queries.instance(later.id).model_version_id == model.id


def test_a_draft_saved_on_the_server_reopens_later_and_a_file_imports_into_the_editor(open_session, flows,
                                                                                     tmp_path):
    before = loader.latest(PROCESS)
    session = open_session("owner1")
    page = open_modeler(session)
    page.click(".djs-element[data-element-id=desk_verify]")
    change(page, "name", "核实来函（草稿）")
    page.click("[data-testid=save-draft]")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=draft-saved]")

    page = open_modeler(session)  # later: the deployed version, and a note that a draft waits
    assert "核实来函（草稿）" not in page.text_content("#bpmn-canvas")
    page.click("[data-testid=open-draft]")
    page.wait_for_selector("[data-testid=modeler][data-ready=true]")
    assert page.locator("[data-testid=draft-opened]").is_visible()
    assert "核实来函（草稿）" in page.text_content("#bpmn-canvas")

    exported = tmp_path / "claims.bpmn"
    exported.write_text(before.sources[before.main_file].replace("核实来函、存档并分析原因", "导入的核实步骤"),
                        encoding="utf-8")
    page.set_input_files("[data-testid=import-file]", str(exported))
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=imported]")
    assert "导入的核实步骤" in page.text_content("#bpmn-canvas")
    review_and_deploy(page, "导入外部修改的流程图")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert "导入的核实步骤" in model.sources[model.main_file] and model.note == "导入外部修改的流程图"
    assert not open_modeler(session).locator("[data-testid=draft-notice]").count()  # deployed: draft gone


def test_a_form_is_edited_with_a_live_preview_checked_like_deploy_and_deploys(open_session, flows):
    before = loader.latest(PROCESS)
    page = open_modeler(open_session("owner1"))
    page.click("[data-testid=forms-tab]")
    page.select_option("[data-testid=form-select]", "vp_approval")
    page.wait_for_selector("[data-pane='__forms__'][data-valid=true]")
    definition = json.loads(page.input_value("[data-testid=form-json]"))
    definition["fields"].append({"name": "urgency", "type": "enum", "required": True,
                                 "label": {"zh": "紧急程度", "en": "Urgency"},
                                 "choices": [{"value": "high", "label": {"zh": "高", "en": "High"}}]})
    page.fill("[data-testid=form-json]", json.dumps(definition, ensure_ascii=False))
    page.wait_for_selector("[data-testid=form-preview] [data-field=urgency][data-type=enum] [data-required]")
    assert "紧急程度" in page.text_content("[data-testid=form-preview] [data-field=urgency]")
    page.select_option("[data-testid=form-preview-lang]", "en")
    assert "Urgency" in page.text_content("[data-testid=form-preview] [data-field=urgency]")
    assert page.locator("[data-testid=form-preview] [data-field=urgency] option").text_content() == "High"

    broken = dict(definition, fields=[*definition["fields"], {"name": "when", "type": "moment"}])
    page.fill("[data-testid=form-json]", json.dumps(broken, ensure_ascii=False))
    page.wait_for_selector("[data-pane='__forms__'][data-valid=false]")
    assert "moment" in page.text_content("[data-testid=form-problems]")
    page.click("[data-testid=deploy]")  # refused like at deploy
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=refused]")

    page.fill("[data-testid=form-json]", json.dumps(definition, ensure_ascii=False))
    page.wait_for_selector("[data-pane='__forms__'][data-valid=true]")
    review_and_deploy(page, "副总审批增加紧急程度")
    page.wait_for_selector("[data-testid=deploy-result][data-outcome=created]")
    db.session.expire_all()
    model = loader.latest(PROCESS)
    assert model.version == before.version + 1
    assert model.forms[f"{PROCESS}/vp_approval"]["fields"][-1]["name"] == "urgency"
    assert model.forms[f"{PROCESS}/claim"] == before.forms[f"{PROCESS}/claim"]  # the others carried over
