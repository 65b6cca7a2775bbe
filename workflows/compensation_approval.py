"""Flow 4, parts compensation approval 零部件赔偿 (manual art. 28–30, rule NK-MF25-B): a claim with
evidence and priced parts lines, on equipment within warranty, is verified by the desk; the approval
chain comes from the DMN table bpmn/compensation_authority.dmn over the total amount and the
emergency flag; approvals in the lower bands are reported to the other leaders for the record (told,
and listed on their side). An approved claim is ordered, made and shipped; then the cost recording
and the quality VP's responsibility decision run in parallel. A rejection at any approval ends the
claim with the reason and tells the desk.

Also called from fault_handling (a call activity) with the engineer's list of warranty parts: the
signal `compensation_parts_settled` (parts shipped, or the claim rejected) lets the repair go on."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import queries
from engine.clock import utc_naive
from engine.context import current
from engine.db import db
from engine.errors import ValidationFailed
from engine.identity import users_with_role
from engine.timers import outbox
from workflows.case_data import check_owner, equipment_facts, local_date
from workflows.records.references import problem
from workflows.records.tables import Part

PROCESS_ID = "compensation_approval"
CASE_PREFIX = "CMP"
CENT = Decimal("0.01")
COPY_KIND = "copied_for_record"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    check_owner(data)
    evidence = data.get("evidence") or []
    if not isinstance(evidence, list) or not evidence or not all(isinstance(e, str) and e for e in evidence):
        raise ValidationFailed({"evidence": [problem(
            "须附客户质量问题来函或设备损坏状况报告（照片）。",
            "Attach the customer's quality letter or a damage report with photos.")]})
    facts = equipment_facts(data["equipment_serial"], on=local_date(None))
    refuse_out_of_warranty(facts)
    lines = price_lines(data["lines"])
    return {**data, **facts, "lines": lines, "amount": claim_amount(lines), "emergency": bool(data.get("emergency")),
            "requested_by": username}


# ---------------------------------------------------------------- assignment
# Approvers are roles, chosen by the DMN table; nothing is assigned to a named person.
DRAFTS: dict[str, Any] = {}


# ---------------------------------------------------------------- copies for the record 报送备案
class RecordCopy(db.Model):
    """An approved claim reported to a leader of another band for the record: listed on their side
    (抄送我的) and notified."""

    __tablename__ = "record_copy"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    role: Mapped[str] = mapped_column(sa.String(40))
    instance_id: Mapped[int] = mapped_column(index=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    customer_name: Mapped[str | None] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    approver_role: Mapped[str | None] = mapped_column(sa.String(40))
    approved_by: Mapped[str] = mapped_column(sa.String(80))
    copied_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


COPY_NOTICE = (("报送备案：{case}", "For the record: {case}"),
               ("{approver}已批准 {case}（{customer}）的零部件赔偿 {amount} 元，报送你备案。",
                "{approver} approved the parts compensation of {amount} yuan on {case} ({customer}); "
                "reported to you for the record."))


def _copy_notice(copy: RecordCopy) -> dict[str, Any]:
    approver = queries.display_names({copy.approved_by}).get(copy.approved_by, copy.approved_by)
    values = {"case": copy.case_number or f"#{copy.instance_id}", "customer": copy.customer_name or "—",
              "amount": f"{copy.amount:,.2f}", "approver": approver}
    (title_zh, title_en), (body_zh, body_en) = COPY_NOTICE
    return {"title": {"zh": title_zh.format(**values), "en": title_en.format(**values)},
            "body": {"zh": body_zh.format(**values), "en": body_en.format(**values)},
            "case_number": copy.case_number, "instance_id": copy.instance_id, "link": f"/cases/{copy.instance_id}"}


# ---------------------------------------------------------------- service-task handlers
def record_copies(data: dict[str, Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Approvals in the lower bands are reported to the other leaders for the record: each is told
    and finds the claim in their list of copies; the case keeps who they were."""
    info = current()
    copied = []
    for role in params.get("roles") or []:
        users = [user.username for user in users_with_role(role)]
        copied.append({"role": role, "users": users})
        for username in users:
            copy = RecordCopy(username=username, role=role, instance_id=info.instance_id,
                              case_number=info.case_number, customer_name=data.get("customer_name"),
                              amount=Decimal(str(data.get("amount") or 0)), approver_role=data.get("approver"),
                              approved_by=info.actor, copied_at=utc_naive(info.now))
            db.session.add(copy)
            outbox.notify(username, COPY_KIND, _copy_notice(copy), instance_id=info.instance_id, now=info.now)
    return copied


def copies_for(username: str, *, page: int = 1, per_page: int = 20) -> queries.Page:
    """The claims reported to `username` for the record, newest first (抄送我的)."""
    query = (sa.select(RecordCopy).where(RecordCopy.username == username)
             .order_by(RecordCopy.copied_at.desc(), RecordCopy.id.desc()))
    return queries.paginate(query, page, per_page)


SERVICES = {"record_copies": record_copies}


# ---------------------------------------------------------------- domain rules
def refuse_out_of_warranty(facts: Mapping[str, Any]) -> None:
    """Parts are compensated only for equipment within warranty (art. 29); outside it the repair is paid."""
    if not facts["in_warranty"]:
        serial, end = facts["equipment_serial"], facts["warranty_end"]
        raise ValidationFailed({"equipment_serial": [problem(
            f"设备 {serial} 已过质保期（质保至 {end}），零部件赔偿仅限质保期内的设备；请按有偿维修处理。",
            f"Equipment {serial} is out of warranty (it ended on {end}): parts are compensated only "
            f"within warranty; handle it as a paid repair.")]})


def price_lines(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each line with its part name, its unit price (the catalogue's unless one was given) and its
    total, all Decimal."""
    priced = []
    for index, line in enumerate(lines):
        part = db.session.get(Part, line["part_code"])
        if part is None:
            raise ValidationFailed({f"lines.{index}.part_code": [problem(
                f"零件编号 {line['part_code']} 不在零部件目录中。",
                f"Part {line['part_code']} is not in the parts catalogue.")]})
        given = line.get("unit_price")
        unit_price = Decimal(str(given)) if given not in (None, "") else Decimal(part.price)
        quantity = int(line["quantity"])
        priced.append({"part_code": part.code, "part_name": part.name, "quantity": quantity,
                       "unit_price": unit_price.quantize(CENT), "line_total": (unit_price * quantity).quantize(CENT)})
    return priced


def claim_amount(lines: Iterable[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(line["line_total"])) for line in lines), Decimal("0.00")).quantize(CENT)
