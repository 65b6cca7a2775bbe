"""The restricted environment every diagram expression and script runs in.

Two layers: an AST check that refuses imports, dunder names/attributes, loops without a bound,
definitions and calls to names outside an allow-list (run at deploy and again at evaluation), and
an evaluation with no real builtins, size-checked arithmetic and a wall-clock time limit.
"""
from __future__ import annotations

import ast
import copy
import datetime as dt
import functools
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine import script_calls
from engine import script_guards as guards
from engine.errors import ScriptRejected
from engine.jsonutil import dumps

TIME_LIMIT_SECONDS = 1.0
MAX_CASE_DATA_BYTES = 1_000_000  # the default cap on a case's serialized data (a setting)
MAX_SEQUENCE = guards.MAX_SEQUENCE
MAX_INT_BITS = guards.MAX_INT_BITS

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

# The real builtins: calling them goes through engine.script_guards.call, which sizes what they build.
SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "int": int, "isinstance": isinstance,
    "len": len, "list": list, "map": map, "max": max, "min": min, "range": range,
    "reversed": reversed, "round": round, "set": set, "sorted": sorted, "str": str, "sum": sum,
    "tuple": tuple, "zip": zip, "Decimal": Decimal,
}

_GUARDED_OPS = {ast.Pow: "pow", ast.Mult: "mult", ast.LShift: "lshift", ast.Add: "add", ast.Mod: "mod"}
# names the transformed code calls; a script cannot name them (they start with '_')
GUARD_NAMES = {
    "__aftercare_binop__": guards.binop, "__aftercare_augmented__": guards.augmented,
    "__aftercare_augmented_item__": guards.augmented_item, "__aftercare_call__": script_calls.call,
    "__aftercare_format__": guards.format_field, "__aftercare_built__": guards.built,
    "__aftercare_item__": guards.item,
}


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

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Attribute) or (isinstance(target, ast.Subscript)
                                                 and isinstance(target.slice, ast.Slice)):
            raise ScriptRejected("augmented assignment is allowed to names and items only")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                and isinstance(node.left.value, str | bytes):
            guards.percent_fields(node.left.value)
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
            guards.refuse_over(guards.spec_numbers("".join(str(v.value) for v in spec.values)), "a formatted field")
        self.generic_visit(node)


def _guard_call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


class _Guard(ast.NodeTransformer):
    """Route everything that builds through engine.script_guards: calls, the sequence operators,
    f-string fields, comprehension elements and starred displays."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        return ast.copy_location(_guard_call("__aftercare_binop__", ast.Constant(op), node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        if isinstance(node.target, ast.Subscript):
            call = _guard_call("__aftercare_augmented_item__", node.target.value, node.target.slice,
                               ast.Constant(op), node.value)
            return ast.copy_location(ast.Expr(call), node)
        target = node.target.id  # the checker lets only names and subscripts through
        value = _guard_call("__aftercare_augmented__", ast.Constant(op), ast.Name(target, ast.Load()), node.value)
        return ast.copy_location(ast.Assign([ast.Name(target, ast.Store())], value), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        call = ast.Call(ast.Name("__aftercare_call__", ast.Load()), [node.func, *node.args], node.keywords)
        return ast.copy_location(call, node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        value = _guard_call("__aftercare_format__", node.value, ast.Constant(node.conversion), spec)
        return ast.copy_location(ast.FormattedValue(value, -1, None), node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_guard_call("__aftercare_built__", node), node)

    def _starred_display(self, node: ast.List | ast.Tuple | ast.Set) -> ast.AST:
        self.generic_visit(node)
        starred = any(isinstance(e, ast.Starred) for e in node.elts)
        if starred and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return ast.copy_location(_guard_call("__aftercare_built__", node), node)
        return node

    visit_List = visit_Tuple = visit_Set = _starred_display

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node, ast.DictComp):
            node.value = _guard_call("__aftercare_item__", node.value)
        else:
            node.elt = _guard_call("__aftercare_item__", node.elt)
        if isinstance(node, ast.GeneratorExp):
            return node
        return ast.copy_location(_guard_call("__aftercare_built__", node), node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


class _Constants(ast.NodeVisitor):
    """Finds the largest subexpressions built from literals only (`'a'.ljust(10 ** 8)`,
    `'%100000000s' % x` is not one, `'a' * 10 ** 9` is), so they are sized at deploy."""

    def __init__(self) -> None:
        self.constant: set[int] = set()
        self.roots: list[ast.expr] = []

    def _all(self, nodes) -> bool:
        return all(n is None or id(n) in self.constant for n in nodes)

    def generic_visit(self, node: ast.AST) -> None:
        super().generic_visit(node)
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Constant) or (self._is_pure(node) and self._all(children)):
            self.constant.add(id(node))
            for child in children:
                if child in self.roots:
                    self.roots.remove(child)
            if isinstance(node, ast.expr) and not isinstance(node, ast.Constant | ast.Name | ast.Attribute):
                self.roots.append(node)

    @staticmethod
    def _is_pure(node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            return (isinstance(func, ast.Name) and func.id in SAFE_BUILTINS) or isinstance(func, ast.Attribute)
        if isinstance(node, ast.Attribute):
            return True
        if isinstance(node, ast.Name):
            return node.id in SAFE_BUILTINS and isinstance(node.ctx, ast.Load)
        return isinstance(node, ast.BinOp | ast.UnaryOp | ast.BoolOp | ast.Compare | ast.List | ast.Tuple
                          | ast.Set | ast.Dict | ast.JoinedStr | ast.FormattedValue | ast.Subscript
                          | ast.Slice | ast.keyword | ast.Load | ast.operator | ast.unaryop
                          | ast.boolop | ast.cmpop)


def _size_constants(tree: ast.AST) -> None:
    """Run the literal-only subexpressions through the guards now: one that builds past a limit
    is refused at deploy with the same reason it would fail with at run time."""
    finder = _Constants()
    finder.visit(tree)
    for node in finder.roots:
        expression = _Guard().visit(ast.Expression(copy.deepcopy(node)))
        code = compile(ast.fix_missing_locations(expression), "<diagram>", "eval")
        scope = {"__builtins__": SAFE_BUILTINS, **GUARD_NAMES}
        try:
            with guards.budget():
                run_limited(lambda code=code, scope=scope: eval(code, scope))  # noqa: S307
        except guards.SizeLimit:
            raise
        except Exception:  # noqa: BLE001, S110 - other failures are the run time's to report
            continue


def check(source: str, mode: str = "eval", helpers: frozenset[str] = frozenset()) -> ast.AST:
    """Parse and vet `source`; raises ScriptRejected (or SyntaxError) with the reason."""
    tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    _Checker(frozenset(SAFE_BUILTINS) | helpers | {"dmninputexpr"}).visit(tree)
    _size_constants(tree)
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
        # line by line in the diagram's code; the guards' own lines are not traced (only their calls)
        return tracer if frame.f_code.co_filename == "<diagram>" else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return func()
    finally:
        sys.settrace(previous)


JSON_SCALARS = (str, int, float, bool, type(None), Decimal, dt.date)


def _storable(value: Any) -> bool:
    """Only JSON-like values may stay in case data (walked without recursion)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if not all(isinstance(k, str) for k in current):
                return False
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
        elif not isinstance(current, JSON_SCALARS):
            return False
    return True


