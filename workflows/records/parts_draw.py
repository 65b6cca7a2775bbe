"""Parts drawn from the company warehouse 仓库领料 (manual art. 28): the engineer may draw the parts a
fault needs only against the approved request — here the approved compensation claim of the case.
The warehouse (采购物流部) records each issue: part, quantity, case, the engineer who took it and
who issued it. A draw is an event on the case's own audit chain, written under the case's lock, and
a row the parts figures read."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import hooks, queries, store
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.forms import text
from engine.identity import Actor
from engine.models import Instance
from workflows.records.references import find_engineer, problem

ISSUERS = ("logistics",)  # the warehouse sits in the purchasing and logistics department
DRAW_EVENT = "parts_drawn"
MAX_QUANTITY = 10_000
CLAIM_PROCESSES = ("fault_handling", "compensation_approval")  # the flows that hold a compensation claim


class PartsDraw(db.Model):
    """One issue of parts from the warehouse against a case."""

    __tablename__ = "parts_draw"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(index=True)
    case_number: Mapped[str] = mapped_column(sa.String(40))
    process_id: Mapped[str] = mapped_column(sa.String(80))
    part_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    part_name: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int] = mapped_column()
    engineer: Mapped[str] = mapped_column(sa.String(80), index=True)  # who took the parts
    issued_by: Mapped[str] = mapped_column(sa.String(80))  # the warehouse keeper who issued them
    drawn_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)
    region_team: Mapped[str | None] = mapped_column(sa.String(20))


@dataclass(frozen=True)
class Allowance:
    """What the approved claim lets the warehouse issue for one part."""

    part_code: str
    part_name: str
    approved: int
    drawn: int

    @property
    def left(self) -> int:
        return self.approved - self.drawn


def may_issue(actor: Actor) -> bool:
    return actor.system or actor.has_role(*ISSUERS)


def allowances(instance: Instance) -> dict[str, Allowance]:
    """Per part of the case's approved claim: approved quantity and what was drawn already; empty
    while the claim is not approved."""
    data = instance.data or {}
    if data.get("compensation_result") != "approved":
        return {}
    approved: dict[str, tuple[str, int]] = {}
    for line in data.get("lines") or []:
        name, quantity = approved.get(line["part_code"], (line.get("part_name") or line["part_code"], 0))
        approved[line["part_code"]] = (name, quantity + int(line["quantity"]))
    drawn = dict(db.session.execute(sa.select(PartsDraw.part_code, sa.func.sum(PartsDraw.quantity))
                                    .where(PartsDraw.instance_id == instance.id).group_by(PartsDraw.part_code)).all())
    return {code: Allowance(code, name, quantity, int(drawn.get(code) or 0))
            for code, (name, quantity) in approved.items()}


def _check(instance: Instance, part_code: str, quantity: int, engineer: str, lang: str) -> Allowance:
    def _refuse(field: str, zh: str, en: str) -> ValidationFailed:
        return ValidationFailed({field: [text(problem(zh, en), lang)]})

    allowed = allowances(instance)
    if not allowed:
        raise _refuse("case", f"案件 {instance.case_number} 的零部件赔偿申请尚未批准，仓库不能发放零部件。",
                      f"The compensation request of case {instance.case_number} is not approved yet: "
                      f"the warehouse cannot issue parts against it.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise _refuse("quantity", f"数量须为 1 至 {MAX_QUANTITY} 的整数。",
                      f"The quantity is a whole number from 1 to {MAX_QUANTITY}.")
    allowance = allowed.get(part_code)
    if allowance is None:
        raise _refuse("part_code", f"零件 {part_code} 不在已批准的赔偿单上。",
                      f"Part {part_code} is not on the approved compensation request.")
    if quantity > allowance.left:
        raise _refuse("quantity", f"零件 {part_code} 已批准 {allowance.approved} 件，已领 {allowance.drawn} 件，"
                                  f"最多还能领 {allowance.left} 件。",
                      f"{allowance.approved} of part {part_code} were approved and {allowance.drawn} drawn: "
                      f"at most {allowance.left} more.")
    person = find_engineer(engineer)
    if person is None or not person.active:
        raise _refuse("engineer", "领料人须为在职的服务工程师。", "The parts go to an active service engineer.")
    return allowance


def record_draw(*, instance_id: int, part_code: str, quantity: int, engineer: str | None = None,
                actor: Actor, now: dt.datetime, lang: str = "zh") -> PartsDraw:
    """One locked command: check the claim is approved and covers the quantity, record the issue as
    a row and as an event on the case's audit chain. The engineer is the case's by default."""
    if not may_issue(actor):
        raise Forbidden("only the warehouse (logistics) issues parts", instance_id=instance_id)
    with transaction():
        instance = store.lock(instance_id)
        taker = engineer or (instance.data or {}).get("assigned_engineer") or ""
        allowance = _check(instance, part_code, quantity, taker, lang)
        draw = PartsDraw(instance_id=instance.id, case_number=instance.case_number, process_id=instance.process_id,
                         part_code=part_code, part_name=allowance.part_name, quantity=quantity, engineer=taker,
                         issued_by=actor.username, drawn_at=utc_naive(now),
                         region_team=(instance.data or {}).get("region_team"))
        db.session.add(draw)
        db.session.flush()
        stream = audit.instance_stream(instance.id)
        state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
        values = {"part_code": part_code, "part_name": allowance.part_name, "quantity": quantity,
                  "engineer": taker, "draw_id": draw.id}
        [event] = audit.append(stream, [{"type": DRAW_EVENT, "at": now, "actor": actor.username,
                                         "data": values, "state": state}], instance_id=instance.id)
        context = hooks.CommandContext(instance=instance, now=now, actor=actor.username, ready_tasks=[],
                                       closed_tasks=[], events=[{"type": DRAW_EVENT, "seq": event.seq,
                                                                 "data": event.data}])
        for hook in hooks.get().after_command:
            hook(context)
        return draw


def draws_of(instance_id: int, *, actor: Actor) -> list[PartsDraw]:
    """The case's draws, oldest first, for whoever may read the case and for the warehouse."""
    if not may_issue(actor):
        queries.readable_case(instance_id, actor)
    elif queries.instance(instance_id) is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    return list(db.session.execute(sa.select(PartsDraw).where(PartsDraw.instance_id == instance_id)
                                   .order_by(PartsDraw.drawn_at, PartsDraw.id)).scalars())


