"""Before a rule change goes live: what changed between two versions (or the latest version and a
draft), and how the recorded cases would have gone on the draft. For process owners (and admins;
auditors may read the differences between deployed versions)."""
from __future__ import annotations

import json

from flask import request
from lxml import etree
from marshmallow import fields, validate

from engine import decision_test, dry_run, loader, model_diff, model_drafts, queries
from engine.clock import isoformat, now
from engine.commands import transaction
from engine.errors import DeployError, NotFound, ValidationFailed
from engine.forms import check_definition, describe
from web.api.base import bp, doc, parse_body
from web.api.model_uploads import MAX_NOTE, bounded_text, uploaded_files
from web.auth import current_actor, roles_required
from web.schemas import StrictSchema

OWNERS = ("process_owner", "admin")
MAX_VERSION = 2**31 - 1
MAX_DRY_RUN = 200
MAX_FORM_CHARS = 200_000


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name) if request.method == "GET" else request.form.get(name, request.args.get(name))
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed({name: ["must be a whole number"]}) from None
    if not low <= value <= high:
        raise ValidationFailed({name: [f"must be between {low} and {high}"]})
    return value


def _version(process_id: str, version: int):
    model = queries.model_version(process_id, version)
    if model is None:
        raise NotFound(f"no version {version} of '{process_id}'", process_id=process_id)
    return model


@bp.get("/process-models/<process_id>/diff")
@roles_required(*OWNERS, "auditor")
@doc(summary="What changed between two versions: elements added, removed and changed (by id and name), "
             "decision rules, forms. `from` defaults to the version before `to`, `to` to the latest",
     tag="models", errors=(401, 403, 404, 422))
def diff_versions(process_id: str):
    latest = loader.latest_or_404(process_id)
    to = _int_arg("to", latest.version, 1, MAX_VERSION)
    start = _int_arg("from", max(to - 1, 1), 1, MAX_VERSION)
    return model_diff.diff(model_diff.of_version(_version(process_id, start)),
                           model_diff.of_version(_version(process_id, to)))


@bp.post("/process-models/<process_id>/diff")
@roles_required(*OWNERS)
@doc(summary="What a draft (multipart `file` parts, as for deploy) changes against the latest version; "
             "a draft deploy would refuse comes back as its problems", tag="models", multipart=True,
     errors=(401, 403, 404, 422))
def diff_draft(process_id: str):
    latest = loader.latest_or_404(process_id)
    draft = _draft(process_id)
    result = model_diff.diff(model_diff.of_version(latest), draft)
    result["unchanged"] = loader.is_unchanged(process_id, draft.sources, draft.forms,
                                              loader.inventory_of(draft.sources))
    return result


def _draft(process_id: str) -> model_diff.Bundle:
    files = uploaded_files()
    try:
        return model_diff.of_draft(process_id, files)
    except etree.XMLSyntaxError as exc:
        raise DeployError([{"element": "xml", "problem": f"not well-formed XML: {exc}"}]) from exc


@bp.post("/process-models/<process_id>/dry-run")
@roles_required(*OWNERS)
@doc(summary="Re-run the recorded inputs of the last `limit` finished cases of this process on a draft "
             "(multipart `file` parts, as for deploy): for each, `same` path, `diverged` (at which step, "
             "and what the draft would have done) or `failed` (why). Nothing is written",
     tag="models", multipart=True, errors=(401, 403, 404, 422))
def dry_run_draft(process_id: str):
    loader.latest_or_404(process_id)
    limit = _int_arg("limit", 20, 1, MAX_DRY_RUN)
    draft = _draft(process_id)
    items = dry_run.run(process_id=process_id, sources=draft.sources, forms=draft.forms, limit=limit)
    return {"items": [item.to_dict() for item in items], "total": len(items)}


