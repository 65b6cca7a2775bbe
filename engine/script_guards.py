"""The size guards diagram code runs through: nothing a script or expression builds may grow past
a bound, whichever builder makes it.

The sandbox's AST transform routes every call, the operators that build sequences (`*`, `+`, `%`,
`**`, `<<`, their augmented forms), every f-string field, every comprehension element and every
starred display through the functions below. Each one estimates the size of what is about to be
built *before* building it (so `'a'.ljust(10**8)` never allocates), refuses it past MAX_SEQUENCE
characters or items, and charges what it built to the evaluation's budget (MAX_BUILT in all, so a
comprehension of 100,000-item lists stops early instead of filling memory before the time limit).

Sizes are counted in "units": a character, a byte or an item. A value serialized to JSON takes at
least one byte per unit, which is why `flat_size` can refuse an oversized case's data without
ever serializing it.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import operator
import re
from collections.abc import Mapping
from decimal import Decimal
from itertools import islice
from typing import Any

from engine.errors import ScriptRejected

MAX_SEQUENCE = 100_000  # characters or items in any one value a script builds
MAX_BUILT = 2_000_000  # characters and items built by one evaluation, all values together
MAX_INT_BITS = 4096
MAX_EXPONENT = 256
SEQUENCES = (str, bytes, bytearray, list, tuple)
CONTAINERS = (*SEQUENCES, dict, set, frozenset)


class SizeLimit(ScriptRejected):
    code = "script_size_limit"


# ---------------------------------------------------------------- the evaluation's budget
_built: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("aftercare_script_built", default=None)


class budget:
    """Context manager: a fresh budget of MAX_BUILT units for one evaluation."""

    def __enter__(self) -> None:
        self._token = _built.set([0])

    def __exit__(self, *_exc) -> None:
        _built.reset(self._token)


def charge(units: int) -> None:
    spent = _built.get()
    if spent is None:
        return
    spent[0] += units
    if spent[0] > MAX_BUILT:
        raise SizeLimit(f"the script built more than the limit of {MAX_BUILT:,} characters and items in all")


def refuse_over(units: int, what: str) -> None:
    if units > MAX_SEQUENCE:
        raise SizeLimit(f"{what} would hold {units:,} characters or items, over the limit of {MAX_SEQUENCE:,}")


def checked(value: Any) -> Any:
    """Post-check of a value just built: its length (and an integer's size)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise SizeLimit("integer result too large")
    if isinstance(value, CONTAINERS):
        refuse_over(len(value), "a result")
    return value


def built(value: Any) -> Any:
    """A value a display (`[*a, *b]`, an f-string) just built: checked and charged."""
    checked(value)
    if isinstance(value, CONTAINERS):
        charge(len(value))
    return value


def item(value: Any) -> Any:
    """One element a comprehension adds."""
    charge(1)
    return value


# ---------------------------------------------------------------- how big a value flattens
def flat_size(value: Any, limit: int) -> int:
    """Units `value` takes once flattened (str(), JSON), counting shared references each time;
    stops walking as soon as `limit` is passed (so a list of a list repeated costs nothing)."""
    total, stack = 0, [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str | bytes | bytearray):
            total += len(current) + 2
        elif isinstance(current, Mapping):
            total += 2 + len(current)
            for key, inner in islice(current.items(), limit + 1):
                stack.append(key)
                stack.append(inner)
        elif isinstance(current, list | tuple | set | frozenset):
            total += 2 + len(current)
            stack.extend(islice(current, limit + 1))
        else:
            total += _scalar_size(current)
        if total > limit:
            return total
    return total


def _scalar_size(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, Decimal):
        if not value.is_finite():
            return 10
        digits = len(value.as_tuple().digits)
        return digits + abs(value.adjusted()) + 4
    if isinstance(value, float):
        return 330  # '%f' of the largest double
    if isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
        return 40
    return 200


def refuse_flat(value: Any, what: str) -> int:
    size = flat_size(value, MAX_SEQUENCE)
    refuse_over(size, what)
    return size


# ---------------------------------------------------------------- operators
def _repeat_size(left: Any, right: Any) -> int | None:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, SEQUENCES) and isinstance(count, int) and not isinstance(count, bool):
            return len(seq) * max(count, 0)
    return None


