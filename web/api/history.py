"""The auditor's API: a case's history (filtered, as JSON or CSV), the state after any step, the
re-execution check, the signed export, archiving, and the search across cases."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import Response, current_app
from marshmallow import Schema, fields, validate

from engine import archive, hooks, integrity, loader, queries, replay
from engine.audit import chain as audit
from engine.audit import queries as audit_queries
from engine.clock import isoformat, now
from engine.jsonutil import canonical, dumps
from engine.models import Instance
from web.api.base import bp, doc, envelope, lang, parse_query
from web.api.present import person_names
from web.auth import current_actor, roles_required
from web.schemas import PageQuery, Verify, page_of

SEARCHERS = ("auditor", "admin")
CSV_COLUMNS = ("seq", "at", "actor", "type", "categories", "element_id", "element_name", "decision", "comment",
               "changes", "data", "hash")


# ---------------------------------------------------------------- schemas
class HistoryQuery(Schema):
    type = fields.String(metadata={"description": "comma-separated event types"})
    category = fields.String(metadata={"description": "comma-separated categories: "
                                                      + ", ".join(audit_queries.CATEGORIES)})
    actor = fields.String()


class ChangeItem(Schema):
    field = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    changed = fields.Boolean(required=True)


class HistoryItem(Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    categories = fields.List(fields.String(), required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True)
    actor_name = fields.String()
    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    data = fields.Dict(required=True)
    changes = fields.List(fields.Nested(ChangeItem), required=True)
    decision = fields.Raw(allow_none=True)
    comment = fields.String(allow_none=True)
    hash = fields.String(required=True)
    prev_hash = fields.String(required=True)


class HistoryList(Schema):
    items = fields.List(fields.Nested(HistoryItem), required=True)
    total = fields.Integer(required=True)
    actors = fields.List(fields.String(), required=True)
    types = fields.List(fields.String(), required=True)
    chain = fields.Nested(Verify, required=True)


class ReplayQuery(Schema):
    step = fields.Integer(validate=validate.Range(min=1), metadata={"description": "1 … number of events; "
                                                                                  "default: the last"})


class ReplayStepItem(Schema):
    step = fields.Integer(required=True)
    steps = fields.Integer(required=True)
    event = fields.Nested(HistoryItem, required=True)
    completed = fields.List(fields.String(), required=True)
    active = fields.List(fields.String(), required=True)
    waiting = fields.List(fields.String(), required=True)
    error = fields.List(fields.String(), required=True)
    data = fields.Dict(required=True)


class DifferenceItem(Schema):
    step = fields.Integer(required=True)
    what = fields.String(required=True)
    message = fields.String(required=True)
    recorded = fields.Raw(allow_none=True)
    replayed = fields.Raw(allow_none=True)


class ReplayCheck(Schema):
    instance_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    steps = fields.Integer(required=True)
    commands = fields.Integer(required=True)
    checked_through = fields.Integer(required=True)
    first_step = fields.Integer(allow_none=True)
    differences = fields.List(fields.Nested(DifferenceItem), required=True)
    chain = fields.Nested(Verify, required=True)


class CaseSearchQuery(PageQuery):
    customer = fields.String(metadata={"description": "part of the customer's name, or its id"})
    process_id = fields.String()
    started_from = fields.Date(metadata={"description": "first day (company calendar), inclusive"})
    started_to = fields.Date(metadata={"description": "last day, inclusive"})
    approver = fields.String(metadata={"description": "username of a leader who completed a task in the case"})
    amount_min = fields.Decimal(validate=validate.Range(min=0), metadata={"description": "inclusive"})
    amount_max = fields.Decimal(validate=validate.Range(min=0), metadata={"description": "inclusive"})
    sla_breached = fields.Boolean()
    status = fields.String(validate=validate.OneOf(["running", "waiting", "completed", "cancelled", "error"]))


class CaseHit(Schema):
    id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    process_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    customer_name = fields.String(allow_none=True)
    amount = fields.String(allow_none=True)
    started_at = fields.String(required=True)
    ended_at = fields.String(allow_none=True)
    approvers = fields.List(fields.String(), required=True)


class ArchiveResult(Schema):
    instance_id = fields.Integer(required=True)
    case_number = fields.String(allow_none=True)
    file = fields.String(required=True)
    sha256 = fields.String(required=True)
    events = fields.Integer(required=True)


class IntegrityResult(Schema):
    at = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)


# ---------------------------------------------------------------- shared with the pages
def archive_key() -> bytes:
    """AFTERCARE_ARCHIVE_KEY when set, else the app's secret key."""
    key = current_app.config.get("ARCHIVE_KEY") or current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def archive_dir() -> Path:
    return Path(current_app.config.get("ARCHIVE_DIR") or Path(current_app.instance_path) / "archive")


