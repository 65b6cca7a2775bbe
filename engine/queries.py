"""Read models over the flat tables: lists never deserialize a workflow."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine import hooks
from engine.clock import utc_naive
from engine.db import db
from engine.errors import Forbidden, NotFound
from engine.identity import Actor
from engine.models import AuditEvent, Instance, ModelVersion, Task, Timer, User

SEE_ALL = ("service_manager", "admin", "auditor")
# read every case; everyone else reads the cases they started or have (had) a task in
CASE_READERS = ("service_desk", "service_manager", "sales_vp", "quality_vp", "general_manager", "auditor",
                "admin", "archivist")
MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def paginate(query, page: int, per_page: int) -> Page:
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars())
    return Page(items, total, page, per_page)


@dataclass
class TaskFilter:
    scope: str = "all"  # mine | role | all
    status: str | None = "ready"
    process_id: str | None = None
    customer: str | None = None
    region: str | None = None
    overdue: bool = False
    q: str | None = None
    instance_id: int | None = None
    now: dt.datetime | None = None
    sort: str = "due"  # due (soonest first) | age (oldest first) | case (case number)


def task_query(actor: Actor, f: TaskFilter):
    query = sa.select(Task)
    if f.scope == "mine":
        query = query.where(Task.assignee == actor.username)
    elif f.scope == "role":
        query = query.where(Task.assignee.is_(None), Task.role.in_(sorted(actor.roles)))
    elif not actor.has_role(*SEE_ALL):
        query = query.where(involving(actor))
    if f.status and f.status != "any":
        query = query.where(Task.status == f.status)
    if f.process_id:
        query = query.where(Task.process_id == f.process_id)
    if f.instance_id:
        query = query.where(Task.instance_id == f.instance_id)
    if f.region:
        query = query.where(Task.region == f.region)
    if f.customer:
        query = query.where(Task.customer_name.contains(f.customer, autoescape=True))
    if f.q:
        like = f.q.strip()
        query = query.where(sa.or_(Task.case_number.contains(like, autoescape=True),
                                   Task.customer_name.contains(like, autoescape=True)))
    if f.overdue and f.now is not None:
        query = query.where(Task.due_at < utc_naive(f.now))
    return _sorted(query, f.sort)


def _sorted(query, sort: str):
    """Most urgent first (the rank the flows give a request), then soonest due (NULLS LAST keeps the
    index order usable); oldest first; or by case."""
    if sort == "age":
        return query.order_by(Task.created_at, Task.id)
    if sort == "case":
        return query.order_by(Task.case_number.desc(), Task.id)
    return query.order_by(Task.priority.asc().nulls_last(), Task.due_at.asc().nulls_last(), Task.created_at, Task.id)


def task_counts(actor: Actor, *, with_all: bool = False) -> dict[str, int]:
    counts = {}
    for scope in ("mine", "role", "all") if with_all else ("mine", "role"):
        query = task_query(actor, TaskFilter(scope=scope))
        counts[scope] = db.session.execute(sa.select(sa.func.count()).select_from(
            query.order_by(None).subquery())).scalar_one()
    return counts


def instance_query(*, process_id: str | None = None, status: str | None = None, q: str | None = None):
    query = sa.select(Instance)
    if process_id:
        query = query.where(Instance.process_id == process_id)
    if status:
        query = query.where(Instance.status == status)
    if q:
        query = query.where(sa.or_(Instance.case_number.contains(q, autoescape=True),
                                   Instance.customer_name.contains(q, autoescape=True)))
    return query.order_by(Instance.id.desc())


def tasks_of(instance_id: int, status: str | None = None) -> list[Task]:
    query = sa.select(Task).where(Task.instance_id == instance_id)
    if status:
        query = query.where(Task.status == status)
    return list(db.session.execute(query.order_by(Task.created_at, Task.id)).scalars())


def events_query(instance_id: int, *, types: list[str] | None = None, actor: str | None = None):
    query = sa.select(AuditEvent).where(AuditEvent.stream == f"instance:{instance_id}")
    if types:
        query = query.where(AuditEvent.type.in_(types))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    return query.order_by(AuditEvent.seq)


def completion_order(instance_id: int) -> dict[str, int]:
    """task id -> its place in the case's audit log (several steps may share one clock reading)."""
    query = sa.select(AuditEvent.task_id, AuditEvent.seq).where(
        AuditEvent.stream == f"instance:{instance_id}", AuditEvent.type == "task_completed")
    return {task_id: seq for task_id, seq in db.session.execute(query)}


def instance(instance_id: int) -> Instance | None:
    return db.session.get(Instance, instance_id)


def task(task_id: str) -> Task | None:
    return db.session.get(Task, task_id)


def model_version(process_id: str, version: int) -> ModelVersion | None:
    return db.session.execute(sa.select(ModelVersion).where(
        ModelVersion.process_id == process_id, ModelVersion.version == version)).scalar_one_or_none()


def models_for(instance_ids: set[int]) -> dict[int, ModelVersion]:
    """instance id -> its pinned model version, in one query (for task lists)."""
    if not instance_ids:
        return {}
    rows = db.session.execute(sa.select(Instance.id, ModelVersion).join(
        ModelVersion, ModelVersion.id == Instance.model_version_id).where(Instance.id.in_(instance_ids)))
    return {instance_id: model for instance_id, model in rows}


