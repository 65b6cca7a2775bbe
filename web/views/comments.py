"""The comment box on a case page: write a comment and pick the people to mention by name.
The case page's template asks `comment_panel(instance)` for what it shows."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request, url_for

from engine import hooks, queries
from engine.clock import now
from engine.errors import ValidationFailed
from engine.models import Instance
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views.labels import N_
from workflows.collaboration import comments

bp = Blueprint("comments", __name__)


@dataclass
class Candidate:
    username: str
    name: str
    roles: str  # the person's roles, by name


@dataclass
class CommentPanel:
    comments: list[comments.Comment]
    names: dict[str, str]  # username -> display name, for authors and the people mentioned
    may_comment: bool
    candidates: list[Candidate]
    max_body: int = comments.MAX_BODY


def _role_names(role_ids: set[str]) -> str:
    english = current_language() == "en"
    roles = hooks.get().roles
    return "、".join(sorted((roles[r].name_en if english else roles[r].name_zh) for r in role_ids if r in roles))


@bp.app_template_global()
def comment_panel(instance: Instance) -> CommentPanel:
    actor = current_actor()
    written = comments.comments_of(instance.id)
    names = queries.display_names({c.author for c in written} | {m for c in written for m in c.mentions})
    if not comments.may_comment(actor):
        return CommentPanel(written, names, False, [])
    people = [Candidate(u.username, u.display_name or u.username, _role_names(u.role_ids))
              for u in comments.mention_candidates(instance) if u.username != actor.username]
    return CommentPanel(written, names, True, people)


@bp.post("/cases/<int:instance_id>/comments")
def add(instance_id: int):
    actor = current_actor()
    comments.require_commenter(actor, instance_id)
    queries.readable_case(instance_id, actor)
    try:
        body = request.form.get("body", "")[:comments.MAX_BODY + 1]
        comment = comments.add_comment(instance_id=instance_id, body=body, actor=actor, now=now(),
                                       mentions=request.form.getlist("mention")[:comments.MAX_MENTIONS + 1],
                                       lang=current_language())
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("cases.show", instance_id=instance_id, _anchor="comments"))
    flash(translate(N_("评论已发表。")), "success")
    return redirect(url_for("cases.show", instance_id=instance_id, _anchor=f"comment-{comment.seq}"))
