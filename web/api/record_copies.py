"""`GET /copies`: the approved compensation claims reported to me for the record (抄送我的)."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from engine import queries
from engine.clock import isoformat
from web.api.base import bp, doc, envelope, parse_query
from web.auth import current_actor
from web.schemas import PageQuery, page_of
from workflows import compensation_approval


class CopyItem(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    amount = fields.Decimal(as_string=True, required=True)
    role = fields.String(required=True, metadata={"description": "the role it was reported to me as"})
    approver_role = fields.String(allow_none=True)
    approved_by = fields.String(required=True)
    approved_by_name = fields.String(required=True)
    copied_at = fields.String(required=True)


def copy_item(copy: compensation_approval.RecordCopy, names: dict[str, str]) -> dict[str, Any]:
    return {"case_id": copy.instance_id, "case_number": copy.case_number, "customer_name": copy.customer_name,
            "amount": f"{copy.amount:.2f}", "role": copy.role, "approver_role": copy.approver_role,
            "approved_by": copy.approved_by, "approved_by_name": names.get(copy.approved_by, copy.approved_by),
            "copied_at": isoformat(copy.copied_at)}


@bp.get("/copies")
@doc(summary="Approved compensation claims reported to me for the record, newest first", tag="notifications",
     query=PageQuery, response=page_of(CopyItem, "CopyPage"), errors=(401, 422))
def list_copies():
    args = parse_query(PageQuery)
    page = compensation_approval.copies_for(current_actor().username, page=args["page"], per_page=args["per_page"])
    names = queries.display_names({copy.approved_by for copy in page.items})
    return envelope(page, lambda copy: copy_item(copy, names))
