"""Form definitions (JSON, versioned with the diagram) -> marshmallow schemas that validate input.

A definition: {"title": {"zh", "en"}, "fields": [{"name", "type", "label": {"zh", "en"},
"required", ...}]}. Types: string, text, integer, number (Decimal money), boolean, date, datetime,
enum (choices), file, customer, equipment, engineer, part, person (references), rows (repeatable groups)
and signature (a drawn signature kept as an uploaded image; its `signer` names the sibling field that
holds the signer's name).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from engine.errors import ValidationFailed

SCALAR_TYPES = {"string", "text", "integer", "number", "boolean", "date", "datetime", "enum", "file"}
REFERENCE_TYPES = {"customer", "equipment", "engineer", "part", "person"}
FIELD_TYPES = SCALAR_TYPES | REFERENCE_TYPES | {"rows", "signature"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MONEY_MAX = Decimal("9999999999.99")  # every money column holds this (ten billion yuan), whatever the form says
INTEGER_RANGE = (-(2**63), 2**63 - 1)

MESSAGES = {
    "zh": {
        "required": "此项为必填项。", "null": "此项为必填项。", "unknown": "未知字段。",
        "string": "请输入文字。", "integer": "请输入整数。", "number": "请输入数字。",
        "boolean": "请选择是或否。", "date": "请输入有效日期（YYYY-MM-DD）。",
        "datetime": "请输入有效的日期时间。", "choice": "请从给定选项中选择。",
        "max_length": "最多 {max} 个字符。", "min": "不能小于 {min}。", "max": "不能大于 {max}。",
        "places": "最多 {places} 位小数。", "rows_min": "至少需要 {min} 行。", "rows_max": "最多 {max} 行。",
        "list": "格式不正确，应为列表。", "object": "格式不正确，应为对象。", "reference": "{detail}",
    },
    "en": {
        "required": "This field is required.", "null": "This field is required.", "unknown": "Unknown field.",
        "string": "Enter text.", "integer": "Enter a whole number.", "number": "Enter a number.",
        "boolean": "Choose yes or no.", "date": "Enter a valid date (YYYY-MM-DD).",
        "datetime": "Enter a valid date and time.", "choice": "Choose one of the given options.",
        "max_length": "At most {max} characters.", "min": "Must be at least {min}.",
        "max": "Must be at most {max}.", "places": "At most {places} decimal places.",
        "rows_min": "At least {min} rows are required.", "rows_max": "At most {max} rows.",
        "list": "Invalid format: a list is expected.", "object": "Invalid format: an object is expected.",
        "reference": "{detail}",
    },
}


def text(label: Any, lang: str) -> str:
    """A label in the wanted language: {"zh": ..., "en": ...} or a plain string."""
    if isinstance(label, Mapping):
        return str(label.get(lang) or label.get("zh") or label.get("en") or "")
    return "" if label is None else str(label)


def localized(error: Exception, lang: str) -> str:
    """A resolver's message: plain text, or {"zh": ..., "en": ...} picked by language."""
    message = error.args[0] if error.args else ""
    return text(message, lang) if isinstance(message, Mapping) else str(error)


def _msg(lang: str, key: str, **kw: Any) -> str:
    table = MESSAGES.get(lang, MESSAGES["zh"])
    return table[key].format(**kw)


# ---------------------------------------------------------------- field classes
class _Money(fields.Field):
    def __init__(self, places: int, lang: str, **kw: Any):
        super().__init__(**kw)
        self.places, self.lang = places, lang

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or isinstance(value, float) and value != value:
            raise ValidationError(_msg(self.lang, "number"))
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError(_msg(self.lang, "number")) from exc
        if not number.is_finite():
            raise ValidationError(_msg(self.lang, "number"))
        if abs(number) > MONEY_MAX:
            raise ValidationError(_msg(self.lang, "max" if number > 0 else "min", max=MONEY_MAX, min=-MONEY_MAX))
        if -number.as_tuple().exponent > self.places:
            raise ValidationError(_msg(self.lang, "places", places=self.places))
        return number.quantize(Decimal(1).scaleb(-self.places))


class _IsoDate(fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


class _IsoDateTime(fields.Field):
    """Accepts ISO date-times; a time without an offset is read in the company's time zone."""

    def __init__(self, tz: str, lang: str, **kw: Any):
        super().__init__(**kw)
        self.tz, self.lang = ZoneInfo(tz), lang

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValidationError(_msg(self.lang, "datetime")) from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.tz)
        return when.isoformat()


class _Reference(fields.Field):
    def __init__(self, resolver, lang: str, **kw: Any):
        super().__init__(**kw)
        self.resolver, self.lang = resolver, lang

    def _deserialize(self, value, attr, data, **kwargs):
        if self.resolver is None:
            return value
        try:
            return self.resolver(value)
        except (ValueError, LookupError) as exc:
            raise ValidationError(localized(exc, self.lang)) from exc


def _choice_values(spec: Mapping[str, Any]) -> list[Any]:
    return [c["value"] if isinstance(c, Mapping) else c for c in spec.get("choices", [])]


