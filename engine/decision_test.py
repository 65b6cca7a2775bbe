"""Try a decision table before deploying it: give the inputs (say amount 6,000, emergency yes) and see
which rules match and what the table decides. The table is the draft's, run by SpiffWorkflow's own
DMN engine with the sandboxed script engine the cases use — exactly what a case would get."""
from __future__ import annotations

import ast
import builtins
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine import hooks
from engine import spiff as sw
from engine.errors import DeployError, ValidationFailed
from engine.jsonutil import plain
from engine.loader import DOCTYPE, DOCTYPE_PROBLEM
from engine.scripts import Sandbox

MAX_INPUTS = 50
MAX_TEXT = 200


def _table(sources: Mapping[str, str], decision_id: str | None):
    parser = SpiffBpmnParser()
    for filename, text in sources.items():
        if DOCTYPE.search(text):
            raise DeployError([{"element": filename, "problem": DOCTYPE_PROBLEM}])
        if filename.endswith(".dmn"):
            try:
                parser.add_dmn_str(text.encode("utf-8"), filename=filename)
            except (etree.LxmlError, sw.ParseError, sw.EngineError, KeyError, ValueError, AttributeError,
                    TypeError) as exc:
                raise DeployError([{"element": filename, "problem": str(exc).split("\n")[0]}]) from exc
    known = sorted(parser.dmn_parsers)
    if not known:
        raise DeployError([{"element": "dmn", "problem": "no decision table was given"}])
    wanted = decision_id or known[0]
    if wanted not in parser.dmn_parsers:
        raise DeployError([{"element": wanted, "problem": f"no decision '{wanted}'; decisions: {', '.join(known)}"}])
    dmn = parser.dmn_parsers[wanted]
    try:
        dmn.parse()
        dmn.decision.decisionTables[0]  # noqa: B018 - a decision without a table cannot be tried
    except (sw.ParseError, sw.EngineError, IndexError, KeyError, ValueError, AttributeError, TypeError) as exc:
        problem = str(exc).split("\n")[0] or "the decision has no decision table"
        raise DeployError([{"element": wanted, "problem": f"the decision table cannot be read: {problem}"}]) from exc
    return wanted, dmn.decision


def variables(expressions: list[str]) -> list[str]:
    """The names the input expressions read (what a tester has to give)."""
    skip = set(dir(builtins)) | set(hooks.get().script_helpers) | {"Decimal"}
    names: list[str] = []
    for text in expressions:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id not in skip and node.id not in names:
                names.append(node.id)
    return names


def _typed(value: Any) -> Any:
    """Form values as a case would hold them: yes/no as booleans, numbers as Decimal."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValidationFailed({"inputs": [f"each input is a yes/no, a number or a text of at most {MAX_TEXT} "
                                           "characters"]})
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return value


class _Trial(SimpleNamespace):
    """What the DMN engine reads of a task (its data and script engine), and what its errors name."""

    def __init__(self, data: dict[str, Any], decision_id: str, script_engine):
        spec = SimpleNamespace(name=decision_id, bpmn_id=decision_id, bpmn_name=decision_id)
        workflow = SimpleNamespace(script_engine=script_engine, spec=SimpleNamespace(file="dmn"), parent_workflow=None)
        workflow.top_workflow = workflow
        super().__init__(data=data, task_spec=spec, workflow=workflow)


def test(*, sources: Mapping[str, str], decision_id: str | None, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The table's inputs and outputs; with `inputs`, also the matching rules and the decision."""
    if inputs is not None and (not isinstance(inputs, Mapping) or len(inputs) > MAX_INPUTS):
        raise ValidationFailed({"inputs": [f"give at most {MAX_INPUTS} named inputs"]})
    decision_id, decision = _table(sources, decision_id)
    table = decision.decisionTables[0]
    result: dict[str, Any] = {
        "decision": decision_id, "name": decision.name or decision_id, "hit_policy": table.hit_policy,
        "inputs": [{"label": i.label or "", "expression": i.expression or "", "type": i.typeRef or "",
                    "variable": next(iter(variables([i.expression or ""])), None)} for i in table.inputs],
        "outputs": [{"label": o.label or "", "name": o.name or ""} for o in table.outputs],
        "variables": variables([i.expression or "" for i in table.inputs]),
    }
    if inputs is None:
        return result
    registry = hooks.get()
    data = {str(k)[:MAX_TEXT]: _typed(v) for k, v in inputs.items()}
    task = _Trial(data, decision_id, sw.build_script_engine(Sandbox(registry.script_helpers), {}))
    engine = DMNEngine(table)
    try:
        matched = engine.decide(task)
        decided = engine.result(task)
        rules = [{"id": rule.id, "row": rule.row_number, "description": rule.description or "",
                  "outputs": plain(dict(rule.output_as_dict(task)))} for rule in matched]
    except sw.EngineError as exc:
        problem = str(exc).split("\n")[0]
        raise ValidationFailed({"inputs": [f"the table cannot decide on these inputs: {problem}"]}) from exc
    fired = [r["id"] for r in rules] if table.hit_policy == "COLLECT" else [r["id"] for r in rules[:1]]
    return {**result, "given": plain(data), "matched": rules, "fired": fired, "result": plain(dict(decided))}
