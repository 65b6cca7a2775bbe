"""The managers' operations over the API: suspend, resume, correct, send back and migrate a case;
the incident list, retry and resolve; bulk actions; where the cases of a version wait. Service
manager and administrator only (403 before anything else); every body checked by its schema."""
from __future__ import annotations

from typing import Any

from engine import bulk, incidents, loader, migration, operations, queries, recovery, waiting_cases
from engine.clock import isoformat
from engine.errors import NotFound
from web.api.base import bp, doc, envelope, lang, parse_body, parse_query
from web.api.operations_schemas import (
    BulkBody,
    BulkReport,
    CorrectBody,
    IncidentItem,
    IncidentsQuery,
    MigrateBody,
    MigrationResult,
    ReasonBody,
    ResolveBody,
    RetryBody,
    SendBackBody,
    WaitingMap,
)
from web.api.present import instance_item
from web.auth import current_actor, roles_required
from web.schemas import Instance, page_of

MANAGERS = operations.SUPERVISORS
CASE_ERRORS = (401, 403, 404, 409, 422)


# ---------------------------------------------------------------- case actions
@bp.post("/process-instances/<int:instance_id>/suspend")
@roles_required(*MANAGERS)
@doc(summary="Suspend a case: its tasks leave the inbox, its timers and SLA clocks stop", tag="operations",
     body=ReasonBody, response=Instance, errors=CASE_ERRORS)
def suspend_instance(instance_id: int):
    body = parse_body(ReasonBody)
    case = operations.suspend_instance(instance_id=instance_id, actor=current_actor(), reason=body["reason"])
    return instance_item(case, lang())


@bp.post("/process-instances/<int:instance_id>/resume")
@roles_required(*MANAGERS)
@doc(summary="Resume a suspended case: its deadlines move by the time it was suspended", tag="operations",
     body=ReasonBody, response=Instance, errors=CASE_ERRORS)
def resume_instance(instance_id: int):
    body = parse_body(ReasonBody)
    case = operations.resume_instance(instance_id=instance_id, actor=current_actor(), reason=body["reason"])
    return instance_item(case, lang())


@bp.post("/process-instances/<int:instance_id>/correct")
@roles_required(*MANAGERS)
@doc(summary="Correct one submitted value of a completed task (old and new value recorded)", tag="operations",
     body=CorrectBody, response=Instance, errors=CASE_ERRORS)
def correct_value(instance_id: int):
    body = parse_body(CorrectBody)
    case = operations.correct_value(instance_id=instance_id, task_id=body["task_id"], field=body["field"],
                                    value=body["value"], actor=current_actor(), reason=body["reason"], lang=lang())
    return instance_item(case, lang())


@bp.post("/process-instances/<int:instance_id>/send-back")
@roles_required(*MANAGERS)
@doc(summary="Send a case back to an earlier step for rework (history kept)", tag="operations",
     body=SendBackBody, response=Instance, errors=CASE_ERRORS)
def send_back(instance_id: int):
    body = parse_body(SendBackBody)
    case = operations.send_back(instance_id=instance_id, element_id=body["element_id"], actor=current_actor(),
                                reason=body["reason"])
    return instance_item(case, lang())


@bp.post("/process-instances/<int:instance_id>/migrate")
@roles_required(*MANAGERS)
@doc(summary="Check (dry_run) or move a case to another version of its diagram", tag="operations",
     body=MigrateBody, response=MigrationResult, errors=CASE_ERRORS)
def migrate_instance(instance_id: int):
    body = parse_body(MigrateBody)
    result = migration.migrate_instance(instance_id=instance_id, to_version=body["to_version"],
                                        actor=current_actor(), reason=body["reason"], dry_run=body["dry_run"])
    return result.to_dict()


# ---------------------------------------------------------------- incidents
def incident_item(row: incidents.Incident, case_numbers: dict[int, str], names: dict[str, str]) -> dict[str, Any]:
    return {"id": row.id, "instance_id": row.instance_id, "case_number": case_numbers.get(row.instance_id or 0),
            "process_id": row.process_id, "kind": row.kind, "element_id": row.element_id,
            "element_name": names.get(f"{row.process_id}:{row.element_id}"), "message": row.message,
            "attempts": row.attempts, "status": row.status, "opened_at": isoformat(row.opened_at),
            "closed_at": isoformat(row.closed_at), "closed_by": row.closed_by, "resolution": row.resolution,
            "reason": row.reason, "data": row.data}


