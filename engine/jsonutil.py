"""JSON the way Aftercare writes it: Decimal as a string, dates as ISO strings, canonical form for hashes."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.isoformat().replace("+00:00", "Z")
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False)


def canonical(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text, decimals as strings: the bytes the audit chain hashes."""
    return json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def plain(value: Any) -> Any:
    """Round-trip through JSON so a value holds only JSON types (what the database gives back)."""
    return json.loads(dumps(value))
