"""The service tools 服务器械 (manual art. 12; 《售后服务器械管理办法》): the standard kit of an
engineer with each tool's class and service life, the register of what each engineer was issued
and returned, the yearly replenishment request the manager files in February, and the
compensation records (服务器械赔偿单) the `tool_loss` flow leaves.

Class-1 durables live at least 5 years, class-2 at least 2, consumables at least 1. A tool lost or
wilfully damaged within its life is paid for (workflows/management/calculators.py); normal wear
goes to repair or scrapping."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.clock import isoformat, utc_naive
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.identity import Actor
from workflows.management import accountability
from workflows.management.calculators import MAX_MONEY, TOOL_CLASS_NAMES, money
from workflows.management.dashboard_labels import engineers
from workflows.records.dispatch import active_engineers
from workflows.records.references import find_engineer

KEEPERS = ("service_manager", "logistics")  # the manager and purchasing & logistics issue and take back
ISSUED, RETURNED, LOST, WORN = "issued", "returned", "lost", "worn"
REPLENISHMENT_MONTH = 2  # February


@dataclass(frozen=True)
class KitTool:
    code: str
    name_zh: str
    name_en: str
    tool_class: str  # "1", "2", "consumable"
    life_years: int
    quantity: int = 1


LIFE = {"1": 5, "2": 2, "consumable": 1}
STANDARD_KIT: tuple[KitTool, ...] = tuple(KitTool(code, zh, en, klass, LIFE[klass]) for code, zh, en, klass in [
    ("laptop", "笔记本电脑", "Laptop", "1"),
    ("camera", "数码相机", "Digital camera", "1"),
    ("caliper", "游标卡尺（300）", "Vernier caliper (300)", "1"),
    ("multimeter", "万用表及电工器材", "Multimeter and electrician's tools", "1"),
    ("thermometer", "测温仪（温度计）", "Thermometer", "2"),
    ("usb_drive", "U盘", "USB drive", "2"),
    ("feeler_gauge", "厚薄规", "Feeler gauge", "2"),
    ("spring_scale", "5公斤勾衡", "Spring scale (5 kg)", "2"),
    ("hammer", "1.5磅榔头", "Hammer (1.5 lb)", "2"),
    ("wrench_set", "扳手一套（活动、套筒、呆、扭力）", "Wrench set (adjustable, socket, open, torque)", "2"),
    ("vibration_plate", "振幅牌", "Vibration plate", "2"),
    ("toolbox", "工具箱", "Toolbox", "consumable"),
    ("hose", "6米长胶管", "Hose (6 m)", "consumable"),
    ("tape", "5米卷尺", "Tape measure (5 m)", "consumable"),
    ("work_clothes", "工作服", "Work clothes", "consumable"),
    ("safety_shoes", "工作劳保鞋", "Safety shoes", "consumable"),
])
KIT = {tool.code: tool for tool in STANDARD_KIT}


class ToolItem(db.Model):
    """One tool issued to one engineer, and what became of it."""

    __tablename__ = "tool_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    engineer: Mapped[str] = mapped_column(sa.String(80), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(12), default=ISSUED)
    returned_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    issued_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class ToolCompensation(db.Model):
    """服务器械赔偿单: what the engineer pays for a lost or damaged tool (0 for normal wear)."""

    __tablename__ = "tool_compensation"
    id: Mapped[int] = mapped_column(primary_key=True)
    tool_item_id: Mapped[int] = mapped_column(sa.ForeignKey("tool_item.id"), index=True)
    engineer: Mapped[str] = mapped_column(sa.String(80), index=True)
    instance_id: Mapped[int] = mapped_column(unique=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    cause: Mapped[str] = mapped_column(sa.String(20))  # normal_wear, fault
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


# ---------------------------------------------------------------- reading
def kit_names(lang: str) -> dict[str, str]:
    return {t.code: t.name_en if lang == "en" else t.name_zh for t in STANDARD_KIT}


def present(item: ToolItem, lang: str = "zh") -> dict[str, Any]:
    tool = KIT[item.code]
    zh, en = TOOL_CLASS_NAMES[tool.tool_class]
    return {"id": item.id, "engineer": item.engineer, "code": item.code, "name": kit_names(lang)[item.code],
            "tool_class": tool.tool_class, "class_name": en if lang == "en" else zh, "life_years": tool.life_years,
            "price": str(item.price), "issued_on": item.issued_on.isoformat(), "status": item.status,
            "returned_on": item.returned_on.isoformat() if item.returned_on else None,
            "life_ends_on": _life_end(item).isoformat()}


def _life_end(item: ToolItem) -> dt.date:
    years = KIT[item.code].life_years
    try:
        return item.issued_on.replace(year=item.issued_on.year + years)
    except ValueError:  # 29 February
        return item.issued_on.replace(year=item.issued_on.year + years, day=28)


def register(username: str, *, actor: Actor, lang: str = "zh") -> dict[str, Any]:
    """An engineer's kit: what they hold and what they held. An engineer reads only their own."""
    if actor.username != username and not actor.has_role(*KEEPERS):
        accountability.check_reader(actor)
    if find_engineer(username) is None:
        raise NotFound(f"no engineer '{username[:80]}'", username=username[:80])
    rows = db.session.execute(sa.select(ToolItem).where(ToolItem.engineer == username)
                              .order_by(ToolItem.issued_on, ToolItem.id)).scalars()
    _teams, names = engineers()
    return {"engineer": username, "name": names.get(username, username),
            "items": [present(row, lang) for row in rows]}