def element_names(rows: list[incidents.Incident]) -> dict[str, str]:
    """'process:element' -> the element's name in the version each case is pinned to."""
    names: dict[str, str] = {}
    for row in rows:
        case = queries.instance(row.instance_id) if row.instance_id else None
        if case is not None and row.element_id:
            info = loader.parsed(loader.model(case.model_version_id)).tasks.get(row.element_id) or {}
            names[f"{row.process_id}:{row.element_id}"] = info.get("name") or row.element_id
    return names


def render_incidents(rows: list[incidents.Incident]):
    numbers = queries.case_numbers({row.instance_id for row in rows if row.instance_id})
    names = element_names(rows)
    return lambda row: incident_item(row, numbers, names)


@bp.get("/incidents")
@roles_required(*MANAGERS)
@doc(summary="Incidents (open by default), newest first", tag="operations", query=IncidentsQuery,
     response=page_of(IncidentItem, "IncidentPage"), errors=(401, 403, 422))
def list_incidents():
    args = parse_query(IncidentsQuery)
    status = None if args["status"] == "all" else args["status"]
    query = incidents.incident_query(incidents.IncidentFilter(status=status, kind=args.get("kind"),
                                                              process_id=args.get("process_id"),
                                                              instance_id=args.get("instance_id")))
    page = queries.paginate(query, args["page"], args["per_page"])
    return envelope(page, render_incidents(page.items))


@bp.post("/incidents/<int:incident_id>/retry")
@roles_required(*MANAGERS)
@doc(summary="Retry an incident: run the failed step, timer or mail again", tag="operations", body=RetryBody,
     response=IncidentItem, errors=CASE_ERRORS)
def retry_incident(incident_id: int):
    body = parse_body(RetryBody)
    row = recovery.retry(incident_id=incident_id, actor=current_actor(), reason=body["reason"], data=body["data"])
    return render_incidents([row])(row)


@bp.post("/incidents/<int:incident_id>/resolve")
@roles_required(*MANAGERS)
@doc(summary="Resolve an incident with a value: the failed step is done with `data` instead", tag="operations",
     body=ResolveBody, response=IncidentItem, errors=CASE_ERRORS)
def resolve_incident(incident_id: int):
    body = parse_body(ResolveBody)
    row = recovery.resolve(incident_id=incident_id, actor=current_actor(), reason=body["reason"], data=body["data"])
    return render_incidents([row])(row)


# ---------------------------------------------------------------- bulk and where cases wait
@bp.post("/bulk/<action>")
@roles_required(*MANAGERS)
@doc(summary="Suspend, resume, cancel, reassign, migrate or retry many cases (dry_run previews)",
     tag="operations", body=BulkBody, response=BulkReport, errors=CASE_ERRORS)
def bulk_action(action: str):
    body = parse_body(BulkBody)
    chosen = bulk.CaseFilter(ids=body.get("ids"), **body.get("filter", {}))
    report = bulk.run(action=action, actor=current_actor(), cases=chosen, reason=body["reason"],
                      dry_run=body["dry_run"], assignee=body.get("assignee"), to_version=body.get("to_version"))
    return report.to_dict()


@bp.get("/process-models/<process_id>/versions/<int:version>/waiting")
@roles_required(*MANAGERS)
@doc(summary="Where the open cases of a version wait: counts per step of its diagram", tag="operations",
     response=WaitingMap, errors=(401, 403, 404))
def waiting(process_id: str, version: int):
    model = queries.model_version(process_id, version)
    if model is None:
        raise NotFound(f"no version {version} of '{process_id}'", process_id=process_id)
    found = waiting_cases.waiting_map(model)
    return {"process_id": process_id, "version": version, "open_cases": found.running,
            "steps": [step.to_dict() for step in found.steps.values()]}
