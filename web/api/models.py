from __future__ import annotations

from flask import request

from engine import loader, model_drafts, model_versions, queries
from engine.clock import now
from engine.commands import transaction
from engine.errors import NotFound
from web.api.base import bp, doc, lang
from web.api.model_uploads import MAX_NOTE, bounded_text, uploaded_files
from web.api.present import model_item, start_form
from web.auth import current_actor, roles_required
from web.schemas import Deployment, ProcessModelDetail, page_of
from web.schemas import ProcessModel as ProcessModelSchema


@bp.get("/process-models")
@doc(summary="Latest version of every deployed process model", tag="models",
     response=page_of(ProcessModelSchema, "ProcessModelPage"))
def list_models():
    items = [model_item(m) for m in loader.latest_all()]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}


@bp.get("/process-models/<process_id>")
@doc(summary="A process model with its versions and start form", tag="models", response=ProcessModelDetail,
     errors=(401, 404))
def get_model(process_id: str):
    model = loader.latest_or_404(process_id)
    role = loader.start_role(model)
    counts = model_versions.case_counts(process_id)
    return {**model_item(model), "versions": [version_item(v, counts) for v in loader.versions(process_id)],
            "start_form": start_form(model, lang()), "start_roles": [role] if role else []}


def version_item(model, counts: dict[int, dict[str, int]]) -> dict:
    count = counts.get(model.version, {"open": 0, "total": 0})
    return {**model_item(model), "note": model.note or "", "cases_open": count["open"],
            "cases_total": count["total"]}


@bp.get("/process-models/<process_id>/versions/<int:version>")
@doc(summary="One version's sources (BPMN/DMN XML) and form definitions", tag="models", errors=(401, 404))
def get_model_version(process_id: str, version: int):
    model = queries.model_version(process_id, version)
    if model is None:
        raise NotFound(f"no version {version} of '{process_id}'")
    return {**model_item(model), "main_file": model.main_file, "sources": model.sources, "forms": model.forms}


@bp.post("/process-models")
@roles_required("process_owner", "admin")
@doc(summary="Deploy BPMN/DMN/form files as new model versions, with a change note (`note`, required for a "
             "new version); `replace=true` confirms that a diagram takes over another process's id",
     tag="models", multipart=True, response=Deployment, status=201, errors=(401, 403, 422))
def deploy_models():
    files = uploaded_files()
    note = bounded_text("note", MAX_NOTE)
    with transaction():
        results = loader.deploy(files, actor=current_actor().username, note=note,
                                replace=request.form.get("replace") in ("true", "1", "yes"))
        for result in results:  # a deployed draft is done with
            if result.created:
                model_drafts.discard(process_id=result.process_id, actor=current_actor().username, now=now())
    first = results[0]
    return {"process_id": first.process_id, "version": first.version, "created": first.created,
            "deployed": [{"process_id": r.process_id, "version": r.version, "created": r.created}
                         for r in results]}, 201


from web.api import model_changes  # noqa: E402, F401 - its routes: diff, dry run
