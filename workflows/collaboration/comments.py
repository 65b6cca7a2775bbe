"""Comments on a case, with @mentions. A comment is an audit event on the case's own hash chain,
written by one command under the case's lock (so it sits in the timeline and the audit trail in
order with everything else); the after-command hooks then tell the people it mentions.
Everyone who may read the case may comment, except auditors: they read comments, never write."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from engine import hooks, queries, store
from engine.audit import chain as audit
from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.identity import Actor
from engine.models import AuditEvent, Instance, Role, Task, User
from workflows.collaboration.triggers import COMMENT_EVENT

MAX_BODY = 2000
MAX_MENTIONS = 20
READ_ONLY_ROLES = {"auditor"}
MESSAGES = {
    "empty": {"zh": "请填写评论内容。", "en": "Write a comment."},
    "long": {"zh": f"评论最多 {MAX_BODY} 个字。", "en": f"A comment is at most {MAX_BODY} characters."},
    "many": {"zh": f"一次最多提及 {MAX_MENTIONS} 人。", "en": f"Mention at most {MAX_MENTIONS} people at once."},
    "unknown": {"zh": "“{who}”不能查看这个案件，不能提及。",
                "en": "'{who}' cannot read this case and cannot be mentioned."},
}


@dataclass
class Comment:
    seq: int
    at: dt.datetime
    author: str
    body: str
    mentions: list[str]


def may_comment(actor: Actor) -> bool:
    return actor.system or bool(set(actor.roles) - READ_ONLY_ROLES)


def require_commenter(actor: Actor, instance_id: int) -> None:
    """The role check, before anything about the case or the comment is looked at."""
    if not may_comment(actor):
        raise Forbidden("auditors read comments but do not write them", instance_id=instance_id)


def _message(key: str, lang: str, **values: str) -> str:
    table = MESSAGES[key]
    return (table.get(lang) or table["zh"]).format(**values)


def _clean(body: str, mentions: Iterable[str], lang: str) -> tuple[str, list[str]]:
    text = (body or "").strip()
    if not text:
        raise ValidationFailed({"body": [_message("empty", lang)]})
    if len(text) > MAX_BODY:
        raise ValidationFailed({"body": [_message("long", lang)]})
    wanted = list(dict.fromkeys(m.strip() for m in mentions if m and m.strip()))
    if len(wanted) > MAX_MENTIONS:
        raise ValidationFailed({"mentions": [_message("many", lang)]})
    return text, wanted


def add_comment(*, instance_id: int, body: str, mentions: Iterable[str] = (), actor: Actor, now: dt.datetime,
                lang: str = "zh") -> Comment:
    """One locked command: check, append the comment to the case's audit chain, tell the mentioned."""
    require_commenter(actor, instance_id)
    with transaction():
        instance = store.lock(instance_id)
        if not queries.can_read_case(instance, actor):
            raise Forbidden("you have no part in this case", instance_id=instance_id)
        text, wanted = _clean(body, mentions, lang)
        allowed = {user.username for user in mention_candidates(instance)}
        strangers = [name for name in wanted if name not in allowed]
        if strangers:
            raise ValidationFailed({"mentions": [_message("unknown", lang, who=name) for name in strangers]})
        stream = audit.instance_stream(instance.id)
        state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
        [event] = audit.append(stream, [{"type": COMMENT_EVENT, "at": now, "actor": actor.username,
                                         "data": {"body": text, "mentions": wanted}, "state": state}],
                               instance_id=instance.id)
        context = hooks.CommandContext(instance=instance, now=now, actor=actor.username, ready_tasks=[],
                                       closed_tasks=[], events=[{"type": COMMENT_EVENT, "seq": event.seq,
                                                                 "data": event.data}])
        for hook in hooks.get().after_command:
            hook(context)
        return _comment(event)


def _comment(event: AuditEvent) -> Comment:
    data = event.data or {}
    return Comment(event.seq, event.at, event.actor, data.get("body", ""), list(data.get("mentions") or []))


def comments_query(instance_id: int):
    return queries.events_query(instance_id, types=[COMMENT_EVENT])


def comments_of(instance_id: int) -> list[Comment]:
    return [_comment(e) for e in db.session.execute(comments_query(instance_id)).scalars()]


def as_comment(event: AuditEvent) -> Comment:
    return _comment(event)


def mention_candidates(instance: Instance) -> list[User]:
    """The people who may read the case (and so may be mentioned): its starter and everyone who
    holds or held one of its tasks, the roles of its tasks, and the roles that read every case —
    auditors aside, as they only read."""
    roles = set(queries.CASE_READERS) - READ_ONLY_ROLES | set(db.session.execute(
        sa.select(Task.role).where(Task.instance_id == instance.id).distinct()).scalars())
    people = {instance.started_by} | {name for pair in db.session.execute(
        sa.select(Task.assignee, Task.completed_by).where(Task.instance_id == instance.id)) for name in pair if name}
    by_role = sa.select(User.id).join(User.roles).where(Role.id.in_(sorted(roles)))
    query = sa.select(User).where(User.active.is_(True), sa.or_(User.username.in_(sorted(people)),
                                                                User.id.in_(by_role)))
    users = list(db.session.execute(query).scalars())
    return sorted((u for u in users if u.role_ids - READ_ONLY_ROLES),
                  key=lambda u: (u.display_name or u.username, u.username))
