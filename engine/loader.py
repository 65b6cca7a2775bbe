"""Deploy: parse, validate and store immutable model versions; parsed specs cached per version."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree

from engine import hooks
from engine import spiff as sw
from engine.audit import chain as audit
from engine.clock import now
from engine.db import db
from engine.errors import DeployError, NotFound
from engine.inspect_model import Inventory, inventory
from engine.jsonutil import canonical
from engine.model_checks import explain, validate
from engine.models import ModelVersion

FormBundle = dict[str, dict[str, Any]]  # "<process>/<form>" -> definition
# Any DOCTYPE is refused before parsing: entities could read files, reach the network or expand
# without bound, and BPMN/DMN never need one.
DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
DOCTYPE_PROBLEM = "a DOCTYPE is not allowed in BPMN or DMN files (entities could read files or expand without bound)"


@dataclass
class Deployed:
    process_id: str
    version: int
    created: bool
    model: ModelVersion


# ---------------------------------------------------------------- upload parsing
def read_upload(files: Mapping[str, bytes | str]) -> tuple[dict[str, str], FormBundle]:
    """Split uploaded files into XML sources and forms. Form files: `<process>.forms.json` (a map
    of form name -> definition), `<process>.<form>.json` or `<form>.json` (for the only process)."""
    sources: dict[str, str] = {}
    loose: dict[str, Any] = {}
    forms: FormBundle = {}
    errors = []
    for raw_name, content in files.items():
        name = Path(raw_name).name
        try:
            text = content.decode("utf-8") if isinstance(content, bytes) else content
        except UnicodeDecodeError:
            errors.append({"element": name, "problem": "file is not UTF-8 text"})
            continue
        if name.endswith(".bpmn20.xml"):  # as Flowable and Activiti export them
            name = name.removesuffix(".bpmn20.xml") + ".bpmn"
        if name.endswith((".bpmn", ".dmn")):
            if DOCTYPE.search(text):
                errors.append({"element": name, "problem": DOCTYPE_PROBLEM})
                continue
            sources[name] = text
        elif name.endswith(".json"):
            try:
                definition = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.append({"element": name, "problem": f"invalid JSON: {exc}"})
                continue
            if name.endswith(".forms.json") and isinstance(definition, dict):
                process = name[: -len(".forms.json")]
                forms.update({f"{process}/{k}": v for k, v in definition.items()})
            else:
                loose[name[: -len(".json")]] = definition
        else:
            errors.append({"element": name, "problem": "only .bpmn, .bpmn20.xml, .dmn and .json files can be deployed"})
    if errors:
        raise DeployError(errors)
    if not any(n.endswith(".bpmn") for n in sources):
        raise DeployError([{"element": "file", "problem": "no .bpmn file was uploaded"}])
    _place_loose_forms(sources, loose, forms)
    return sources, forms


def _place_loose_forms(sources, loose, forms) -> None:
    if not loose:
        return
    try:
        processes = list(inventory({k: v for k, v in sources.items() if k.endswith(".bpmn")}).processes)
    except etree.XMLSyntaxError:
        processes = []
    for stem, definition in loose.items():
        if "." in stem:
            process, form = stem.split(".", 1)
        elif len(processes) == 1:
            process, form = processes[0], stem
        else:
            raise DeployError([{"element": f"{stem}.json", "problem":
                                "name form files <process>.<form>.json when several processes are uploaded"}])
        forms[f"{process}/{form}"] = definition


def is_bpmn_file(name: str) -> bool:
    return name.endswith((".bpmn", ".bpmn20.xml"))


def read_folder_bundle(paths: list[Path]) -> dict[str, bytes]:
    """Files for `aftercare deploy`/`init`: each .bpmn with forms/<process>/*.json beside it, and DMN."""
    files: dict[str, bytes] = {}
    for path in paths:
        if is_bpmn_file(path.name):
            files[path.name] = path.read_bytes()
            stem = path.name.removesuffix(".bpmn20.xml").removesuffix(".bpmn")
            form_dir = path.parent / "forms" / stem
            if form_dir.is_dir():
                for form in sorted(form_dir.glob("*.json")):
                    files[f"{stem}.{form.stem}.json"] = form.read_bytes()
        elif path.suffix in (".dmn", ".json"):
            files[path.name] = path.read_bytes()
    return files


# ---------------------------------------------------------------- queries
def latest(process_id: str) -> ModelVersion | None:
    return db.session.execute(
        sa.select(ModelVersion).where(ModelVersion.process_id == process_id)
        .order_by(ModelVersion.version.desc()).limit(1)).scalar_one_or_none()


def latest_or_404(process_id: str) -> ModelVersion:
    model = latest(process_id)
    if model is None:
        raise NotFound(f"no process model '{process_id}' is deployed", process_id=process_id)
    return model


def versions(process_id: str) -> list[ModelVersion]:
    return list(db.session.execute(
        sa.select(ModelVersion).where(ModelVersion.process_id == process_id)
        .order_by(ModelVersion.version)).scalars())


def latest_all() -> list[ModelVersion]:
    newest = sa.select(ModelVersion.process_id, sa.func.max(ModelVersion.version).label("v")) \
        .group_by(ModelVersion.process_id).subquery()
    return list(db.session.execute(
        sa.select(ModelVersion).join(newest, sa.and_(ModelVersion.process_id == newest.c.process_id,
                                                     ModelVersion.version == newest.c.v))
        .order_by(ModelVersion.process_id)).scalars())


# ---------------------------------------------------------------- caches (model versions are immutable)
_cache: dict[int, sw.ParsedModel] = {}
_models: dict[int, ModelVersion] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _models.clear()


def model(model_version_id: int) -> ModelVersion:
    """A model version by id, read once per process (detached: its columns are all loaded)."""
    with _cache_lock:
        hit = _models.get(model_version_id)
    if hit is not None:
        return hit
    row = db.session.get(ModelVersion, model_version_id)
    if row is None:
        raise NotFound(f"no model version {model_version_id}")
    db.session.expunge(row)
    with _cache_lock:
        if len(_models) > 256:  # bounded like the parsed diagrams: a long-lived server deploys many versions
            _models.clear()
        _models[model_version_id] = row
    return row


def parsed(model: ModelVersion) -> sw.ParsedModel:
    with _cache_lock:
        hit = _cache.get(model.id)
    if hit is not None:
        return hit
    result = sw.parse(model.sources, model.process_id)
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[model.id] = result
    return result


def form_of(model: ModelVersion, process: str, form_name: str | None) -> dict[str, Any] | None:
    if not form_name:
        return None
    return model.forms.get(f"{process}/{form_name}")


def start_form_name(model: ModelVersion) -> str | None:
    meta = parsed(model)
    for info in meta.tasks.values():
        if info["kind"] == "StartEvent" and info["process"] == model.process_id:
            if info["properties"].get("form"):
                return info["properties"]["form"]
    return "start" if f"{model.process_id}/start" in model.forms else None


def start_form(model: ModelVersion) -> dict[str, Any] | None:
    return form_of(model, model.process_id, start_form_name(model))


def start_role(model: ModelVersion) -> str | None:
    meta = parsed(model)
    for info in meta.tasks.values():
        if info["kind"] == "StartEvent" and info["process"] == model.process_id:
            return hooks.get().role_for_lane(info["lane"])
    return None


# ---------------------------------------------------------------- deploy
def deploy(files: Mapping[str, bytes | str], *, actor: str, note: str | None = None,
           replace: bool = False) -> list[Deployed]:
    """Validate and store a new version of every process in the uploaded BPMN files.

    Called processes, DMN tables and forms not uploaded are taken from the latest deployed version
    that has them, so a process owner can redeploy one edited diagram on its own. A person deploying
    (API, CLI, editor) passes a `note`, required for every new version; installing the shipped
    diagrams passes none. A diagram whose process id belongs to a different deployed process is
    refused unless `replace` says the owner confirmed it."""
    bundle = prepare(files)
    if not replace:
        _refuse_foreign(bundle)
    sources, forms, full, uploaded = bundle
    if note is not None and not note.strip() and not all(is_unchanged(p, sources, forms, full) for p in uploaded):
        raise DeployError([{"element": "note", "problem": "write a change note: what changed and why"}])
    return [_store(process_id, sources, forms, full, actor, note) for process_id in uploaded]


Bundle = tuple[dict[str, str], FormBundle, Inventory, list[str]]


def prepare(files: Mapping[str, bytes | str]) -> Bundle:
    """Read, complete and validate an upload without storing it (deploy, diff and dry run share it)."""
    sources, forms = read_upload(files)
    inv = inventory_of(sources)
    uploaded = [pid for pid, fname in inv.processes.items() if fname in sources]
    bundle_sources, bundle_forms = _complete_bundle(sources, forms, inv)
    full = inventory_of(bundle_sources)
    validate(full, bundle_sources, bundle_forms, uploaded)
    return bundle_sources, bundle_forms, full, uploaded


def _refuse_foreign(bundle: Bundle) -> None:
    """Another tool's export often reuses an id (`main`, `Process_1`) a different process already has:
    a diagram with a different file and a different process name is taken for another process."""
    _sources, _forms, inv, uploaded = bundle
    errors = []
    for process_id in uploaded:
        previous = latest(process_id)
        if previous is None or previous.main_file == inv.processes[process_id] \
                or previous.name == (inv.process_names.get(process_id) or process_id):
            continue
        errors.append({"element": process_id, "problem": (
            f"process id '{process_id}' already belongs to '{previous.name}' (file {previous.main_file}); "
            "give this diagram its own process id, or confirm that it replaces that process")})
    if errors:
        raise DeployError(explain(errors, {}), message="the process id belongs to another process")


def inventory_of(sources: Mapping[str, str]) -> Inventory:
    try:
        return inventory(sources)
    except etree.XMLSyntaxError as exc:
        raise DeployError([{"element": "xml", "problem": f"not well-formed XML: {exc}"}]) from exc


def _complete_bundle(sources: dict[str, str], forms: FormBundle, inv: Inventory):
    sources, forms = dict(sources), dict(forms)
    for process_id in inv.processes:  # forms not re-uploaded carry over from the previous version
        previous = latest(process_id)
        for key, definition in (previous.forms.items() if previous else ()):
            forms.setdefault(key, definition)
    for _ in range(5):  # called processes may call others, or use decisions of their own
        current = inventory(sources)
        missing_processes = {t for _, t in current.called if t and t not in current.processes}
        missing_decisions = {d for _, d in current.decisions_used if d and d not in current.decisions}
        if not missing_processes and not missing_decisions:
            break
        for process_id in sorted(missing_processes):
            previous = latest(process_id)
            if previous is not None:
                sources.setdefault(previous.main_file, previous.sources[previous.main_file])
                for key, definition in previous.forms.items():
                    forms.setdefault(key, definition)
        if missing_decisions:
            _add_decisions(sources, missing_decisions)
    return sources, forms


def _add_decisions(sources: dict[str, str], wanted: set[str]) -> None:
    for model in latest_all():
        for fname, text in model.sources.items():
            if fname.endswith(".dmn") and fname not in sources and wanted & inventory({fname: text}).decisions:
                sources[fname] = text


def content_hash_of(process_id: str, sources, forms, inv: Inventory) -> str:
    return hashlib.sha256(canonical({"main": inv.processes[process_id], "sources": sources, "forms": forms})
                          .encode("utf-8")).hexdigest()


def is_unchanged(process_id: str, sources, forms, inv: Inventory) -> bool:
    previous = latest(process_id)
    return previous is not None and previous.content_hash == content_hash_of(process_id, sources, forms, inv)


def _store(process_id: str, sources, forms, inv: Inventory, actor: str, note: str | None) -> Deployed:
    main_file = inv.processes[process_id]
    content_hash = content_hash_of(process_id, sources, forms, inv)
    previous = latest(process_id)
    if previous is not None and previous.content_hash == content_hash:
        return Deployed(process_id, previous.version, False, previous)
    spec = sw.parse(sources, process_id)
    model = ModelVersion(
        process_id=process_id, version=(previous.version + 1) if previous else 1, name=spec.name,
        content_hash=content_hash, main_file=main_file, sources=dict(sources), forms=dict(forms),
        deployed_by=actor, deployed_at=now().replace(tzinfo=None), note=(note or "").strip()[:2000] or None,
    )
    db.session.add(model)
    db.session.flush()
    audit.append(audit.SYSTEM_STREAM, [{
        "type": "model_deployed", "at": now(), "actor": actor, "element_id": process_id,
        "data": {"process_id": process_id, "version": model.version, "content_hash": content_hash,
                 "note": model.note,
                 "files": sorted(sources), "forms": sorted(forms)},
    }])
    return Deployed(process_id, model.version, True, model)
