"""Calls from diagram code: the builtins and the methods of strings and containers that build
something are sized before they build it (see engine.script_guards for the units and limits)."""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import islice
from typing import Any

from engine.script_guards import (
    CONTAINERS,
    MAX_INT_BITS,
    MAX_SEQUENCE,
    SizeLimit,
    binop,
    built,
    charge,
    checked,
    refuse_flat,
    refuse_over,
)


def _bounded(iterable: Iterable[Any], what: str) -> list[Any]:
    items = list(islice(iterable, MAX_SEQUENCE + 1))
    refuse_over(len(items), what)
    charge(len(items))
    return items


def _width(args: tuple, kwargs: Mapping[str, Any], name: str = "width") -> int:
    value = args[0] if args else kwargs.get(name, 0)
    return value if isinstance(value, int) else 0


def _tab_size(owner: Any, args: tuple, kwargs: Mapping[str, Any]) -> int:
    tab = b"\t" if isinstance(owner, bytes | bytearray) else "\t"
    size = args[0] if args else kwargs.get("tabsize", 8)
    return len(owner) + owner.count(tab) * max(size if isinstance(size, int) else 8, 0)


def _replace_size(owner: Any, args: tuple, kwargs: Mapping[str, Any]) -> int:
    if len(args) < 2 or not isinstance(args[0], type(owner)) or not isinstance(args[1], type(owner)):
        return len(owner)
    old, new = args[0], args[1]
    count = args[2] if len(args) > 2 else kwargs.get("count", -1)
    hits = owner.count(old) + (1 if not old else 0)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(owner) + hits * max(len(new) - len(old), 0)


def _translate_size(owner: Any, args: tuple, _kwargs: Mapping[str, Any]) -> int:
    table = args[0] if args else None
    longest = 1
    if isinstance(table, Mapping):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
    return len(owner) * max(longest, 1)


# method name -> size of the result it is about to build, from the object and the arguments
ESTIMATES = {
    "ljust": lambda o, a, k: max(len(o), _width(a, k)),
    "rjust": lambda o, a, k: max(len(o), _width(a, k)),
    "center": lambda o, a, k: max(len(o), _width(a, k)),
    "zfill": lambda o, a, k: max(len(o), _width(a, k)),
    "expandtabs": _tab_size,
    "replace": _replace_size,
    "translate": _translate_size,
    "insert": lambda o, a, k: len(o) + 1,
    "append": lambda o, a, k: len(o) + 1,
    "add": lambda o, a, k: len(o) + 1,
}
MATERIALIZE = {"join", "extend", "update", "fromkeys", "union", "intersection", "difference",
               "symmetric_difference", "difference_update", "intersection_update", "symmetric_difference_update"}
ACCESSORS = {"get", "pop", "setdefault", "popitem", "index", "count", "find", "rfind", "keys", "values", "items"}


def _receiver(func: Any, args: tuple) -> tuple[Any, str, tuple]:
    """(the object a builtin method works on, its name, the remaining arguments)."""
    name = getattr(func, "__name__", "")
    owner = getattr(func, "__self__", None)
    if isinstance(owner, CONTAINERS) or isinstance(owner, type) and issubclass(owner, CONTAINERS):
        return owner, name, args
    objclass = getattr(func, "__objclass__", None)  # an unbound method: str.ljust('a', 10)
    if isinstance(objclass, type) and issubclass(objclass, CONTAINERS) and args:
        return args[0], name, args[1:]
    return None, name, args


def _materialized(owner: Any, name: str, args: tuple) -> tuple:
    """Arguments of join/extend/update/... made into bounded lists (a generator cannot outgrow
    the limit before it is counted), with the size the result will have refused past the limit."""
    rest = tuple(a if isinstance(a, CONTAINERS) else _bounded(a, f"the argument of {name}()")
                 if isinstance(a, Iterable) else a for a in args)
    if name == "join" and rest:
        items = rest[0] if isinstance(rest[0], list | tuple) else _bounded(rest[0], "the argument of join()")
        rest = (items, *rest[1:])
        try:  # in C: a generator here would be traced item by item under the time limit
            size = sum(map(len, items))
        except TypeError:  # not all strings: join will refuse them itself
            size = len(items)
        refuse_over(size + len(owner) * max(len(items) - 1, 0), "a joined string")
    elif not isinstance(owner, type):
        refuse_over(len(owner) + sum(len(a) for a in rest if isinstance(a, CONTAINERS)), f"the result of {name}()")
    return rest


