"""Chinese by default, English selectable. Templates write `{{ _("待办任务") }}`: the Chinese text
is the key, and `translations/en/*.json` map it to English (one file per room, so that features
add their words without touching each other's files; a key must not be given two meanings).
The language comes from `?lang=` (remembered in a cookie), then the user's setting, then the
browser, then zh.

Messages stay in these JSON catalogs (keyed by the Chinese text, one file per room, checked by
tests/web/test_i18n_catalog.py); Flask-Babel does what a hand-written catalog should not: dates,
times, numbers and money in the page's locale and the company's time zone (`format_moment`,
`format_money`, `format_number`, also the `money` and `number` template filters)."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import flask_babel
from flask import g, request
from flask_login import current_user

from engine import hooks
from engine.clock import as_aware

LANGUAGES = ("zh", "en")
LOCALES = {"zh": "zh_CN", "en": "en"}
# the company's way of writing a moment: ISO-like in Chinese, day-month-year in English
MOMENT_FORMATS = {"zh": "yyyy-MM-dd HH:mm", "en": "d MMM yyyy HH:mm"}
CURRENCY = "CNY"
CATALOG_DIR = Path(__file__).parent / "translations"


def catalog_files(lang: str) -> list[Path]:
    return sorted((CATALOG_DIR / lang).glob("*.json"))


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalog_files(lang):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def current_language() -> str:
    if "lang" in g:
        return g.lang
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted not in LANGUAGES and getattr(current_user, "is_authenticated", False):
        wanted = current_user.locale
    if wanted not in LANGUAGES:
        best = request.accept_languages.best_match(["zh", "zh-CN", "en"]) or "zh"
        wanted = "en" if best.startswith("en") else "zh"
    g.lang = wanted
    return wanted


def translate(text: str, **values: object) -> str:
    lang = current_language()
    out = text if lang == "zh" else catalog(lang).get(text, text)
    return out.format(**values) if values else out


def _remember_language(response):
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        response.set_cookie("lang", wanted, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def format_moment(when: dt.datetime | None) -> str:
    """A moment (naive UTC or aware) in the company's time zone and the page's locale."""
    if when is None:
        return ""
    return flask_babel.format_datetime(as_aware(when), MOMENT_FORMATS[current_language()])


def format_money(amount: Decimal | str | float | None) -> str:
    if amount in (None, ""):
        return ""
    return flask_babel.format_currency(Decimal(str(amount)), CURRENCY)


def format_number(value: Decimal | int | float | str | None) -> str:
    if value in (None, ""):
        return ""
    return flask_babel.format_decimal(Decimal(str(value)))


def _locale() -> str:
    return LOCALES[current_language()]


def _timezone() -> str:
    return hooks.get().timezone


def init_app(app) -> None:
    flask_babel.Babel(app, locale_selector=_locale, timezone_selector=_timezone)
    app.jinja_env.globals.update(_=translate, current_language=current_language)
    app.jinja_env.filters.update(money=format_money, number=format_number, moment=format_moment)
    app.after_request(_remember_language)
