"""POST /calculators/accident-fine and /calculators/tool-compensation: the accountability rules'
money, computed by the same functions the managers' calculator page and the flows use; and the
settings of those rules (the fine bands, the commission target and rate) for process owners."""
from __future__ import annotations

from marshmallow import fields, validate

from engine.clock import now
from engine.commands import transaction
from web.api.base import bp, doc, parse_body, parse_query
from web.auth import current_actor
from web.schemas import StrictSchema
from workflows.management import accountability, calculators, commission
from workflows.management import accountability_settings as settings

MONEY_RANGE = validate.Range(min=0, max=calculators.MAX_MONEY)


def money_field(description: str) -> fields.Decimal:
    return fields.Decimal(required=True, validate=MONEY_RANGE, metadata={"description": description})


class AccidentFineRequest(StrictSchema):
    loss = money_field("the accident's loss in yuan, a decimal string such as \"3000.00\"")


class ToolCompensationRequest(StrictSchema):
    price = money_field("the tool's purchase price in yuan")
    tool_class = fields.String(required=True, validate=validate.OneOf(list(calculators.TOOL_CLASSES)),
                               metadata={"description": "\"1\", \"2\" or \"consumable\""})
    purchased_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    lost_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD, the day it was lost or damaged"})
    normal_wear = fields.Boolean(load_default=False, metadata={"description": "normal wear is never paid"})


class SettingChange(StrictSchema):
    value = fields.String(required=True, validate=validate.Length(min=1, max=200))


@bp.post("/calculators/accident-fine")
@doc(summary="The major-accident fine on a loss (NK-MF25-B, progressive bands)", tag="accountability",
     body=AccidentFineRequest, errors=(401, 403, 422))
def accident_fine():
    actor = current_actor()
    accountability.check_reader(actor)
    body = parse_body(AccidentFineRequest)
    return accountability.accident_fine(actor=actor, loss=body["loss"]).to_dict()


@bp.post("/calculators/tool-compensation")
@doc(summary="What an engineer pays for a lost or damaged tool (服务器械赔偿)", tag="accountability",
     body=ToolCompensationRequest, errors=(401, 403, 422))
def tool_compensation():
    accountability.check_reader(current_actor())
    body = parse_body(ToolCompensationRequest)
    return calculators.tool_compensation(body["price"], body["tool_class"], body["purchased_on"], body["lost_on"],
                                         normal_wear=body["normal_wear"]).to_dict()


@bp.get("/accountability-settings")
@doc(summary="The fine bands, the yearly parts-sales target and the commission rate", tag="accountability",
     errors=(401, 403))
def accountability_settings():
    actor = current_actor()
    if not actor.has_role(*settings.EDITORS):
        accountability.check_reader(actor)
    return settings.current()


@bp.put("/accountability-settings/<key>")
@doc(summary="Change a setting of the accountability rules (process owners)", tag="accountability",
     body=SettingChange, errors=(401, 403, 422))
def change_accountability_setting(key: str):
    actor = current_actor()
    settings.check_editor(actor)
    body = parse_body(SettingChange)
    with transaction():
        stored = settings.update(key, body["value"], actor=actor, now=now())
    return {"key": key, "value": stored}


class CommissionQuery(StrictSchema):
    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2200))


@bp.get("/commission")
@doc(summary="Parts sales per engineer in a year and the commission above the yearly target",
     tag="accountability", query=CommissionQuery, errors=(401, 403, 422))
def parts_commission():
    actor = current_actor()
    accountability.check_reader(actor)
    return commission.yearly(parse_query(CommissionQuery)["year"], actor=actor)
