"""What the case page's header asks about a case: who started it, and whether this person may cancel
it (the cancel form posts to the managers' operations, web/views/operations.py)."""
from __future__ import annotations

from flask import Blueprint

from engine import commands
from engine.models import Instance
from web.auth import current_actor
from web.i18n import current_language
from web.views.case_words import starter_name

bp = Blueprint("case_actions", __name__)
MAX_REASON = 500
FINISHED = ("completed", "cancelled")


@bp.app_template_global()
def starter_of(instance: Instance) -> str:
    """Who started the case, or what did (the revisit plan, the case it follows from)."""
    return starter_name(instance, current_language())


@bp.app_template_global()
def may_cancel_case(instance: Instance) -> bool:
    return instance.status not in FINISHED and current_actor().has_role(*commands.SUPERVISORS)
