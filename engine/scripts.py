"""The restricted environment every diagram expression and script runs in.

Two layers: an AST check that refuses imports, dunder names/attributes, loops without a bound,
definitions and calls to names outside an allow-list (run at deploy and again at evaluation), and
an evaluation with no real builtins, size-checked arithmetic and a wall-clock time limit.
"""
from __future__ import annotations

import ast
import datetime as dt
import functools
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.errors import ScriptRejected

TIME_LIMIT_SECONDS = 1.0
MAX_SEQUENCE = 100_000
MAX_INT_BITS = 4096

FORBIDDEN_NODES = (
    ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.While, ast.FunctionDef,
    ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Try, ast.With, ast.AsyncWith,
    ast.AsyncFor, ast.Await, ast.Yield, ast.YieldFrom, ast.Raise, ast.Delete,
) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())

# Attribute names that reach interpreter internals without a leading underscore.
FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map", "mro", "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "ag_frame",
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next", "co_code",
})


def _safe_range(*args: int) -> range:
    span = range(*args)
    if len(span) > MAX_SEQUENCE:
        raise ScriptRejected(f"range of {len(span)} items exceeds the limit of {MAX_SEQUENCE}")
    return span


SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "int": int, "isinstance": isinstance,
    "len": len, "list": list, "map": map, "max": max, "min": min, "range": _safe_range,
    "reversed": reversed, "round": round, "set": set, "sorted": sorted, "str": str, "sum": sum,
    "tuple": tuple, "zip": zip, "Decimal": Decimal,
}


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ScriptRejected("integer result too large")
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_SEQUENCE:
        raise ScriptRejected(f"result of {len(value)} items exceeds the limit of {MAX_SEQUENCE}")
    return value


def _sandbox_binop(op: str, left: Any, right: Any) -> Any:
    if op == "pow" and isinstance(right, int) and abs(right) > 256:
        raise ScriptRejected("exponent too large")
    if op == "lshift" and isinstance(right, int) and right > MAX_INT_BITS:
        raise ScriptRejected("shift too large")
    if op == "mult":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(count, int) \
                    and len(seq) * count > MAX_SEQUENCE:
                raise ScriptRejected("repeated sequence too long")
    result = {"pow": lambda: left ** right, "mult": lambda: left * right, "lshift": lambda: left << right}[op]()
    return _check_size(result)


_GUARDED_OPS = {ast.Pow: "pow", ast.Mult: "mult", ast.LShift: "lshift"}
_GUARD = "__aftercare_binop__"


class _Checker(ast.NodeVisitor):
    def __init__(self, allowed_calls: frozenset[str]):
        self.allowed_calls = allowed_calls

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, FORBIDDEN_NODES):
            raise ScriptRejected(f"'{type(node).__name__}' is not allowed in diagram scripts")
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            raise ScriptRejected(f"name '{node.id}' is not allowed (names may not start with '_')")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES:
            raise ScriptRejected(f"attribute '{node.attr}' is not allowed")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id not in self.allowed_calls:
            raise ScriptRejected(f"call to '{node.func.id}' is not allowed")
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = ast.unparse(node.format_spec) if node.format_spec else ""
        if any(len(chunk) > 3 for chunk in "".join(c if c.isdigit() else " " for c in spec).split()):
            raise ScriptRejected("format width too large")
        self.generic_visit(node)


class _Guard(ast.NodeTransformer):
    """Route **, * and << through a size check (the user cannot name the guard: it starts with _)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(ast.Name(_GUARD, ast.Load()), [ast.Constant(op), node.left, node.right], [])
        return ast.copy_location(call, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None or not isinstance(node.target, ast.Name):
            return node
        value = ast.Call(ast.Name(_GUARD, ast.Load()),
                         [ast.Constant(op), ast.Name(node.target.id, ast.Load()), node.value], [])
        return ast.copy_location(ast.Assign([node.target], value), node)


def check(source: str, mode: str = "eval", helpers: frozenset[str] = frozenset()) -> ast.AST:
    """Parse and vet `source`; raises ScriptRejected (or SyntaxError) with the reason."""
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    _Checker(frozenset(SAFE_BUILTINS) | helpers | {"dmninputexpr"}).visit(tree)
    return tree


@functools.lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str, helpers: frozenset[str]):
    tree = _Guard().visit(check(source, mode, helpers))
    ast.fix_missing_locations(tree)
    return compile(tree, "<diagram>", mode)


class ScriptTimeout(ScriptRejected):
    code = "script_timeout"


def run_limited(func: Callable[[], Any], seconds: float = TIME_LIMIT_SECONDS) -> Any:
    """Run `func` under a trace hook that stops it after `seconds` of wall-clock time."""
    deadline = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout(f"script exceeded its time limit of {seconds:g} s")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return func()
    finally:
        sys.settrace(previous)


JSON_SCALARS = (str, int, float, bool, type(None), Decimal, dt.date)


def _storable(value: Any) -> bool:
    if isinstance(value, JSON_SCALARS):
        return True
    if isinstance(value, list | tuple):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _storable(v) for k, v in value.items())
    return False


class Sandbox:
    """Evaluates expressions and runs scripts against task data with only the allowed names."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None):
        self.helpers = dict(helpers or {})
        self.helper_names = frozenset(self.helpers)

    def _globals(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        scope: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, _GUARD: _sandbox_binop}
        scope.update(self.helpers)
        scope.update(extra or {})
        return scope

    def evaluate(self, expression: str, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Any:
        code = compile_checked(expression.strip(), "eval", self.helper_names)
        scope = self._globals(extra)
        scope.update({k: v for k, v in data.items() if k not in self.helpers})
        return run_limited(lambda: eval(code, scope))  # noqa: S307 - vetted by compile_checked

    def execute(self, script: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
        code = compile_checked(script, "exec", self.helper_names)
        scope = self._globals(extra)
        reserved = set(scope)
        clashes = reserved.intersection(data) - {"__builtins__"}
        if clashes:
            raise ScriptRejected(f"task data overwrites helper names: {sorted(clashes)}")
        scope.update(data)
        run_limited(lambda: exec(code, scope))  # noqa: S102 - vetted by compile_checked
        for key, value in scope.items():
            if key in reserved:
                continue
            if not _storable(value):
                raise ScriptRejected(f"script left '{key}' holding a {type(value).__name__}, "
                                     "which cannot be stored in case data")
            data[key] = value