class CaseDataTooLarge(ScriptRejected):
    code = "case_data_too_large"


def check_case_data(data: Mapping[str, Any], limit: int, *, new: Mapping[str, Any] | None = None) -> None:
    """Refuse data whose serialized size passes `limit` bytes (the case data cap). A bounded walk
    comes first (a value takes at least a byte per unit), so an oversized structure is never
    serialized; `new` values are also checked to be storable before the exact count."""
    units = guards.flat_size(dict(data), limit)
    if units <= limit:
        for key, value in (new or {}).items():
            if not _storable(value):
                raise ScriptRejected(f"script left '{key}' holding a {type(value).__name__}, "
                                     "which cannot be stored in case data")
        units = len(dumps(dict(data)).encode("utf-8"))
    if units > limit:
        raise CaseDataTooLarge(f"the case's data would take {_amount(units)}, over the limit of "
                               f"{_amount(limit)}; nothing of it was stored", size=units, limit=limit)


def _amount(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


class Sandbox:
    """Evaluates expressions and runs scripts against task data with only the allowed names.
    `max_data_bytes` caps the serialized size of the data a script leaves behind."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, *,
                 max_data_bytes: int = MAX_CASE_DATA_BYTES):
        self.helpers = dict(helpers or {})
        self.helper_names = frozenset(self.helpers)
        self.max_data_bytes = max_data_bytes

    def _globals(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        scope: dict[str, Any] = {"__builtins__": SAFE_BUILTINS, **GUARD_NAMES}
        scope.update(self.helpers)
        scope.update(extra or {})
        return scope

    def evaluate(self, expression: str, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Any:
        code = compile_checked(expression.strip(), "eval", self.helper_names)
        scope = self._globals(extra)
        scope.update({k: v for k, v in data.items() if k not in self.helpers})
        with guards.budget():
            return run_limited(lambda: eval(code, scope))  # noqa: S307 - vetted by compile_checked

    def execute(self, script: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
        code = compile_checked(script, "exec", self.helper_names)
        scope = self._globals(extra)
        reserved = set(scope)
        clashes = reserved.intersection(data) - {"__builtins__"}
        if clashes:
            raise ScriptRejected(f"task data overwrites helper names: {sorted(clashes)}")
        scope.update(data)
        with guards.budget():
            run_limited(lambda: exec(code, scope))  # noqa: S102 - vetted by compile_checked
        left = {key: value for key, value in scope.items() if key not in reserved}
        check_case_data({**data, **left}, self.max_data_bytes, new=left)
        data.update(left)
