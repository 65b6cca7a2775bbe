"""Finding cases: one search box over what people remember of a case (its number, the customer, the
equipment serial, a contact's name or phone, the engineer), the case list's filters, the filters a
person saves, and the cases related to a case (a fault's revisit, complaint or escalation, both ways)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import queries, text_search
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db, is_postgres
from engine.errors import NotFound, ValidationFailed
from engine.identity import Actor
from engine.models import JSON, Instance, Role, Task, User, user_role
from workflows.case_data import local_zone
from workflows.records.dispatch import NORTH, SOUTH_WEST
from workflows.records.references import problem
from workflows.records.tables import Customer

# case data fields a contact's name or phone is written in (start forms and the system's facts)
CONTACT_FIELDS = text_search.CONTACT_FIELDS
MAX_SAVED = 20
TEXT_MAX = 100


@dataclass
class CaseFilter:
    """The case list's filters; every one optional. `region` is a region team, `engineer` a username,
    `date_from`/`date_to` company-local days on which the case was received (or started)."""

    q: str | None = None
    process_id: str | None = None
    status: str | None = None
    region: str | None = None
    engineer: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool = False
    customer_class: str | None = None

    def params(self) -> dict[str, str]:
        """The filter as URL parameters (the names the case list reads), empty ones left out."""
        names = {"date_from": "from", "date_to": "to"}
        out = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value in (None, "", False):
                continue
            out[names.get(field.name, field.name)] = "1" if value is True else str(value)
        return out


def _text_matches(q: str):
    """Cases whose number, customer, serial, contact or engineer contains `q`."""
    contacts = sa.select(Customer.id).where(sa.cast(Customer.contacts, sa.Text).contains(q, autoescape=True))
    def worked_by_engineer(column):
        """The cases of tasks an engineer named like `q` holds or completed — from the few such
        engineers into the task index (a join, so no statistics on the column lead to a scan)."""
        return (sa.select(Task.instance_id).join(User, column == User.username)
                .join(user_role, user_role.c.user_id == User.id).join(Role, Role.id == user_role.c.role_id)
                .where(Role.id == "engineer", sa.or_(User.username.contains(q, autoescape=True),
                                                     User.display_name.contains(q, autoescape=True))))

    worked = sa.union(worked_by_engineer(Task.assignee), worked_by_engineer(Task.completed_by))
    written = sa.or_(Instance.case_number.contains(q, autoescape=True),
                     Instance.customer_name.contains(q, autoescape=True),
                     Instance.equipment_serial.contains(q, autoescape=True),
                     *(Instance.data[name].as_string().contains(q, autoescape=True) for name in CONTACT_FIELDS))
    others = (sa.select(Instance.id).where(Instance.customer_id.in_(contacts)), *worked.selects)
    if is_postgres() and len(q) >= text_search.MIN_INDEXED:
        # each place through its trigram index (one OR over them and the subqueries scans every case)
        contacts_text = sa.literal_column(text_search.contacts_sql("instance"), sa.Text)
        places = (Instance.case_number, Instance.customer_name, Instance.equipment_serial, contacts_text)
        return Instance.id.in_(sa.union(*(sa.select(Instance.id).where(place.contains(q, autoescape=True))
                                          for place in places), *others))
    indexed = text_search.candidates("instance", q, ("case_number", "customer_name", "equipment_serial", "contacts"))
    if indexed is None:
        return sa.or_(written, Instance.customer_id.in_(contacts), Instance.id.in_(worked))
    # SQLite, a word the FTS5 index narrows down: the few cases it names (LIKE confirms), then the others
    return Instance.id.in_(sa.union(sa.select(Instance.id).where(Instance.id.in_(indexed), written), *others))


def _in_team(team: str):
    known = sorted(SOUTH_WEST | NORTH)
    if team == "south_west":
        return Instance.region.in_(sorted(SOUTH_WEST))
    if team == "north":
        return Instance.region.in_(sorted(NORTH))
    return Instance.region.not_in(known)


def _local_midnight(day: dt.date) -> dt.datetime:
    return utc_naive(dt.datetime.combine(day, dt.time(), tzinfo=local_zone()))


def _filtered(query, f: CaseFilter, now: dt.datetime):
    if f.q:
        query = query.where(_text_matches(f.q))
    if f.process_id:
        query = query.where(Instance.process_id == f.process_id)
    if f.status:
        query = query.where(Instance.status == f.status)
    if f.region:
        query = query.where(_in_team(f.region))
    if f.engineer:
        worked = sa.select(Task.instance_id).where(sa.or_(Task.assignee == f.engineer, Task.completed_by == f.engineer))
        query = query.where(Instance.id.in_(worked))
    received = sa.func.coalesce(Instance.received_at, Instance.started_at)
    if f.date_from:
        query = query.where(received >= _local_midnight(f.date_from))
    if f.date_to:
        query = query.where(received < _local_midnight(f.date_to + dt.timedelta(days=1)))
    if f.overdue:
        late = sa.select(Task.instance_id).where(Task.status == "ready", Task.due_at < utc_naive(now))
        query = query.where(Instance.id.in_(late))
    if f.customer_class:
        query = query.where(Instance.customer_id.in_(
            sa.select(Customer.id).where(Customer.customer_class == f.customer_class)))
    return query


def case_list(actor: Actor, f: CaseFilter, *, now: dt.datetime, page: int, per_page: int,
              cursor: str | None = None) -> queries.Page:
    """The cases `actor` may read that pass the filter, newest first: by cursor (or numbered page),
    the total counted up to queries.COUNT_CAP."""
    query = queries.restrict_instances_to(_filtered(sa.select(Instance), f, now), actor)
    return queries.page_of(query, queries.CASE_ORDER, page=page, per_page=per_page, cursor=cursor,
                           cap=queries.COUNT_CAP)


# ---------------------------------------------------------------- related cases
def related_cases(instance: Instance, actor: Actor) -> list[Instance]:
    """The cases linked to this one, either way: the case it came from and the cases it started
    (parent links), and cases that name it — or that it names — as their related case."""
    links = [Instance.parent_id == instance.id]
    if instance.parent_id is not None:
        links.append(Instance.id == instance.parent_id)
    if instance.case_number:
        links.append(Instance.data["related_case"].as_string() == instance.case_number)
    named = (instance.data or {}).get("related_case")
    if isinstance(named, str) and named:
        links.append(Instance.case_number == named)
    query = sa.select(Instance).where(sa.or_(*links), Instance.id != instance.id)
    query = queries.restrict_instances_to(query, actor).order_by(Instance.id)
    return list(db.session.execute(query).scalars())


# ---------------------------------------------------------------- saved filters
class SavedCaseFilter(db.Model):
    """A case-list filter one person named and keeps for reuse (their own; nobody else sees it)."""

    __tablename__ = "saved_case_filter"
    __table_args__ = (sa.UniqueConstraint("username", "name", name="uq_saved_case_filter_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


def saved_filters(actor: Actor) -> list[SavedCaseFilter]:
    return list(db.session.execute(sa.select(SavedCaseFilter).where(SavedCaseFilter.username == actor.username)
                                   .order_by(SavedCaseFilter.name, SavedCaseFilter.id)).scalars())


def _refused(lang: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({"name": [problem(zh, en).get(lang, zh)]})


def save_filter(name: str, f: CaseFilter, *, actor: Actor, now: dt.datetime, lang: str = "zh") -> SavedCaseFilter:
    """Keep `f` under `name` for `actor` (a name they already use is replaced)."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise _refused(lang, "请填写 1 到 60 个字的名称。", "Enter a name of 1 to 60 characters.")
    params = f.params()
    if not params:
        raise _refused(lang, "先选择筛选条件再保存。", "Choose some filters before saving.")
    with transaction():
        found = db.session.execute(sa.select(SavedCaseFilter).where(
            SavedCaseFilter.username == actor.username, SavedCaseFilter.name == name)).scalar_one_or_none()
        if found is None:
            if len(saved_filters(actor)) >= MAX_SAVED:
                raise _refused(lang, f"最多保存 {MAX_SAVED} 个筛选。", f"You can keep at most {MAX_SAVED} filters.")
            found = SavedCaseFilter(username=actor.username, name=name, created_at=utc_naive(now))
            db.session.add(found)
        found.params = params
        db.session.flush()
    return found


def delete_filter(filter_id: int, *, actor: Actor) -> None:
    with transaction():
        found = db.session.get(SavedCaseFilter, filter_id)
        if found is None or found.username != actor.username:  # someone else's reads as missing
            raise NotFound(f"no saved filter {filter_id}", filter_id=filter_id)
        db.session.delete(found)
