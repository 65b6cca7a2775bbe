"""Reference form fields (customer, equipment, engineer, part): each resolver checks a submitted
value against the records and returns the form stored in case data, or raises ValueError with a
message in both languages."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.db import db
from engine.models import User
from workflows.records.tables import Customer, Engineer, Equipment, Part


def problem(zh: str, en: str) -> dict[str, str]:
    """A user-facing message in both languages; the form layer picks the request's language."""
    return {"zh": zh, "en": en}


def resolve_customer(value: Any) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError(problem("请选择有效的客户。", "Choose a valid customer."))
    customer_id = int(str(value).strip())
    if db.session.get(Customer, customer_id) is None:
        raise ValueError(problem(f"客户 {customer_id} 不存在。", f"There is no customer {customer_id}."))
    return customer_id


def resolve_equipment(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(problem("请填写设备出厂编号。", "Enter the equipment's serial number."))
    text = str(value).strip()
    equipment = find_equipment(text)
    if equipment is None and isinstance(value, int):
        equipment = db.session.get(Equipment, value)
    if equipment is None:
        raise ValueError(problem(f"出厂编号为 {text} 的设备不存在。", f"There is no equipment with serial {text}."))
    return equipment.serial


def resolve_engineer(value: Any) -> str:
    username = str(value).strip() if isinstance(value, str) else ""
    engineer = find_engineer(username) if username else None
    if engineer is None or not engineer.active:
        raise ValueError(problem(f"{username or value} 不是在岗的服务工程师。",
                                 f"{username or value} is not an active service engineer."))
    return engineer.username


def resolve_part(value: Any) -> str:
    code = str(value).strip() if isinstance(value, str) else ""
    if not code or db.session.get(Part, code) is None:
        raise ValueError(problem(f"零件编号 {code or value} 不在零部件目录中。",
                                 f"Part {code or value} is not in the parts catalogue."))
    return code


def resolve_person(value: Any) -> str:
    """A member of staff by login (a form offers them by name); deactivated accounts are refused."""
    username = str(value).strip() if isinstance(value, str) else ""
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none() \
        if username else None
    if user is None or not user.active or username == "system":
        raise ValueError(problem("请选择在职的员工。", "Choose an active member of staff."))
    return user.username


REFERENCES = {"customer": resolve_customer, "equipment": resolve_equipment, "engineer": resolve_engineer,
              "part": resolve_part, "person": resolve_person}


# ---------------------------------------------------------------- lookups
def find_equipment(serial: str) -> Equipment | None:
    return db.session.execute(sa.select(Equipment).where(Equipment.serial == serial)).scalar_one_or_none()


def find_engineer(username: str) -> Engineer | None:
    return db.session.execute(sa.select(Engineer).join(User, User.id == Engineer.user_id)
                              .where(User.username == username)).scalar_one_or_none()
