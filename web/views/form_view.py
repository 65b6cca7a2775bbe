"""A form definition (engine/forms.py) as HTML inputs, and a posted HTML form back as form data.

Inputs are named after the field; a repeatable group's inputs are `<group>-<row>-<field>`, so
`lines-0-part_code` becomes `{"lines": [{"part_code": ...}]}`. Error keys follow the engine's
paths (`lines.0.part_code`). Uploaded files are stored as they arrive and stand in the data as
attachment ids; a file already uploaded travels back as a hidden input of that id.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from engine import attachments
from engine.errors import ValidationFailed
from engine.forms import text
from web.views.people import everyone_active, person_choices
from web.views.references import reference_names
from web.views.ui import local

ROW_TOKEN = "__i__"  # stands for the row number in the template row JS clones
ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf"
# reference type -> (list to suggest from, the item's key the form takes)
LOOKUPS = {"customer": ("/api/v1/customers", "id"), "equipment": ("/api/v1/equipment", "serial"),
           "engineer": ("/api/v1/engineers", "username"), "part": ("/api/v1/parts", "code")}
StoreFile = Callable[[FileStorage, str], str]  # (upload, error key) -> attachment id; raises ValidationFailed


@dataclass
class FieldView:
    name: str  # the input's name
    key: str  # the engine's error path
    type: str
    label: str
    required: bool = False
    readonly: bool = False
    help: str = ""
    value: Any = None
    errors: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)
    multiple: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)
    rows: list[list[FieldView]] = field(default_factory=list)
    template: list[FieldView] = field(default_factory=list)
    max_rows: int | None = None
    files: list[Any] = field(default_factory=list)  # Attachment rows named by a file field
    display: str = ""  # a reference field's value as people call it (the input keeps the id)
    @property
    def dom_id(self) -> str:
        return "f-" + self.name


# ---------------------------------------------------------------- definition -> inputs
def _choices(spec: Mapping[str, Any], lang: str, value: Any) -> list[dict[str, Any]]:
    chosen = {str(v) for v in (value if isinstance(value, list) else [value]) if v is not None}
    out = []
    for choice in spec.get("choices", []):
        raw = choice["value"] if isinstance(choice, Mapping) else choice
        label = text(choice.get("label"), lang) if isinstance(choice, Mapping) else ""
        out.append({"value": str(raw), "label": label or str(raw), "selected": str(raw) in chosen})
    return out


def _attrs(spec: Mapping[str, Any]) -> dict[str, Any]:
    kind, attrs = spec["type"], {}
    if kind == "integer":
        attrs.update(inputmode="numeric", step=1)
    elif kind == "number":
        attrs.update(inputmode="decimal")
    if kind in ("integer", "number"):
        attrs.update({k: spec[k] for k in ("min", "max") if spec.get(k) is not None})
    if kind in ("string", "text"):
        attrs["maxlength"] = spec.get("max_length", 200 if kind == "string" else 5000)
    if kind == "file":
        attrs["accept"] = spec.get("accept") or ACCEPT
    if kind in LOOKUPS:
        attrs["data-lookup"], attrs["data-lookup-key"] = LOOKUPS[kind]
    return attrs


def input_value(spec: Mapping[str, Any], value: Any) -> Any:
    """A stored value as the input wants it (date-times in local time, lists for multiples)."""
    kind = spec["type"]
    if value is None:
        return [] if kind == "file" or spec.get("multiple") else ""
    if kind == "datetime" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return (local(moment) if moment.tzinfo else moment).strftime("%Y-%m-%dT%H:%M")
    if kind == "file":
        return value if isinstance(value, list) else [value]
    if kind == "boolean":
        return value if isinstance(value, bool) else {"true": True, "false": False}.get(str(value).lower(), "")
    return value


def field_views(definition: Mapping[str, Any] | None, lang: str, values: Mapping[str, Any] | None = None,
                errors: Mapping[str, list[str]] | None = None, *, readonly_values: Mapping[str, Any] | None = None,
                fresh: bool = False) -> list[FieldView]:
    """Inputs for a form. `fresh` fills in the definition's defaults (first showing of a form)."""
    views = _views(definition, lang, values, errors, readonly_values=readonly_values, fresh=fresh)
    _attach_files(views)
    _attach_names(views)
    return views