@bp.post("/process-models/<process_id>/decision-test")
@roles_required(*OWNERS)
@doc(summary="Try a decision table: `inputs` (a JSON object, e.g. {\"amount\": 6000, \"emergency\": true}) "
             "against `decision` of the draft's DMN (multipart `file` parts; none: the latest version's). "
             "Answers the matching rules, the rule that fires and the outputs; without `inputs`, what to give",
     tag="models", multipart="optional", errors=(401, 403, 404, 422),
     form_fields={"inputs": {"type": "string", "maxLength": 10_000, "description": "a JSON object"},
                  "decision": {"type": "string", "maxLength": 200}})
def test_decision(process_id: str):
    latest = loader.latest_or_404(process_id)
    if "file" in request.form:
        raise ValidationFailed({"file": ["must be an uploaded file, not a text field"]})
    if request.files.getlist("file"):
        sources = {name: (text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
                   for name, text in uploaded_files().items() if name.endswith(".dmn")}
    else:
        sources = {name: text for name, text in latest.sources.items() if name.endswith(".dmn")}
    raw = bounded_text("inputs", 10_000)
    try:
        inputs = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        raise ValidationFailed({"inputs": ["must be a JSON object"]}) from None
    if inputs is not None and not isinstance(inputs, dict):
        raise ValidationFailed({"inputs": ["must be a JSON object"]})
    try:
        return decision_test.test(sources=sources, decision_id=bounded_text("decision", 200) or None,
                                  inputs=inputs)
    except etree.XMLSyntaxError as exc:
        raise DeployError([{"element": "dmn", "problem": f"not well-formed XML: {exc}"}]) from exc


# ---------------------------------------------------------------- drafts: the owner's own, kept until deployed
def _draft_item(draft: model_drafts.ModelDraft) -> dict:
    return {"process_id": draft.process_id, "note": draft.note or "", "saved_at": isoformat(draft.saved_at),
            "files": draft.files}


@bp.get("/process-models/<process_id>/draft")
@roles_required(*OWNERS)
@doc(summary="The draft of this process the caller saved (its files and note)", tag="models",
     errors=(401, 403, 404))
def get_model_draft(process_id: str):
    return _draft_item(model_drafts.get(process_id, current_actor().username))


@bp.put("/process-models/<process_id>/draft")
@roles_required(*OWNERS)
@doc(summary="Save the caller's draft of this process (multipart `file` parts and a `note`); it stays "
             "until deployed or discarded, seen by its owner only", tag="models", multipart=True,
     errors=(401, 403, 404, 422))
def save_model_draft(process_id: str):
    loader.latest_or_404(process_id)
    files, note = uploaded_files(), bounded_text("note", MAX_NOTE)
    with transaction():
        draft = model_drafts.save(process_id=process_id, files=files, note=note, actor=current_actor().username,
                                  now=now())
        return _draft_item(draft)


@bp.delete("/process-models/<process_id>/draft")
@roles_required(*OWNERS)
@doc(summary="Throw the caller's draft of this process away", tag="models", status=204, errors=(401, 403, 404))
def discard_model_draft(process_id: str):
    with transaction():
        if not model_drafts.discard(process_id=process_id, actor=current_actor().username, now=now()):
            raise NotFound(f"no draft of '{process_id}' is saved", process_id=process_id)
    return "", 204


# ---------------------------------------------------------------- the forms editor's live preview
class FormPreview(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    definition = fields.Raw(required=True)


@bp.post("/process-models/<process_id>/form-preview")
@roles_required(*OWNERS)
@doc(summary="Check a form definition as deploy would and describe it in Chinese and English, for the "
             "forms editor's live preview", tag="models", body=FormPreview, errors=(401, 403, 404, 422))
def preview_form(process_id: str):
    loader.latest_or_404(process_id)
    body = parse_body(FormPreview)
    if len(json.dumps(body["definition"], ensure_ascii=False)) > MAX_FORM_CHARS:
        raise ValidationFailed({"definition": [f"a form definition may be at most {MAX_FORM_CHARS} characters"]})
    key = f"{process_id}/{body['name']}"
    problems = check_definition(key, body["definition"])
    if problems:
        return {"problems": problems, "zh": None, "en": None}
    return {"problems": [], "zh": describe(body["definition"], "zh"), "en": describe(body["definition"], "en")}