def _scalar(spec: Mapping[str, Any], lang: str, resolvers: Mapping[str, Any], tz: str) -> fields.Field:
    kind = spec["type"]
    common = {
        "required": bool(spec.get("required")),
        "allow_none": not spec.get("required"),
        "error_messages": {"required": _msg(lang, "required"), "null": _msg(lang, "null"),
                           "invalid": _msg(lang, kind if kind in MESSAGES["zh"] else "string")},
    }
    lo, hi = spec.get("min"), spec.get("max")
    bounds = []
    if lo is not None:
        bounds.append(validate.Range(min=lo, error=_msg(lang, "min", min=lo)))
    if hi is not None:
        bounds.append(validate.Range(max=hi, error=_msg(lang, "max", max=hi)))
    if kind in ("string", "text"):
        limit = spec.get("max_length", 200 if kind == "string" else 5000)
        return fields.String(validate=validate.Length(max=limit, error=_msg(lang, "max_length", max=limit)),
                             **common)
    if kind == "integer":
        lowest, highest = INTEGER_RANGE
        within = validate.Range(min=lowest, max=highest, error=_msg(lang, "max", max=highest))
        return fields.Integer(strict=False, validate=[within, *bounds], **common)
    if kind == "number":
        return _Money(int(spec.get("places", 2)), lang,
                      validate=[validate.Range(min=Decimal(str(b.min)) if b.min is not None else None,
                                               max=Decimal(str(b.max)) if b.max is not None else None,
                                               error=b.error) for b in bounds], **common)
    if kind == "boolean":
        return fields.Boolean(**common)
    if kind == "date":
        return _IsoDate(**common)
    if kind == "datetime":
        return _IsoDateTime(tz, lang, **common)
    if kind == "enum":
        choice = validate.OneOf(_choice_values(spec), error=_msg(lang, "choice"))
        if spec.get("multiple"):
            return fields.List(fields.Raw(validate=choice), **common)
        return fields.Raw(validate=choice, **common)
    resolver = resolvers.get(kind)
    if kind == "file" and spec.get("multiple", True):
        return fields.List(_Reference(resolver, lang), **common)
    return _Reference(resolver, lang, **common)


def _field(spec: Mapping[str, Any], lang: str, resolvers: Mapping[str, Any], tz: str) -> fields.Field:
    if spec["type"] == "signature":  # one uploaded image, named like a file
        return _Reference(resolvers.get("file"), lang, required=bool(spec.get("required")),
                          allow_none=not spec.get("required"),
                          error_messages={"required": _msg(lang, "required"), "null": _msg(lang, "null")})
    if spec["type"] != "rows":
        return _scalar(spec, lang, resolvers, tz)
    row_schema = _schema_class(spec["fields"], lang, resolvers, tz)
    lo, hi = spec.get("min_rows", 1 if spec.get("required") else 0), spec.get("max_rows", 200)
    return fields.List(
        fields.Nested(row_schema, unknown=RAISE, error_messages={"type": _msg(lang, "object")}),
        required=bool(spec.get("required")),
        validate=[validate.Length(min=lo, error=_msg(lang, "rows_min", min=lo)),
                  validate.Length(max=hi, error=_msg(lang, "rows_max", max=hi))],
        error_messages={"required": _msg(lang, "required"), "invalid": _msg(lang, "list")},
    )


def _schema_class(specs, lang, resolvers, tz) -> type[Schema]:
    declared = {s["name"]: _field(s, lang, resolvers, tz) for s in specs if not s.get("readonly")}
    schema = Schema.from_dict(declared, name="FormSchema")
    schema.Meta.unknown = RAISE  # type: ignore[attr-defined]
    return schema