def awaiting_issue(*, limit: int = 50) -> list[tuple[Instance, list[Allowance]]]:
    """The most recently changed cases whose approved claim still has parts to issue (the warehouse's
    list), with what is left per part."""
    cases = db.session.execute(sa.select(Instance).where(Instance.process_id.in_(CLAIM_PROCESSES),
                                                         Instance.status.in_(("running", "completed")))
                               .order_by(Instance.updated_at.desc(), Instance.id.desc()).limit(limit * 4)).scalars()
    found = []
    for instance in cases:
        left = [a for a in allowances(instance).values() if a.left > 0]
        if left:
            found.append((instance, left))
    return found[:limit]


# ---------------------------------------------------------------- parts figures
def parts_figures(*, start: dt.datetime, end: dt.datetime, region_team: str | None = None) -> dict[str, Any]:
    """Parts issued from the warehouse in [start, end) (UTC): per part and per engineer, with the
    cases behind them — the query the dashboard's parts figures read."""
    where = [PartsDraw.drawn_at >= utc_naive(start), PartsDraw.drawn_at < utc_naive(end)]
    if region_team:
        where.append(PartsDraw.region_team == region_team)
    by_part = db.session.execute(
        sa.select(PartsDraw.part_code, PartsDraw.part_name, sa.func.sum(PartsDraw.quantity),
                  sa.func.count(sa.distinct(PartsDraw.instance_id)))
        .where(*where).group_by(PartsDraw.part_code, PartsDraw.part_name).order_by(PartsDraw.part_code)).all()
    by_engineer = db.session.execute(
        sa.select(PartsDraw.engineer, sa.func.sum(PartsDraw.quantity),
                  sa.func.count(sa.distinct(PartsDraw.instance_id)))
        .where(*where).group_by(PartsDraw.engineer).order_by(PartsDraw.engineer)).all()
    return {"parts": [{"part_code": code, "part_name": name, "quantity": int(total), "cases": cases}
                      for code, name, total, cases in by_part],
            "engineers": [{"engineer": who, "quantity": int(total), "cases": cases}
                          for who, total, cases in by_engineer],
            "total_quantity": sum(int(row[2]) for row in by_part)}


def draw_values(draw: PartsDraw) -> Mapping[str, Any]:
    return {"id": draw.id, "case_id": draw.instance_id, "case_number": draw.case_number, "part_code": draw.part_code,
            "part_name": draw.part_name, "quantity": draw.quantity, "engineer": draw.engineer,
            "issued_by": draw.issued_by, "drawn_at": draw.drawn_at}
