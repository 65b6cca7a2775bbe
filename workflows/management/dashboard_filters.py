"""The dashboard's filters (period, region team, flow, customer class): parsed and bounded from a
query string, turned into conditions on the fact tables, and written back as the case list's query
parameters so that every figure links to the cases behind it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from engine.db import db
from engine.errors import ValidationFailed
from engine.models import ModelVersion
from workflows.records.dispatch import TEAM_NAMES

REGIONS = tuple(TEAM_NAMES)  # south_west, north, general
CUSTOMER_CLASSES = ("key", "ordinary")
MAX_DAYS = 3 * 366  # the longest period one request may ask for
MAX_PARAM = 80
FIRST_YEAR, LAST_YEAR = 2000, 2200
PROCESS_ID = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
CASE_LIST = "/cases/"


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    region: str | None = None
    process_id: str | None = None
    customer_class: str | None = None

    def params(self, *, dated: bool = True) -> dict[str, str]:
        """The case list's query parameters for these filters (without the period when `dated` is False)."""
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()} if dated else {}
        for name in ("region", "process_id", "customer_class"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        return params

    def replace(self, **changes: Any) -> Filters:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "region": self.region,
                "process_id": self.process_id, "customer_class": self.customer_class}


def link(params: Mapping[str, str]) -> str:
    return f"{CASE_LIST}?{urlencode(params)}"


# ---------------------------------------------------------------- parsing
def _message(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _day(value: str | None, field: str, errors: dict[str, list[str]], lang: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors[field] = [_message(lang, f"“{value}”不是有效日期，请按 年-月-日 填写。",
                                  f"'{value}' is not a date (YYYY-MM-DD).")]
        return None
    return day


def default_start(end: dt.date) -> dt.date:
    """The first day of the month eleven months before `end`: the last twelve months."""
    month = end.year * 12 + end.month - 1 - 11
    return dt.date(month // 12, month % 12 + 1, 1)


def parse(args: Mapping[str, Any], *, today: dt.date, lang: str = "zh") -> Filters:
    """Filters from a query string; a bad value is a ValidationFailed naming its field."""
    errors: dict[str, list[str]] = {}
    raw = {}
    for name in ("from", "to", "region", "process_id", "customer_class"):
        value = args.get(name)
        value = value.strip() if isinstance(value, str) else None
        if value and len(value) > MAX_PARAM:
            errors[name] = [_message(lang, f"不能超过 {MAX_PARAM} 个字符。", f"at most {MAX_PARAM} characters")]
            value = None
        raw[name] = value or None
    start, end = _day(raw["from"], "from", errors, lang), _day(raw["to"], "to", errors, lang)
    if raw["region"] and raw["region"] not in REGIONS:
        errors["region"] = [_message(lang, "区域组须为 south_west、north 或 general。",
                                     "region must be one of south_west, north, general")]
    if raw["customer_class"] and raw["customer_class"] not in CUSTOMER_CLASSES:
        errors["customer_class"] = [_message(lang, "客户类别须为 key 或 ordinary。",
                                             "customer_class must be key or ordinary")]
    if raw["process_id"] and raw["process_id"] not in known_processes():
        errors["process_id"] = [_message(lang, f"没有流程“{raw['process_id']}”。",
                                         f"no flow '{raw['process_id']}'")]
    end = end or (today if start is None or start <= today else start)
    start = start or min(default_start(end), end)
    if "from" not in errors and "to" not in errors:
        if start > end:
            errors["to"] = [_message(lang, "结束日期不能早于开始日期。", "'to' must not be before 'from'")]
        elif (end - start).days >= MAX_DAYS:
            errors["to"] = [_message(lang, "一次最多查看三年。", "the period may span at most three years")]
    if errors:
        raise ValidationFailed(errors)
    return Filters(start, end, raw["region"], raw["process_id"], raw["customer_class"])


def known_processes() -> set[str]:
    return set(db.session.execute(sa.select(ModelVersion.process_id).distinct()).scalars())


# ---------------------------------------------------------------- conditions on a fact table
def conditions(table: Any, filters: Filters, *, dated: bool = True) -> list[Any]:
    """Where-clauses of the filters on a fact table (every fact table has these columns)."""
    where = []
    if dated:
        where += [table.opened_on >= filters.start, table.opened_on <= filters.end]
    if filters.region:
        where.append(table.region_team == filters.region)
    if filters.process_id:
        where.append(table.process_id == filters.process_id)
    if filters.customer_class:
        where.append(table.customer_class == filters.customer_class)
    return where


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_first(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def month_last(month: str) -> dt.date:
    return (month_first(month).replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def whole_months(filters: Filters) -> list[str]:
    """The months the period covers entirely (read from the monthly sums)."""
    return [m for m in months_between(filters.start, filters.end)
            if month_first(m) >= filters.start and month_last(m) <= filters.end]


def partial_spans(filters: Filters, whole: list[str]) -> list[tuple[dt.date, dt.date]]:
    """The day spans of the period outside its whole months (at most one at each end; read from the facts)."""
    if not whole:
        return [(filters.start, filters.end)]
    spans = []
    if filters.start < month_first(whole[0]):
        spans.append((filters.start, month_first(whole[0]) - dt.timedelta(days=1)))
    if filters.end > month_last(whole[-1]):
        spans.append((month_last(whole[-1]) + dt.timedelta(days=1), filters.end))
    return spans


def sum_by_key(rows: Iterable[Sequence[Any]], width: int) -> dict[Any, list[int]]:
    """Rows of (key, numbers…) read from the sums and from the facts, added up per key."""
    sums: dict[Any, list[int]] = {}
    for key, *numbers in rows:
        entry = sums.setdefault(key, [0] * width)
        for index, value in enumerate(numbers):
            entry[index] += int(value or 0)
    return sums
