"""The domain records the flows work on: customers, their installed equipment, the service
engineers and the parts catalogue. Tables only, plus the few facts each record knows about itself."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import db
from engine.models import JSON, User


class Customer(db.Model):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), default="ordinary")  # key | ordinary
    region: Mapped[str] = mapped_column(sa.String(40), index=True)  # province, e.g. 四川
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{name, phone, title}]
    # set when a remote fault fix makes the customer a key target of the next revisit plan (art. 27)
    key_revisit: Mapped[bool] = mapped_column(default=False)
    key_revisit_case: Mapped[str | None] = mapped_column(sa.String(40))
    last_revisit_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    last_satisfaction: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)

    @property
    def first_contact(self) -> dict[str, Any]:
        return dict(self.contacts[0]) if self.contacts else {}


class Equipment(db.Model):
    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(80), unique=True)
    model: Mapped[str] = mapped_column(sa.String(120))
    contract_number: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    ship_date: Mapped[dt.date] = mapped_column(sa.Date)  # 出厂日期
    warranty_end: Mapped[dt.date] = mapped_column(sa.Date)
    inspection_record: Mapped[str] = mapped_column(sa.String(300), default="")  # 出厂检验记录
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    customer: Mapped[Customer] = relationship(lazy="joined")

    def in_warranty(self, on: dt.date) -> bool:
        return on <= self.warranty_end


class Engineer(db.Model):
    __tablename__ = "engineer"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), index=True)  # south_west | north | general
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def active(self) -> bool:
        return bool(self.user.active)


class Part(db.Model):
    __tablename__ = "part"
    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
