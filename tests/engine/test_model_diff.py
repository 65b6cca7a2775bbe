"""The diff reads what the engine runs: a timer's expression, a flow's condition, a task's lane and
the form it shows each count as a change of that element, by id and name."""
from __future__ import annotations

from engine.model_diff import Bundle, diff
from tests.conftest import TEST_BPMN


def bundles(old: str, new: str, old_forms=None, new_forms=None):
    return (Bundle("1", "m.bpmn", {"m.bpmn": old}, old_forms or {}),
            Bundle("2", "m.bpmn", {"m.bpmn": new}, new_forms or {}))


def changes(result) -> dict:
    return {e["id"]: [(c["what"], c["from"], c["to"]) for c in e["changes"]] for e in result["changed"]}


def test_timer_condition_and_lane_changes_belong_to_their_elements():
    timer = (TEST_BPMN / "t_timer.bpmn").read_text()
    assert changes(diff(*bundles(timer, timer.replace('"PT2S"', '"PT4S"')))) == {
        "sla": [("timer", '"PT2S"', '"PT4S"')]}
    dmn = (TEST_BPMN / "t_dmn.bpmn").read_text()
    edited = dmn.replace('approver == "service_manager"', 'approver in ("service_manager",)').replace(
        '<bpmn:lane id="l3" name="sales_vp">', '<bpmn:lane id="l3" name="general_manager">')
    assert changes(diff(*bundles(dmn, edited))) == {
        "f_mgr": [("condition", 'approver == "service_manager"', 'approver in ("service_manager",)')],
        "vp_ok": [("lane", "sales_vp", "general_manager")]}


def test_a_changed_form_marks_the_task_that_shows_it():
    source = (TEST_BPMN / "t_approval.bpmn").read_text()
    form = {"fields": [{"name": "ok", "type": "boolean"}]}
    wider = {"fields": [*form["fields"], {"name": "why", "type": "text"}]}
    result = diff(*bundles(source, source, {"t_approval/review": form}, {"t_approval/review": wider}))
    assert [(e["id"], e["name"], [c["what"] for c in e["changes"]]) for e in result["changed"]] == [
        ("review", "Review request", ["form"])]
    assert result["forms"] == ["t_approval/review"] and not result["unchanged"]
    assert diff(*bundles(source, source))["unchanged"] is True
