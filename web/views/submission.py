"""A posted start or task form: its data (uploaded files stored as they arrive), what the person
asked for, and — when that was "add a row", which posts the whole form — the values to show again
with one more row."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request

from web.views import form_view
from web.views.files import store_upload


@dataclass
class Submission:
    data: dict[str, Any]
    action: str
    upload_errors: dict[str, list[str]]
    with_added_row: dict[str, Any] | None  # set when the action was "add_row:<group>"


def read(definition: dict[str, Any] | None, *, default_action: str) -> Submission:
    upload_errors: dict[str, list[str]] = {}
    data = form_view.parse(definition, request.form, request.files, store=store_upload, upload_errors=upload_errors)
    action = request.form.get("action", default_action)
    added = form_view.add_row(definition, data, action.split(":", 1)[1]) if action.startswith("add_row:") else None
    return Submission(data, action, upload_errors, added)
