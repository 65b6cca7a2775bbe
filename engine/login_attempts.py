"""Failed logins, one row each, in the database: every worker counts the same failures, and a
restart forgets none. Counted per account (the username typed, whether or not it exists) and per
client address, each against its own limit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.clock import utc_naive
from engine.db import db

USERNAME_CHARS = 200
ADDRESS_CHARS = 64


class LoginFailure(db.Model):
    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_username", "username", "failed_at"),
        sa.Index("ix_login_failure_address", "address", "failed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_CHARS))
    address: Mapped[str] = mapped_column(sa.String(ADDRESS_CHARS))
    failed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)


@dataclass(frozen=True)
class Recent:
    count: int
    oldest: dt.datetime | None  # naive UTC


def account_key(username: str) -> str:
    return username.strip().lower()[:USERNAME_CHARS]


def address_key(address: str | None) -> str:
    return (address or "-")[:ADDRESS_CHARS]


def _recent(column, value: str, since: dt.datetime) -> Recent:
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(LoginFailure.failed_at))
        .where(column == value, LoginFailure.failed_at >= utc_naive(since))).one()
    return Recent(int(count), oldest)


def recent_for_account(username: str, *, since: dt.datetime) -> Recent:
    return _recent(LoginFailure.username, account_key(username), since)


def recent_for_address(address: str | None, *, since: dt.datetime) -> Recent:
    return _recent(LoginFailure.address, address_key(address), since)


def record_failure(username: str, address: str | None, *, now: dt.datetime, forget_before: dt.datetime) -> None:
    """One more failure; failures older than `forget_before` no longer count and are dropped."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.failed_at < utc_naive(forget_before)))
    db.session.add(LoginFailure(username=account_key(username), address=address_key(address),
                                failed_at=utc_naive(now)))
    db.session.flush()


def clear_account(username: str) -> None:
    """A successful login: that account starts again from zero (its address does not)."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == account_key(username)))


def clear_all() -> None:
    db.session.execute(sa.delete(LoginFailure))
