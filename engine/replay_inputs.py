"""Typing the re-execution check's inputs again: the record is plain JSON, while the original run
had Decimal money (from the forms, and from what a flow's prepare_start computed) and datetimes."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

# A path is a tuple of keys, "*" for any row.
Converters = dict[tuple, Callable[[str], Any]]


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def form_paths(fields: list[Mapping[str, Any]], prefix: tuple = ()) -> tuple[set[tuple], Converters]:
    """Every path a form declares, and the money fields among them."""
    declared, money = set(), {}
    for spec in fields:
        path = (*prefix, spec["name"])
        declared.add(path)
        if spec.get("type") == "number":
            money[path] = Decimal
        elif spec.get("type") == "rows":
            inner_declared, inner_money = form_paths(spec.get("fields", []), (*path, "*"))
            declared |= inner_declared
            money.update(inner_money)
    return declared, money


def stored_types(value: Any, path: tuple = (), found: Converters | None = None) -> Converters:
    """The paths holding a Decimal or a datetime in the case data the stored workflow carries."""
    found = {} if found is None else found
    if isinstance(value, Decimal):
        found[path] = Decimal
    elif isinstance(value, dt.datetime):
        found[path] = _datetime
    elif isinstance(value, Mapping):
        for key, item in value.items():
            stored_types(item, (*path, key), found)
    elif isinstance(value, list):
        for item in value:
            stored_types(item, (*path, "*"), found)
    return found


def retype(value: Any, converters: Converters, path: tuple = ()) -> Any:
    convert = converters.get(path)
    if convert is not None and isinstance(value, str):
        return convert(value)
    if isinstance(value, Mapping):
        return {key: retype(item, converters, (*path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [retype(item, converters, (*path, "*")) for item in value]
    return value