def _blank_to_none(specs, data: Mapping[str, Any]) -> dict[str, Any]:
    """Browsers send '' for empty inputs: treat it as absent; strip surrounding spaces."""
    by_name = {s["name"]: s for s in specs}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        spec = by_name.get(key)
        if spec is not None and spec.get("readonly"):
            continue  # filled in by the system, never by the user
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if spec is not None and spec["type"] == "rows" and isinstance(value, list):
            value = [_blank_to_none(spec["fields"], row) if isinstance(row, Mapping) else row for row in value]
        cleaned[key] = value
    return cleaned


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = "_form" if key == "_schema" else str(key)
            flat.update(flatten_errors(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        flat[prefix or "_form"] = list(errors)
    elif isinstance(errors, list):
        for item in errors:
            for key, msgs in flatten_errors(item, prefix).items():
                flat.setdefault(key, []).extend(msgs)
    else:
        flat[prefix or "_form"] = [str(errors)]
    return flat


def validate_data(definition: Mapping[str, Any] | None, data: Any, *, lang: str = "zh",
                  resolvers: Mapping[str, Any] | None = None, tz: str = "Asia/Shanghai") -> dict[str, Any]:
    """Validated, typed data (Decimal money, ISO dates) or ValidationFailed with per-field messages."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed({"_form": [_msg(lang, "object")]})
    specs = (definition or {}).get("fields", [])
    if not specs:
        if data:
            raise ValidationFailed({key: [_msg(lang, "unknown")] for key in data})
        return {}
    schema = _schema_class(specs, lang, resolvers or {}, tz)()
    try:
        loaded = schema.load(_blank_to_none(specs, data))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, Mapping) else {"_form": exc.messages}
        errors = flatten_errors(messages)
        unknown_en = "Unknown field."
        valid = exc.valid_data if isinstance(exc.valid_data, Mapping) else {}
        raise ValidationFailed({**_missing_when(specs, valid, lang),
                                **{k: [_msg(lang, "unknown") if m == unknown_en else m for m in v]
                                   for k, v in errors.items()}}) from exc
    missing = _missing_when(specs, loaded, lang)
    if missing:
        raise ValidationFailed(missing)
    return dict(loaded)


def _missing_when(specs, loaded: Mapping[str, Any], lang: str) -> dict[str, list[str]]:
    """Fields required only when other answers say so (`required_when`: {"quote_accepted": false}
    — a declined quote needs its reason) and left empty."""
    missing: dict[str, list[str]] = {}
    for spec in specs:
        when = spec.get("required_when")
        if when and spec["name"] not in loaded and all(
                name in loaded and loaded[name] == value for name, value in when.items()):
            missing[spec["name"]] = [_msg(lang, "required")]
    return missing


def describe(definition: Mapping[str, Any] | None, lang: str = "zh") -> dict[str, Any]:
    """The API's view of a form: labels in one language; `choices` for enums, `fields` for rows."""
    definition = definition or {}
    return {"title": text(definition.get("title"), lang),
            "fields": [_describe_field(f, lang) for f in definition.get("fields", [])]}


def _describe_field(spec: Mapping[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec["name"], "label": text(spec.get("label"), lang) or spec["name"],
                           "type": spec["type"], "required": bool(spec.get("required"))}
    if spec["type"] == "enum":
        out["choices"] = [{"value": c["value"], "label": text(c.get("label"), lang) or str(c["value"])}
                          if isinstance(c, Mapping) else {"value": c, "label": str(c)}
                          for c in spec.get("choices", [])]
    if spec["type"] == "rows":
        out["fields"] = [_describe_field(f, lang) for f in spec.get("fields", [])]
    for key in ("min", "max", "max_length", "places", "multiple", "readonly", "default", "accept",
                "min_rows", "max_rows", "signer", "required_when"):
        if key in spec:
            out[key] = spec[key]
    if "help" in spec:
        out["help"] = text(spec["help"], lang)
    return out


def check_definition(name: str, definition: Any) -> list[str]:
    """Problems with a form definition, as sentences (empty when it is usable)."""
    if not isinstance(definition, Mapping):
        return [f"form '{name}' is not a JSON object"]
    problems: list[str] = []
    if not isinstance(definition.get("fields", []), list):
        return [f"form '{name}': 'fields' must be a list"]
    problems += _check_fields(name, definition.get("fields", []))
    return problems


def _check_fields(form: str, specs: list[Any], seen_prefix: str = "") -> list[str]:
    problems: list[str] = []
    names: set[str] = set()
    for spec in specs:
        if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
            problems.append(f"form '{form}': every field needs a name")
            continue
        name = seen_prefix + spec["name"]
        if not NAME.match(spec["name"]):
            problems.append(f"form '{form}': field name '{name}' must be lower_snake_case")
        if name in names:
            problems.append(f"form '{form}': field '{name}' appears twice")
        names.add(name)
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            problems.append(f"form '{form}': field '{name}' has unknown type '{kind}'")
        elif kind == "enum" and not spec.get("choices"):
            problems.append(f"form '{form}': enum field '{name}' has no choices")
        elif kind == "signature" and spec.get("signer") not in {s.get("name") for s in specs if isinstance(s, Mapping)}:
            problems.append(f"form '{form}': signature field '{name}' needs a 'signer' field beside it")
        elif kind == "rows":
            problems += _check_fields(form, spec.get("fields") or [], name + ".")
            if not spec.get("fields"):
                problems.append(f"form '{form}': rows field '{name}' has no fields")
        problems += _check_required_when(form, name, spec, specs, in_rows=bool(seen_prefix))
    return problems


def _check_required_when(form: str, name: str, spec: Mapping[str, Any], specs: list[Any], *,
                         in_rows: bool) -> list[str]:
    when = spec.get("required_when")
    if when is None:
        return []
    if in_rows:  # answers are read on the form itself, not row by row
        return [f"form '{form}': field '{name}': 'required_when' is for the form's own fields, not a row's"]
    others = {s.get("name") for s in specs if isinstance(s, Mapping) and s is not spec}
    if not isinstance(when, Mapping) or not when or not all(
            key in others and isinstance(value, str | int | float | bool) for key, value in when.items()):
        return [f"form '{form}': field '{name}': 'required_when' must name other fields of the form and the "
                "values that make it required, e.g. {\"quote_accepted\": false}"]
    return []