def item_of(item_id: Any) -> ToolItem:
    try:
        number = int(item_id)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed({"tool_item": ["the number of a tool in your register"]}) from exc
    item = db.session.get(ToolItem, number) if 1 <= number <= 2**31 - 1 else None
    if item is None:
        raise ValidationFailed({"tool_item": [f"no tool numbered {number} in the register"]})
    return item


# ---------------------------------------------------------------- issue and return
def check_keeper(actor: Actor) -> None:
    if not actor.has_role(*KEEPERS):
        raise Forbidden("tools are issued and taken back by the service manager or purchasing & logistics",
                        roles=list(KEEPERS))


def _audit(kind: str, actor: Actor, now: dt.datetime, item: ToolItem) -> None:
    audit.append(audit.SYSTEM_STREAM, [{"type": kind, "at": now, "actor": actor.username, "data": {
        "tool_item": item.id, "engineer": item.engineer, "code": item.code, "price": str(item.price),
        "status": item.status}}])


def issue(username: str, code: str, price: Decimal, issued_on: dt.date, *, actor: Actor,
          now: dt.datetime) -> ToolItem:
    """出库登记领用: a tool of the standard kit handed to an engineer."""
    check_keeper(actor)
    if find_engineer(username) is None:
        raise ValidationFailed({"engineer": [f"no engineer '{username[:80]}'"]})
    if code not in KIT:
        raise ValidationFailed({"code": [f"one of {', '.join(KIT)}"]})
    if not isinstance(price, Decimal) or not price.is_finite() or not 0 <= price <= MAX_MONEY or price != money(price):
        raise ValidationFailed({"price": ["yuan with at most two decimals"]})
    item = ToolItem(engineer=username, code=code, price=price, issued_on=issued_on, status=ISSUED,
                    issued_by=actor.username, updated_at=utc_naive(now))
    db.session.add(item)
    db.session.flush()
    _audit("tool_issued", actor, now, item)
    return item


def take_back(item_id: int, returned_on: dt.date, *, actor: Actor, now: dt.datetime) -> ToolItem:
    """退回: the engineer hands a tool back (on leaving, or for repair)."""
    check_keeper(actor)
    item = db.session.get(ToolItem, item_id)
    if item is None:
        raise NotFound(f"no tool numbered {item_id}")
    if item.status != ISSUED:
        raise Conflict(f"tool {item_id} is not held by anyone (it is {item.status})", status=item.status)
    if returned_on < item.issued_on:
        raise ValidationFailed({"returned_on": ["cannot be before the tool was issued"]})
    item.status, item.returned_on, item.updated_at = RETURNED, returned_on, utc_naive(now)
    db.session.flush()
    _audit("tool_returned", actor, now, item)
    return item


# ---------------------------------------------------------------- the yearly replenishment
def replenishment(year: int, *, actor: Actor, lang: str = "zh") -> dict[str, Any]:
    """The request the manager files in February (请购单): for every active engineer, each tool of the
    standard kit they do not hold, or hold past its service life by the end of February."""
    accountability.check_reader(actor)
    if not 2000 <= year <= 2200:
        raise ValidationFailed({"year": ["a year between 2000 and 2200"]})
    by = dt.date(year, REPLENISHMENT_MONTH + 1, 1) - dt.timedelta(days=1)
    names, (_teams, people) = kit_names(lang), engineers()
    lines = []
    for engineer in active_engineers():
        held = db.session.execute(sa.select(ToolItem).where(ToolItem.engineer == engineer.username,
                                                            ToolItem.status == ISSUED)).scalars()
        current = {item.code: item for item in held if _life_end(item) > by}
        for tool in STANDARD_KIT:
            if tool.code not in current:
                lines.append({"engineer": engineer.username, "name": people.get(engineer.username),
                              "code": tool.code, "tool": names[tool.code], "tool_class": tool.tool_class,
                              "quantity": tool.quantity})
    return {"year": year, "month": f"{year}-{REPLENISHMENT_MONTH:02d}", "lines": lines}


# ---------------------------------------------------------------- the tool_loss flow's records
def record_outcome(item: ToolItem, *, cause: str, amount: Decimal, instance_id: int, case_number: str | None,
                   now: dt.datetime) -> ToolCompensation:
    item.status, item.updated_at = (WORN if cause == "normal_wear" else LOST), utc_naive(now)
    row = ToolCompensation(tool_item_id=item.id, engineer=item.engineer, instance_id=instance_id,
                           case_number=case_number, cause=cause, amount=amount, recorded_at=utc_naive(now))
    db.session.add(row)
    db.session.flush()
    return row


def compensations(*, actor: Actor, engineer: str | None = None) -> list[dict[str, Any]]:
    if engineer != actor.username:
        accountability.check_reader(actor)
    query = sa.select(ToolCompensation).order_by(ToolCompensation.recorded_at, ToolCompensation.id)
    if engineer:
        query = query.where(ToolCompensation.engineer == engineer)
    return [{"id": r.id, "engineer": r.engineer, "tool_item": r.tool_item_id, "instance_id": r.instance_id,
             "case_number": r.case_number, "link": f"/cases/{r.instance_id}", "cause": r.cause,
             "amount": str(r.amount), "recorded_at": isoformat(r.recorded_at)}
            for r in db.session.execute(query).scalars()]
