"""A small DSL for Aftercare's BPMN diagrams: nodes placed on a (lane, column, row) grid, sequence
flows between them, and a writer that emits BPMN 2.0 XML with the SpiffWorkflow extensions the
engine reads and full diagram interchange (a participant, a shape per lane and node, an edge with
orthogonal waypoints per flow), so bpmn-js and Camunda Modeler open the files laid out.

Routing picks, for every flow, the first orthogonal path that crosses no other node; a flow for
which no such path exists is an error, so a crowded layout fails the build instead of shipping."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

TAGS = {
    "start": "startEvent", "end": "endEvent", "user": "userTask", "service": "serviceTask",
    "script": "scriptTask", "rule": "businessRuleTask", "call": "callActivity", "xor": "exclusiveGateway",
    "and": "parallelGateway", "throw": "intermediateThrowEvent", "catch": "intermediateCatchEvent",
    "timer": "intermediateCatchEvent", "boundary": "boundaryEvent",
}
SIZES = {"start": (36, 36), "end": (36, 36), "xor": (50, 50), "and": (50, 50), "throw": (36, 36), "catch": (36, 36),
         "timer": (36, 36), "boundary": (36, 36)}
GATEWAYS = ("xor", "and")
OUTSIDE_LABELS = ("start", "end", "xor", "and", "throw", "catch", "timer", "boundary")
TASK_SIZE = (100, 80)
GAP = 55  # horizontal space between columns
ROW_H = 120  # height of one row of a lane
LANE_LABEL = 30  # the band holding a lane's (or the pool's) name
ORIGIN = (160, 80)
MARGIN = 5  # clearance a path keeps from shapes it does not connect
CHANNEL = 24  # how far below/above shapes a loop-back path runs


def q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    col: int
    row: int = 0
    props: dict[str, str] = field(default_factory=dict)
    doc: str = ""
    operator: tuple[str, str, dict[str, str]] | None = None  # (name, result variable, params)
    script: str = ""
    decision: str = ""
    called: str = ""
    signal: str = ""  # throw/catch events: the signal's name (signals match by name across called processes)
    timer: str = ""  # timer events: the timeDate expression
    attached: str = ""  # a boundary timer: the task it sits on (non-interrupting)
    x: float = 0
    y: float = 0

    @property
    def size(self) -> tuple[int, int]:
        return SIZES.get(self.kind, TASK_SIZE)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return (self.x - w / 2, self.y - h / 2, self.x + w / 2, self.y + h / 2)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str = ""
    default: bool = False
    route: str = ""  # force a path shape: right, vertical, below, above
    waypoints: list[tuple[float, float]] = field(default_factory=list)


class Process:
    def __init__(self, pid: str, name: str, lanes: list[tuple[str, str]], doc: str = ""):
        self.id, self.name, self.doc = pid, name, doc
        self.lanes = lanes  # (role id, lane name), top to bottom
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []

    # ------------------------------------------------------------ building
    def add(self, kind: str, node_id: str, name: str, lane: str, col: int, row: int = 0, **kw) -> Node:
        if node_id in self.nodes:
            raise ValueError(f"{self.id}: duplicate node {node_id}")
        if lane not in {role for role, _ in self.lanes}:
            raise ValueError(f"{self.id}: node {node_id} in unknown lane {lane}")
        node = Node(node_id, kind, name, lane, col, row, **kw)
        self.nodes[node_id] = node
        return node

    def flow(self, source: str, target: str, name: str = "", condition: str = "", default: bool = False,
             route: str = "") -> Flow:
        for end in (source, target):
            if end not in self.nodes:
                raise ValueError(f"{self.id}: flow refers to unknown node {end}")
        flow = Flow(f"flow_{source}_{target}", source, target, name, condition, default, route)
        self.flows.append(flow)
        return flow

    def chain(self, *ids: str) -> None:
        for source, target in zip(ids, ids[1:], strict=False):
            self.flow(source, target)

    # ------------------------------------------------------------ layout
    def _rows(self) -> dict[str, int]:
        rows = {role: 1 for role, _ in self.lanes}
        for node in self.nodes.values():
            rows[node.lane] = max(rows[node.lane], node.row + 1)
        return rows

    def layout(self) -> None:
        cells = {}
        for node in self.nodes.values():
            if node.kind == "boundary":
                continue
            key = (node.lane, node.row, node.col)
            if key in cells:
                raise ValueError(f"{self.id}: {node.id} and {cells[key]} share lane/row/column {key}")
            cells[key] = node.id
        columns = max(n.col for n in self.nodes.values()) + 1
        widths = [max([n.size[0] for n in self.nodes.values() if n.col == c] or [36]) for c in range(columns)]
        centers, x = [], ORIGIN[0] + LANE_LABEL * 2 + 20
        for width in widths:
            centers.append(x + width / 2)
            x += width + GAP
        self.width = x - ORIGIN[0] - GAP + 40
        rows = self._rows()
        self.lane_bounds: dict[str, tuple[float, float]] = {}
        y = ORIGIN[1]
        for role, _ in self.lanes:
            self.lane_bounds[role] = (y, rows[role] * ROW_H)
            y += rows[role] * ROW_H
        self.height = y - ORIGIN[1]
        for node in self.nodes.values():
            top, _ = self.lane_bounds[node.lane]
            node.x, node.y = centers[node.col], top + node.row * ROW_H + ROW_H / 2
        for node in self.nodes.values():
            if node.kind == "boundary":  # on the bottom edge of its task
                task = self.nodes[node.attached]
                node.x, node.y = task.x + 30, task.bounds[3]
        for flow in self.flows:
            flow.waypoints = self._route(flow)

    def _route(self, flow: Flow) -> list[tuple[float, float]]:
        s, t = self.nodes[flow.source], self.nodes[flow.target]
        for name, path in self._candidates(s, t):
            if not flow.route or name == flow.route:
                if self._clear(path, {s.id, t.id}):
                    return path
        raise ValueError(f"{self.id}: no clear path for {flow.id} (route={flow.route or 'any'})")

    @staticmethod
    def _candidates(s: Node, t: Node):
        sl, st, sr, sb = s.bounds
        tl, tt, tr, tb = t.bounds
        sx, sy, tx, ty = s.x, s.y, t.x, t.y
        if abs(sy - ty) < 1 and tl > sr:
            yield "right", [(sr, sy), (tl, ty)]
        if abs(sx - tx) < 1:
            yield "vertical", [(sx, sb), (tx, tt)] if ty > sy else [(sx, st), (tx, tb)]
        if tl > sr and abs(sy - ty) >= 1:
            exit_y = sb if ty > sy else st
            entry_y = tt if ty > sy else tb  # entering from the side facing the source
            if s.kind in GATEWAYS:
                yield "vertical", [(sx, exit_y), (sx, ty), (tl, ty)]
            yield "right", [(sr, sy), (tl - GAP / 2, sy), (tl - GAP / 2, ty), (tl, ty)]
            yield "right", [(sr, sy), (sr + GAP / 2, sy), (sr + GAP / 2, ty), (tl, ty)]
            yield "vertical", [(sx, exit_y), (sx, ty), (tl, ty)]
            yield "right", [(sr, sy), (tx, sy), (tx, entry_y)]
        below = max(sb, tb) + CHANNEL
        above = min(st, tt) - CHANNEL
        yield "below", [(sx, sb), (sx, below), (tx, below), (tx, tb)]
        yield "above", [(sx, st), (sx, above), (tx, above), (tx, tt)]

    def _clear(self, path, ends: set[str]) -> bool:
        for node in self.nodes.values():
            if node.id in ends:
                continue
            left, top, right, bottom = node.bounds
            box = (left - MARGIN, top - MARGIN, right + MARGIN, bottom + MARGIN)
            for a, b in zip(path, path[1:], strict=False):
                if _segment_hits(a, b, box):
                    return False
        return True

    # ------------------------------------------------------------ XML
    def check(self) -> None:
        """SpiffWorkflow finds flow targets by id anywhere in the file: ids must not repeat."""
        for node in self.nodes.values():
            if node.operator and node.operator[0] in self.nodes:
                raise ValueError(f"{self.id}: service operator {node.operator[0]} has the id of a node")

    def to_xml(self) -> str:
        self.check()
        self.layout()
        root = ET.Element(q("bpmn", "definitions"), {
            "id": f"defs_{self.id}", "targetNamespace": "http://aftercare.example/bpmn",
            "exporter": "aftercare bpmn/tools", "exporterVersion": "1"})
        collab = ET.SubElement(root, q("bpmn", "collaboration"), {"id": f"collab_{self.id}"})
        ET.SubElement(collab, q("bpmn", "participant"), {"id": f"pool_{self.id}", "name": self.name,
                                                          "processRef": self.id})
        for signal in sorted({node.signal for node in self.nodes.values() if node.signal}):
            ET.SubElement(root, q("bpmn", "signal"), {"id": f"signal_{signal}", "name": signal})
        process = ET.SubElement(root, q("bpmn", "process"), {"id": self.id, "name": self.name,
                                                              "isExecutable": "true"})
        if self.doc:
            ET.SubElement(process, q("bpmn", "documentation")).text = self.doc
        lane_set = ET.SubElement(process, q("bpmn", "laneSet"), {"id": f"lanes_{self.id}"})
        for role, lane_name in self.lanes:
            lane = ET.SubElement(lane_set, q("bpmn", "lane"), {"id": self._lane_id(role), "name": lane_name})
            for node in self.nodes.values():
                if node.lane == role:
                    ET.SubElement(lane, q("bpmn", "flowNodeRef")).text = node.id
        for node in self.nodes.values():
            self._node_xml(process, node)
        defaults = {f.source: f.id for f in self.flows if f.default}
        for node_el in process:
            if node_el.get("id") in defaults:
                node_el.set("default", defaults[node_el.get("id")])
        for flow in self.flows:
            attrs = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
            if flow.name:
                attrs["name"] = flow.name
            flow_el = ET.SubElement(process, q("bpmn", "sequenceFlow"), attrs)
            if flow.condition:
                cond = ET.SubElement(flow_el, q("bpmn", "conditionExpression"),
                                     {q("xsi", "type"): "bpmn:tFormalExpression"})
                cond.text = flow.condition
        self._diagram_xml(root)
        ET.indent(root, space="  ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def _lane_id(self, role: str) -> str:
        return f"lane_{self.id}_{role}"

    def _node_xml(self, process, node: Node) -> None:
        attrs = {"id": node.id, "name": node.name}
        if node.kind == "call":
            attrs["calledElement"] = node.called
        if node.kind == "boundary":
            attrs.update(attachedToRef=node.attached, cancelActivity="false")
        el = ET.SubElement(process, q("bpmn", TAGS[node.kind]), attrs)
        if node.doc:
            ET.SubElement(el, q("bpmn", "documentation")).text = node.doc
        extensions = _extensions(node)
        if extensions:
            ET.SubElement(el, q("bpmn", "extensionElements")).extend(extensions)
        for flow in self.flows:
            if flow.target == node.id:
                ET.SubElement(el, q("bpmn", "incoming")).text = flow.id
        for flow in self.flows:
            if flow.source == node.id:
                ET.SubElement(el, q("bpmn", "outgoing")).text = flow.id
        if node.kind == "script":
            ET.SubElement(el, q("bpmn", "script")).text = node.script
        if node.signal:
            ET.SubElement(el, q("bpmn", "signalEventDefinition"), {"id": f"{node.id}_signal",
                                                                   "signalRef": f"signal_{node.signal}"})
        if node.kind in ("timer", "boundary"):
            definition = ET.SubElement(el, q("bpmn", "timerEventDefinition"), {"id": f"{node.id}_timer"})
            ET.SubElement(definition, q("bpmn", "timeDate")).text = node.timer

    def _diagram_xml(self, root) -> None:
        diagram = ET.SubElement(root, q("bpmndi", "BPMNDiagram"), {"id": f"diagram_{self.id}"})
        plane = ET.SubElement(diagram, q("bpmndi", "BPMNPlane"), {"id": f"plane_{self.id}",
                                                                  "bpmnElement": f"collab_{self.id}"})
        _shape(plane, f"pool_{self.id}", ORIGIN[0], ORIGIN[1], self.width, self.height, horizontal=True)
        for role, _ in self.lanes:
            top, height = self.lane_bounds[role]
            _shape(plane, self._lane_id(role), ORIGIN[0] + LANE_LABEL, top, self.width - LANE_LABEL, height,
                   horizontal=True)
        for node in self.nodes.values():
            left, top, right, bottom = node.bounds
            shape = _shape(plane, node.id, left, top, right - left, bottom - top,
                           horizontal=None, marker=node.kind == "xor")
            if node.kind in OUTSIDE_LABELS and node.name:
                _label(shape, *self._label_spot(node))
        for flow in self.flows:
            edge = ET.SubElement(plane, q("bpmndi", "BPMNEdge"), {"id": f"{flow.id}_di", "bpmnElement": flow.id})
            for x, y in flow.waypoints:
                ET.SubElement(edge, q("di", "waypoint"), {"x": _num(x), "y": _num(y)})
            if flow.name:
                (x1, y1), (x2, y2) = flow.waypoints[0], flow.waypoints[1]
                if abs(x1 - x2) < 1:  # leaves vertically: label beside the start of the segment
                    _label(edge, x1 + 5, y1 + 4 if y2 > y1 else y1 - 18, 50, 14)
                else:
                    _label(edge, x1 + 6, y1 - 18, 50, 14)


    def _label_spot(self, node: Node) -> tuple[float, float, float, float]:
        """Below the shape unless a flow runs there; then above, then beside it."""
        left, top, right, bottom = node.bounds
        spots = [(node.x - 45, bottom + 4, 90, 27), (node.x - 45, top - 31, 90, 27),
                 (right + 4, top - 24, 90, 27), (right + 4, bottom - 3, 90, 27)]
        for x, y, w, h in spots:
            box = (x - 3, y - 3, x + w + 3, y + h + 3)
            if not any(_segment_hits(a, b, box) for flow in self.flows
                       for a, b in zip(flow.waypoints, flow.waypoints[1:], strict=False)):
                return x, y, w, h
        return spots[0]


def _extensions(node: Node) -> list[ET.Element]:
    """SpiffWorkflow's extension elements: form/assignee/due properties, service operator, decision."""
    extensions = []
    if node.props:
        props = ET.Element(q("spiffworkflow", "properties"))
        for name, value in node.props.items():
            ET.SubElement(props, q("spiffworkflow", "property"), {"name": name, "value": value})
        extensions.append(props)
    if node.operator:
        op_name, result, params = node.operator
        operator = ET.Element(q("spiffworkflow", "serviceTaskOperator"), {"id": op_name, "resultVariable": result})
        plist = ET.SubElement(operator, q("spiffworkflow", "parameters"))
        for pid, expression in params.items():
            ET.SubElement(plist, q("spiffworkflow", "parameter"), {"id": pid, "type": "any", "value": expression})
        extensions.append(operator)
    if node.decision:
        decision = ET.Element(q("spiffworkflow", "calledDecisionId"))
        decision.text = node.decision
        extensions.append(decision)
    return extensions


