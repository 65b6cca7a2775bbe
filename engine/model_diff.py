"""What changed between two versions of a process (or a version and a draft): the diagram's elements
added, removed and changed — by id and name, with what changed on each (name, lane, properties,
conditions, timers, scripts, called decisions, flows' ends, the form a task shows) — and, for each
decision table, the rules added, removed and changed. Read from the XML, so it works on any two
bundles whether or not they would run."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine import loader
from engine.errors import DeployError
from engine.inspect_model import CAMUNDA_DECISION_REF, NS, lanes_of, properties_of, read_xml

SKIPPED = {"laneSet", "lane", "flowNodeRef", "incoming", "outgoing", "extensionElements", "documentation",
           "text", "textAnnotation", "association"}
EXPRESSIONS = {"conditionExpression": "condition", "timeDuration": "timer", "timeDate": "timer",
               "timeCycle": "timer", "script": "script", "loopCardinality": "loop", "completionCondition": "loop",
               "loopCondition": "loop"}


@dataclass
class Bundle:
    """What a diff compares: a version's (or a draft's) files and forms."""
    label: str
    main_file: str
    sources: Mapping[str, str]
    forms: Mapping[str, Any]


def _describe(node, process_id: str, lanes: Mapping[str, str], forms: Mapping[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {"kind": etree.QName(node).localname, "name": node.get("name") or ""}
    if node.get("id") in lanes:
        info["lane"] = lanes[node.get("id")]
    for attr in ("sourceRef", "targetRef", "default", "calledElement", "cancelActivity", "attachedToRef"):
        if node.get(attr) is not None:
            info[attr] = node.get(attr)
    props = properties_of(node)
    for key, value in sorted(props.items()):
        info[f"property {key}"] = value
    decision = node.xpath("./bpmn:extensionElements/spiffworkflow:calledDecisionId/text()", namespaces=NS)
    if decision or node.get(CAMUNDA_DECISION_REF):
        info["decision"] = (decision[0] if decision else node.get(CAMUNDA_DECISION_REF)).strip()
    for child in node.iter():
        if not isinstance(child.tag, str) or child is node:
            continue
        label = EXPRESSIONS.get(etree.QName(child).localname)
        parent = child.getparent()
        if label and (parent is node or (label == "timer" and parent.getparent() is node)):
            info[label] = (child.text or "").strip()
    if props.get("form"):
        info["form"] = forms.get(f"{process_id}/{props['form']}")
    return info


def elements(bundle: Bundle) -> dict[str, dict[str, Any]]:
    """element id -> description, for every flow element of the bundle's main diagram."""
    found: dict[str, dict[str, Any]] = {}
    text = bundle.sources.get(bundle.main_file)
    if not text:
        return found
    for process in read_xml(text, bundle.main_file).xpath("./bpmn:process", namespaces=NS):
        lanes = lanes_of(process)
        for node in process.iter():
            if not isinstance(node.tag, str) or node is process or not node.get("id"):
                continue
            if etree.QName(node).localname in SKIPPED or etree.QName(node).namespace != NS["bpmn"]:
                continue
            if etree.QName(node.getparent()).localname not in ("process", "subProcess", "transaction"):
                continue  # an event definition or an expression: part of its element's description
            found[node.get("id")] = _describe(node, process.get("id"), lanes, bundle.forms)
    return found


