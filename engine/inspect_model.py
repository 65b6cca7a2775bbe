"""Reads a BPMN/DMN bundle's XML for what deploy-time validation needs: every expression with its
element, user tasks with their lanes and forms, service operators, call activities, decisions."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
CAMUNDA_DECISION_REF = "{http://camunda.org/schema/1.0/bpmn}decisionRef"
DEFAULT_ROLE = "default_role"  # a process property: the role of user tasks outside any lane
DMN_NS = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
          "https://www.omg.org/spec/DMN/20230324/MODEL/")
EXPRESSION_PROPERTIES = ("assignee", "due")


@dataclass
class Expression:
    element: str
    text: str
    mode: str = "eval"  # eval | exec | dmn-entry


@dataclass
class Inventory:
    expressions: list[Expression] = field(default_factory=list)
    user_tasks: list[dict[str, str | None]] = field(default_factory=list)  # id, name, lane, form, process
    start_forms: dict[str, str] = field(default_factory=dict)  # process id -> form name
    start_lanes: dict[str, str | None] = field(default_factory=dict)
    services: list[tuple[str, str]] = field(default_factory=list)  # element, operator
    called: list[tuple[str, str]] = field(default_factory=list)  # element, process id
    decisions_used: list[tuple[str, str]] = field(default_factory=list)  # element, decision id
    decisions: set[str] = field(default_factory=set)
    processes: dict[str, str] = field(default_factory=dict)  # process id -> file name
    gateway_problems: list[tuple[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # element id -> its name, for messages
    process_names: dict[str, str] = field(default_factory=dict)  # process id -> name
    default_roles: dict[str, str] = field(default_factory=dict)  # process id -> lane name


def read_xml(text: str, filename: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(text.encode("utf-8"), parser)


def properties_of(node) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in
            node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)}


def lanes_of(process) -> dict[str, str]:
    """flow node id -> lane name."""
    owner: dict[str, str] = {}
    for lane in process.xpath(".//bpmn:lane", namespaces=NS):
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            owner[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return owner


def _bpmn(inv: Inventory, filename: str, root) -> None:
    for process in root.xpath("./bpmn:process", namespaces=NS):
        pid = process.get("id")
        inv.processes[pid] = filename
        inv.process_names[pid] = process.get("name") or ""
        if properties_of(process).get(DEFAULT_ROLE):
            inv.default_roles[pid] = properties_of(process)[DEFAULT_ROLE]
        lanes = lanes_of(process)
        for node in process.iter():
            _node(inv, pid, node, lanes)
        _gateways(inv, process)


def _node(inv: Inventory, pid: str, node, lanes: Mapping[str, str]) -> None:
    if not isinstance(node.tag, str):
        return
    tag = etree.QName(node).localname
    owner = node.getparent()
    owner_id = owner.get("id") if owner is not None else pid
    owner_tag = etree.QName(owner).localname if owner is not None else ""
    _named(inv, tag, node)
    if tag in ("conditionExpression", "loopCardinality", "completionCondition", "loopCondition"):
        inv.expressions.append(Expression(owner_id, node.text or ""))
    elif tag in ("timeDuration", "timeDate", "timeCycle"):
        event = owner.getparent()
        inv.expressions.append(Expression(event.get("id") if event is not None else owner_id, node.text or ""))
    elif (tag == "script" and owner_tag == "scriptTask") or tag in ("preScript", "postScript"):
        task = owner if tag == "script" else owner.getparent()
        inv.expressions.append(Expression(task.get("id"), node.text or "", "exec"))
    elif tag == "parameter" and node.get("value") is not None:
        inv.expressions.append(Expression(owner.getparent().getparent().get("id"), node.get("value")))
    elif tag == "serviceTaskOperator":
        inv.services.append((owner.getparent().get("id"), node.get("id")))
    elif tag == "calledDecisionId":
        inv.decisions_used.append((owner.getparent().get("id"), (node.text or "").strip()))
    elif tag == "callActivity":
        inv.called.append((node.get("id"), node.get("calledElement")))
    elif tag in ("userTask", "manualTask", "task"):
        _user_task(inv, pid, node, lanes)
    elif tag == "startEvent" and owner_tag == "process":
        props = properties_of(node)
        if props.get("form"):
            inv.start_forms[pid] = props["form"]
        inv.start_lanes[pid] = lanes.get(node.get("id"))


def _named(inv: Inventory, tag: str, node) -> None:
    """Names for messages; Camunda's decisionRef counts as a decision used."""
    if node.get("id") and node.get("name"):
        inv.names.setdefault(node.get("id"), node.get("name"))
    if tag == "businessRuleTask" and node.get(CAMUNDA_DECISION_REF):
        inv.decisions_used.append((node.get("id"), node.get(CAMUNDA_DECISION_REF).strip()))


