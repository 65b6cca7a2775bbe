"""A message reaches a waiting case (a customer's reply, a partner system's answer): one command, like
a form submitted. Timers already due fire first, as the scheduler would have fired them, so an
event-based gateway racing a deadline against a message is won by whichever came first."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import spiff as sw
from engine import store
from engine.audit import history
from engine.clock import now as clock_now
from engine.context import working_on
from engine.errors import Conflict, ValidationFailed
from engine.identity import SYSTEM, Actor
from engine.jsonutil import plain
from engine.models import Instance
from engine.pipeline import advance, command_info, cycle_events, finish, transaction, waiting_timers

MAX_NAME = 200


def deliver_message(*, instance_id: int, message: str, payload: Mapping[str, Any] | None = None,
                    actor: Actor) -> Instance:
    """Refused (Conflict) when the case is not waiting for this message, e.g. a deadline won the race."""
    if not message or len(message) > MAX_NAME:
        raise ValidationFailed({"message": [f"give the message's name (at most {MAX_NAME} characters)"]})
    with transaction():
        instance = store.lock(instance_id)
        if instance.status in ("completed", "cancelled", "suspended"):
            raise Conflict(f"this case is {instance.status} and takes no message", instance_id=instance_id)
        now = clock_now()
        wf = store.load(instance)
        with working_on(command_info(instance, actor, now)):
            early = _fire_due(wf, now)
            before = sw.snapshot(wf)
            element = sw.deliver_message(wf, message, payload or {})
            if element is None:
                raise Conflict(f"this case is not waiting for the message '{message}'", instance_id=instance_id,
                               message_name=message)
            failure = advance(wf)
        received = {"type": "message_received", "at": now, "actor": actor.username, "element_id": element,
                    "data": {"message": message, "payload": plain(dict(payload or {}))}}
        finish(instance, wf, before, [*early, received], actor=actor, now=now, failure=failure)
    return instance


def _fire_due(wf, now) -> list[dict[str, Any]]:
    waiting = waiting_timers(wf)
    if not waiting:
        return []
    before = sw.snapshot(wf)
    sw.fire_due_timers(wf)
    after = sw.snapshot(wf)
    return cycle_events(waiting, wf, after, now) + history.engine_events(
        before, after, at=now, actor=SYSTEM.username, skip=set(),
        gateway_targets=lambda task_id: sw.chosen_flows(wf, task_id))