def rules(bundle: Bundle) -> dict[str, dict[str, Any]]:
    """decision id -> {name, inputs, outputs, rules: {rule id -> {inputs, outputs, position}}}."""
    found: dict[str, dict[str, Any]] = {}
    for filename, text in sorted(bundle.sources.items()):
        if not filename.endswith(".dmn"):
            continue
        root = read_xml(text, filename)
        ns = {"dmn": etree.QName(root).namespace}
        for decision in root.xpath(".//dmn:decision", namespaces=ns):
            table = {"name": decision.get("name") or decision.get("id"), "file": filename,
                     "inputs": [i.get("label") or "".join(i.xpath("./dmn:inputExpression/dmn:text/text()",
                                                                   namespaces=ns)).strip()
                                for i in decision.xpath(".//dmn:input", namespaces=ns)],
                     "outputs": [o.get("label") or o.get("name") or "" for o in
                                 decision.xpath(".//dmn:output", namespaces=ns)], "rules": {}}
            for position, rule in enumerate(decision.xpath(".//dmn:rule", namespaces=ns), 1):
                table["rules"][rule.get("id") or f"#{position}"] = {
                    "position": position,
                    "inputs": _texts(rule, "./dmn:inputEntry/dmn:text", ns),
                    "outputs": _texts(rule, "./dmn:outputEntry/dmn:text", ns),
                }
            found[decision.get("id")] = table
    return found


def _texts(node, path: str, ns: Mapping[str, str]) -> list[str]:
    return [(e.text or "").strip() for e in node.xpath(path, namespaces=ns)]


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"what": key, "from": old.get(key), "to": new.get(key)}
            for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]


def _decision_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    result = []
    for decision_id in sorted(set(old) | set(new)):
        before, after = old.get(decision_id), new.get(decision_id)
        if before == after:
            continue
        entry: dict[str, Any] = {"id": decision_id, "name": (after or before)["name"],
                                 "status": "added" if before is None else "removed" if after is None else "changed",
                                 "inputs": (after or before)["inputs"], "outputs": (after or before)["outputs"],
                                 "rules": []}
        old_rules, new_rules = (before or {}).get("rules", {}), (after or {}).get("rules", {})
        ordered = sorted(set(old_rules) | set(new_rules), key=lambda r: (new_rules.get(r) or old_rules[r])["position"])
        for rule_id in ordered:
            was, now = old_rules.get(rule_id), new_rules.get(rule_id)
            if _rule(was) == _rule(now):
                continue
            entry["rules"].append({"id": rule_id, "status": "added" if was is None else "removed" if now is None
                                   else "changed", "from": _rule(was), "to": _rule(now)})
        result.append(entry)
    return result


def _rule(rule: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if rule is None else {"inputs": rule["inputs"], "outputs": rule["outputs"]}


def diff(old: Bundle, new: Bundle) -> dict[str, Any]:
    """Raises etree.XMLSyntaxError for a file that is not XML."""
    before, after = elements(old), elements(new)
    decisions = _decision_changes(rules(old), rules(new))
    changed_decisions = {d["id"] for d in decisions}
    added = [_item(i, after[i]) for i in after if i not in before]
    removed = [_item(i, before[i]) for i in before if i not in after]
    changed = []
    for element_id in after:
        if element_id not in before:
            continue
        changes = _changes(before[element_id], after[element_id])
        if after[element_id].get("decision") in changed_decisions:
            changes.append({"what": "decision rules", "from": None, "to": after[element_id]["decision"]})
        if changes:
            changed.append({**_item(element_id, after[element_id]), "changes": changes})
    forms_changed = sorted(k for k in set(old.forms) | set(new.forms) if old.forms.get(k) != new.forms.get(k))
    return {"from": old.label, "to": new.label, "added": added, "removed": removed, "changed": changed,
            "decisions": decisions, "forms": forms_changed,
            "unchanged": not (added or removed or changed or decisions or forms_changed)}


def _item(element_id: str, info: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": element_id, "name": info.get("name") or "", "kind": info["kind"]}


def of_version(model) -> Bundle:
    return Bundle(str(model.version), model.main_file, model.sources or {}, model.forms or {})


def of_draft(process_id: str, files: Mapping[str, bytes | str]) -> Bundle:
    """A draft upload, completed and validated as deploy would (DeployError if it would be refused)."""
    sources, forms, inv, uploaded = loader.prepare(files)
    if process_id not in uploaded:
        raise DeployError([{"element": process_id,
                            "problem": f"the uploaded BPMN does not define process '{process_id}'"}])
    return Bundle("draft", inv.processes[process_id], sources, forms)