def _walk(views: list[FieldView]):
    for view in views:
        yield view
        for row in view.rows:
            yield from _walk(row)


def unplaced_errors(views: list[FieldView], errors: Mapping[str, list[str]] | None) -> list[str]:
    """Messages for no input on the page (whole-form problems, a bad row as a whole)."""
    placed = {v.key for v in _walk(views)}
    return [m for key, msgs in (errors or {}).items() if key not in placed for m in msgs]


def _attach_names(views: list[FieldView]) -> None:
    """Reference fields show the name of what they refer to; the id travels in a hidden input."""
    lookups = [v for v in _walk(views) if v.type in LOOKUPS and v.value not in (None, "")]
    wanted: dict[str, set[str]] = {}
    for view in lookups:
        wanted.setdefault(view.type, set()).add(str(view.value))
    names = reference_names(wanted)
    for view in lookups:
        view.display = names.get(view.type, {}).get(str(view.value), str(view.value))


def _attach_files(views: list[FieldView]) -> None:
    file_views = [v for v in _walk(views) if v.type == "file"]
    known = attachments.describe(i for v in file_views for i in v.value)
    for view in file_views:
        view.files = [known[i] for i in view.value if i in known]


def _views(definition: Mapping[str, Any] | None, lang: str, values: Mapping[str, Any] | None = None,
           errors: Mapping[str, list[str]] | None = None, *, readonly_values: Mapping[str, Any] | None = None,
           fresh: bool = False, prefix: str = "", key_prefix: str = "") -> list[FieldView]:
    values, errors, readonly_values = values or {}, errors or {}, readonly_values or {}
    views = []
    for spec in (definition or {}).get("fields", []):
        name, kind = spec["name"], spec["type"]
        readonly = bool(spec.get("readonly"))
        raw = readonly_values.get(name) if readonly else values.get(name)
        if raw is None and fresh and "default" in spec:
            raw = spec["default"]
        view = FieldView(name=prefix + name, key=key_prefix + name, type=kind,
                         label=text(spec.get("label"), lang) or name, required=bool(spec.get("required")),
                         readonly=readonly, help=text(spec.get("help"), lang),
                         errors=list(errors.get(key_prefix + name, [])),
                         multiple=bool(spec.get("multiple", kind == "file")), attrs=_attrs(spec))
        if kind == "rows":
            _fill_rows(view, spec, raw, lang, errors, fresh)
        else:
            view.value = input_value(spec, raw)
            if kind == "enum":
                view.choices = _choices(spec, lang, raw)
            elif kind == "person":
                _offer_people(view, spec, lang, {**values, **readonly_values})
        views.append(view)
    return views


def _offer_people(view: FieldView, spec: Mapping[str, Any], lang: str, data: Mapping[str, Any]) -> None:
    """A person field: shown by display name; to fill in, a choice of the active staff holding the
    role named by the field `role_field` points at (or anyone active), with team and open work."""
    if view.readonly:
        view.type, view.value = "string", reference_names({"person": {str(view.value)}}).get(
            "person", {}).get(str(view.value), view.value) if view.value else ""
        return
    role = data.get(spec.get("role_field") or "")
    offered = person_choices(role, lang) if isinstance(role, str) and role else everyone_active()
    view.type = "enum"
    view.choices = [{"value": username, "label": label, "selected": username == view.value}
                    for username, label in offered]


