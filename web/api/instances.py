from __future__ import annotations

from engine import commands, queries
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.api.present import event_item, instance_item, person_names
from web.auth import current_actor
from web.schemas import Event, EventsQuery, Instance, InstanceCancel, InstanceCreate, InstancesQuery, page_of


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
    if not actor.has_role(*queries.CASE_READERS):
        query = queries.restrict_instances_to(query, actor)
    page = queries.page_of(query, queries.CASE_ORDER, page=args["page"], per_page=args["per_page"],
                           cursor=args.get("cursor"))
    return envelope(page, lambda i: instance_item(i, lang(), detail=False))


@bp.get("/process-instances/<int:instance_id>")
@doc(summary="One case with its data, ready tasks and completed tasks", tag="instances", response=Instance,
     errors=(401, 403, 404))
def get_instance(instance_id: int):
    return instance_item(queries.readable_case(instance_id, current_actor()), lang())


@bp.post("/process-instances/<int:instance_id>/cancel")
@doc(summary="Cancel a running case (service manager)", tag="instances", body=InstanceCancel,
     response=Instance, errors=(401, 403, 404, 409, 422))
def cancel_instance(instance_id: int):
    commands.require_supervisor(current_actor(), commands.CANCEL_REFUSED, instance_id=instance_id)
    body = parse_body(InstanceCancel)
    instance = commands.cancel_instance(instance_id=instance_id, actor=current_actor(), reason=body["reason"])
    return instance_item(instance, lang())


@bp.get("/process-instances/<int:instance_id>/events")
@doc(summary="The case's audit events in order, with their hashes", tag="audit", query=EventsQuery,
     response=page_of(Event, "EventPage"), errors=(401, 403, 404))
def list_events(instance_id: int):
    queries.readable_case(instance_id, current_actor())
    args = parse_query(EventsQuery)
    types = [t for t in (args.get("type") or "").split(",") if t]
    page = queries.paginate(queries.events_query(instance_id, types=types, actor=args.get("actor")),
                            args["page"], args["per_page"])
    names = person_names({e.actor for e in page.items}, lang())
    return envelope(page, lambda e: event_item(e, names))
