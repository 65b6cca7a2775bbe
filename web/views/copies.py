"""抄送我的: the approved compensation claims reported to me for the record (报送备案), newest first,
each opening its case."""
from __future__ import annotations

from flask import Blueprint, render_template

from engine import queries
from web.auth import current_actor
from web.bounds import page_number
from workflows import compensation_approval

bp = Blueprint("copies", __name__, url_prefix="/copies")
PER_PAGE = 20


@bp.get("/")
def index():
    page = compensation_approval.copies_for(current_actor().username, page=page_number(), per_page=PER_PAGE)
    names = queries.display_names({copy.approved_by for copy in page.items})
    return render_template("copies.html", page=page, names=names)
