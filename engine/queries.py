"""Read models over the flat tables: lists never deserialize a workflow."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine import hooks, keyset, text_search
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
COUNT_CAP = 1000  # tab counts and list totals stop counting here ("1000+"): a count never walks every row


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    next_cursor: str | None = None  # continues after the last item (None: nothing follows)
    prev_cursor: str | None = None  # the page before, by cursor (None: this is the first, or a numbered page)
    more: bool = False  # `total` stopped at COUNT_CAP: there are more rows than it says


def count(query, cap: int | None = None) -> int:
    """Rows of `query`; with `cap`, counting stops past it (returns cap + 1 for "more than cap")."""
    inner = query.order_by(None)
    if cap is not None:
        inner = inner.with_only_columns(sa.literal(1), maintain_column_froms=True).limit(cap + 1)
    return db.session.execute(sa.select(sa.func.count()).select_from(inner.subquery())).scalar_one()


def paginate(query, page: int, per_page: int, *, order: keyset.Order | None = None) -> Page:
    """Page `page` by OFFSET (what numbered links and older clients ask for). With the list's `order`,
    the page also carries the cursor that continues after it."""
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    total = count(query)
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars())
    following = keyset.encode(order, items[-1]) if order is not None and items and page * per_page < total else None
    return Page(items, total, page, per_page, next_cursor=following)


def paginate_by_cursor(query, order: keyset.Order, cursor: str | None, per_page: int, *,
                       cap: int | None = None) -> Page:
    """The page after (or before) `cursor` of `query` (unordered: `order` sorts it). The total is
    exact, or with `cap` counted no further than the cap (`more` says it stopped)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    found = keyset.fetch(db.session, query.order_by(None), order, cursor, per_page)
    total = count(query, cap)
    more = cap is not None and total > cap
    return Page(found.items, min(total, cap) if more else total, 1, per_page, found.next_cursor,
                found.prev_cursor, more)


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


# the inbox's sort orders: most urgent first (the rank the flows give a request), then soonest due
# (NULLS LAST keeps the index order usable); oldest first; or by case number, newest first
TASK_ORDERS = {
    "due": keyset.Order("due", (keyset.Key(Task.priority, "int", nullable=True),
                                keyset.Key(Task.due_at, "time", nullable=True),
                                keyset.Key(Task.created_at, "time"), keyset.Key(Task.id, "text"))),
    "age": keyset.Order("age", (keyset.Key(Task.created_at, "time"), keyset.Key(Task.id, "text"))),
    "case": keyset.Order("case", (keyset.Key(Task.case_number, "text", descending=True, nullable=True),
                                  keyset.Key(Task.id, "text"))),
}
CASE_ORDER = keyset.Order("new", (keyset.Key(Instance.id, "int", descending=True),))  # newest first


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
        query = query.where(text_search.contains("task", (Task.customer_name,), f.customer))
    if f.q:
        query = query.where(text_search.contains("task", (Task.case_number, Task.customer_name), f.q.strip()))
    if f.overdue and f.now is not None:
        query = query.where(Task.due_at < utc_naive(f.now))
    return query.order_by(*task_order(f.sort).order_by())


def task_order(sort: str) -> keyset.Order:
    return TASK_ORDERS.get(sort, TASK_ORDERS["due"])


def task_counts(actor: Actor, *, with_all: bool = False) -> dict[str, int]:
    """Open tasks per inbox tab, counted up to COUNT_CAP (COUNT_CAP + 1 means "more")."""
    return {scope: count(task_query(actor, TaskFilter(scope=scope)), COUNT_CAP)
            for scope in (("mine", "role", "all") if with_all else ("mine", "role"))}


def instance_query(*, process_id: str | None = None, status: str | None = None, q: str | None = None):
    query = sa.select(Instance)
    if process_id:
        query = query.where(Instance.process_id == process_id)
    if status:
        query = query.where(Instance.status == status)
    if q:
        query = query.where(text_search.contains("instance", (Instance.case_number, Instance.customer_name), q))
    return query.order_by(*CASE_ORDER.order_by())


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


def inbox(actor: Actor, f: TaskFilter, *, page: int, per_page: int, cursor: str | None = None) -> Inbox:
    """One page of a tab with the counts of every tab. Without a tab asked for (or one the
    person may not have), it opens on their own tasks, or on their queue when they have none.
    A cursor continues after a row; without one, `page` > 1 is a numbered page (by OFFSET)."""
    tabs = inbox_tabs(actor)
    counts = task_counts(actor, with_all="all" in tabs)
    if f.scope not in tabs:
        f.scope = "mine" if counts["mine"] or not counts["role"] else "role"
    return Inbox(page_of(task_query(actor, f), task_order(f.sort), page=page, per_page=per_page, cursor=cursor,
                         cap=COUNT_CAP), counts, tabs)


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


def page_of(query, order: keyset.Order, *, page: int, per_page: int, cursor: str | None,
            cap: int | None = None) -> Page:
    """A list page by cursor (or, for `page` > 1 without one, by number): what list views call."""
    if page > 1 and not cursor:
        return paginate(query.order_by(None).order_by(*order.order_by()), page, per_page, order=order)
    return paginate_by_cursor(query, order, cursor, per_page, cap=cap)


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