def _user_task(inv: Inventory, pid: str, node, lanes: Mapping[str, str]) -> None:
    ident, props = node.get("id"), properties_of(node)
    inv.user_tasks.append({"id": ident, "name": node.get("name") or ident, "lane": lanes.get(ident),
                           "form": props.get("form"), "process": pid})
    for prop in EXPRESSION_PROPERTIES:
        if props.get(prop):
            inv.expressions.append(Expression(ident, props[prop]))


def _gateways(inv: Inventory, process) -> None:
    flows = {f.get("id"): f for f in process.xpath("./bpmn:sequenceFlow", namespaces=NS)}
    for gateway in process.xpath("./bpmn:exclusiveGateway | ./bpmn:inclusiveGateway", namespaces=NS):
        outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
        if len(outgoing) < 2:
            continue
        default = gateway.get("default")
        for flow in outgoing:
            has_condition = flow.find("bpmn:conditionExpression", NS) is not None
            if flow.get("id") != default and not has_condition:
                inv.gateway_problems.append(
                    (flow.get("id"), f"flow out of gateway '{gateway.get('id')}' has no condition "
                                     "and is not the gateway's default"))


def _dmn(inv: Inventory, root) -> None:
    ns = {"dmn": etree.QName(root).namespace}
    for decision in root.xpath(".//dmn:decision", namespaces=ns):
        inv.decisions.add(decision.get("id"))
        if decision.get("name"):
            inv.names.setdefault(decision.get("id"), decision.get("name"))
        for text in decision.xpath(".//dmn:inputExpression/dmn:text", namespaces=ns):
            inv.expressions.append(Expression(decision.get("id"), text.text or ""))
        for rule in decision.xpath(".//dmn:rule", namespaces=ns):
            for entry in rule.xpath("./dmn:inputEntry/dmn:text", namespaces=ns):
                inv.expressions.append(Expression(rule.get("id") or decision.get("id"), entry.text or "",
                                                  "dmn-entry"))
            for entry in rule.xpath("./dmn:outputEntry/dmn:text", namespaces=ns):
                if (entry.text or "").strip():
                    inv.expressions.append(Expression(rule.get("id") or decision.get("id"), entry.text))


def inventory(sources: Mapping[str, str]) -> Inventory:
    """Raises etree.XMLSyntaxError (with the file name added) for text that is not XML."""
    inv = Inventory()
    for filename, text in sources.items():
        try:
            root = read_xml(text, filename)
        except etree.XMLSyntaxError as exc:
            raise etree.XMLSyntaxError(f"{filename}: {exc}", exc.code, exc.lineno, exc.offset) from exc
        if filename.endswith(".dmn"):
            _dmn(inv, root)
        else:
            _bpmn(inv, filename, root)
    return inv


def iter_dmn_candidates(text: str) -> Iterator[str]:
    """The Python expressions a DMN input entry can become (as the DMN engine builds them)."""
    entry = text.replace("?", "dmninputexpr").strip()
    yield entry
    yield f"dmninputexpr {entry}"


def default_roles(sources: Mapping[str, str]) -> dict[str, str]:
    """process id -> the lane (role) its user tasks outside any lane belong to, where it sets one."""
    found = {}
    for filename, text in sources.items():
        if filename.endswith(".bpmn"):
            for process in read_xml(text, filename).xpath("./bpmn:process", namespaces=NS):
                role = properties_of(process).get(DEFAULT_ROLE)
                if role:
                    found[process.get("id")] = role
    return found
