"""The service tools (服务器械): the standard kit, each engineer's register with issue and return,
the February replenishment request and the compensation records of the tool-loss flow."""
from __future__ import annotations

from flask import request
from marshmallow import fields, validate

from engine.clock import now
from engine.commands import transaction
from web.api.base import bp, doc, lang, parse_body, parse_query
from web.auth import current_actor
from web.schemas import StrictSchema
from workflows.management import accountability, calculators, tools


class IssueRequest(StrictSchema):
    code = fields.String(required=True, validate=validate.OneOf(list(tools.KIT)))
    price = fields.Decimal(required=True, validate=validate.Range(min=0, max=calculators.MAX_MONEY))
    issued_on = fields.Date(required=True)


class ReturnRequest(StrictSchema):
    returned_on = fields.Date(required=True)


class YearQuery(StrictSchema):
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2200))


class CompensationsQuery(StrictSchema):
    engineer = fields.String(validate=validate.Length(min=1, max=80))


@bp.get("/tools/kit")
@doc(summary="The standard kit of a service engineer: class and service life of each tool", tag="accountability")
def tool_kit():
    names = tools.kit_names(lang())
    return {"items": [{"code": t.code, "name": names[t.code], "tool_class": t.tool_class,
                       "life_years": t.life_years, "quantity": t.quantity} for t in tools.STANDARD_KIT]}


@bp.get("/tools/register/<username>")
@doc(summary="An engineer's tools, held and returned (the engineer, managers, logistics)", tag="accountability",
     errors=(401, 403, 404))
def tool_register(username: str):
    return tools.register(username, actor=current_actor(), lang=lang())


@bp.post("/tools/register/<username>")
@doc(summary="Issue a tool of the standard kit to an engineer (出库登记领用)", tag="accountability",
     body=IssueRequest, status=201, errors=(401, 403, 422))
def issue_tool(username: str):
    actor = current_actor()
    tools.check_keeper(actor)
    body = parse_body(IssueRequest)
    with transaction():
        item = tools.issue(username, body["code"], body["price"], body["issued_on"], actor=actor, now=now())
        return tools.present(item, lang()), 201


@bp.post("/tools/items/<int:item_id>/return")
@doc(summary="Take a tool back from the engineer (退回)", tag="accountability", body=ReturnRequest,
     errors=(401, 403, 404, 409, 422))
def return_tool(item_id: int):
    actor = current_actor()
    tools.check_keeper(actor)
    body = parse_body(ReturnRequest)
    with transaction():
        return tools.present(tools.take_back(item_id, body["returned_on"], actor=actor, now=now()), lang())


@bp.get("/tools/replenishment")
@doc(summary="The yearly replenishment request filed in February: the tools each engineer lacks",
     tag="accountability", query=YearQuery, errors=(401, 403, 422))
def tool_replenishment():
    actor = current_actor()
    accountability.check_reader(actor)
    return tools.replenishment(parse_query(YearQuery)["year"], actor=actor, lang=lang())


@bp.get("/tools/compensations")
@doc(summary="The recorded 服务器械赔偿单; an engineer reads their own with engineer=<username>",
     tag="accountability", query=CompensationsQuery, errors=(401, 403, 422))
def tool_compensations():
    actor = current_actor()
    if request.args.get("engineer") != actor.username:
        accountability.check_reader(actor)
    return {"items": tools.compensations(actor=actor, engineer=parse_query(CompensationsQuery).get("engineer"))}