def _fill_rows(view: FieldView, spec: Mapping[str, Any], raw: Any, lang: str, errors, fresh: bool) -> None:
    rows = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
    wanted = max(len(rows), int(spec.get("min_rows", 1 if spec.get("required") else 0)), 1)
    sub = {"fields": spec.get("fields", [])}
    for index in range(wanted):
        data = rows[index] if index < len(rows) else {}
        view.rows.append(_views(sub, lang, data, errors, fresh=fresh and index >= len(rows),
                                prefix=f"{view.name}-{index}-", key_prefix=f"{view.key}.{index}."))
    view.template = _views(sub, lang, {}, {}, fresh=True, prefix=f"{view.name}-{ROW_TOKEN}-",
                           key_prefix=f"{view.key}.{ROW_TOKEN}.")
    view.max_rows = spec.get("max_rows")
    view.errors = list(errors.get(view.key, []))


def add_row(definition: Mapping[str, Any] | None, data: dict[str, Any], group: str) -> dict[str, Any]:
    """The data with one more (empty) row in `group` — the no-JavaScript 'add a row' button."""
    spec = next((s for s in (definition or {}).get("fields", []) if s["name"] == group and s["type"] == "rows"),
                None)
    if spec is not None:
        rows = list(data.get(group) or [])
        data[group] = [*rows, {}] if rows else [{}, {}]
    return data


# ---------------------------------------------------------------- posted form -> data
def _coerce_choice(spec: Mapping[str, Any], posted: str) -> Any:
    for choice in spec.get("choices", []):
        raw = choice["value"] if isinstance(choice, Mapping) else choice
        if str(raw) == posted:
            return raw
    return posted


def _files(spec, name, key, form: MultiDict, files: MultiDict, store: StoreFile | None) -> Any:
    kept = [v for v in form.getlist(name) if v]
    problems: list[str] = []
    for upload in files.getlist(name):
        if not upload or not upload.filename:
            continue
        if store is None:
            continue
        try:
            kept.append(store(upload, key))
        except ValidationFailed as exc:
            problems += [m for msgs in exc.errors.values() for m in msgs]
    kept = list(dict.fromkeys(kept))
    if problems:
        raise _UploadProblem(key, problems, kept)
    if spec.get("multiple", True):
        return kept
    return kept[-1] if kept else None


class _UploadProblem(Exception):
    def __init__(self, key: str, messages: list[str], kept: list[str]):
        super().__init__(key)
        self.key, self.messages, self.kept = key, messages, kept


def _scalar(spec: Mapping[str, Any], name: str, form: MultiDict) -> Any:
    kind = spec["type"]
    if kind == "enum" and spec.get("multiple"):
        return [_coerce_choice(spec, v) for v in form.getlist(name)]
    posted = form.get(name)
    if posted is None:
        return None
    if kind == "enum":
        return _coerce_choice(spec, posted) if posted != "" else ""
    if kind == "boolean":
        return {"true": True, "false": False}.get(posted.lower(), posted)
    return posted


