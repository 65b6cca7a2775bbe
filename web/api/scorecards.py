"""The engineers' monthly scorecards (绩效考核) and the fines ledger: reading (an engineer their own,
managers and auditors every one), the xlsx export, and the service manager's entries, bonus and
confirmation."""
from __future__ import annotations

from flask import Response, request
from marshmallow import fields, validate

from engine.clock import now
from engine.commands import transaction
from web.api.base import bp, doc, lang, parse_body, parse_query
from web.auth import current_actor
from web.schemas import StrictSchema
from workflows.management import accountability, fines, scorecard, scorecard_lines, scorecard_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH = fields.String(required=True, validate=validate.Length(equal=7),
                      metadata={"description": "YYYY-MM, e.g. 2026-11"})


class MonthQuery(StrictSchema):
    month = MONTH
    format = fields.String(validate=validate.OneOf(("json", "xlsx")), load_default="json")


class CardQuery(StrictSchema):
    month = MONTH


class ItemEntry(StrictSchema):
    month = MONTH
    code = fields.String(required=True, validate=validate.OneOf(list(scorecard_lines.ENTERED)))
    points = fields.Integer(required=True, strict=True, validate=validate.Range(min=-10, max=0))
    note = fields.String(validate=validate.Length(max=scorecard.MAX_NOTE), load_default="")


class BonusEntry(StrictSchema):
    month = MONTH
    bonus = fields.Integer(required=True, strict=True, validate=validate.Range(*scorecard.BONUS_RANGE))
    reason = fields.String(validate=validate.Length(max=scorecard.MAX_NOTE), load_default="")


class FinesQuery(StrictSchema):
    month = fields.String(validate=validate.Length(equal=7))
    engineer = fields.String(validate=validate.Length(min=1, max=80))


@bp.get("/scorecards")
@doc(summary="Every engineer's scorecard of a month (managers, vice presidents, auditors); format=xlsx for Excel",
     tag="accountability", query=MonthQuery, errors=(401, 403, 422))
def month_scorecards():
    actor = current_actor()
    accountability.check_reader(actor)
    query = parse_query(MonthQuery)
    found = scorecard.month_cards(query["month"], actor=actor, lang=lang())
    if query["format"] != "xlsx":
        return found
    return Response(scorecard_xlsx.workbook(found, lang()), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="scorecards-{found["month"]}.xlsx"'})


@bp.get("/scorecards/<username>")
@doc(summary="One engineer's scorecard of a month: {engineer, month, total, lines, bonus, confirmed_at}",
     tag="accountability", query=CardQuery, errors=(401, 403, 404, 422))
def engineer_scorecard(username: str):
    actor = current_actor()
    scorecard.check_may_read(actor, username)
    return scorecard.card(username, parse_query(CardQuery)["month"], actor=actor, lang=lang())


@bp.post("/scorecards/<username>/items")
@doc(summary="The manager enters a deduction the system has no data for", tag="accountability", body=ItemEntry,
     errors=(401, 403, 404, 409, 422))
def enter_scorecard_item(username: str):
    actor = current_actor()
    scorecard.check_rater(actor)
    body = parse_body(ItemEntry)
    with transaction():
        return scorecard.enter_item(username, body["month"], body["code"], body["points"], body["note"],
                                    actor=actor, now=now())


@bp.post("/scorecards/<username>/bonus")
@doc(summary="The manager's ±5 bonus with its reason", tag="accountability", body=BonusEntry,
     errors=(401, 403, 404, 409, 422))
def set_scorecard_bonus(username: str):
    actor = current_actor()
    scorecard.check_rater(actor)
    body = parse_body(BonusEntry)
    with transaction():
        return scorecard.set_bonus(username, body["month"], body["bonus"], body["reason"], actor=actor, now=now())


@bp.post("/scorecards/<username>/confirm")
@doc(summary="The manager confirms the month: the card is frozen and the complaint fines booked",
     tag="accountability", body=CardQuery, errors=(401, 403, 404, 409, 422))
def confirm_scorecard(username: str):
    actor = current_actor()
    scorecard.check_rater(actor)
    body = parse_body(CardQuery)
    with transaction():
        return scorecard.confirm(username, body["month"], actor=actor, now=now())


@bp.get("/fines")
@doc(summary="The fines ledger (NK-MF25-B); an engineer reads their own with engineer=<username>",
     tag="accountability", query=FinesQuery, errors=(401, 403, 422))
def fines_ledger():
    actor = current_actor()
    if request.args.get("engineer") != actor.username:
        accountability.check_reader(actor)
    query = parse_query(FinesQuery)
    return fines.ledger(actor=actor, month=query.get("month"), engineer=query.get("engineer"))
