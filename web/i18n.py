"""Chinese by default, English selectable. Templates write `{{ _("待办任务") }}`: the Chinese text
is the key, and `translations/en/*.json` map it to English (one file per room, so that features
add their words without touching each other's files; a key must not be given two meanings).
The language comes from `?lang=` (remembered in a cookie), then the user's setting, then the
browser, then zh."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import g, request
from flask_login import current_user

LANGUAGES = ("zh", "en")
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


def init_app(app) -> None:
    app.jinja_env.globals.update(_=translate, current_language=current_language)
    app.after_request(_remember_language)
