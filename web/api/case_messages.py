"""A message reaching a waiting case — a customer's reply recorded by the desk, a partner system's
answer: `POST /process-instances/{id}/messages {message, payload}`. A case waiting at an event-based
gateway takes the message unless its deadline came first (409 then)."""
from __future__ import annotations

from marshmallow import fields, validate

from engine import queries
from engine.messages import MAX_NAME, deliver_message
from web.api.base import bp, doc, lang, parse_body
from web.api.present import instance_item
from web.auth import current_actor, roles_required
from web.schemas import Instance, StrictSchema

SENDERS = ("service_desk", "service_manager", "admin")


class MessageIn(StrictSchema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    payload = fields.Dict(load_default=dict)


@bp.post("/process-instances/<int:instance_id>/messages")
@roles_required(*SENDERS)
@doc(summary="Hand a message to the case waiting for it (service desk, service manager)", tag="instances",
     body=MessageIn, response=Instance, errors=(401, 403, 404, 409, 422))
def send_message(instance_id: int):
    queries.readable_case(instance_id, current_actor())
    body = parse_body(MessageIn)
    instance = deliver_message(instance_id=instance_id, message=body["message"], payload=body["payload"],
                               actor=current_actor())
    return instance_item(instance, lang())
