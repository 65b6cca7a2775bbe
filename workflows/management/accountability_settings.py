"""The settings of the engineers' accountability a process owner changes (DOMAIN.md: a number of the
manual is the default of a setting, never a constant buried in code): the accident-fine bands, the
yearly parts-sales target and the commission rate above it. Stored as `management_setting` rows
beside the dashboard's settings; every change is an audit event of the system stream."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.identity import Actor
from workflows.management.calculators import DEFAULT_BANDS, MAX_MONEY, Band, check_bands
from workflows.management.facts import ManagementSetting

EDITORS = ("process_owner", "admin")
ACCIDENT_BANDS, COMMISSION_TARGET, COMMISSION_RATE = "accident_fine_bands", "commission_target", "commission_rate"
DEFAULT_TARGET, DEFAULT_RATE = Decimal("3000000.00"), Decimal("0.01")  # manual art. 55


def format_bands(bands: tuple[Band, ...] | list[Band]) -> str:
    """`500:0.30,2000:0.25,…,:0.10`: each band's upper end and rate (the last one open)."""
    return ",".join(f"{'' if b.upper is None else b.upper}:{b.rate}" for b in bands)


def parse_bands(text: str) -> tuple[Band, ...]:
    bands, lower = [], Decimal(0)
    try:
        for part in str(text).split(","):
            upper_text, rate_text = part.split(":")
            upper = Decimal(upper_text) if upper_text.strip() else None
            bands.append(Band(lower, upper, Decimal(rate_text)))
            lower = upper if upper is not None else lower
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed({"value": ["write the bands as upper:rate pairs, e.g. 500:0.30,2000:0.25,:0.10"]}) \
            from exc
    if any(not b.rate.is_finite() or (b.upper is not None and not b.upper.is_finite()) for b in bands):
        raise ValidationFailed({"value": ["every figure must be a number"]})
    check_bands(bands)
    return tuple(bands)


def _stored(key: str) -> str | None:
    row = db.session.get(ManagementSetting, key)
    return row.value if row is not None else None


def accident_bands() -> tuple[Band, ...]:
    stored = _stored(ACCIDENT_BANDS)
    return parse_bands(stored) if stored else DEFAULT_BANDS


def commission_target() -> Decimal:
    stored = _stored(COMMISSION_TARGET)
    return Decimal(stored) if stored else DEFAULT_TARGET


def commission_rate() -> Decimal:
    stored = _stored(COMMISSION_RATE)
    return Decimal(stored) if stored else DEFAULT_RATE


def current() -> dict[str, str]:
    return {ACCIDENT_BANDS: format_bands(accident_bands()), COMMISSION_TARGET: str(commission_target()),
            COMMISSION_RATE: str(commission_rate())}


def _number(value: Any, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed({"value": [f"'{str(value)[:40]}' is not a number"]}) from exc
    if not number.is_finite() or not low <= number <= high:
        raise ValidationFailed({"value": [f"must be between {low} and {high}"]})
    return number


def check_editor(actor: Actor) -> None:
    if not actor.has_role(*EDITORS):
        raise Forbidden("only a process owner can change the accountability settings")


def update(key: str, value: Any, *, actor: Actor, now: dt.datetime) -> str:
    """Change one setting (in the caller's transaction); returns the value as stored."""
    check_editor(actor)
    if key == ACCIDENT_BANDS:
        stored = format_bands(parse_bands(str(value)[:200]))
    elif key == COMMISSION_TARGET:
        stored = str(_number(value, Decimal(0), MAX_MONEY))
    elif key == COMMISSION_RATE:
        stored = str(_number(value, Decimal(0), Decimal(1)))
    else:
        raise ValidationFailed({"key": [f"no setting '{key[:40]}'; known: {ACCIDENT_BANDS}, {COMMISSION_TARGET}, "
                                        f"{COMMISSION_RATE}"]})
    if len(stored) > 200:
        raise ValidationFailed({"value": ["too many bands"]})
    row = db.session.get(ManagementSetting, key) or ManagementSetting(key=key)
    row.value, row.updated_by, row.updated_at = stored, actor.username, utc_naive(now)
    db.session.add(row)
    db.session.flush()
    audit.append(audit.SYSTEM_STREAM, [{"type": "accountability_setting_changed", "at": now,
                                        "actor": actor.username, "data": {"key": key, "value": stored}}])
    return stored