def guarded(func: Any) -> Any:
    """`func` called through the guards (a function handed to map, filter or a sort key)."""
    return func if func is None else functools.partial(call, func)


def call(func: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Every call a script makes: the guarded builtins, then methods of strings and containers
    (sized before they build), then anything else (its result checked)."""
    if callable(kwargs.get("key")):
        kwargs["key"] = guarded(kwargs["key"])
    guard = BUILTIN_GUARDS.get(id(func))
    if guard is not None and guard[0] is func:
        return guard[1](*args, **kwargs)
    owner, name, rest = _receiver(func, args)
    if owner is None:
        return checked(func(*args, **kwargs))
    estimate = ESTIMATES.get(name)
    if estimate is not None and not isinstance(owner, type):
        refuse_over(estimate(owner, rest, kwargs), f"the result of {name}()")
    if name in MATERIALIZE:
        rest = _materialized(owner, name, rest)
        args = (owner, *rest) if getattr(func, "__self__", None) is not owner else rest
    result = func(*args, **kwargs)
    if name not in ACCESSORS and isinstance(result, CONTAINERS):
        charge(len(result))
    return checked(result)


# ---------------------------------------------------------------- guarded builtins
def _safe_range(*args: int) -> range:
    span = range(*args)
    refuse_over(len(span), "a range")
    return span


def _collect(kind: type):
    def build(*args: Any, **kwargs: Any) -> Any:
        if args and not isinstance(args[0], CONTAINERS) and isinstance(args[0], Iterable):
            args = (_bounded(args[0], f"{kind.__name__}()"), *args[1:])
        result = kind(*args, **kwargs)
        charge(len(result))
        return checked(result)
    return build


def _str(*args: Any, **kwargs: Any) -> str:
    if args:
        refuse_flat(args[0], "str()")
    return built(str(*args, **kwargs))


def _sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    items = _bounded(iterable, "sum()")
    if isinstance(start, CONTAINERS):  # sum(lists, []) concatenates: size it like `+`
        total = start
        for value in items:
            total = binop("add", total, value)
        return total
    return checked(sum(items, start))


def _integral(value: Any) -> None:
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > MAX_INT_BITS // 3:
        raise SizeLimit("integer result too large")


def _int(*args: Any, **kwargs: Any) -> int:
    if args:
        _integral(args[0])
    return checked(int(*args, **kwargs))


def _round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        _integral(number)
    elif isinstance(ndigits, int) and abs(ndigits) > MAX_SEQUENCE:
        raise SizeLimit("round() to too many digits")
    return checked(round(number, ndigits))


def _map(func: Any, *iterables: Iterable[Any]) -> map:
    return map(guarded(func), *iterables)


def _filter(func: Any, iterable: Iterable[Any]) -> filter:
    return filter(guarded(func), iterable)


def _guards() -> dict[str, Any]:
    return {"map": _map, "filter": _filter,
        "range": _safe_range, "list": _collect(list), "tuple": _collect(tuple), "set": _collect(set),
        "dict": _collect(dict), "sorted": _collect(sorted), "str": _str, "sum": _sum, "int": _int,
        "round": _round,
    }


GUARDED = {"map": map, "filter": filter, "range": range, "list": list, "tuple": tuple, "set": set, "dict": dict,
           "sorted": sorted, "str": str, "sum": sum, "int": int, "round": round}
# id(builtin) -> (builtin, its guard): `str` stays the real type (isinstance(x, str), str.upper
# work), only calling it is guarded — through whatever name it is called
BUILTIN_GUARDS = {id(GUARDED[name]): (GUARDED[name], guard) for name, guard in _guards().items()}