def split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def entry_item(entry: audit_queries.HistoryEntry, names: dict[str, str] | None = None) -> dict[str, Any]:
    event = entry.event
    names = names if names is not None else person_names({event.actor}, "zh")
    return {"seq": event.seq, "type": event.type, "categories": list(entry.categories), "at": isoformat(event.at),
            "actor": event.actor, "actor_name": names.get(event.actor, event.actor), "element_id": event.element_id,
            "element_name": entry.element_name,
            "task_id": event.task_id, "data": event.data or {},
            "changes": [{"field": c.field, "before": c.before, "after": c.after, "changed": c.changed}
                        for c in entry.changes],
            "decision": entry.decision, "comment": entry.comment, "hash": event.hash, "prev_hash": event.prev_hash}


def step_item(step: audit_queries.ReplayStep) -> dict[str, Any]:
    return {"step": step.step, "steps": step.steps, "event": entry_item(step.entry), **step.sets, "data": step.data}


def history_of(instance: Instance, args: dict[str, Any]) -> list[audit_queries.HistoryEntry]:
    return audit_queries.case_history(instance, types=split(args.get("type")), categories=split(args.get("category")),
                                      actor=args.get("actor"))


def chain_of(instance: Instance) -> audit.Verdict:
    return audit.verify_stream(audit.instance_stream(instance.id))


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(entries: list[audit_queries.HistoryEntry]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs then read the Chinese text as UTF-8
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        item = entry_item(entry)
        changes = "; ".join(f"{c['field']}: {dumps(c['before'])} -> {dumps(c['after'])}"
                            for c in item["changes"] if c["changed"])
        writer.writerow([_cell(value) for value in (
            item["seq"], item["at"], item["actor"], item["type"], " ".join(item["categories"]),
            item["element_id"] or "", item["element_name"] or "",
            "" if item["decision"] is None else dumps(item["decision"]), item["comment"] or "",
            changes, canonical(item["data"]), item["hash"])])
    return out.getvalue()


def _download(content: str, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def check_report(instance: Instance) -> dict[str, Any]:
    return {**replay.check(instance.id).to_dict(), "chain": chain_of(instance).to_dict()}


# ---------------------------------------------------------------- endpoints
@bp.get("/process-instances/<int:instance_id>/history")
@doc(summary="The case's history: every event with who, when, the element, submitted values (before/after), "
     "approvals and comments; filter by type, category and actor", tag="audit", query=HistoryQuery,
     response=HistoryList, errors=(401, 403, 404, 422))
def case_history(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    entries = history_of(instance, parse_query(HistoryQuery))
    names = person_names({e.event.actor for e in entries}, lang())
    return {"items": [entry_item(e, names) for e in entries], "total": len(entries),
            "actors": audit_queries.actors_of(instance.id), "types": audit_queries.types_of(instance.id),
            "chain": chain_of(instance).to_dict()}


@bp.get("/process-instances/<int:instance_id>/history.csv")
@doc(summary="The filtered event list as CSV (UTF-8)", tag="audit", query=HistoryQuery, errors=(401, 403, 404, 422))
def case_history_csv(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    text = csv_text(history_of(instance, parse_query(HistoryQuery)))
    return _download(text, "text/csv; charset=utf-8", f"{instance.case_number or instance.id}-history.csv")


@bp.get("/process-instances/<int:instance_id>/replay")
@doc(summary="The case right after its N-th event: the event, the completed/active/waiting element ids and "
     "the case data at that point", tag="audit", query=ReplayQuery, response=ReplayStepItem,
     errors=(401, 403, 404, 422))
def replay_step(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    step = parse_query(ReplayQuery).get("step")
    return step_item(audit_queries.replay_step(instance, step, lang=lang()))


@bp.get("/process-instances/<int:instance_id>/replay-check")
@doc(summary="Re-execute the case from its recorded inputs on its pinned version and compare with the stored "
     "state after every command; also verifies its hash chain", tag="audit", response=ReplayCheck,
     errors=(401, 403, 404))
def replay_check(instance_id: int):
    return check_report(queries.readable_case(instance_id, current_actor()))


@bp.get("/process-instances/<int:instance_id>/export")
@doc(summary="The case's full history as signed JSON (every event with its hashes; HMAC-SHA256 signature)",
     tag="audit", errors=(401, 403, 404))
def export_case(instance_id: int):
    instance = queries.readable_case(instance_id, current_actor())
    document = archive.sign(archive.case_document(instance, now=now(), exported_by=current_actor().username),
                            archive_key())
    return _download(dumps(document), "application/json", f"{instance.case_number or instance.id}-history.json")


@bp.post("/process-instances/<int:instance_id>/archive")
@roles_required(*archive.ARCHIVERS)
@doc(summary="Archive a finished case to a signed export (archivist); nothing is deleted", tag="audit",
     response=ArchiveResult, status=201, errors=(401, 403, 404, 409))
def archive_case(instance_id: int):
    result = archive.archive_case(instance_id, key=archive_key(), actor=current_actor(), now=now(),
                                  directory=archive_dir())
    return {"instance_id": result.instance_id, "case_number": result.case_number, "file": result.path.name,
            "sha256": result.sha256, "events": result.events}, 201


def hit_item(instance: Instance, approvers: dict[int, list[str]]) -> dict[str, Any]:
    return {"id": instance.id, "case_number": instance.case_number, "process_id": instance.process_id,
            "version": loader.model(instance.model_version_id).version, "status": instance.status,
            "customer_name": instance.customer_name,
            "amount": None if instance.amount is None else str(instance.amount),
            "started_at": isoformat(instance.started_at), "ended_at": isoformat(instance.ended_at),
            "approvers": approvers.get(instance.id, [])}


def search_page(args: dict[str, Any]) -> tuple[queries.Page, dict[int, list[str]]]:
    criteria = audit_queries.CaseSearch(**{k: v for k, v in args.items() if k not in ("page", "per_page")})
    page = queries.paginate(audit_queries.case_search(criteria, tz=hooks.get().timezone), args["page"],
                            args["per_page"])
    return page, audit_queries.approvers_of(i.id for i in page.items)


@bp.get("/audit/cases")
@roles_required(*SEARCHERS)
@doc(summary="Search every case (auditors): customer, flow, date range, approver, amount band, SLA breached",
     tag="audit", query=CaseSearchQuery, response=page_of(CaseHit, "CaseHitPage"), errors=(401, 403, 422))
def search_cases():
    page, approvers = search_page(parse_query(CaseSearchQuery))
    return envelope(page, lambda i: hit_item(i, approvers))


@bp.get("/audit/integrity")
@roles_required(*SEARCHERS)
@doc(summary="The result of the last integrity check (hash chains + re-execution of newly finished cases)",
     tag="audit", response=IntegrityResult, errors=(401, 403))
def last_integrity_check():
    event = integrity.last_run()
    return {"at": isoformat(event.at) if event else None, "result": event.data if event else None}
