"""GET /reports/monthly and /reports/quarterly: the department's reports as JSON or an .xlsx file;
GET /reports: the reports the scheduler has produced and kept."""
from __future__ import annotations

from flask import Response, request
from marshmallow import Schema, fields, validate

from engine.clock import now
from web.api.base import bp, doc, lang
from web.auth import current_actor
from workflows.management import reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthlyQuery(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM, e.g. 2026-11"})
    format = fields.String(validate=validate.OneOf(reports.FORMATS), load_default="json")


class QuarterlyQuery(Schema):
    quarter = fields.String(required=True, metadata={"description": "YYYYQn, e.g. 2026Q4"})
    format = fields.String(validate=validate.OneOf(reports.FORMATS), load_default="json")


def _answer(kind: str, value: str):
    found, workbook = reports.report_in(kind, value, request.args.get("format"), actor=current_actor(), now=now(),
                                        lang=lang())
    if workbook is None:
        return found
    name = f"aftercare-{kind}-{found['period']}.xlsx"
    return Response(workbook, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/monthly")
@doc(summary="The monthly department report (售后服务工作分析总结报告), JSON or xlsx", tag="management",
     query=MonthlyQuery, errors=(401, 403, 422))
def monthly_report():
    return _answer("monthly", request.args.get("month", ""))


@bp.get("/reports/quarterly")
@doc(summary="The quarterly summary with the compensation statistics by responsibility and band, JSON or xlsx",
     tag="management", query=QuarterlyQuery, errors=(401, 403, 422))
def quarterly_report():
    return _answer("quarterly", request.args.get("quarter", ""))


@bp.get("/reports")
@doc(summary="The reports the scheduler has produced and kept", tag="management", errors=(401, 403))
def kept_reports():
    return {"items": reports.kept_reports(actor=current_actor())}
