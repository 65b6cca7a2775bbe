"""Users, roles, passwords and API tokens. The engine sees an `Actor`, never a web session."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, joinedload, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from engine import hooks
from engine.clock import now, utc_naive
from engine.db import db
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import ApiToken, Role, User

TOKEN_LIFETIME = dt.timedelta(days=30)
TOKEN_CACHE = dt.timedelta(seconds=10)  # how long another server process may go on accepting a revoked token
SESSION_LIFETIME = dt.timedelta(days=30)  # a browser session ends at logout, or after this at the latest
MIN_PASSWORD = 4
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
    if password is not None:
        _check_password(password)
    user = User(username=username, display_name=display_name or username, email=email,
                password_hash=_hash(password) if password else None,
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({"password": [f"password must be at least {MIN_PASSWORD} characters"]})


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- changing who may log in
def set_password(user: User, password: str) -> None:
    """A new password ends every session and API token the user has: whoever knew the old one
    (or holds a cookie or token obtained with it) is out. The caller commits."""
    _check_password(password)
    user.password_hash = _hash(password)
    end_sessions_and_tokens(user)


def deactivate_user(user: User) -> None:
    """The user can no longer log in, and every session and token they have ends now."""
    user.active = False
    end_sessions_and_tokens(user)


def end_sessions_and_tokens(user: User) -> None:
    forget_tokens(user.id)
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.flush()


# ---------------------------------------------------------------- browser sessions
class UserSession(db.Model):
    """A logged-in browser. The cookie holds a random key; this row its digest. Logging out deletes
    the row, so a copy of the cookie replayed later gets the login page."""

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # sha256 of the key in the cookie
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


def open_session(user: User) -> str:
    """A new session key for the cookie (the user's expired sessions are dropped meanwhile)."""
    key = secrets.token_urlsafe(32)
    created = utc_naive(now())
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.expires_at < created))
    db.session.add(UserSession(id=_digest(key), user_id=user.id, created_at=created,
                               expires_at=created + SESSION_LIFETIME))
    db.session.flush()
    return key


def session_user(user_id: int, key: str) -> User | None:
    """The active user whose live session this key opens (one query)."""
    return db.session.execute(
        sa.select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == _digest(key), User.id == user_id, User.active.is_(True),
               UserSession.expires_at >= utc_naive(now()))).scalar_one_or_none()


def close_session(key: str) -> None:
    db.session.execute(sa.delete(UserSession).where(UserSession.id == _digest(key)))


# ---------------------------------------------------------------- API tokens
def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    created = utc_naive(now())
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at < created))
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=created,
                            expires_at=created + TOKEN_LIFETIME))
    db.session.flush()
    return token


def token_row(token: str) -> ApiToken | None:
    """The live token row for a bearer token of an active user."""
    query = (sa.select(ApiToken).where(ApiToken.token_hash == _digest(token))
             .options(joinedload(ApiToken.user).joinedload(User.roles)))  # token, user and roles: one read
    row = db.session.execute(query).unique().scalar_one_or_none()
    if row is None or row.expires_at < utc_naive(now()) or not row.user.active:
        return None
    return row


@dataclass(frozen=True)
class _Known:
    user: User  # detached, with its roles loaded: read-only
    token_id: int
    expires_at: dt.datetime
    until: dt.datetime


_known_tokens: dict[str, _Known] = {}
_known_lock = threading.Lock()


def token_user(token: str) -> tuple[User, int] | None:
    """The active user a bearer token opens, and the token's id. A token is read once (with its user
    and roles), then trusted for TOKEN_CACHE in this process: revoking it, a new password or
    deactivating the user forget it here at once, and in the other server processes within TOKEN_CACHE."""
    digest, moment = _digest(token), utc_naive(now())
    known = _known_tokens.get(digest)
    if known is not None and moment < known.until and moment <= known.expires_at:
        return known.user, known.token_id
    row = token_row(token)
    if row is None:
        _known_tokens.pop(digest, None)
        return None
    user, token_id, expires_at = row.user, row.id, row.expires_at
    for role in user.roles:
        db.session.expunge(role)
    db.session.expunge(user)
    with _known_lock:
        if len(_known_tokens) > 10_000:
            _known_tokens.clear()
        _known_tokens[digest] = _Known(user, token_id, expires_at, moment + TOKEN_CACHE)
    return user, token_id


def forget_tokens(user_id: int | None = None) -> None:
    """Stop trusting the cached tokens of a user (of everyone without one)."""
    with _known_lock:
        for digest, known in list(_known_tokens.items()):
            if user_id is None or known.user.id == user_id:
                del _known_tokens[digest]


def user_for_token(token: str) -> User | None:
    row = token_row(token)
    return row.user if row is not None else None


def tokens_query(user_id: int) -> sa.Select:
    """A user's live tokens, newest first (for listing: never the secret, which is not stored)."""
    return (sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.expires_at >= utc_naive(now()))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def revoke_token(user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens; someone else's is not found (and stays)."""
    forget_tokens(user_id)
    deleted = db.session.execute(sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if deleted.rowcount == 0:
        raise NotFound(f"you have no token {token_id}", token_id=token_id)


def get_user(username: str) -> User:
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user '{username}'", username=username)
    return user


def users_with_role(role_id: str) -> list[User]:
    return list(db.session.execute(
        sa.select(User).join(User.roles).where(Role.id == role_id, User.active.is_(True))
        .order_by(User.username)).scalars())
