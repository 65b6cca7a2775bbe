"""GET /appointments/free-slots: the next slots the workshop has room for; POST
/appointments/days-off: an engineer's day off (or back at work) in the calendar bookings read."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.base import bp, doc, lang, parse_body, parse_query
from web.auth import current_actor
from workflows import service_appointment


class FreeSlotsQuery(Schema):
    since = fields.Date(data_key="from", metadata={"description": "first day looked at (YYYY-MM-DD); default today"})
    count = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


@bp.get("/appointments/free-slots")
@doc(summary="The next appointment slots with a free seat (service advisors, service manager)",
     tag="appointments", query=FreeSlotsQuery, errors=(401, 403, 422))
def free_slots():
    actor = current_actor()
    service_appointment.require_booker(actor)  # who before what: the role before the query
    query = parse_query(FreeSlotsQuery)
    return {"items": service_appointment.free_slots_for(actor=actor, since=query.get("since"),
                                                        count=query["count"])}


class DayOff(Schema):
    engineer = fields.String(required=True, validate=validate.Length(min=1, max=80),
                             metadata={"description": "the engineer's login id"})
    date = fields.Date(required=True)
    off = fields.Boolean(load_default=True, metadata={"description": "false: at work again that day"})
    note = fields.String(load_default="", validate=validate.Length(max=200))


@bp.post("/appointments/days-off")
@doc(summary="Mark an engineer's day off (or back at work); bookings of that day count one engineer less "
             "(service advisors, service manager)", tag="appointments", body=DayOff, errors=(401, 403, 422))
def day_off():
    actor = current_actor()
    service_appointment.require_booker(actor)  # who before what
    body = parse_body(DayOff)
    return service_appointment.mark_day_off(engineer=body["engineer"], day=body["date"], off=body["off"],
                                            note=body["note"], actor=actor, lang=lang())
