from __future__ import annotations

from engine import commands, queries
from engine.errors import Forbidden, NotFound
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.api.present import event_item, instance_item
from web.auth import current_actor
from web.schemas import Event, EventsQuery, Instance, InstanceCancel, InstanceCreate, InstancesQuery, page_of

CASE_READERS = ("service_desk", "service_manager", "sales_vp", "quality_vp", "general_manager", "auditor",
                "admin", "archivist")


def _instance_or_404(instance_id: int):
    instance = queries.instance(instance_id)
    if instance is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    return instance


def _may_read(instance) -> None:
    """Leaders, the desk and auditors read every case; others the cases they started or work on."""
    actor = current_actor()
    if actor.has_role(*CASE_READERS) or instance.started_by == actor.username:
        return
    tasks = queries.tasks_of(instance.id)
    if any(t.assignee == actor.username or t.completed_by == actor.username or actor.has_role(t.role)
           for t in tasks):
        return
    raise Forbidden("you have no part in this case", instance_id=instance.id)


@bp.post("/process-instances")
@doc(summary="Start a case; `data` is validated against the model's start form", tag="instances",
     body=InstanceCreate, response=Instance, status=201, errors=(401, 403, 404, 422))
def start_instance():
    body = parse_body(InstanceCreate)
    instance = commands.start_instance(process_id=body["process_id"], data=body["data"], actor=current_actor(),
                                       lang=lang())
    return instance_item(instance, lang()), 201


@bp.get("/process-instances")
@doc(summary="Cases, newest first", tag="instances", query=InstancesQuery,
     response=page_of(Instance, "InstancePage"))
def list_instances():
    args = parse_query(InstancesQuery)
    actor = current_actor()
    query = queries.instance_query(process_id=args.get("process_id"), status=args.get("status"), q=args.get("q"))
    if not actor.has_role(*CASE_READERS):
        query = queries.restrict_instances_to(query, actor)
    page = queries.paginate(query, args["page"], args["per_page"])
    return envelope(page, lambda i: instance_item(i, lang(), detail=False))


@bp.get("/process-instances/<int:instance_id>")
@doc(summary="One case with its data, ready tasks and completed tasks", tag="instances", response=Instance,
     errors=(401, 403, 404))
def get_instance(instance_id: int):
    instance = _instance_or_404(instance_id)
    _may_read(instance)
    return instance_item(instance, lang())


@bp.post("/process-instances/<int:instance_id>/cancel")
@doc(summary="Cancel a running case (service manager)", tag="instances", body=InstanceCancel,
     response=Instance, errors=(401, 403, 404, 409, 422))
def cancel_instance(instance_id: int):
    body = parse_body(InstanceCancel)
    instance = commands.cancel_instance(instance_id=instance_id, actor=current_actor(), reason=body["reason"])
    return instance_item(instance, lang())


@bp.get("/process-instances/<int:instance_id>/events")
@doc(summary="The case's audit events in order, with their hashes", tag="audit", query=EventsQuery,
     response=page_of(Event, "EventPage"), errors=(401, 403, 404))
def list_events(instance_id: int):
    instance = _instance_or_404(instance_id)
    _may_read(instance)
    args = parse_query(EventsQuery)
    types = [t for t in (args.get("type") or "").split(",") if t]
    page = queries.paginate(queries.events_query(instance_id, types=types, actor=args.get("actor")),
                            args["page"], args["per_page"])
    return envelope(page, event_item)
