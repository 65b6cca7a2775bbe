"""GET /appointments/free-slots: the next slots the workshop has room for (service advisors)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.base import bp, doc, parse_query
from web.auth import current_actor
from workflows import service_appointment


class FreeSlotsQuery(Schema):
    since = fields.Date(data_key="from", metadata={"description": "first day looked at (YYYY-MM-DD); default today"})
    count = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


@bp.get("/appointments/free-slots")
@doc(summary="The next appointment slots with a free seat (service advisors, service manager)",
     tag="appointments", query=FreeSlotsQuery, errors=(401, 403, 422))
def free_slots():
    actor = current_actor()  # who before what: the role is checked before the query is read
    service_appointment.free_slots_for(actor=actor, since=None, count=1)
    query = parse_query(FreeSlotsQuery)
    return {"items": service_appointment.free_slots_for(actor=actor, since=query.get("since"),
                                                        count=query["count"])}
