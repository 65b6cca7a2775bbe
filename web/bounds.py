"""Every input bounded at the edge, before it reaches a query or a command.

- ids in paths: the app's `int` URL converter stops at the largest id a table can hold, so
  `/api/v1/process-instances/2147483648` is a clear 404 instead of a database overflow;
- page numbers (`?page=`): a whole number from 1 to MAX_PAGE, for the API and the pages alike;
- JSON bodies: no NaN/Infinity, integers within 64 bits, at most MAX_JSON_DEPTH levels deep;
- text anywhere (JSON strings and keys, form fields, query parameters, path segments): no NUL
  character and no unpaired surrogate — neither can be stored, and neither is text a person wrote.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, request
from flask.wrappers import Request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Map

from engine.errors import ValidationFailed

MAX_ID = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL)
MAX_PAGE = 100_000
MAX_JSON_DEPTH = 32
INT64 = (-(2**63), 2**63 - 1)
_FORBIDDEN_TEXT = re.compile("[\x00\ud800-\udfff]")


class InvalidInput(ValidationFailed):
    """A request carries something no field may hold: text that is not text, a number out of range,
    a body nested too deeply. `errors` names where (`page`, `query.q`, `body.data.amount`)."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, list[str]], message: str = "the request contains a value that is not allowed"):
        super().__init__(errors, message)


# ---------------------------------------------------------------- ids in paths
class BoundedIntConverter(IntegerConverter):
    """`<int:...>` with an upper bound: larger numbers name nothing that can exist."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        digits = value.lstrip("-+").lstrip("0")
        if len(digits) > len(str(self.max)) or int(value) > self.max:
            raise NotFound(description=f"no such item: {value[:24]}{'…' if len(value) > 24 else ''} "
                                       f"is beyond the largest id ({self.max})")
        return super().to_python(value)


# ---------------------------------------------------------------- numbers in query strings
def query_int(name: str, default: int, *, lo: int = 1, hi: int = MAX_PAGE) -> int:
    """A whole number from the query string, within [lo, hi] (absent or blank: the default)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(hi)) or not lo <= int(raw) <= hi:
        raise InvalidInput({name: [f"must be a whole number from {lo} to {hi}"]},
                           message=f"'{name}' must be a whole number from {lo} to {hi}")
    return int(raw)


def page_number() -> int:
    """`?page=` of a list page."""
    return query_int("page", 1)


def list_cursor() -> str | None:
    """`?cursor=` of a list page (engine.keyset checks what it holds)."""
    return request.args.get("cursor", "").strip() or None


# ---------------------------------------------------------------- text
def text_problem(value: str) -> str | None:
    match = _FORBIDDEN_TEXT.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character"
    return "contains an unpaired surrogate (not valid Unicode text)"


def _text_problems(where: str, pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
    for key, value in pairs:
        for part in (key, value):
            if isinstance(part, str) and (problem := text_problem(part)):
                yield f"{where}.{text_safe(key)}", problem
                break


def text_safe(value: str) -> str:
    """A name safe to echo back in an error message."""
    return _FORBIDDEN_TEXT.sub("\ufffd", value)[:80]


def check_request_text() -> None:
    """before_request: path segments, query parameters and form fields hold text only."""
    found = dict(_text_problems("path", (request.view_args or {}).items()))
    found.update(_text_problems("query", request.args.items(multi=True)))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        found.update(_text_problems("form", request.form.items(multi=True)))
        found.update(_text_problems("file", ((k, f.filename or "") for k, f in request.files.items(multi=True))))
    if found:
        raise InvalidInput({where: [problem] for where, problem in found.items()},
                           message="the request contains text that is not allowed: " + "; ".join(
                               f"{where} {problem}" for where, problem in found.items()))


# ---------------------------------------------------------------- JSON bodies
def _constant(name: str) -> float:
    raise InvalidInput({"body": [f"{name} is not a number JSON allows"]}, message=f"{name} is not allowed in JSON")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not INT64[0] <= int(text) <= INT64[1]:
        raise InvalidInput({"body": [f"the number {text[:24]}… is beyond 64 bits"]},
                           message="integers in the request body must fit in 64 bits")
    return int(text)


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise InvalidInput({"body": [f"the number {text[:24]} is too large"]},
                           message="a number in the request body is too large")
    return number


def _walk(value: Any, path: str, depth: int, found: dict[str, list[str]]) -> None:
    if depth > MAX_JSON_DEPTH:
        found.setdefault(path or "body", []).append(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return
    if isinstance(value, str):
        if problem := text_problem(value):
            found.setdefault(path or "body", []).append(problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{text_safe(key)}" if path else text_safe(key)
            if problem := text_problem(key):
                found.setdefault(where, []).append(f"name {problem}")
            _walk(item, where, depth + 1, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), depth + 1, found)


class StrictJson:
    """The JSON module of request bodies (`request.get_json()`): refuses what a field cannot hold.
    Syntax errors stay ValueError (the caller says "not valid JSON"); the rest is InvalidInput."""

    @staticmethod
    def loads(data: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(data, parse_constant=_constant, parse_int=_bounded_int, parse_float=_finite_float)
        except RecursionError as exc:
            raise InvalidInput({"body": [f"nested deeper than {MAX_JSON_DEPTH} levels"]},
                               message="the request body is nested too deeply") from exc
        found: dict[str, list[str]] = {}
        _walk(value, "", 0, found)
        if found:
            raise InvalidInput(found, message="the request body contains values that are not allowed: " + "; ".join(
                f"{where}: {', '.join(problems)}" for where, problems in found.items()))
        return value

    @staticmethod
    def dumps(obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj, **kwargs)


class BoundedRequest(Request):
    """Reads JSON bodies with StrictJson. Flask hands each request the app's JSON provider (for
    `request.get_json`); bodies keep the strict reader regardless."""

    @property  # type: ignore[override]
    def json_module(self) -> type[StrictJson]:
        return StrictJson

    @json_module.setter
    def json_module(self, _provider: Any) -> None:
        pass


def init_app(app: Flask) -> None:
    """Before any route is added: the bounded `int` converter and the strict request class."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = BoundedRequest
