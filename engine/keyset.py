"""Pages by cursor (keyset pagination): a page continues after the last row of the one before, in the
list's sort order, so page 4,000 costs what page 1 costs — no OFFSET walks over the rows before it.

A cursor is opaque to its reader: the sort order's name, the direction and the sort values of the row
it stands at, as URL-safe base64 of a little JSON. Every cursor is checked before it reaches a query;
one that is too long, not ours, or of another sort order is refused with a clear message."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.errors import ValidationFailed

MAX_CURSOR = 600  # characters: a few sort values, never more
MAX_TEXT = 200  # the longest text a sort column holds


class InvalidCursor(ValidationFailed):
    """`?cursor=` is not a cursor this list gave out (or not one for its sort order)."""

    code = "invalid_cursor"

    def __init__(self, why: str):
        super().__init__({"cursor": [why]}, message=f"invalid cursor: {why}")


@dataclass(frozen=True)
class Key:
    """One sort column: descending or not; NULLs always come last going forward."""

    column: Any  # an ORM attribute
    kind: str  # int | text | time
    descending: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Order:
    name: str
    keys: tuple[Key, ...]

    def order_by(self, backward: bool = False) -> list[Any]:
        """NULLs last as `col IS NULL, col` (not NULLS LAST): SQLite's indexes can then give the order
        (models.py indexes those expressions), and PostgreSQL's the same way."""
        terms = []
        for key in self.keys:
            if key.nullable:
                empty = key.column.is_(None)
                terms.append(empty.desc() if backward else empty)
            terms.append(key.column.desc() if key.descending != backward else key.column.asc())
        return terms

    def values(self, row) -> list[Any]:
        return [getattr(row, key.column.key) for key in self.keys]


# ---------------------------------------------------------------- cursors
def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def encode(order: Order, row, direction: str = "next") -> str:
    payload = {"s": order.name, "d": direction[0], "k": [_plain(v) for v in order.values(row)]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _value(key: Key, value: Any) -> Any:
    if value is None:
        if not key.nullable:
            raise InvalidCursor("it leaves out a value the sort order needs")
        return None
    if key.kind == "int" and type(value) is int and abs(value) < 2**63:
        return value
    if key.kind == "text" and isinstance(value, str) and len(value) <= MAX_TEXT and "\x00" not in value:
        return value
    if key.kind == "time" and isinstance(value, str) and len(value) <= 32:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidCursor("it holds a value of the wrong kind")


def decode(order: Order, token: str) -> tuple[bool, list[Any]]:
    """(backward?, sort values) of a cursor this list gave out; InvalidCursor otherwise."""
    if len(token) > MAX_CURSOR:
        raise InvalidCursor(f"it is longer than {MAX_CURSOR} characters")
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor("it is not a cursor this list gave out") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), list) or payload.get("d") not in ("n", "p"):
        raise InvalidCursor("it is not a cursor this list gave out")
    if payload.get("s") != order.name:
        raise InvalidCursor("it belongs to another sort order; start again from the first page")
    if len(payload["k"]) != len(order.keys):
        raise InvalidCursor("it is not a cursor this list gave out")
    return payload["d"] == "p", [_value(key, value) for key, value in zip(order.keys, payload["k"], strict=True)]


# ---------------------------------------------------------------- the condition "after this row"
def _beyond(key: Key, value: Any, backward: bool):
    """Rows strictly past `value` in this column, in the walking direction."""
    if value is None:  # NULLs are last going forward: nothing is past them; going back, every value is
        return sa.false() if not backward else key.column.is_not(None)
    up = key.descending == backward
    past = key.column > value if up else key.column < value
    if key.nullable and not backward:
        return sa.or_(past, key.column.is_(None))
    return past


def _same(key: Key, value: Any):
    return key.column.is_(None) if value is None else key.column == value


def after(order: Order, values: list[Any], backward: bool = False):
    """Rows that come after (or, backward, before) the row with these sort values."""
    terms = []
    for i, key in enumerate(order.keys):
        ties = [_same(order.keys[j], values[j]) for j in range(i)]
        terms.append(sa.and_(*ties, _beyond(key, values[i], backward)))
    return sa.or_(*terms)


@dataclass
class Slice:
    items: list[Any]
    next_cursor: str | None
    prev_cursor: str | None


def fetch(session, query, order: Order, cursor: str | None, per_page: int) -> Slice:
    """One page of `query` (without ORDER BY) in `order`, starting after `cursor`."""
    if not cursor:
        rows = list(session.execute(query.order_by(*order.order_by()).limit(per_page + 1)).scalars())
        items = rows[:per_page]
        more = len(rows) > per_page
        return Slice(items, encode(order, items[-1]) if more else None, None)
    backward, values = decode(order, cursor)
    where = query.where(after(order, values, backward)).order_by(*order.order_by(backward)).limit(per_page + 1)
    rows = list(session.execute(where).scalars())
    more = len(rows) > per_page
    if backward and not more:  # back at the start: the first page, full
        return fetch(session, query, order, None, per_page)
    items = rows[:per_page]
    if backward:
        items.reverse()
        return Slice(items, encode(order, items[-1]) if items else None,
                     encode(order, items[0], "prev") if more else None)
    return Slice(items, encode(order, items[-1]) if more else None,
                 encode(order, items[0], "prev") if items else None)
