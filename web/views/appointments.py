"""The printable bill of a settled service appointment (labour + parts), and the request type
(咨询, 报修, 投诉, 安装, 回访, 预约) the inbox shows beside each flow."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web.auth import current_actor
from web.i18n import current_language
from workflows import service_appointment
from workflows.records import classification

bp = Blueprint("appointments", __name__)

PAYMENT = {"cash": "现金", "card": "刷卡", "transfer": "转账"}


@bp.app_context_processor
def _request_types() -> dict[str, Any]:
    def request_type(process_id: str) -> str | None:
        return classification.request_type(process_id, current_language())

    return {"request_type": request_type}


@bp.get("/appointments/<int:instance_id>/bill")
def bill(instance_id: int):
    data = service_appointment.bill_of(instance_id, actor=current_actor())
    return render_template("appointments/bill.html", bill=data, payment=PAYMENT.get(data["payment_method"], ""))
