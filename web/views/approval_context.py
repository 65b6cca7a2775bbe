"""What an approver needs beside an approval form: the claim's parts lines with names, unit prices
and total, the evidence (letters and photos, by file name), and what the desk and the earlier
approvers decided and wrote. Drawn from the case data and the completed task rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from engine import attachments, queries
from engine.models import Attachment, Instance, Task

APPROVAL_STEPS = ("compensation_approval/desk_verify", "compensation_approval/manager_approval",
                  "compensation_approval/vp_approval", "compensation_approval/gm_approval")


@dataclass
class PartsLine:
    code: str
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass
class Decision:
    task: Task
    approved: bool | None  # None: the desk's verification (no decision)
    words: list[str]  # the comment, or the desk's analysis and recommendation


@dataclass
class ApprovalContext:
    lines: list[PartsLine]
    total: Decimal | None
    evidence: list[Attachment]
    description: str
    decisions: list[Decision] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # username -> display name of the deciders


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def _lines(data: dict[str, Any]) -> list[PartsLine]:
    rows = data.get("lines") if isinstance(data.get("lines"), list) else []
    return [PartsLine(str(r.get("part_code", "")), str(r.get("part_name", "")), int(r.get("quantity") or 0),
                      _money(r.get("unit_price")), _money(r.get("line_total")))
            for r in rows if isinstance(r, dict)]


def _decision(task: Task) -> Decision:
    data = task.data or {}
    if task.form_name == APPROVAL_STEPS[0]:
        words = [str(data[k]) for k in ("cause_analysis", "recommendation") if data.get(k)]
        return Decision(task, None, words)
    return Decision(task, bool(data.get("approved")), [str(data["comment"])] if data.get("comment") else [])


def approval_context(task: Task, instance: Instance) -> ApprovalContext | None:
    """The context of a compensation approval step (None for any other task)."""
    if task.form_name not in APPROVAL_STEPS:
        return None
    data = instance.data or {}
    evidence_ids = [e for e in data.get("evidence") or [] if isinstance(e, str)]
    files = attachments.describe(evidence_ids)
    earlier = [t for t in queries.tasks_of(instance.id, "completed")
               if t.form_name in APPROVAL_STEPS and t.id != task.id
               and (task.completed_at is None or (t.completed_at or task.completed_at) < task.completed_at)]
    return ApprovalContext(lines=_lines(data), total=_money(data["amount"]) if data.get("amount") is not None else None,
                           evidence=[files[i] for i in evidence_ids if i in files],
                           description=str(data.get("description") or ""),
                           decisions=[_decision(t) for t in earlier],
                           names=queries.display_names({t.completed_by for t in earlier if t.completed_by}))
