"""The front door: people land on their inbox."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    lang = request.args.get("lang")
    return redirect(url_for("inbox.index", lang=lang) if lang else url_for("inbox.index"))
