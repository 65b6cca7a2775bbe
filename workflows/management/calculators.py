"""The two money rules of the engineers' accountability (DOMAIN.md), as pure functions the API, the
managers' calculator page and the flows all call:

- the major-accident fine of rule NK-MF25-B, progressive on the loss like tax brackets (0–500 30 %,
  500–2,000 25 %, 2,000–5,000 20 %, 5,000–10,000 15 %, above 10,000 10 %; a loss of 3,000 →
  500×30 % + 1,500×25 % + 1,000×20 % = 725). The bands are a setting a process owner changes
  (workflows/management/accountability_settings.py); these are its defaults;
- the tool compensation of 《售后服务器械管理办法》: class-1 durables are paid at the price less 10 % for
  every full half-year of use, class-2 less 20 %, never below 10 % of the price; consumables and
  normal wear are not paid.

Money is Decimal, rounded half-up to the fen."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from engine.errors import ValidationFailed

FEN = Decimal("0.01")
MAX_MONEY = Decimal("1000000000000")  # a trillion yuan: beyond any loss or price the department meets


@dataclass(frozen=True)
class Band:
    """Losses above `lower` up to `upper` (None: no upper end) are fined at `rate` (0.30 = 30 %)."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal


DEFAULT_BANDS: tuple[Band, ...] = (
    Band(Decimal(0), Decimal(500), Decimal("0.30")),
    Band(Decimal(500), Decimal(2000), Decimal("0.25")),
    Band(Decimal(2000), Decimal(5000), Decimal("0.20")),
    Band(Decimal(5000), Decimal(10000), Decimal("0.15")),
    Band(Decimal(10000), None, Decimal("0.10")),
)

TOOL_CLASSES = {"1": Decimal("0.10"), "2": Decimal("0.20"), "consumable": None}  # loss of value per half-year
TOOL_CLASS_NAMES = {"1": ("一类耐用品", "Class-1 durable"), "2": ("二类耐用品", "Class-2 durable"),
                    "consumable": ("消耗品", "Consumable")}
FLOOR = Decimal("0.10")  # never less than 10 % of the price


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- the accident fine
@dataclass(frozen=True)
class BandShare:
    band: Band
    amount: Decimal  # the fine this band adds

    def to_dict(self) -> dict[str, str | None]:
        return {"from": str(money(self.band.lower)), "to": None if self.band.upper is None else
                str(money(self.band.upper)), "rate": str(self.band.rate), "amount": str(money(self.amount))}


@dataclass(frozen=True)
class Fine:
    loss: Decimal
    fine: Decimal
    shares: tuple[BandShare, ...]

    def to_dict(self) -> dict:
        return {"loss": str(money(self.loss)), "fine": str(self.fine), "bands": [s.to_dict() for s in self.shares]}


def check_bands(bands: Sequence[Band]) -> None:
    """Bands start at 0, follow each other without a gap, only the last is open-ended, rates 0–100 %."""
    problems = []
    if not bands:
        problems.append("at least one band is needed")
    elif bands[0].lower != 0:
        problems.append("the first band starts at 0")
    for before, after in zip(bands, bands[1:], strict=False):
        if before.upper is None or before.upper != after.lower:
            problems.append(f"the band from {before.lower} must end where the next begins ({after.lower})")
    for band in bands:
        if band.upper is not None and band.upper <= band.lower:
            problems.append(f"the band from {band.lower} must end above its start")
        if not Decimal(0) <= band.rate <= Decimal(1):
            problems.append(f"the rate of the band from {band.lower} must be between 0 and 1")
    if bands and bands[-1].upper is not None:
        problems.append("the last band has no upper end")
    if problems:
        raise ValidationFailed({"bands": problems})


def accident_fine(loss: Decimal, bands: Sequence[Band] = DEFAULT_BANDS) -> Fine:
    """The fine on a major accident's loss: each band's rate on the part of the loss inside it."""
    loss = checked_money(loss, "loss")
    shares = []
    for band in bands:
        top = loss if band.upper is None else min(loss, band.upper)
        inside = max(Decimal(0), top - band.lower)
        shares.append(BandShare(band, inside * band.rate))
    return Fine(loss, money(sum((s.amount for s in shares), Decimal(0))), tuple(shares))


def checked_money(value: Decimal, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed({field: ["must be a number of yuan"]})
    if value < 0 or value > MAX_MONEY:
        raise ValidationFailed({field: [f"must be between 0 and {MAX_MONEY}"]})
    if value != money(value):
        raise ValidationFailed({field: ["at most two decimal places (fen)"]})
    return value


# ---------------------------------------------------------------- the tool compensation
@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    half_years: int
    rate: Decimal  # the share of the price paid

    def to_dict(self) -> dict[str, str | int]:
        return {"amount": str(self.amount), "half_years": self.half_years, "rate": str(self.rate)}


def full_half_years(start: dt.date, end: dt.date) -> int:
    """Whole half-years from `start` to `end` (a half-year is complete on the same day of the month
    six months on; the 31st counts as complete on a shorter month's last day)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and not _last_day_of_month(end):
        months -= 1
    return max(0, months) // 6


def _last_day_of_month(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def tool_compensation(price: Decimal, tool_class: str, purchased_on: dt.date, lost_on: dt.date, *,
                      normal_wear: bool = False) -> Compensation:
    """What the engineer pays for a lost or wilfully damaged tool (0 for normal wear or a consumable)."""
    price = checked_money(price, "price")
    if tool_class not in TOOL_CLASSES:
        raise ValidationFailed({"tool_class": [f"one of {', '.join(TOOL_CLASSES)}"]})
    if lost_on < purchased_on:
        raise ValidationFailed({"lost_on": ["cannot be before the purchase"]})
    half_years = full_half_years(purchased_on, lost_on)
    step = TOOL_CLASSES[tool_class]
    if normal_wear or step is None:
        return Compensation(Decimal("0.00"), half_years, Decimal("0.00"))
    rate = max(FLOOR, Decimal(1) - step * half_years)
    return Compensation(money(price * rate), half_years, rate.quantize(FEN))
