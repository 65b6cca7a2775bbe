"""Settings pages: the company calendar (extra days off and working days, confirmed years, working
hours), the SLA settings a process owner changes, and failed timers and other incidents.

Each change calls the function `aftercare calendar|sla|timers` calls (workflows.deadlines.calendar,
workflows.deadlines.sla, engine.timers): it checks the role again and writes the audit event. This module
only reads the form, puts the functions' English messages in the page's words, and renders."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine import incidents, queries
from engine.clock import now
from engine.commands import transaction
from engine.errors import NotFound, ValidationFailed
from engine.timers import firing as timers
from web.auth import current_actor, roles_required
from web.i18n import current_language, translate
from web.views.labels import N_
from web.views.ui import local
from workflows.deadlines import calendar, calendar_years, sla

bp = Blueprint("admin", __name__, url_prefix="/admin")
CALENDAR_EDITORS = calendar.EDITORS
SLA_EDITORS = sla.EDITORS
TIMER_OPERATORS = ("admin", "service_manager")
SETTINGS_ROLES = tuple(sorted({*CALENDAR_EDITORS, *SLA_EDITORS, *TIMER_OPERATORS}))
INCIDENTS_SHOWN = 50

UNITS = {"working_days": N_("工作日"), "working_hours": N_("工作小时"), "days": N_("天（自然日）"),
         "hours": N_("小时（自然时间）")}
ANCHORS = {"received_at": N_("客户来电时起算"), "started_at": N_("案件发起时起算"),
           "parent_ended_at": N_("前一案件结束时起算"), "task_created": N_("任务出现时起算")}
# The English messages of workflows.deadlines.calendar and workflows.deadlines.sla, in the page's words.
MESSAGES = (
    (r"^'(?P<value>.*)' is not a date \(YYYY-MM-DD\)$", N_("“{value}”不是日期，请按 年-月-日 填写。")),
    (r"^(?P<value>.*) is not a plausible year$", N_("{value} 不是有效的年份（2000–2200）。")),
    (r"^use HH:MM, e\.g\. 08:30$", N_("请按 时:分 填写，例如 08:30。")),
    (r"^the working day must end after it starts$", N_("下班时间必须晚于上班时间。")),
    (r"^'(?P<value>.*)' is not a number$", N_("“{value}”不是数字。")),
    (r"^the time allowed must be greater than zero$", N_("时限必须大于零。")),
    (r"^unit must be one of .*$", N_("请选择时间单位。")),
    (r"^working days must be a whole number$", N_("工作日必须是整数。")),
    (r"^the warning comes at 1 to 99 % of the time$", N_("预警比例须在 1 到 99 之间。")),
    (r"^name at least one process$", N_("至少要适用于一个流程。")),
)


def settings_access() -> dict[str, bool]:
    """Which settings pages the person may open."""
    if not getattr(current_user, "is_authenticated", False):
        return {"calendar": False, "sla": False, "timers": False}
    actor = current_actor()
    return {"calendar": actor.has_role(*CALENDAR_EDITORS), "sla": actor.has_role(*SLA_EDITORS),
            "timers": actor.has_role(*TIMER_OPERATORS)}


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"may_administer": lambda: any(settings_access().values()), "settings_access": settings_access}


def explain(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """field -> messages in the page's language."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        out[key] = [_explain_one(message) for message in messages]
    return out


def _explain_one(message: str) -> str:
    for pattern, words in MESSAGES:
        match = re.match(pattern, message)
        if match:
            return translate(words, **match.groupdict())
    return message


def _flash_errors(errors: dict[str, list[str]]) -> None:
    for messages in explain(errors).values():
        for message in messages:
            flash(message, "error")


