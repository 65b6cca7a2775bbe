"""GET /openapi.json: generated from the `doc()` metadata and the same marshmallow schemas that
validate the requests."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from web.api.base import bp, doc
from web.schemas import Error

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _PATH_PARAM.findall(rule):
        params.append({"in": "path", "name": name, "required": True,
                       "schema": {"type": "integer" if converter == "int" else "string"}})
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _operation(meta: dict, params: list[dict]) -> dict:
    op: dict = {"summary": meta["summary"], "tags": [meta["tag"]], "parameters": list(params), "responses": {}}
    if meta["query"] is not None:
        op["parameters"].append({"in": "query", "schema": meta["query"]})
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    if meta["multipart"]:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "array", "items": {
                "type": "string", "format": "binary"}}}, "required": ["file"]}}}}
    ok = {"description": "OK"}
    if meta["response"] is not None:
        ok["content"] = {"application/json": {"schema": meta["response"]}}
    op["responses"][str(meta["status"])] = ok
    for status in meta["errors"]:
        op["responses"][str(status)] = {"description": "error", "content": {"application/json": {"schema": "Error"}}}
    if meta["public"]:
        op["security"] = []
    return op


def build_spec() -> dict:
    spec = APISpec(title="Aftercare API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "After-sales service BPM: process models, cases, tasks and audit."},
                   servers=[{"url": "/api/v1"}])
    spec.components.schema("Error", schema=Error)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.options["security"] = [{"bearer": []}]
    paths: dict[str, dict[str, dict]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        meta = getattr(current_app.view_functions[rule.endpoint], "__apidoc__", None)
        if meta is None:
            continue
        path, params = _path(rule.rule.removeprefix(bp.url_prefix or ""))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(meta, params)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@bp.get("/openapi.json")
@doc(summary="This OpenAPI document", tag="meta", public=True, errors=())
def openapi():
    return build_spec()
