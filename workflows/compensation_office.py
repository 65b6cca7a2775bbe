"""The office work of an approved parts-compensation claim 赔偿成本核算与责任认定 (rule NK-MF25-B):
once the parts are shipped, the claim (on its own or within a fault case) opens this case; the
manufacturing technician records the cost (machining, purchase, freight) and the quality VP decides
who is responsible, in parallel. It is a case of its own, so the claim — and the fault case that
called it — close when the parts are out, and their 14-day revisit is not held up by the office
(manual: "成本核算与责任认定不影响维修进度"). The claim's figures (cost, responsible party) are read
from here by the management facts."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from engine import commands
from engine.context import current
from engine.db import db
from engine.identity import SYSTEM
from engine.models import Instance

PROCESS_ID = "compensation_office"
CASE_PREFIX = "CCR"
FIGURES = ("machining_cost", "purchase_cost", "freight_cost", "responsible_party", "responsible_engineer",
           "finding")  # what the office decides, which the claim's figures take


DRAFTS: dict[str, Any] = {}


def parts_text(lines: Any) -> str:
    """The claim's parts, one line each: name (code) × quantity, line total."""
    rows = []
    for line in lines if isinstance(lines, list) else []:
        name = line.get("part_name") or line.get("part_code")
        rows.append(f"{name}（{line.get('part_code')}）× {line.get('quantity')}，{line.get('line_total')} 元")
    return "\n".join(rows)


def open_office_work(data: dict[str, Any], params: dict[str, Any]) -> str:
    """Open the claim's office work, in the same transaction; returns its case number. Running
    twice for one claim opens one case."""
    info = current()
    existing = db.session.execute(sa.select(Instance.case_number).where(
        Instance.parent_id == info.instance_id, Instance.process_id == PROCESS_ID)).scalar()
    if existing:
        return existing
    start: dict[str, Any] = {"claim_case": info.case_number, "customer_id": data["customer_id"],
                             "amount": str(data["amount"]), "parts": parts_text(data.get("lines"))}
    for key in ("equipment_serial", "description", "cause_analysis", "shipped_on", "carrier"):
        if data.get(key) not in (None, ""):
            start[key] = data[key]
    case = commands.start_within(process_id=PROCESS_ID, data=start, actor=SYSTEM, parent_id=info.instance_id)
    return case.case_number


SERVICES = {"open_office_work": open_office_work}


def office_figures(claim_id: int) -> dict[str, Any]:
    """What the office work of a claim (by the instance that holds it) has recorded so far."""
    data = db.session.execute(sa.select(Instance.data).where(
        Instance.parent_id == claim_id, Instance.process_id == PROCESS_ID)).scalar()
    return figures_of(data)


def figures_of(data: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: data[key] for key in FIGURES if data and data.get(key) not in (None, "")}