def amount_text(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


# ---------------------------------------------------------------- overview
@bp.get("/")
@roles_required(*SETTINGS_ROLES)
def index():
    access = settings_access()
    return render_template("admin/index.html", access=access,
                           failed=incidents.open_count() if access["timers"] else 0)


# ---------------------------------------------------------------- the business calendar
def _this_year() -> int:
    return local(now()).year


def _year(value: str | None) -> int | None:
    try:
        year = int((value or "").strip())
    except ValueError:
        return None
    return year if 2000 <= year <= 2200 else None


def _calendar_page(year: int, *, errors: dict[str, list[str]] | None = None, values: dict[str, str] | None = None,
                   status: int = 200):
    cal = calendar.current()
    return render_template(
        "admin/calendar.html", year=year, cal=cal, exceptions=calendar.exceptions_in(year), errors=errors or {},
        values=values or {}, this_year=_this_year(), weekday=weekday), status


@bp.get("/calendar")
@roles_required(*CALENDAR_EDITORS)
def calendar_page():
    return _calendar_page(_year(request.args.get("year")) or _this_year())


@bp.post("/calendar/exceptions")
@roles_required(*CALENDAR_EDITORS)
def add_exception():
    form = request.form
    values = {key: form.get(key, "").strip() for key in ("day", "kind", "note")}
    year = _year(form.get("year")) or _this_year()
    errors: dict[str, list[str]] = {}
    if not values["day"]:
        errors["day"] = [translate("请填写日期。")]
    if values["kind"] not in ("off", "work"):
        errors["kind"] = [translate("请选择：休息日或工作日。")]
    if not errors:
        try:
            with transaction():
                row = calendar.set_exception(values["day"], working=values["kind"] == "work", note=values["note"],
                                             actor=current_actor())
        except ValidationFailed as exc:
            errors = explain(exc.errors)
    if errors:
        return _calendar_page(year, errors=errors, values=values, status=422)
    words = "已把 {day} 设为工作日。" if row.working else "已把 {day} 设为休息日。"
    flash(translate(words, day=row.day.isoformat()), "success")
    return redirect(url_for("admin.calendar_page", year=row.day.year))


@bp.post("/calendar/exceptions/<day>/delete")
@roles_required(*CALENDAR_EDITORS)
def remove_exception(day: str):
    year = _year(request.form.get("year")) or _this_year()
    try:
        with transaction():
            removed = calendar.remove_exception(day, actor=current_actor())
    except ValidationFailed as exc:
        _flash_errors(exc.errors)
        return redirect(url_for("admin.calendar_page", year=year))
    flash(translate("已删除 {day} 的例外。", day=day) if removed else translate("{day} 没有例外。", day=day),
          "success" if removed else "info")
    return redirect(url_for("admin.calendar_page", year=year))


@bp.post("/calendar/years")
@roles_required(*CALENDAR_EDITORS)
def confirm_year():
    raw, note = request.form.get("year", "").strip(), request.form.get("note", "").strip()
    values = {"confirm_year": raw, "confirm_note": note}
    try:
        year = int(raw)
    except ValueError:
        errors = {"confirm_year": [translate("请填写四位数的年份。")]}
        return _calendar_page(_this_year(), errors=errors, values=values, status=422)
    try:
        with transaction():
            confirmed = calendar_years.confirm_year(year, note=note, actor=current_actor())
    except ValidationFailed as exc:
        errors = {"confirm_year": explain(exc.errors).get("year", [])}
        return _calendar_page(_this_year(), errors=errors, values=values, status=422)
    flash(translate("{year} 年的日历已确认。", year=year), "success")
    if confirmed.rescheduled:
        flash(translate("已为 {n} 个等待该年日历的期限计算了日期。", n=len(confirmed.rescheduled)), "info")
    return redirect(url_for("admin.calendar_page", year=year))


@bp.post("/calendar/hours")
@roles_required(*CALENDAR_EDITORS)
def working_hours():
    start, end = request.form.get("start", "").strip(), request.form.get("end", "").strip()
    year = _year(request.form.get("year")) or _this_year()
    try:
        with transaction():
            calendar.set_working_hours(start, end, actor=current_actor())
    except ValidationFailed as exc:
        values = {"start": start, "end": end}
        return _calendar_page(year, errors=explain(exc.errors), values=values, status=422)
    flash(translate("工作时间已改为 {start}–{end}。", start=start, end=end), "success")
    return redirect(url_for("admin.calendar_page", year=year))


# ---------------------------------------------------------------- SLA settings
def _sla_page(*, editing: str | None = None, errors: dict[str, list[str]] | None = None,
              values: dict[str, str] | None = None, status: int = 200):
    return render_template("admin/sla.html", rules=sla.rules(), units=UNITS, anchors=ANCHORS, editing=editing,
                           errors=errors or {}, values=values or {}, amount_text=amount_text), status


@bp.get("/sla")
@roles_required(*SLA_EDITORS)
def sla_page():
    return _sla_page()


def _sla_changes(rule: sla.SlaRule, form) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The fields the form changes (only those: the audit event lists what changed)."""
    changes: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    amount = form.get("amount", "").strip()
    if not amount:
        errors["amount"] = [translate("请填写时限。")]
    elif amount != amount_text(rule.amount):
        changes["amount"] = amount
    unit = form.get("unit", "")
    if unit not in UNITS:
        errors["unit"] = [translate("请选择时间单位。")]
    elif unit != rule.unit:
        changes["unit"] = unit
    try:
        warn = int(form.get("warn_percent", "").strip())
    except ValueError:
        errors["warn_percent"] = [translate("预警比例须在 1 到 99 之间。")]
    else:
        if warn != rule.warn_percent:
            changes["warn_percent"] = warn
    enabled = form.get("enabled") == "1"
    if enabled != rule.enabled:
        changes["enabled"] = enabled
    return changes, errors


@bp.post("/sla/<key>")
@roles_required(*SLA_EDITORS)
def update_sla(key: str):
    rule = sla.rule(key)
    values = {name: request.form.get(name, "").strip() for name in ("amount", "unit", "warn_percent", "enabled")}
    changes, errors = _sla_changes(rule, request.form)
    if not errors and changes:
        try:
            with transaction():
                sla.update_rule(key, actor=current_actor(), **changes)
        except ValidationFailed as exc:
            errors = explain(exc.errors)
    if errors:
        return _sla_page(editing=key, errors=errors, values=values, status=422)
    name = rule.name(current_language())
    if changes:
        flash(translate("已保存“{name}”。之后开始计时的案件按新设置计算。", name=name), "success")
    else:
        flash(translate("“{name}”没有修改。", name=name), "info")
    return redirect(url_for("admin.sla_page"))


# ---------------------------------------------------------------- failed timers and incidents
@bp.get("/timers")
@roles_required(*TIMER_OPERATORS)
def timers_page():
    """The timers' state and the open incidents (failed timers among them, with the failed scripts,
    service calls and mails: one list, engine/incidents.py), each with retry and resolve."""
    page = queries.paginate(incidents.incident_query(incidents.IncidentFilter(status="open")), 1, INCIDENTS_SHOWN)
    return render_template("admin/timers.html", counts=queries.timer_counts(), next_due=timers.next_due(),
                           incidents=page)


@bp.post("/timers/<int:timer_id>/retry")
@roles_required(*TIMER_OPERATORS)
def retry_timer(timer_id: int):
    try:
        row = timers.retry_failed(timer_id, actor=current_actor())
    except NotFound:
        flash(translate("找不到该定时器。"), "error")
    except timers.TimerError:
        flash(translate("该定时器已不是失败状态，可能已有人重试。"), "error")
    else:
        flash(translate("定时器已重新排队，案件 {case} 的故障已清除。",
                        case=queries.case_numbers({row.instance_id}).get(row.instance_id, "")), "success")
    return redirect(url_for("admin.timers_page"))


WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def weekday(day: dt.date) -> str:
    return translate(WEEKDAYS[day.weekday()])