def _row_numbers(form: MultiDict, files: MultiDict, group: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(group)}-(\d+)-")
    found = {int(m.group(1)) for key in [*form.keys(), *files.keys()] if (m := pattern.match(key))}
    return sorted(n for n in found if n < 1000)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def parse(definition: Mapping[str, Any] | None, form: MultiDict, files: MultiDict, *,
          store: StoreFile | None = None, prefix: str = "", key_prefix: str = "",
          upload_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The form's data from a posted HTML form. Upload problems land in `upload_errors` (the
    rest of the data is still returned, so the page can show everything the user typed)."""
    data: dict[str, Any] = {}
    upload_errors = upload_errors if upload_errors is not None else {}
    for spec in (definition or {}).get("fields", []):
        if spec.get("readonly"):
            continue
        name, key, kind = prefix + spec["name"], key_prefix + spec["name"], spec["type"]
        if kind == "rows":
            rows = []
            for number in _row_numbers(form, files, name):
                row = parse({"fields": spec.get("fields", [])}, form, files, store=store,
                            prefix=f"{name}-{number}-", key_prefix=f"{key}.{len(rows)}.", upload_errors=upload_errors)
                if not all(_blank(v) for v in row.values()):
                    rows.append(row)
            data[spec["name"]] = rows
        elif kind == "file":
            try:
                data[spec["name"]] = _files(spec, name, key, form, files, store)
            except _UploadProblem as problem:
                upload_errors.setdefault(problem.key, []).extend(problem.messages)
                data[spec["name"]] = problem.kept if spec.get("multiple", True) else (problem.kept or [None])[-1]
        else:
            value = _scalar(spec, name, form)
            if value is not None:
                data[spec["name"]] = value
    return data


# ---------------------------------------------------------------- submitted data -> read-only display
@dataclass
class ShownValue:
    label: str
    type: str
    value: Any  # text, list of attachment ids (file), or rows: (header labels, list of row value lists)


References = Mapping[str, Mapping[str, str]]  # reference type -> stored value -> what people call it


def reference_values(definition: Mapping[str, Any] | None, data: Any, found: dict[str, set[str]] | None = None
                     ) -> dict[str, set[str]]:
    """The stored values of a form's reference fields (customer ids, serials, ...), rows included."""
    found = found if found is not None else {}
    if not isinstance(data, Mapping):
        return found
    for spec in (definition or {}).get("fields", []):
        value = data.get(spec["name"])
        if spec["type"] in LOOKUPS and not _blank(value):
            found.setdefault(spec["type"], set()).add(str(value))
        elif spec["type"] == "rows" and isinstance(value, list):
            for row in value:
                reference_values({"fields": spec.get("fields", [])}, row, found)
    return found


def shown(definition: Mapping[str, Any] | None, data: Mapping[str, Any] | None, lang: str,
          yes_no: Callable[[bool], str], references: References | None = None) -> list[ShownValue]:
    """Label/value pairs of submitted form data, in the form's field order; empty fields left out.
    Reference values appear by name when `references` knows them."""
    out: list[ShownValue] = []
    if not isinstance(data, Mapping):
        return out
    shown_as = _Words(lang, yes_no, references or {})
    for spec in (definition or {}).get("fields", []):
        value = data.get(spec["name"])
        if _blank(value) or spec.get("internal"):  # internal: ids the system passes along, not for people
            continue
        label = text(spec.get("label"), lang) or spec["name"]
        out.append(ShownValue(label, spec["type"], _shown_value(spec, value, shown_as)))
    return out


@dataclass
class _Words:
    lang: str
    yes_no: Callable[[bool], str]
    references: References


def _shown_value(spec: Mapping[str, Any], value: Any, words: _Words) -> Any:
    kind = spec["type"]
    if kind == "file":
        return value if isinstance(value, list) else [value]
    if kind == "rows":
        subs = spec.get("fields", [])
        header = [text(s.get("label"), words.lang) or s["name"] for s in subs]
        body = [[_plain_text(s, row.get(s["name"]) if isinstance(row, Mapping) else None, words) for s in subs]
                for row in value if isinstance(row, Mapping)]
        return header, body
    return _plain_text(spec, value, words)


def _plain_text(spec: Mapping[str, Any], value: Any, words: _Words) -> str:
    kind, lang, yes_no = spec["type"], words.lang, words.yes_no
    if value is None:
        return ""
    if kind in LOOKUPS:
        return words.references.get(kind, {}).get(str(value), str(value))
    if kind == "boolean":
        return yes_no(bool(value)) if isinstance(value, bool) else str(value)
    if kind == "enum":
        labels = {str(c["value"] if isinstance(c, Mapping) else c):
                  (text(c.get("label"), lang) if isinstance(c, Mapping) else "") for c in spec.get("choices", [])}
        items = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v)) or str(v) for v in items) if lang == "zh" else \
            ", ".join(labels.get(str(v)) or str(v) for v in items)
    if kind == "datetime":
        shown_value = input_value(spec, value)
        return str(shown_value).replace("T", " ")
    if kind == "file":
        return ""
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("label") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
