"""What every page's templates can call: local times, durations, due colours, role and flow
names in the page's language, a link to the same page in the other language."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, request, url_for
from flask_login import current_user

from engine import hooks, queries
from engine.clock import as_aware
from engine.clock import now as clock_now
from engine.forms import text
from engine.timers import outbox
from web.api.history import SEARCHERS
from web.auth import current_actor
from web.i18n import current_language, format_moment, translate
from web.views import labels

bp = Blueprint("ui", __name__)
WARN_SHARE = 0.75  # a deadline turns amber once three quarters of its time is used


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(when: dt.datetime | None) -> dt.datetime | None:
    aware = as_aware(when)
    return aware.astimezone(_zone(hooks.get().timezone)) if aware else None


def local_time(when: dt.datetime | str | None, fmt: str | None = None) -> str:
    """A moment in the company's time zone: in the page locale's company format (Flask-Babel),
    or with an explicit strftime format for compact columns."""
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return when
    if when is None:
        return ""
    if fmt is None:
        return format_moment(when if when.tzinfo else as_aware(when))
    moment = local(when)
    return moment.strftime(fmt) if moment else ""


def duration(delta: dt.timedelta | None) -> str:
    """A short human duration: '2 天 3 小时', '45 分钟'."""
    if delta is None:
        return ""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return translate("{d} 天 {h} 小时", d=days, h=hours) if hours else translate("{d} 天", d=days)
    if hours:
        return translate("{h} 小时 {m} 分钟", h=hours, m=mins) if mins else translate("{h} 小时", h=hours)
    return translate("{m} 分钟", m=mins)


def due_state(due_at: dt.datetime | None, created_at: dt.datetime | None, *, done_at: dt.datetime | None = None,
              warn_at: dt.datetime | None = None, now: dt.datetime | None = None) -> str:
    """ok / warn / late for open work; met / missed once done; none without a deadline. Warning
    starts at `warn_at` when an SLA gives one (75 % of the working time), else at 75 % of the
    wall-clock time between `created_at` and `due_at`."""
    if due_at is None:
        return "none"
    due = as_aware(due_at)
    if done_at is not None:
        return "met" if as_aware(done_at) <= due else "missed"
    moment = now or clock_now()
    if moment >= due:
        return "late"
    if warn_at is not None:
        return "warn" if moment >= as_aware(warn_at) else "ok"
    start = as_aware(created_at) or moment
    total = (due - start).total_seconds()
    used = (moment - start).total_seconds()
    return "warn" if total <= 0 or used >= WARN_SHARE * total else "ok"


def due_hint(due_at: dt.datetime | None) -> str:
    if due_at is None:
        return ""
    left = as_aware(due_at) - clock_now()
    if left.total_seconds() < 0:
        return translate("超期 {t}", t=duration(left))
    return translate("剩余 {t}", t=duration(left))


def age(since: dt.datetime | None) -> str:
    return duration(clock_now() - as_aware(since)) if since else ""


def role_name(role_id: str | None) -> str:
    role = hooks.get().roles.get(role_id or "")
    if role is None:
        return role_id or ""
    return role.name_en if current_language() == "en" else role.name_zh


def flow_name(process_id: str, fallback: str | None = None) -> str:
    label = labels.FLOW_NAMES.get(process_id)
    return translate(label) if label else (fallback or process_id)


def label_text(value: Any) -> str:
    """A {"zh", "en"} label (forms) in the page's language."""
    return text(value, current_language())


def lang_url(lang: str) -> str:
    args = {**request.view_args} if request.view_args else {}
    query = {k: v for k, v in request.args.items() if k != "lang"}
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **args, **query, lang=lang)
    return url_for("home.index", lang=lang)


def _may_search_cases() -> bool:
    return getattr(current_user, "is_authenticated", False) and current_actor().has_role(*SEARCHERS)


def _unread_notifications() -> int:
    if not getattr(current_user, "is_authenticated", False):
        return 0
    return outbox.unread_count(current_actor().username)


def _header_counts() -> Mapping[str, int]:
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return queries.task_counts(current_actor())


def count_text(n: int) -> str:
    """A count as shown: counting stops past queries.COUNT_CAP, which shows as "1000+"."""
    return f"{queries.COUNT_CAP}+" if n > queries.COUNT_CAP else str(n)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"header_counts": _header_counts, "count_text": count_text, "unread_notifications": _unread_notifications,
            "may_search_cases": _may_search_cases, "labels": labels, "now": clock_now}


@bp.app_template_global()
def ui_url_lang(lang: str) -> str:
    return lang_url(lang)


for _name, _fn in {"local_time": local_time, "duration": duration, "age": age, "due_hint": due_hint,
                   "role_name": role_name, "flow_name": flow_name, "label_text": label_text}.items():
    bp.add_app_template_filter(_fn, _name)
bp.add_app_template_global(due_state, "due_state")
