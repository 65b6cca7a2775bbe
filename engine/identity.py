"""Users, roles, passwords and API tokens. The engine sees an `Actor`, never a web session."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from engine import hooks
from engine.clock import now, utc_naive
from engine.db import db
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import ApiToken, Role, User

TOKEN_LIFETIME = dt.timedelta(days=30)
PASSWORD_METHOD = "scrypt"  # tests lower the cost; production keeps werkzeug's default
# A hash to compare against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[str]
    system: bool = False

    def has_role(self, *role_ids: str) -> bool:
        return self.system or bool(self.roles.intersection(role_ids))


SYSTEM = Actor("system", frozenset(), system=True)


def actor_of(user: User) -> Actor:
    return Actor(user.username, frozenset(user.role_ids))


def sync_roles() -> None:
    """Make the role table match the registry's roles."""
    for role in hooks.get().roles.values():
        row = db.session.get(Role, role.id)
        if row is None:
            db.session.add(Role(id=role.id, name_zh=role.name_zh, name_en=role.name_en))
        else:
            row.name_zh, row.name_en = role.name_zh, role.name_en
    db.session.flush()


def create_user(username: str, password: str | None, roles: Iterable[str], *, display_name: str = "",
                email: str | None = None) -> User:
    username = username.strip()
    if not username:
        raise ValidationFailed({"username": ["username is required"]})
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise Conflict(f"user '{username}' already exists", username=username)
    wanted = list(dict.fromkeys(roles))
    found = {r.id: r for r in db.session.execute(sa.select(Role).where(Role.id.in_(wanted))).scalars()}
    unknown = [r for r in wanted if r not in found]
    if unknown:
        raise ValidationFailed({"roles": [f"unknown role: {', '.join(unknown)}"]})
    if password is not None and len(password) < 4:
        raise ValidationFailed({"password": ["password must be at least 4 characters"]})
    user = User(username=username, display_name=display_name or username, email=email,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD) if password else None,
                created_at=utc_naive(now()), roles=[found[r] for r in wanted])
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    created = utc_naive(now())
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=created,
                            expires_at=created + TOKEN_LIFETIME))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.execute(sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))).scalar_one_or_none()
    if row is None or row.expires_at < utc_naive(now()) or not row.user.active:
        return None
    return row.user


def get_user(username: str) -> User:
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user '{username}'", username=username)
    return user


def users_with_role(role_id: str) -> list[User]:
    return list(db.session.execute(
        sa.select(User).join(User.roles).where(Role.id == role_id, User.active.is_(True))
        .order_by(User.username)).scalars())
