"""GET /dashboard: every figure of the managers' dashboard under the filters, each value with the
number of cases behind it and the case list's filter (and link) that lists them."""
from __future__ import annotations

from flask import request
from marshmallow import Schema, fields, validate

from engine.clock import now
from web.api.base import bp, doc, lang
from web.auth import current_actor
from workflows.management import dashboard
from workflows.management.dashboard_filters import CUSTOMER_CLASSES, REGIONS


class DashboardQuery(Schema):
    date_from = fields.Date(data_key="from", metadata={"description": "first day received (YYYY-MM-DD); "
                                                                      "default: twelve months before 'to'"})
    date_to = fields.Date(data_key="to", metadata={"description": "last day received; default: today"})
    region = fields.String(validate=validate.OneOf(REGIONS), metadata={"description": "dispatch team id"})
    process_id = fields.String(metadata={"description": "a flow, e.g. fault_handling"})
    customer_class = fields.String(validate=validate.OneOf(CUSTOMER_CLASSES))


@bp.get("/dashboard")
@doc(summary="The managers' dashboard: every figure, each with the filter listing its cases (service manager, "
             "vice presidents, general manager, auditors)", tag="management", query=DashboardQuery,
     errors=(401, 403, 422))
def get_dashboard():
    return dashboard.dashboard(actor=current_actor(), args=request.args, now=now(), lang=lang())