def _pre_check(op: str, left: Any, right: Any) -> None:
    if op == "pow" and isinstance(right, int | Decimal) and abs(right) > MAX_EXPONENT:
        raise SizeLimit("exponent too large")
    if op == "pow" and isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() * right > 2 * MAX_INT_BITS:
        raise SizeLimit("integer result too large")
    if op == "lshift" and isinstance(right, int) and right > MAX_INT_BITS:
        raise SizeLimit("shift too large")
    if op == "mult":
        size = _repeat_size(left, right)
        if size is not None:
            refuse_over(size, "a repeated sequence")
            charge(size)
    if op == "add" and isinstance(left, CONTAINERS) and isinstance(right, CONTAINERS):
        refuse_over(len(left) + len(right), "a joined sequence")
        charge(len(left) + len(right))
    if op == "mod" and isinstance(left, str | bytes):
        charge(percent_size(left, right))


OPERATORS = {"pow": operator.pow, "mult": operator.mul, "lshift": operator.lshift, "add": operator.add,
             "mod": operator.mod}
IN_PLACE = {"pow": operator.ipow, "mult": operator.imul, "lshift": operator.ilshift, "add": operator.iadd,
            "mod": operator.imod}


def binop(op: str, left: Any, right: Any) -> Any:
    _pre_check(op, left, right)
    return checked(OPERATORS[op](left, right))


def augmented(op: str, left: Any, right: Any) -> Any:
    """`x op= y`: same checks, and lists still change in place as Python would."""
    _pre_check(op, left, right)
    return checked(IN_PLACE[op](left, right))


def augmented_item(container: Any, key: Any, op: str, right: Any) -> None:
    """`c[k] op= y` (the target evaluated once)."""
    container[key] = augmented(op, container[key], right)


# ---------------------------------------------------------------- formatting: f-strings and %
_SPEC = re.compile(r"^(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?[a-zA-Z%]?$")
_PERCENT = re.compile(rb"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?"
                      rb"[hlL]?(?P<kind>[diouxXeEfFgGcrsab%])")


def spec_numbers(spec: str) -> int:
    """Width plus precision of a format spec (what it pads to)."""
    match = _SPEC.match(spec or "")
    if match is None:
        return 0  # the builtin will refuse a spec it does not know
    return int(match["width"] or 0) + int(match["precision"] or 0)


def format_field(value: Any, conversion: int, spec: str) -> str:
    """One f-string field `{value!c:spec}`, its width, precision and flattened size bounded first."""
    refuse_over(spec_numbers(spec), "a formatted field")
    size = refuse_flat(value, "a formatted field")
    refuse_over(size + spec_numbers(spec), "a formatted field")
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    elif conversion == ord("s"):
        value = str(value)
    text = format(value, spec)
    charge(len(text))
    return checked(text)


def percent_fields(template: str | bytes) -> tuple[int, int]:
    """(conversions, widest width + precision) of a % template; refuses '*' and huge widths
    (run at deploy on a literal template, and at run time on every one)."""
    raw = template.encode("utf-8", "surrogatepass") if isinstance(template, str) else bytes(template)
    fields = [m for m in _PERCENT.finditer(raw) if m["kind"] != b"%"]
    if any(m["width"] == b"*" or m["precision"] == b"*" for m in fields):
        raise SizeLimit("'*' widths are not allowed in % formatting")
    padding = max((int(m["width"] or 0) + int(m["precision"] or 0) for m in fields), default=0)
    refuse_over(padding, "a % formatted field")
    return len(fields), padding


def percent_size(template: str | bytes, args: Any) -> int:
    """Upper bound of `template % args`, refused past the limit."""
    count, padding = percent_fields(template)
    values = list(args.values()) if isinstance(args, Mapping) else list(args) if isinstance(args, tuple) else [args]
    widest = max((refuse_flat(v, "a % formatted field") for v in values[:MAX_SEQUENCE]), default=0)
    size = len(template) + count * (widest + padding)
    refuse_over(size, "a % formatted string")
    return size
