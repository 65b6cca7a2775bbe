"""Turns what one command changed in the task tree into audit events, in the order it happened,
and tracks the completed/active/waiting element sets each event leaves behind (for replay)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.spiff import TaskInfo

ElementSets = dict[str, list[str]]
SET_NAMES = ("completed", "active", "waiting", "error")
# Operations that undo or re-plan steps (a send-back, a move to a newer version): the event carries
# the element sets right after it in `data.sets`, since they do not follow from the sets before it.
REWINDS = ("instance_sent_back", "instance_migrated")


def element_sets(snap: Mapping[str, TaskInfo]) -> ElementSets:
    completed, active, waiting, error = set(), set(), set(), set()
    for info in snap.values():
        if info.state == "COMPLETED":
            completed.add(info.element_id)
        elif info.state in ("READY", "STARTED"):
            active.add(info.element_id)
        elif info.state == "WAITING":
            waiting.add(info.element_id)
        elif info.state == "ERROR":
            error.add(info.element_id)
    return {"completed": sorted(completed), "active": sorted(active), "waiting": sorted(waiting),
            "error": sorted(error)}


def engine_events(before: Mapping[str, TaskInfo], after: Mapping[str, TaskInfo], *, at: dt.datetime,
                  actor: str, skip: set[str], gateway_targets) -> list[dict[str, Any]]:
    """Events for every element whose state changed (user actions in `skip` are recorded apart)."""
    changed = []
    for task_id, info in after.items():
        old = before.get(task_id)
        if task_id in skip or (old is not None and old.state == info.state):
            continue
        changed.append((info.changed, task_id, info, old))
    events = []
    for _, task_id, info, old in sorted(changed, key=lambda c: (c[0], c[1])):
        event = _event_for(info, old, gateway_targets)
        if event is not None:
            event.update(at=at, actor=actor, element_id=info.element_id, task_id=task_id)
            events.append(event)
    return events


def _event_for(info: TaskInfo, old: TaskInfo | None, gateway_targets) -> dict[str, Any] | None:
    if info.manual:
        if info.state == "READY":
            return {"type": "task_ready", "data": {"name": info.name, "lane": info.lane}}
        if info.state == "CANCELLED" and old is not None and old.state == "READY":
            return {"type": "task_cancelled", "data": {"name": info.name}}
        return None
    if info.state == "COMPLETED":
        if info.is_gateway:
            return {"type": "gateway_taken", "data": {"name": info.name, "to": gateway_targets(info.id)}}
        if info.is_timer:
            return {"type": "timer_fired", "data": {"name": info.name}}
        return {"type": "element_completed", "data": {"name": info.name, "kind": info.kind}}
    if info.state == "STARTED" and info.kind in ("CallActivity", "SubWorkflowTask", "TransactionSubprocess"):
        return {"type": "element_started", "data": {"name": info.name, "kind": info.kind}}
    if info.state == "ERROR":
        return {"type": "element_failed", "data": {"name": info.name, "kind": info.kind}}
    return None


def apply(sets: ElementSets, event: Mapping[str, Any]) -> ElementSets:
    """The element sets after `event`, derived from the sets before it."""
    completed, active = set(sets.get("completed", [])), set(sets.get("active", []))
    waiting, error = set(sets.get("waiting", [])), set(sets.get("error", []))
    element, kind = event.get("element_id"), event["type"]
    if kind == "timer_fired" and (event.get("data") or {}).get("cycle"):
        pass  # a cycle timer fires and waits for its next round: it neither completes nor stops waiting
    elif kind in ("task_completed", "element_completed", "gateway_taken", "timer_fired"):
        active.discard(element)
        waiting.discard(element)
        completed.add(element)
    elif kind in ("task_ready", "element_started"):
        active.add(element)
    elif kind == "task_cancelled":
        active.discard(element)
    elif kind == "element_failed":
        active.discard(element)
        error.add(element)
    elif kind in REWINDS and isinstance((event.get("data") or {}).get("sets"), Mapping):
        return {name: sorted(event["data"]["sets"].get(name) or []) for name in SET_NAMES}
    elif kind in ("incident_retried", "incident_resolved"):  # the failed element runs again or is done
        error.discard(element)
        (completed if (event.get("data") or {}).get("mode") == "completed" else active).add(element)
    return {"completed": sorted(completed), "active": sorted(active), "waiting": sorted(waiting),
            "error": sorted(error)}
