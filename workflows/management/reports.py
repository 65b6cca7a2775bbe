"""The department's periodic reports (manual art. 22, 30, 32): the monthly 售后服务工作分析总结报告 and
the quarterly summary to the vice presidents with the compensation statistics by responsibility and
approval band. Each is a list of sections (a title, column headings, rows of cells) built from the
dashboard figures of the period, so the page, the xlsx file and the API say the same thing.

The scheduler produces each report on the first working day after its period ends, keeps it (in
both languages) and tells the managers and vice presidents; asking for a period that was kept
returns the kept copy, any other finished or current period is computed on the spot."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import isoformat, utc_naive
from engine.db import db
from engine.errors import ValidationFailed
from engine.identity import Actor
from engine.models import JSON
from workflows.management.dashboard import check_viewer, figures, today
from workflows.management.dashboard_filters import Filters
from workflows.management.reports_sections import monthly_sections, quarterly_sections
from workflows.management.reports_xlsx import workbook

KINDS = ("monthly", "quarterly")
LANGS = ("zh", "en")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
TITLES = {"monthly": ("售后服务工作分析总结报告", "After-sales service monthly analysis report"),
          "quarterly": ("售后服务季度工作总结", "After-sales service quarterly summary")}


class KeptReport(db.Model):
    """A report as the scheduler produced it (both languages)."""

    __tablename__ = "management_report"
    __table_args__ = (sa.UniqueConstraint("kind", "period", name="uq_management_report_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    period: Mapped[str] = mapped_column(sa.String(7))
    produced_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # lang -> report


@dataclass(frozen=True)
class Period:
    kind: str
    label: str  # 2026-11 or 2026Q4
    start: dt.date
    end: dt.date  # inclusive

    def following(self) -> Period:
        day = self.end + dt.timedelta(days=1)
        return month_period(f"{day:%Y-%m}") if self.kind == "monthly" else quarter_of(day)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def month_period(value: str) -> Period:
    found = MONTH.match(value or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2200:
        raise ValidationFailed({"month": [f"'{value}' is not a month (YYYY-MM)"]})
    year, month = int(found.group(1)), int(found.group(2))
    return Period("monthly", value, dt.date(year, month, 1), _month_end(year, month))


def quarter_period(value: str) -> Period:
    found = QUARTER.match(value or "")
    if not found or not 2000 <= int(found.group(1)) <= 2200:
        raise ValidationFailed({"quarter": [f"'{value}' is not a quarter (YYYYQn, e.g. 2026Q4)"]})
    year, number = int(found.group(1)), int(found.group(2))
    return Period("quarterly", value, dt.date(year, 3 * number - 2, 1), _month_end(year, 3 * number))


def quarter_of(day: dt.date) -> Period:
    return quarter_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def period_of(kind: str, value: str) -> Period:
    return month_period(value) if kind == "monthly" else quarter_period(value)


# ---------------------------------------------------------------- building
def build(period: Period, *, now: dt.datetime, lang: str = "zh") -> dict[str, Any]:
    """The report of a period from the dashboard figures of the whole department."""
    data = figures(Filters(period.start, period.end), now=now, lang=lang)["figures"]
    sections = monthly_sections(data, lang) if period.kind == "monthly" else quarterly_sections(data, lang, period)
    zh, en = TITLES[period.kind]
    return {"kind": period.kind, "period": period.label, "title": en if lang == "en" else zh,
            "from": period.start.isoformat(), "to": period.end.isoformat(), "generated_at": isoformat(now),
            "sections": sections}


def kept(period: Period) -> KeptReport | None:
    return db.session.execute(sa.select(KeptReport).where(KeptReport.kind == period.kind,
                                                          KeptReport.period == period.label)).scalar_one_or_none()


def report(kind: str, value: str, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> dict[str, Any]:
    """The use case of the report page and API: the kept report, else the report computed now."""
    check_viewer(actor)
    period = period_of(kind, value)
    if period.start > today(now):
        raise ValidationFailed({"month" if kind == "monthly" else "quarter": ["this period has not started yet"]})
    row = kept(period)
    if row is not None:
        return {**row.content[lang if lang in LANGS else "zh"], "kept": True, "produced_at": isoformat(row.produced_at)}
    return {**build(period, now=now, lang=lang), "kept": False, "produced_at": None}


FORMATS = ("json", "xlsx")


def report_in(kind: str, value: str, fmt: str | None, *, actor: Actor, now: dt.datetime,
              lang: str = "zh") -> tuple[dict[str, Any], bytes | None]:
    """The report and, for `format=xlsx`, the workbook (who first, then what)."""
    check_viewer(actor)
    fmt = fmt or "json"
    if fmt not in FORMATS:
        raise ValidationFailed({"format": ["format must be json or xlsx"]})
    found = report(kind, value, actor=actor, now=now, lang=lang)
    return found, (workbook(found) if fmt == "xlsx" else None)


def kept_reports(*, actor: Actor) -> list[dict[str, Any]]:
    check_viewer(actor)
    rows = db.session.execute(sa.select(KeptReport.kind, KeptReport.period, KeptReport.produced_at)
                              .order_by(KeptReport.produced_at.desc(), KeptReport.kind, KeptReport.period.desc())).all()
    return [{"kind": kind, "period": period, "produced_at": isoformat(at)} for kind, period, at in rows]


def keep(period: Period, *, now: dt.datetime) -> KeptReport:
    """Produce and keep a period's report in both languages (in the caller's transaction)."""
    row = kept(period) or KeptReport(kind=period.kind, period=period.label)
    row.content = {lang: build(period, now=now, lang=lang) for lang in LANGS}
    row.produced_at = utc_naive(now)
    db.session.add(row)
    db.session.flush()
    return row
