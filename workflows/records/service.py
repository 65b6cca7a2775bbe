"""Use cases on the domain records: search, create and update (service desk and admin).

Record input is validated with the same form machinery as task forms, so messages come in the
user's language and money is Decimal. Every change is written to the system audit stream."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from engine.audit import chain as audit
from engine.clock import now, utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.forms import MESSAGES, validate_data
from engine.identity import Actor
from engine.models import User
from workflows.records.dispatch import PROVINCES, TEAM_NAMES
from workflows.records.references import REFERENCES, find_engineer, find_equipment
from workflows.records.tables import Customer, Engineer, Equipment, Part

EDITORS = ("service_desk", "admin")
SKILLS = {
    "installation": ("安装调试", "Installation"), "electrical": ("电气", "Electrical"),
    "hydraulics": ("液压", "Hydraulics"), "mechanical": ("机械", "Mechanical"),
    "control": ("控制系统", "Control systems"), "training": ("培训", "Training"),
}


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _choices(pairs: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"value": value, "label": _label(*names)} for value, names in pairs.items()]


# ---------------------------------------------------------------- record forms
CUSTOMER_FORM = {"title": _label("客户", "Customer"), "fields": [
    {"name": "name", "type": "string", "required": True, "max_length": 200, "label": _label("单位名称", "Name")},
    {"name": "class", "type": "enum", "required": True, "label": _label("客户类别", "Class"),
     "choices": _choices({"key": ("大客户/重点客户", "Key customer"), "ordinary": ("一般客户", "Ordinary")})},
    {"name": "region", "type": "enum", "required": True, "label": _label("地区", "Region"),
     "choices": [{"value": p, "label": p} for p in PROVINCES]},
    {"name": "address", "type": "string", "max_length": 300, "label": _label("地址", "Address")},
    {"name": "contacts", "type": "rows", "max_rows": 10, "label": _label("联系人", "Contacts"), "fields": [
        {"name": "name", "type": "string", "required": True, "max_length": 60, "label": _label("姓名", "Name")},
        {"name": "phone", "type": "string", "max_length": 40, "label": _label("电话", "Phone")},
        {"name": "title", "type": "string", "max_length": 60, "label": _label("职务", "Title")}]},
]}
EQUIPMENT_FORM = {"title": _label("设备", "Equipment"), "fields": [
    {"name": "serial", "type": "string", "required": True, "max_length": 80, "label": _label("出厂编号", "Serial")},
    {"name": "model", "type": "string", "required": True, "max_length": 120, "label": _label("型号", "Model")},
    {"name": "contract_number", "type": "string", "max_length": 80, "label": _label("合同号", "Contract")},
    {"name": "ship_date", "type": "date", "required": True, "label": _label("出厂日期", "Ship date")},
    {"name": "warranty_end", "type": "date", "required": True, "label": _label("质保到期", "Warranty end")},
    {"name": "inspection_record", "type": "string", "max_length": 300,
     "label": _label("出厂检验记录", "Inspection record")},
    {"name": "customer_id", "type": "customer", "required": True, "label": _label("客户", "Customer")},
]}
ENGINEER_FORM = {"title": _label("服务工程师", "Engineer"), "fields": [
    {"name": "username", "type": "string", "required": True, "max_length": 80, "label": _label("用户名", "Username")},
    {"name": "region_team", "type": "enum", "required": True, "label": _label("区域组", "Region team"),
     "choices": _choices(TEAM_NAMES)},
    {"name": "skills", "type": "enum", "multiple": True, "label": _label("技能", "Skills"),
     "choices": _choices(SKILLS)},
]}
PART_FORM = {"title": _label("零部件", "Part"), "fields": [
    {"name": "code", "type": "string", "required": True, "max_length": 40, "label": _label("零件编号", "Code")},
    {"name": "name", "type": "string", "required": True, "max_length": 200, "label": _label("名称", "Name")},
    {"name": "price", "type": "number", "required": True, "min": 0, "places": 2, "label": _label("单价", "Price")},
]}
IMMUTABLE = {"engineer": {"username"}, "part": {"code"}}


def _partial(definition: Mapping[str, Any], drop: set[str]) -> dict[str, Any]:
    return {**definition, "fields": [{**f, "required": False} for f in definition["fields"]
                                     if f["name"] not in drop]}


# ---------------------------------------------------------------- lookups
def get_customer(customer_id: int) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", customer_id=customer_id)
    return customer


def get_equipment(equipment_id: int) -> Equipment:
    equipment = db.session.get(Equipment, equipment_id)
    if equipment is None:
        raise NotFound(f"no equipment {equipment_id}", equipment_id=equipment_id)
    return equipment


def get_engineer(engineer_id: int) -> Engineer:
    engineer = db.session.get(Engineer, engineer_id)
    if engineer is None:
        raise NotFound(f"no engineer {engineer_id}", engineer_id=engineer_id)
    return engineer


def get_part(code: str) -> Part:
    part = db.session.get(Part, code)
    if part is None:
        raise NotFound(f"no part '{code}'", code=code)
    return part


# ---------------------------------------------------------------- search
def _like(column, q: str):
    return column.contains(q, autoescape=True)


def customer_query(q: str | None = None, *, region: str | None = None, customer_class: str | None = None):
    query = sa.select(Customer)
    if q:
        query = query.where(sa.or_(_like(Customer.name, q), _like(Customer.region, q), _like(Customer.address, q)))
    if region:
        query = query.where(Customer.region == region)
    if customer_class:
        query = query.where(Customer.customer_class == customer_class)
    return query.order_by(Customer.id)


def equipment_query(q: str | None = None, *, customer_id: int | None = None):
    query = sa.select(Equipment).join(Customer, Customer.id == Equipment.customer_id)
    if q:
        query = query.where(sa.or_(_like(Equipment.serial, q), _like(Equipment.model, q),
                                   _like(Equipment.contract_number, q), _like(Customer.name, q)))
    if customer_id:
        query = query.where(Equipment.customer_id == customer_id)
    return query.order_by(Equipment.id)


def engineer_query(q: str | None = None, *, region_team: str | None = None):
    query = sa.select(Engineer).join(User, User.id == Engineer.user_id)
    if q:
        query = query.where(sa.or_(_like(User.username, q), _like(User.display_name, q)))
    if region_team:
        query = query.where(Engineer.region_team == region_team)
    return query.order_by(Engineer.id)


def part_query(q: str | None = None):
    query = sa.select(Part)
    if q:
        query = query.where(sa.or_(_like(Part.code, q), _like(Part.name, q)))
    return query.order_by(Part.code)


# ---------------------------------------------------------------- create / update
def _check_editor(actor: Actor) -> None:
    if not actor.has_role(*EDITORS):
        raise Forbidden("only the service desk or an administrator can change records")


def _validate(kind: str, definition, data, *, lang: str, partial: bool) -> dict[str, Any]:
    if not partial:
        return validate_data(definition, data, lang=lang, resolvers=REFERENCES)
    fixed = IMMUTABLE.get(kind, set())
    changed = sorted(fixed.intersection(data)) if isinstance(data, Mapping) else []
    if changed:
        raise _error(lang, changed[0], "创建后不能修改。", "This cannot be changed once created.")
    clean = validate_data(_partial(definition, fixed), data, lang=lang, resolvers=REFERENCES)
    required = {f["name"] for f in definition["fields"] if f.get("required")}
    cleared = sorted(name for name, value in clean.items() if value is None and name in required)
    if cleared:  # an update may leave a required field out, but not empty it
        raise ValidationFailed({name: [MESSAGES.get(lang, MESSAGES["zh"])["required"]] for name in cleared})
    return clean


def _record(actor: Actor, kind: str, event: str, key: Any, values: Mapping[str, Any]) -> None:
    audit.append(audit.SYSTEM_STREAM, [{"type": f"record_{event}", "at": now(), "actor": actor.username,
                                        "element_id": f"{kind}:{key}", "data": {"record": kind, "key": key,
                                                                               "values": dict(values)}}])


def _error(lang: str, field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({field: [en if lang == "en" else zh]})


def save_customer(data: Any, *, actor: Actor, lang: str = "zh", customer_id: int | None = None) -> Customer:
    _check_editor(actor)
    with transaction():
        clean = _validate("customer", CUSTOMER_FORM, data, lang=lang, partial=customer_id is not None)
        customer = get_customer(customer_id) if customer_id is not None else None
        if "name" in clean:
            same = db.session.execute(sa.select(Customer.id).where(Customer.name == clean["name"])).scalar()
            if same is not None and same != customer_id:
                raise Conflict(f"a customer named '{clean['name']}' already exists", customer_id=same)
        stamp = utc_naive(now())
        if customer is None:
            customer = Customer(created_at=stamp, contacts=[], customer_class="ordinary", address="")
            db.session.add(customer)
        for key, value in clean.items():
            attribute = "customer_class" if key == "class" else key
            setattr(customer, attribute, value if value is not None else ([] if key == "contacts" else ""))
        customer.updated_at = stamp
        db.session.flush()
        _record(actor, "customer", "updated" if customer_id else "created", customer.id, clean)
    return customer


def save_equipment(data: Any, *, actor: Actor, lang: str = "zh", equipment_id: int | None = None) -> Equipment:
    _check_editor(actor)
    with transaction():
        clean = _validate("equipment", EQUIPMENT_FORM, data, lang=lang, partial=equipment_id is not None)
        equipment = get_equipment(equipment_id) if equipment_id is not None else None
        if "serial" in clean:
            same = find_equipment(clean["serial"])
            if same is not None and same.id != equipment_id:
                raise Conflict(f"equipment with serial '{clean['serial']}' already exists", equipment_id=same.id)
        ship = clean.get("ship_date") or (equipment.ship_date.isoformat() if equipment else None)
        end = clean.get("warranty_end") or (equipment.warranty_end.isoformat() if equipment else None)
        if ship and end and end < ship:
            raise _error(lang, "warranty_end", "质保到期日不能早于出厂日期。",
                         "The warranty cannot end before the ship date.")
        stamp = utc_naive(now())
        if equipment is None:
            equipment = Equipment(created_at=stamp, contract_number="", inspection_record="")
            db.session.add(equipment)
        for key, value in clean.items():
            if key in ("ship_date", "warranty_end") and value is not None:
                value = _date(value)
            setattr(equipment, key, value if value is not None else "")
        equipment.updated_at = stamp
        db.session.flush()
        _record(actor, "equipment", "updated" if equipment_id else "created", equipment.id, clean)
    return equipment


def save_engineer(data: Any, *, actor: Actor, lang: str = "zh", engineer_id: int | None = None) -> Engineer:
    _check_editor(actor)
    with transaction():
        clean = _validate("engineer", ENGINEER_FORM, data, lang=lang, partial=engineer_id is not None)
        engineer = get_engineer(engineer_id) if engineer_id is not None else None
        stamp = utc_naive(now())
        if engineer is None:
            user = db.session.execute(sa.select(User).where(User.username == clean["username"])).scalar()
            if user is None or not user.has_role("engineer"):
                raise _error(lang, "username", "该用户不存在或没有服务工程师角色。",
                             "No such user, or the user lacks the engineer role.")
            if find_engineer(user.username) is not None:
                raise Conflict(f"{user.username} is already registered as an engineer")
            engineer = Engineer(user_id=user.id, created_at=stamp, skills=[])
            db.session.add(engineer)
        for key, value in clean.items():
            if key != "username":
                setattr(engineer, key, value if value is not None else [])
        engineer.updated_at = stamp
        db.session.flush()
        _record(actor, "engineer", "updated" if engineer_id else "created", engineer.id, clean)
    return engineer


def save_part(data: Any, *, actor: Actor, lang: str = "zh", code: str | None = None) -> Part:
    _check_editor(actor)
    with transaction():
        clean = _validate("part", PART_FORM, data, lang=lang, partial=code is not None)
        part = get_part(code) if code is not None else None
        stamp = utc_naive(now())
        if part is None:
            if db.session.get(Part, clean["code"]) is not None:
                raise Conflict(f"part '{clean['code']}' already exists", code=clean["code"])
            part = Part(created_at=stamp)
            db.session.add(part)
        for key, value in clean.items():
            if value is not None:
                setattr(part, key, value)
        part.updated_at = stamp
        db.session.flush()
        _record(actor, "part", "updated" if code else "created", part.code, clean)
    return part


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)
