"""Parts sales and the parts-sales commission (manual art. 55): each engineer's sales of spare parts
are summed from the forms that record them, by the company-local day the form was submitted; the
department earns 1 % of the sales above the 3,000,000-yuan yearly target (both settings,
workflows/management/accountability_settings.py). The manual rewards the department on its total;
each engineer's row also shows the commission on their own sales against the same target, for a
department that sets the target per engineer. The monthly sums feed the scorecard's market
line (≥ 10,000 → 10 points, 5,000–10,000 → 8, below → 4)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_naive
from engine.db import db
from engine.errors import ValidationFailed
from engine.identity import Actor
from engine.models import Task
from workflows.case_data import local_zone
from workflows.management import accountability
from workflows.management import accountability_settings as settings
from workflows.management.calculators import money
from workflows.management.dashboard_labels import engineers

# (flow, step) → the field of its form that records the parts the engineer sold; a form that starts
# recording them (a fault report, a revisit report) is added here.
PARTS_SALES_FIELDS: Mapping[tuple[str, str], str] = {("installation", "summary_report"): "parts_sales"}


@dataclass(frozen=True)
class Sale:
    instance_id: int
    case_number: str | None
    amount: Decimal
    on: dt.date


def _amount(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number > 0 else None


def period_bounds(first: dt.date, after: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The company-local days [first, after) as naive UTC moments."""
    zone = local_zone()
    return (utc_naive(dt.datetime.combine(first, dt.time(), tzinfo=zone)),
            utc_naive(dt.datetime.combine(after, dt.time(), tzinfo=zone)))


def sales(first: dt.date, after: dt.date) -> dict[str, list[Sale]]:
    """Every engineer's recorded parts sales in the company-local days [first, after)."""
    start, end = period_bounds(first, after)
    steps = sa.tuple_(Task.process_id, Task.element_id).in_(list(PARTS_SALES_FIELDS))
    rows = db.session.execute(sa.select(Task).where(
        Task.status == "completed", steps, Task.completed_at >= start, Task.completed_at < end)
        .order_by(Task.completed_at, Task.id)).scalars()
    zone, found = local_zone(), {}
    for task in rows:
        amount = _amount((task.data or {}).get(PARTS_SALES_FIELDS[(task.process_id, task.element_id)]))
        if amount is None or not task.completed_by:
            continue
        day = task.completed_at.replace(tzinfo=dt.UTC).astimezone(zone).date()
        found.setdefault(task.completed_by, []).append(Sale(task.instance_id, task.case_number, amount, day))
    return found


def commission(total: Decimal, target: Decimal, rate: Decimal) -> Decimal:
    """`rate` of the sales above `target` (nothing up to it)."""
    return money(max(Decimal(0), total - target) * rate)


def yearly(year: int, *, actor: Actor) -> dict[str, Any]:
    """Each engineer's parts sales in `year`, the department's total and its commission."""
    accountability.check_reader(actor)
    if not 2000 <= year <= 2200:
        raise ValidationFailed({"year": ["a year between 2000 and 2200"]})
    found = sales(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    _teams, names = engineers()
    target, rate = settings.commission_target(), settings.commission_rate()
    people = []
    for username, items in sorted(found.items()):
        own = sum((s.amount for s in items), Decimal(0))
        people.append({"engineer": username, "name": names.get(username, username), "sales": str(money(own)),
                       "commission": str(commission(own, target, rate)), "cases": len(items)})
    total = sum((Decimal(p["sales"]) for p in people), Decimal(0))
    return {"year": year, "target": str(money(target)), "rate": str(rate), "total": str(money(total)),
            "commission": str(commission(total, target, rate)), "engineers": people}
