"""The API blueprint and the helpers every endpoint uses: parsing with marshmallow schemas,
the list envelope, the request language, and `doc()` which feeds the OpenAPI document."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, request
from marshmallow import Schema, ValidationError

from engine.errors import ValidationFailed
from engine.forms import flatten_errors
from engine.queries import Page

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def doc(*, summary: str, tag: str, body: type[Schema] | None = None, query: type[Schema] | None = None,
        response: type[Schema] | None = None, status: int = 200, multipart: bool | str = False,
        form_fields: dict[str, dict] | None = None, errors: tuple[int, ...] = (401,),
        public: bool = False) -> Callable:
    """Attach the OpenAPI description of an endpoint to its view function. `multipart`: True (file
    parts required), "single" (one file part), "optional" (the body may be left out); `form_fields`:
    the other parts of a multipart body, as JSON schemas."""

    def decorate(view: Callable) -> Callable:
        view.__apidoc__ = {  # type: ignore[attr-defined]
            "summary": summary, "tag": tag, "body": body, "query": query, "response": response,
            "status": status, "multipart": multipart, "form_fields": form_fields or {}, "errors": errors,
            "public": public,
        }
        return view

    return decorate


def parse_body(schema: type[Schema]) -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if payload is None:
        if request.data:
            raise ValidationFailed({"_body": ["request body is not valid JSON"]})
        payload = {}
    if not isinstance(payload, dict):
        raise ValidationFailed({"_body": ["request body must be a JSON object"]})
    return _load(schema, payload)


def parse_query(schema: type[Schema]) -> dict[str, Any]:
    args = {k: v for k, v in request.args.items() if v != ""}
    known = {field.data_key or name for name, field in schema().fields.items()}
    return _load(schema, {k: v for k, v in args.items() if k in known or k == "page"})


def _load(schema: type[Schema], payload: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema().load(payload)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def lang() -> str:
    wanted = request.args.get("lang") or request.accept_languages.best_match(["zh", "en"]) or "zh"
    return "en" if wanted.startswith("en") else "zh"


def envelope(page: Page, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [render(item) for item in page.items], "total": page.total, "page": page.page,
            "per_page": page.per_page, "next_cursor": page.next_cursor}
