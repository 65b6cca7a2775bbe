"""The committed diagrams open laid out in any BPMN modeler: a participant, a shape for every lane
and flow node, an edge with orthogonal waypoints for every flow, no overlapping shapes; and they
are exactly what bpmn/tools/build.py generates."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from workflows.roles import ROLES

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted((ROOT / "bpmn").glob("*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
NOT_NODES = {"laneSet", "sequenceFlow", "documentation", "extensionElements"}
LANE_NAMES = {role.name_zh: role.id for role in ROLES.values()} | {role: role for role in ROLES}


def _bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _on_border(point, box) -> bool:
    x, y = point
    left, top, right, bottom = box
    within_x, within_y = left - 1 <= x <= right + 1, top - 1 <= y <= bottom + 1
    return within_x and within_y and min(abs(x - left), abs(x - right), abs(y - top), abs(y - bottom)) <= 1


def _read(path: Path):
    root = etree.parse(str(path)).getroot()
    process = root.find("bpmn:process", NS)
    nodes = {el.get("id"): el for el in process if etree.QName(el).localname not in NOT_NODES}
    flows = {el.get("id"): el for el in process.findall("bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    return root, process, nodes, flows, shapes, edges


def test_the_flows_are_there():
    assert [p.stem for p in DIAGRAMS] == ["accident", "compensation_approval", "compensation_office", "complaint",
                                          "delivery_installation",
                                          "fault_handling", "installation", "revisit", "service_appointment",
                                          "sla_escalation", "tech_support", "tool_loss"]  # + the SLA breach escalation


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.stem)
def test_every_element_has_its_shape_and_nothing_overlaps(path):
    root, process, nodes, flows, shapes, edges = _read(path)
    assert process.get("id") == path.stem
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("processRef") == path.stem and participant.get("id") in shapes
    pool = _bounds(shapes[participant.get("id")])
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    lane_of = {}
    for lane in lanes:
        assert lane.get("name") in LANE_NAMES, f"lane {lane.get('name')} is not a role"
        assert lane.get("id") in shapes and _inside(_bounds(shapes[lane.get("id")]), pool)
        lane_of.update({ref.text: _bounds(shapes[lane.get("id")]) for ref in lane.findall("bpmn:flowNodeRef", NS)})
    for a in lanes:
        for b in lanes:
            if a is not b:
                assert not _overlap(_bounds(shapes[a.get("id")]), _bounds(shapes[b.get("id")]))
    assert set(nodes) <= set(shapes), f"nodes without a shape: {set(nodes) - set(shapes)}"
    assert set(nodes) == set(lane_of), "every flow node sits in exactly the lanes that list it"
    boxes = {node_id: _bounds(shapes[node_id]) for node_id in nodes}
    for node_id, box in boxes.items():
        assert _inside(box, lane_of[node_id]), f"{node_id} lies outside its lane"
        for other, other_box in boxes.items():
            sits_on = {nodes[node_id].get("attachedToRef"), nodes[other].get("attachedToRef")}  # boundary events
            assert other == node_id or other in sits_on or node_id in sits_on or not _overlap(box, other_box), \
                f"{node_id} overlaps {other}"
    assert set(flows) == set(edges), f"flows without an edge: {set(flows) - set(edges)}"
    for flow_id, flow in flows.items():
        points = [(float(w.get("x")), float(w.get("y"))) for w in edges[flow_id].findall("di:waypoint", NS)]
        assert len(points) >= 2
        assert _on_border(points[0], boxes[flow.get("sourceRef")]), f"{flow_id} does not leave its source"
        assert _on_border(points[-1], boxes[flow.get("targetRef")]), f"{flow_id} does not reach its target"
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{flow_id} has a diagonal segment"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.stem)
def test_user_tasks_have_chinese_forms(path):
    _, process, nodes, _, _, _ = _read(path)
    form_dir = ROOT / "bpmn" / "forms" / path.stem
    for node in nodes.values():
        props = {p.get("name"): p.get("value") for p in node.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property")}
        if etree.QName(node).localname == "userTask" or props.get("form"):
            definition = json.loads((form_dir / f"{props['form']}.json").read_text(encoding="utf-8"))
            assert definition["title"]["zh"] and definition["title"]["en"]
            for field in definition["fields"]:
                assert field["label"]["zh"] and field["label"]["en"], f"{props['form']}.{field['name']}"


def test_committed_files_are_what_the_generator_writes():
    result = subprocess.run([sys.executable, str(ROOT / "bpmn" / "tools" / "build.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _page_with(browser, bundle_name: str):
    """A blank page holding one of the front-end bundles from node_modules."""
    bundle = ROOT / "node_modules" / bundle_name
    if not bundle.exists():
        pytest.skip(f"needs node_modules/{bundle_name} (npm ci)")
    page = browser.new_page()
    page.set_content(f"<html><body><div id='canvas' style='width:1600px;height:900px'></div>"
                     f"<script>{bundle.read_text()}</script></body></html>")
    return page


@pytest.mark.browser
def test_bpmn_js_imports_every_diagram_without_warnings(chromium):
    page = _page_with(chromium, "bpmn-js/dist/bpmn-modeler.production.min.js")
    for path in DIAGRAMS:
        result = page.evaluate("""async (xml) => {
            const modeler = new BpmnJS({container: '#canvas'});
            try {
              const {warnings} = await modeler.importXML(xml);
              const shapes = modeler.get('elementRegistry').getAll().length;
              modeler.destroy();
              return {warnings: warnings.map(w => w.message), shapes};
            } catch (error) { return {error: String(error)}; }
        }""", path.read_text(encoding="utf-8"))
        assert result.get("warnings") == [], (path.stem, result)
        assert result["shapes"] > 5


@pytest.mark.browser
def test_dmn_js_opens_the_authority_table(chromium):
    page = _page_with(chromium, "dmn-js/dist/dmn-modeler.production.min.js")
    result = page.evaluate("""async (xml) => {
        const modeler = new DmnJS({container: '#canvas'});
        const {warnings} = await modeler.importXML(xml);
        await modeler.open(modeler.getViews().find(v => v.type === 'decisionTable'));
        return {warnings: warnings.map(w => w.message), views: modeler.getViews().map(v => v.type),
                rows: document.querySelectorAll('tbody tr').length};
    }""", (ROOT / "bpmn" / "compensation_authority.dmn").read_text(encoding="utf-8"))
    assert result["warnings"] == [] and result["views"] == ["drd", "decisionTable"]
    assert result["rows"] >= 4
