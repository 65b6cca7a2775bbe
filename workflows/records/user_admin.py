"""User administration (administrators only): create people with their roles and, for engineers,
their region team; change names, roles and teams; reset a password; deactivate and reactivate.
A deactivated person cannot log in and every session and API token they had ends at once
(engine.identity). Every change is on the system audit stream — never a password."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.identity import MIN_PASSWORD, Actor, create_user, deactivate_user, set_password
from engine.models import Role, User
from workflows.records.dispatch import TEAM_NAMES
from workflows.records.references import problem
from workflows.records.tables import Engineer

ADMINS = ("admin",)
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")


@dataclass
class UserChange:
    """What an administrator submits; `None` leaves a field as it is (on an update)."""

    display_name: str | None = None
    email: str | None = None
    roles: list[str] | None = None
    region_team: str | None = None


def _check_admin(actor: Actor) -> None:
    if not actor.has_role(*ADMINS):
        raise Forbidden("only an administrator manages users")


def _refused(lang: str, field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({field: [problem(zh, en).get(lang, zh)]})


def _record(actor: Actor, event: str, user: User, values: dict[str, Any], now: dt.datetime) -> None:
    audit.append(audit.SYSTEM_STREAM, [{"type": f"user_{event}", "at": now, "actor": actor.username,
                                        "element_id": f"user:{user.username}",
                                        "data": {"record": "user", "key": user.username, "values": values}}])


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", user_id=user_id)
    return user


def users_query(q: str | None = None, *, actor: Actor):
    _check_admin(actor)
    query = sa.select(User)
    if q:
        query = query.where(sa.or_(User.username.contains(q, autoescape=True),
                                   User.display_name.contains(q, autoescape=True)))
    return query.order_by(User.active.desc(), User.username)


def teams_of(user_ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(sa.select(Engineer.user_id, Engineer.region_team).where(Engineer.user_id.in_(user_ids)))
    return {user_id: team for user_id, team in rows}


def _checked(change: UserChange, lang: str, *, creating: bool) -> None:
    if change.display_name is not None and not 1 <= len(change.display_name.strip()) <= 120:
        raise _refused(lang, "display_name", "请填写 1 到 120 个字的姓名。", "Enter a name of 1 to 120 characters.")
    if change.email and (len(change.email) > 200 or "@" not in change.email):
        raise _refused(lang, "email", "电子邮件地址无效。", "The e-mail address is not valid.")
    if change.roles is not None:
        known = set(db.session.execute(sa.select(Role.id)).scalars())
        if not change.roles or not set(change.roles) <= known:
            raise _refused(lang, "roles", "至少选择一个有效的角色。", "Choose at least one valid role.")
    engineer = change.roles is not None and "engineer" in change.roles
    if change.region_team is not None and change.region_team not in TEAM_NAMES:
        raise _refused(lang, "region_team", "请选择区域组。", "Choose a region team.")
    if creating and engineer and not change.region_team:
        raise _refused(lang, "region_team", "服务工程师须属于一个区域组。", "An engineer belongs to a region team.")


def _sync_engineer(user: User, team: str | None, now: dt.datetime) -> None:
    """An engineer has an engineer record with their region team; someone who is no longer an
    engineer has none (so dispatch stops suggesting them)."""
    row = db.session.execute(sa.select(Engineer).where(Engineer.user_id == user.id)).scalar_one_or_none()
    stamp = utc_naive(now)
    if not user.has_role("engineer"):
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = Engineer(user_id=user.id, region_team=team or "general", skills=[], created_at=stamp)
        db.session.add(row)
    elif team:
        row.region_team = team
    row.updated_at = stamp


def _roles(ids: list[str]) -> list[Role]:
    return list(db.session.execute(sa.select(Role).where(Role.id.in_(ids)).order_by(Role.id)).scalars())


def create(username: str, password: str, change: UserChange, *, actor: Actor, now: dt.datetime,
           lang: str = "zh") -> User:
    _check_admin(actor)
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise _refused(lang, "username", "登录名须为 2 到 40 个字母、数字或 _ . -。",
                       "A login is 2 to 40 letters, digits or _ . -.")
    if len(password or "") < MIN_PASSWORD:
        raise _refused(lang, "password", f"密码至少 {MIN_PASSWORD} 个字符。",
                       f"A password has at least {MIN_PASSWORD} characters.")
    _checked(change, lang, creating=True)
    with transaction():
        if db.session.execute(sa.select(User.id).where(User.username == username)).first():
            raise Conflict(f"user '{username}' already exists", username=username)
        user = create_user(username, password, change.roles or [], display_name=(change.display_name or "").strip(),
                           email=change.email or None)
        _sync_engineer(user, change.region_team, now)
        _record(actor, "created", user, {"display_name": user.display_name, "email": user.email,
                                         "roles": sorted(user.role_ids), "region_team": change.region_team}, now)
    return user


def update(user_id: int, change: UserChange, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> User:
    _check_admin(actor)
    _checked(change, lang, creating=False)
    with transaction():
        user = get(user_id)
        if change.roles is not None and user.username == actor.username and "admin" not in change.roles:
            raise _refused(lang, "roles", "不能取消自己的管理员角色。",
                           "You cannot take away your own administrator role.")
        values: dict[str, Any] = {}
        if change.display_name is not None:
            user.display_name = values["display_name"] = change.display_name.strip()
        if change.email is not None:
            user.email = values["email"] = change.email or None
        if change.roles is not None:
            user.roles = _roles(change.roles)
            values["roles"] = sorted(change.roles)
        if change.region_team is not None:
            values["region_team"] = change.region_team
        db.session.flush()
        _sync_engineer(user, change.region_team, now)
        _record(actor, "updated", user, values, now)
    return user


def reset_password(user_id: int, password: str, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> User:
    """A new password; the person's sessions and tokens end (they log in again with it)."""
    _check_admin(actor)
    if len(password or "") < MIN_PASSWORD:
        raise _refused(lang, "password", f"密码至少 {MIN_PASSWORD} 个字符。",
                       f"A password has at least {MIN_PASSWORD} characters.")
    with transaction():
        user = get(user_id)
        set_password(user, password)
        _record(actor, "password_reset", user, {}, now)
    return user


def set_active(user_id: int, active: bool, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> User:
    _check_admin(actor)
    with transaction():
        user = get(user_id)
        if user.username == actor.username and not active:
            raise _refused(lang, "active", "不能停用自己的账户。", "You cannot deactivate your own account.")
        if active:
            user.active = True
        else:
            deactivate_user(user)
        _record(actor, "activated" if active else "deactivated", user, {}, now)
    return user
