"""The fines ledger of rule NK-MF25-B (责任事故): one row per fine an engineer owes.

- Complaints: when the manager confirms an engineer's month, each complaint counted against them
  that month becomes an entry — 50 yuan when it is the month's only one, 100 yuan each when there
  are two or more (workflows/complaint.py's `monthly_fine`).
- Major accidents: the `accident` flow (workflows/accident.py) books the fine computed on the loss
  once the manager has confirmed it and the sanction has been decided."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import isoformat, utc_naive
from engine.db import db
from engine.identity import Actor
from workflows.complaint import RULE, monthly_fine
from workflows.management import accountability
from workflows.management.dashboard_labels import engineers

COMPLAINT, ACCIDENT = "complaint", "accident"


class FineEntry(db.Model):
    __tablename__ = "fine_entry"
    __table_args__ = (sa.Index("ix_fine_entry_engineer_month", "engineer", "month"),
                      sa.UniqueConstraint("kind", "instance_id", "engineer", name="uq_fine_entry_case"))
    id: Mapped[int] = mapped_column(primary_key=True)
    engineer: Mapped[str] = mapped_column(sa.String(80))
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # complaint, accident
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    rule: Mapped[str] = mapped_column(sa.String(40), default=RULE)
    instance_id: Mapped[int | None] = mapped_column()
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    sanction: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.String(80))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


def book_complaints(engineer: str, month: str, cases: list[dict[str, Any]], *, actor: Actor,
                    now: dt.datetime) -> list[FineEntry]:
    """One entry per complaint of the confirmed month (in the caller's transaction)."""
    each = monthly_fine(len(cases)) / len(cases) if cases else Decimal(0)
    booked = []
    for case in cases:
        entry = FineEntry(engineer=engineer, month=month, kind=COMPLAINT, amount=each, rule=RULE,
                          instance_id=case["instance_id"], case_number=case["case_number"],
                          note=f"{len(cases)} complaint(s) in {month}", recorded_by=actor.username,
                          recorded_at=utc_naive(now))
        db.session.add(entry)
        booked.append(entry)
    db.session.flush()
    return booked


def book_accident(*, engineer: str, month: str, amount: Decimal, instance_id: int, case_number: str | None,
                  sanction: str | None, note: str | None, recorded_by: str, now: dt.datetime) -> FineEntry:
    entry = FineEntry(engineer=engineer, month=month, kind=ACCIDENT, amount=amount, rule=RULE,
                      instance_id=instance_id, case_number=case_number, sanction=sanction, note=note,
                      recorded_by=recorded_by, recorded_at=utc_naive(now))
    db.session.add(entry)
    db.session.flush()
    return entry


def ledger(*, actor: Actor, month: str | None = None, engineer: str | None = None) -> dict[str, Any]:
    """The fines of a month or of an engineer; an engineer reads only their own."""
    if engineer != actor.username:
        accountability.check_reader(actor)
    query = sa.select(FineEntry).order_by(FineEntry.month, FineEntry.engineer, FineEntry.id)
    if month:
        query = query.where(FineEntry.month == month)
    if engineer:
        query = query.where(FineEntry.engineer == engineer)
    _teams, names = engineers()
    items = [{"engineer": e.engineer, "name": names.get(e.engineer, e.engineer), "month": e.month, "kind": e.kind,
              "amount": str(e.amount), "rule": e.rule, "instance_id": e.instance_id, "case_number": e.case_number,
              "link": f"/cases/{e.instance_id}" if e.instance_id else None, "sanction": e.sanction,
              "note": e.note, "recorded_at": isoformat(e.recorded_at)} for e in db.session.execute(query).scalars()]
    return {"items": items, "total": str(sum((Decimal(i["amount"]) for i in items), Decimal("0.00")))}