def _num(value: float) -> str:
    return str(int(round(value)))


def _shape(plane, element: str, x, y, w, h, *, horizontal, marker: bool = False):
    attrs = {"id": f"{element}_di", "bpmnElement": element}
    if horizontal is not None:
        attrs["isHorizontal"] = "true"
    if marker:
        attrs["isMarkerVisible"] = "true"
    shape = ET.SubElement(plane, q("bpmndi", "BPMNShape"), attrs)
    ET.SubElement(shape, q("dc", "Bounds"), {"x": _num(x), "y": _num(y), "width": _num(w), "height": _num(h)})
    return shape


def _label(parent, x, y, w, h) -> None:
    label = ET.SubElement(parent, q("bpmndi", "BPMNLabel"))
    ET.SubElement(label, q("dc", "Bounds"), {"x": _num(x), "y": _num(y), "width": _num(w), "height": _num(h)})


def _segment_hits(a, b, box) -> bool:
    """Does the axis-parallel segment a-b cross the rectangle `box`?"""
    left, top, right, bottom = box
    (x1, y1), (x2, y2) = a, b
    if abs(y1 - y2) < 1e-6:
        return top < y1 < bottom and max(x1, x2) > left and min(x1, x2) < right
    if abs(x1 - x2) < 1e-6:
        return left < x1 < right and max(y1, y2) > top and min(y1, y2) < bottom
    return False