def _people(actor: Actor) -> list[str]:
    """The actor and the colleagues whose assigned cases they also read (an engineer's region
    team, with the `team` setting; the rule comes from the registry)."""
    colleagues = hooks.get().case_colleagues
    return sorted({actor.username, *(colleagues(actor.username) if colleagues else ())})


def involving(actor: Actor):
    """Task rows that give `actor` a part in their case: assigned to or completed by them (or a
    colleague), or waiting unassigned in the queue of one of their roles (they may claim it)."""
    people = _people(actor)
    return sa.or_(Task.assignee.in_(people), Task.completed_by.in_(people),
                  sa.and_(Task.status == "ready", Task.assignee.is_(None), Task.role.in_(sorted(actor.roles))))


def restrict_instances_to(query, actor: Actor):
    """The cases `actor` may read (the rule of `can_read_case`, as a filter on a case query)."""
    if actor.has_role(*CASE_READERS):
        return query
    involved = sa.select(Task.instance_id).where(involving(actor))
    return query.where(sa.or_(Instance.started_by == actor.username, Instance.id.in_(involved)))


# ---------------------------------------------------------------- the inbox page
@dataclass
class Inbox:
    page: Page
    counts: dict[str, int]  # tab -> open tasks
    tabs: tuple[str, ...]


def inbox_tabs(actor: Actor) -> tuple[str, ...]:
    """My tasks and my roles' queue for everyone; the whole list for those who oversee it."""
    return ("mine", "role", "all") if actor.has_role(*SEE_ALL) else ("mine", "role")


def inbox(actor: Actor, f: TaskFilter, *, page: int, per_page: int) -> Inbox:
    """One page of a tab with the counts of every tab. Without a tab asked for (or one the
    person may not have), it opens on their own tasks, or on their queue when they have none."""
    tabs = inbox_tabs(actor)
    counts = task_counts(actor, with_all="all" in tabs)
    if f.scope not in tabs:
        f.scope = "mine" if counts["mine"] or not counts["role"] else "role"
    return Inbox(paginate(task_query(actor, f), page, per_page), counts, tabs)


def can_read_case(instance: Instance, actor: Actor) -> bool:
    """Who may read a case (the API, the case page, task pages, the auditors' pages and files all
    ask here): leaders, the desk, auditors and archivists read every case; everyone else the cases
    they started or have (had) a task in — assigned to or completed by them, or waiting in their
    role's queue — and an engineer, with the `team` setting, the cases of their region team."""
    if actor.has_role(*CASE_READERS) or instance.started_by == actor.username:
        return True
    involved = sa.select(Task.id).where(Task.instance_id == instance.id, involving(actor)).limit(1)
    return db.session.execute(involved).first() is not None


def readable_case(instance_id: int, actor: Actor) -> Instance:
    """The case, if `actor` may read it; NotFound or Forbidden otherwise."""
    found = instance(instance_id)
    if found is None:
        raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
    if not can_read_case(found, actor):
        raise Forbidden("you have no part in this case", instance_id=instance_id)
    return found


def display_names(usernames: set[str]) -> dict[str, str]:
    """username -> display name, for the people a page mentions (one query)."""
    wanted = sorted(u for u in usernames if u)
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {username: name or username for username, name in rows}


def task_regions() -> list[str]:
    """The regions open tasks are in (for the inbox's region filter; callers cache it)."""
    rows = db.session.execute(sa.select(Task.region).where(Task.status == "ready", Task.region.is_not(None))
                              .distinct().order_by(Task.region))
    return [region for (region,) in rows if region]


def case_list(actor: Actor, *, status: str | None, q: str | None, page: int, per_page: int) -> Page:
    """Cases newest first: every case for those who read all, else the ones the person is part of."""
    return paginate(restrict_instances_to(instance_query(status=status, q=q), actor), page, per_page)


# ---------------------------------------------------------------- process owners and administrators
OPEN_STATUSES = ("running", "waiting", "error", "suspended")


def open_cases_by_version(process_id: str | None = None) -> dict[tuple[str, int], int]:
    """(process id, version) -> cases not yet finished that are pinned to that model version."""
    query = (sa.select(ModelVersion.process_id, ModelVersion.version, sa.func.count(Instance.id))
             .join(Instance, Instance.model_version_id == ModelVersion.id)
             .where(Instance.status.in_(OPEN_STATUSES))
             .group_by(ModelVersion.process_id, ModelVersion.version))
    if process_id is not None:
        query = query.where(ModelVersion.process_id == process_id)
    return {(pid, version): count for pid, version, count in db.session.execute(query)}


def case_numbers(instance_ids: set[int]) -> dict[int, str]:
    """instance id -> case number (or '#id' for a case without one), in one query."""
    if not instance_ids:
        return {}
    rows = db.session.execute(sa.select(Instance.id, Instance.case_number).where(Instance.id.in_(sorted(instance_ids))))
    return {instance_id: number or f"#{instance_id}" for instance_id, number in rows}


def timer_counts() -> dict[str, int]:
    """Timer rows per status (pending, fired, cancelled, failed)."""
    from_rows = db.session.execute(sa.select(Timer.status, sa.func.count()).group_by(Timer.status))
    return {status: count for status, count in from_rows}
