"""Building blocks of the form definitions: labels in two languages, fields, enums, read-only
fields and the approval / rejection / satisfaction patterns the flows share."""
from __future__ import annotations

from typing import Any


def L(zh: str, en: str) -> dict[str, str]:  # noqa: N802 - reads like a label
    return {"zh": zh, "en": en}


def f(name: str, kind: str, zh: str, en: str, required: bool = False, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "type": kind, "label": L(zh, en)}
    if required:
        spec["required"] = True
    if "help" in extra:
        extra["help"] = L(*extra["help"])
    spec.update(extra)
    return spec


def enum(name: str, zh: str, en: str, choices: list[tuple[Any, str, str]], required: bool = False,
         **extra: Any) -> dict[str, Any]:
    return f(name, "enum", zh, en, required,
             choices=[{"value": value, "label": L(czh, cen)} for value, czh, cen in choices], **extra)


def ro(name: str, kind: str, zh: str, en: str) -> dict[str, Any]:
    """A field the system fills in: shown on the form, never accepted from the user."""
    return f(name, kind, zh, en, readonly=True)


def form(zh: str, en: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"title": L(zh, en), "fields": list(fields)}


RATING = [("excellent", "优", "Excellent"), ("good", "良", "Good"), ("fair", "中", "Fair"), ("poor", "差", "Poor")]
DEPARTMENTS = [("rd", "技术开发部", "R&D"), ("quality", "工艺质检部", "Process & quality"),
               ("production", "生产部", "Production"), ("logistics", "采购物流部", "Purchasing & logistics")]


def approval(zh: str, en: str, *context: dict[str, Any]) -> dict[str, Any]:
    return form(zh, en, *context,
                f("approved", "boolean", "批准", "Approved", True),
                f("comment", "text", "审批意见（驳回时请写明理由）", "Comment (give the reason when rejecting)"))


def rejection_notice(zh: str, en: str) -> dict[str, Any]:
    return form(zh, en, ro("comment", "text", "驳回理由", "Reason for rejection"),
                f("note", "text", "处理说明", "Note"))


def satisfaction(name: str, zh: str, en: str) -> dict[str, Any]:
    return f(name, "integer", zh, en, True, min=1, max=5,
             help=("1 非常不满意 … 5 非常满意", "1 very dissatisfied … 5 very satisfied"))
