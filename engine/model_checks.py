"""Deploy-time validation of a BPMN/DMN/forms bundle, in words a process owner can act on: each
problem names its element by name and id, once, and says what would be valid (the role names a lane
may take); no Python object addresses or library noise."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine import hooks, scripts
from engine import spiff as sw
from engine.errors import DeployError, ScriptRejected
from engine.forms import check_definition
from engine.inspect_model import Inventory, iter_dmn_candidates

Problem = dict[str, str]
OBJECT_ADDRESS = re.compile(r"<([\w.]+?)(?: object)? at 0x[0-9a-fA-F]+>")
DOUBLED = re.compile(r"([.,:;!?])(\s*[.,:;!?])+")


def validate(inv: Inventory, sources: Mapping[str, str], forms: Mapping[str, Any], uploaded: list[str]) -> None:
    """Raises DeployError listing every problem of the bundle."""
    registry = hooks.get()
    errors: list[Problem] = []
    if not uploaded:
        errors.append({"element": "bpmn", "problem": "the uploaded BPMN defines no process"})
    errors += check_parse(sources, uploaded)
    errors += _check_tasks(inv, forms, registry)
    for key, definition in forms.items():
        errors += [{"element": key, "problem": p} for p in check_definition(key, definition)]
    errors += _check_expressions(inv, registry)
    errors += _check_references(inv, registry)
    errors += [{"element": e, "problem": p} for e, p in inv.gateway_problems]
    if errors:
        raise DeployError(explain(errors, inv.names))


def explain(errors: list[Problem], names: Mapping[str, str]) -> list[Problem]:
    """Each problem once, its text tidied, and the element's name beside its id."""
    seen, result = set(), []
    for error in errors:
        element, problem = str(error.get("element") or ""), tidy(str(error.get("problem") or ""))
        if (element, problem) in seen:
            continue
        seen.add((element, problem))
        item = {"element": element, "problem": problem}
        if names.get(element):
            item["name"] = names[element]
        result.append(item)
    return result


def tidy(text: str) -> str:
    """One line, no `<X object at 0x…>`, no doubled punctuation."""
    text = OBJECT_ADDRESS.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text.split("\n")[0]).strip()
    parts = text.split("`")  # quoted expressions are left as written
    text = "`".join(part if i % 2 else re.sub(r"\s{2,}", " ", DOUBLED.sub(lambda m: m.group(1), part))
                    for i, part in enumerate(parts))
    return text


def check_parse(sources: Mapping[str, str], uploaded: list[str]) -> list[Problem]:
    errors = []
    for process_id in uploaded:
        try:
            sw.parse(sources, process_id)
        except (sw.ParseError, sw.EngineError, KeyError, ValueError, TypeError, AttributeError,
                NotImplementedError) as exc:
            element = getattr(exc, "id", None) or getattr(exc, "name", None) or process_id
            problem = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
            if isinstance(exc, NotImplementedError | TypeError | AttributeError):
                problem = f"an element of this kind cannot run here ({tidy(problem) or type(exc).__name__})"
            errors.append({"element": str(element), "problem": problem or "the diagram cannot be read"})
    return errors


def role_names(registry: hooks.Hooks) -> str:
    return ", ".join(f"{role.name_zh} ({role.id})" for role in registry.roles.values())


def _check_tasks(inv: Inventory, forms: Mapping[str, Any], registry: hooks.Hooks) -> list[Problem]:
    errors = []
    for process_id, role in inv.default_roles.items():
        if registry.role_for_lane(role) is None:
            errors.append({"element": process_id, "problem": f"default role '{role}' is not a known role; "
                                                             f"use one of: {role_names(registry)}"})
    for task in inv.user_tasks:
        lane = task["lane"] or inv.default_roles.get(str(task["process"]))
        if registry.role_for_lane(lane) is None and lane == task["lane"] or not lane:
            problem = ("user task is in no lane (put it in a role's lane, or give the process a "
                       f"default_role); roles: {role_names(registry)}" if not lane else
                       f"lane '{lane}' is not a known role; use one of: {role_names(registry)}")
            errors.append({"element": task["id"], "problem": problem})
        if task["form"] and f"{task['process']}/{task['form']}" not in forms:
            errors.append({"element": task["id"], "problem": f"form '{task['form']}' was not provided"})
    for process_id, form in inv.start_forms.items():
        if f"{process_id}/{form}" not in forms:
            errors.append({"element": process_id, "problem": f"start form '{form}' was not provided"})
    return errors


def _check_references(inv: Inventory, registry: hooks.Hooks) -> list[Problem]:
    errors = []
    for element, operator in inv.services:
        if operator not in registry.services:
            errors.append({"element": element, "problem": f"unknown service operator '{operator}'"})
    for element, target in inv.called:
        if target not in inv.processes:
            errors.append({"element": element, "problem": f"called process '{target}' is not deployed"})
    for element, decision in inv.decisions_used:
        if decision not in inv.decisions:
            errors.append({"element": element, "problem": f"decision '{decision}' was not provided"})
    return errors


def _check_expressions(inv: Inventory, registry: hooks.Hooks) -> list[Problem]:
    helpers = frozenset(registry.script_helpers)
    errors = []
    for expr in inv.expressions:
        if not expr.text.strip() or expr.text.strip() == "-":
            continue
        candidates = iter_dmn_candidates(expr.text) if expr.mode == "dmn-entry" else [expr.text]
        problem = None
        for candidate in candidates:
            try:
                scripts.check(candidate, "exec" if expr.mode == "exec" else "eval", helpers)
                problem = None
                break
            except ScriptRejected as exc:
                problem = exc.message
                break
            except SyntaxError as exc:
                problem = f"syntax error: {exc.msg}"
        if problem:
            errors.append({"element": expr.element, "problem": f"{problem} in `{expr.text.strip()[:80]}`"})
    return errors
