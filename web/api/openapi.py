"""GET /openapi.json: generated from the `doc()` metadata and the same marshmallow schemas that
validate the requests — and true to every answer: the errors any call can get (401 without a
token, 422 for a value out of bounds, 503 while the database is unreachable...) are listed with
the error body and its context fields, money is a decimal string everywhere, and ids in paths
carry the bounds the router enforces. `aftercare`'s CI runs schemathesis against it."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import fields

from web.api.base import bp, doc
from web.bounds import MAX_ID
from web.schemas import Error

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
DECIMAL = {"type": "string", "format": "decimal", "pattern": r"^-?\d{1,10}(\.\d{1,2})?$"}  # forms.MONEY_MAX
UNSIGNED_DECIMAL = {**DECIMAL, "pattern": r"^\d{1,10}(\.\d{1,2})?$"}
TEXT = r"^[^\u0000]*$"  # no NUL character (nor, beyond what a pattern can say, unpaired surrogates)
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
DESCRIPTIONS = {400: "bad request (a session call without its CSRF token)", 401: "not logged in",
                403: "the caller's roles do not allow it", 404: "not found", 409: "conflict with the current state",
                413: "request body too large", 422: "invalid input (field messages in `errors`)",
                429: "too many failed logins", 503: "the database is unreachable; retry after Retry-After"}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _PATH_PARAM.findall(rule):
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID} if converter == "int" else \
            {"type": "string", "pattern": TEXT}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _decimal_as_string(_converter, field: fields.Field, ret: dict, **_kwargs) -> dict:
    """Money is a decimal string in bodies and answers alike (never a binary float); its bounds are
    kept as x-minimum/x-maximum, since `minimum` applies to numbers only."""
    if not isinstance(field, fields.Decimal):
        return {}
    for bound in ("minimum", "maximum"):
        if bound in ret:
            ret[f"x-{bound}"] = str(ret.pop(bound))
    shape = UNSIGNED_DECIMAL if float(ret.get("x-minimum", -1)) >= 0 else DECIMAL
    return {**shape, "description": ret.get("description") or "money: a decimal string such as \"1200.50\""}


def _text_only(_converter, field: fields.Field, ret: dict, **_kwargs) -> dict:
    """Strings refuse NUL characters: say so where no other pattern or choice list applies."""
    if ret.get("type") == "string" and "pattern" not in ret and "enum" not in ret and "format" not in ret:
        return {"pattern": TEXT}
    return {}


def _error_statuses(meta: dict, params: list[dict]) -> list[int]:
    """What the call can answer besides success: its own errors plus those of the edge."""
    statuses = set(meta["errors"]) | {503}
    if not meta["public"]:
        statuses.add(401)
    if params or meta["query"] is not None or meta["body"] is not None or meta["multipart"]:
        statuses.add(422)  # out-of-range numbers, text that is not text
    if any(p["schema"]["type"] == "integer" for p in params):
        statuses.add(404)  # an id beyond the largest
    if meta["body"] is not None or meta["multipart"]:
        statuses.add(413)
    return sorted(statuses)


def _request_body(meta: dict) -> dict | None:
    if meta["multipart"]:
        binary = {"type": "string", "format": "binary"}
        part = binary if meta["multipart"] == "single" else {"type": "array", "items": binary}
        optional = meta["multipart"] == "optional"  # the files may be left out (and then the body)
        schema = {"type": "object", "properties": {"file": part, **meta.get("form_fields", {})}}
        if not optional:
            schema["required"] = ["file"]
        return {"required": not optional, "content": {"multipart/form-data": {"schema": schema}}}
    if meta["body"] is not None:  # a body without required fields may be left out: it reads as {}
        required = any(field.required for field in meta["body"]().fields.values())
        return {"required": required, "content": {"application/json": {"schema": meta["body"]}}}
    return None


def _empty_means_absent(document: dict) -> None:
    """`?status=` is read as no status at all: say so on every query parameter."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True


def _operation(meta: dict, params: list[dict]) -> dict:
    op: dict = {"summary": meta["summary"], "tags": [meta["tag"]], "parameters": list(params), "responses": {}}
    if meta["query"] is not None:
        op["parameters"].append({"in": "query", "schema": meta["query"]})
    body = _request_body(meta)
    if body is not None:
        op["requestBody"] = body
    ok: dict = {"description": "No content" if meta["status"] == 204 else "OK"}
    if meta["response"] is not None:
        ok["content"] = {"application/json": {"schema": meta["response"]}}
    op["responses"][str(meta["status"])] = ok
    for status in _error_statuses(meta, params):
        response = {"description": DESCRIPTIONS.get(status, "error"),
                    "content": {"application/json": {"schema": "Error"}}}
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        op["responses"][str(status)] = response
    if meta["public"]:
        op["security"] = []
    return op


def build_spec() -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Aftercare API", version="1.0.0", openapi_version="3.0.3", plugins=[plugin],
                   info={"description": "After-sales service BPM: process models, cases, tasks and audit. "
                                        "Errors are `{code, message, ...context}`; money is a decimal string."},
                   servers=[{"url": "/api/v1"}])
    plugin.converter.add_attribute_function(_decimal_as_string)
    plugin.converter.add_attribute_function(_text_only)
    spec.components.schema("Error", schema=Error)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
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
    _empty_means_absent(document)
    return document


@bp.get("/openapi.json")
@doc(summary="This OpenAPI document", tag="meta", public=True, errors=())
def openapi():
    return build_spec()
