"""Parts drawn from the warehouse against a case: `GET/POST /process-instances/{id}/parts-draws`
(the warehouse issues, only against an approved compensation request) and `GET /parts-draws/figures`
(parts issued per part and engineer in a period, for the managers' figures)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, fields, validate

from engine import queries
from engine.clock import isoformat, now
from engine.errors import Forbidden
from web.api.base import bp, doc, lang, parse_body, parse_query
from web.auth import current_actor
from web.schemas import StrictSchema
from workflows.case_data import local_zone
from workflows.management.dashboard import VIEWERS
from workflows.records import parts_draw
from workflows.records.dispatch import TEAM_NAMES


class DrawCreate(StrictSchema):
    part_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=parts_draw.MAX_QUANTITY))
    engineer = fields.String(validate=validate.Length(min=1, max=80),
                             metadata={"description": "username of the engineer taking the parts; "
                                                      "default: the case's engineer"})


class DrawItem(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    part_code = fields.String(required=True)
    part_name = fields.String(required=True)
    quantity = fields.Integer(required=True)
    engineer = fields.String(required=True)
    engineer_name = fields.String(required=True)
    issued_by = fields.String(required=True)
    issued_by_name = fields.String(required=True)
    drawn_at = fields.String(required=True)


class FiguresQuery(Schema):
    date_from = fields.Date(data_key="from", required=True, metadata={"description": "first day (YYYY-MM-DD)"})
    date_to = fields.Date(data_key="to", required=True, metadata={"description": "last day, included"})
    region = fields.String(validate=validate.OneOf(tuple(TEAM_NAMES)), metadata={"description": "dispatch team id"})


def draw_item(draw: parts_draw.PartsDraw, names: dict[str, str]) -> dict[str, Any]:
    values = dict(parts_draw.draw_values(draw))
    values.update(drawn_at=isoformat(draw.drawn_at), engineer_name=names.get(draw.engineer, draw.engineer),
                  issued_by_name=names.get(draw.issued_by, draw.issued_by))
    return values


@bp.get("/process-instances/<int:instance_id>/parts-draws")
@doc(summary="Parts the warehouse issued against the case, oldest first", tag="parts", errors=(401, 403, 404))
def list_parts_draws(instance_id: int):
    draws = parts_draw.draws_of(instance_id, actor=current_actor())
    names = queries.display_names({d.engineer for d in draws} | {d.issued_by for d in draws})
    return {"items": [draw_item(d, names) for d in draws]}


@bp.post("/process-instances/<int:instance_id>/parts-draws")
@doc(summary="The warehouse issues parts to the engineer, only against the case's approved compensation "
             "request and within its quantities", tag="parts", body=DrawCreate, response=DrawItem, status=201,
     errors=(401, 403, 404, 409, 422))
def create_parts_draw(instance_id: int):
    actor = current_actor()
    if not parts_draw.may_issue(actor):
        raise Forbidden("only the warehouse (logistics) issues parts", instance_id=instance_id)
    body = parse_body(DrawCreate)
    draw = parts_draw.record_draw(instance_id=instance_id, part_code=body["part_code"], quantity=body["quantity"],
                                  engineer=body.get("engineer"), actor=actor, now=now(), lang=lang())
    return draw_item(draw, queries.display_names({draw.engineer, draw.issued_by})), 201


@bp.get("/parts-draws/figures")
@doc(summary="Parts issued from the warehouse in a period, per part and per engineer (managers, auditors)",
     tag="parts", query=FiguresQuery, errors=(401, 403, 422))
def parts_draw_figures():
    actor = current_actor()
    if not actor.has_role(*VIEWERS):
        raise Forbidden("the parts figures are for managers and auditors")
    args = parse_query(FiguresQuery)
    zone = local_zone()
    start = dt.datetime.combine(args["date_from"], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(args["date_to"] + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    figures = parts_draw.parts_figures(start=start, end=end, region_team=args.get("region"))
    names = queries.display_names({row["engineer"] for row in figures["engineers"]})
    for row in figures["engineers"]:
        row["engineer_name"] = names.get(row["engineer"], row["engineer"])
    return figures
