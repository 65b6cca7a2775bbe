"""The printable bill of a settled service appointment (labour + parts)."""
from __future__ import annotations

from flask import Blueprint, render_template

from web.auth import current_actor
from workflows import service_appointment

bp = Blueprint("appointments", __name__)

PAYMENT = {"cash": "现金", "card": "刷卡", "transfer": "转账"}


@bp.get("/appointments/<int:instance_id>/bill")
def bill(instance_id: int):
    data = service_appointment.bill_of(instance_id, actor=current_actor())
    return render_template("appointments/bill.html", bill=data, payment=PAYMENT.get(data["payment_method"], ""))
