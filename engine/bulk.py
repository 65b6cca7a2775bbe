"""Bulk actions on a chosen set of cases (by ids or a filter): suspend, resume, cancel, reassign,
migrate, retry. A preview (`dry_run`) says, case by case, whether the action applies; running it
does each case in its own command (one case failing does not undo the others) and reports a result
per case. The run itself is recorded on the system audit stream; each case's own history gets the
events of its command.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import commands, incidents, migration, operations, recovery
from engine.audit import chain as audit
from engine.clock import now as clock_now
from engine.clock import utc_naive
from engine.db import db
from engine.errors import AftercareError, Conflict, NotFound, ValidationFailed
from engine.identity import Actor, get_user
from engine.models import Instance, ModelVersion, Task
from engine.operations import require_reason, require_supervisor

ACTIONS = ("suspend", "resume", "cancel", "reassign", "migrate", "retry")
MAX_CASES = 500
ENDED = ("completed", "cancelled")


@dataclass
class CaseFilter:
    ids: Sequence[int] | None = None
    case_numbers: Sequence[str] | None = None
    process_id: str | None = None
    status: str | None = None
    version: int | None = None
    q: str | None = None
    region: str | None = None
    started_from: dt.datetime | None = None  # aware UTC
    started_to: dt.datetime | None = None


@dataclass
class BulkItem:
    instance_id: int
    case_number: str | None
    status: str
    outcome: str  # would_do, would_skip (preview); done, skipped, failed
    reason_code: str | None = None  # why skipped or failed
    message: str = ""
    details: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "case_number": self.case_number, "status": self.status,
                "outcome": self.outcome, "reason_code": self.reason_code, "message": self.message,
                "details": self.details}


@dataclass
class BulkReport:
    action: str
    dry_run: bool
    items: list[BulkItem]

    def count(self, *outcomes: str) -> int:
        return sum(item.outcome in outcomes for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "dry_run": self.dry_run, "total": len(self.items),
                "done": self.count("done", "would_do"), "skipped": self.count("skipped", "would_skip"),
                "failed": self.count("failed"), "items": [item.to_dict() for item in self.items]}


# ---------------------------------------------------------------- choosing the cases
def case_query(f: CaseFilter):
    query = sa.select(Instance)
    named = []  # cases named by id or by case number: either will do
    if f.ids is not None:
        named.append(Instance.id.in_(sorted(set(f.ids))))
    if f.case_numbers is not None:
        named.append(Instance.case_number.in_(sorted(set(f.case_numbers))))
    if named:
        query = query.where(sa.or_(*named))
    if f.process_id:
        query = query.where(Instance.process_id == f.process_id)
    if f.status:
        query = query.where(Instance.status == f.status)
    if f.version is not None:
        query = query.join(ModelVersion, ModelVersion.id == Instance.model_version_id).where(
            ModelVersion.version == f.version)
    if f.q:
        query = query.where(sa.or_(Instance.case_number.contains(f.q, autoescape=True),
                                   Instance.customer_name.contains(f.q, autoescape=True)))
    if f.region:
        query = query.where(Instance.region == f.region)
    if f.started_from:
        query = query.where(Instance.started_at >= utc_naive(f.started_from))
    if f.started_to:
        query = query.where(Instance.started_at < utc_naive(f.started_to))
    return query.order_by(Instance.id)


def select_cases(f: CaseFilter) -> list[Instance]:
    chosen = (f.ids, f.case_numbers, f.process_id, f.status, f.version, f.q, f.region, f.started_from, f.started_to)
    if all(value is None or value == "" for value in chosen):
        raise ValidationFailed({"filter": ["choose the cases: give ids or at least one filter"]})
    found = list(db.session.execute(case_query(f).limit(MAX_CASES + 1)).scalars())
    if len(found) > MAX_CASES:
        raise ValidationFailed({"filter": [f"more than {MAX_CASES} cases match: narrow the filter"]})
    return found


# ---------------------------------------------------------------- per action: does it apply, and do it
Check = Callable[[Instance], tuple[str, str, list[dict[str, Any]]] | None]  # None: it applies


def _status_check(allowed: tuple[str, ...]) -> Check:
    def check(case: Instance):
        return None if case.status in allowed else ("status", f"the case is {case.status}", [])
    return check


def _open_tasks_for(case: Instance, assignee_roles: set[str]) -> list[Task]:
    return list(db.session.execute(sa.select(Task).where(Task.instance_id == case.id, Task.status == "ready",
                                                         Task.role.in_(sorted(assignee_roles)))).scalars())


@dataclass
class Plan:
    action: str
    actor: Actor
    reason: str
    assignee: str | None = None
    assignee_roles: set[str] = field(default_factory=set)
    to_version: int | None = None

    def check(self, case: Instance):
        if self.action == "suspend":
            return _status_check(("running", "waiting"))(case)
        if self.action == "resume":
            return _status_check(("suspended",))(case)
        if self.action == "cancel":
            return None if case.status not in ENDED else ("status", f"the case is {case.status}", [])
        if self.action == "reassign":
            return None if _open_tasks_for(case, self.assignee_roles) else (
                "no_task", f"no open task {self.assignee} can take", [])
        if self.action == "retry":
            return None if incidents.open_of(case.id) else ("no_incident", "the case has no open incident", [])
        result = migration.migrate_instance(instance_id=case.id, to_version=self.to_version, actor=self.actor,
                                            dry_run=True)
        problems = [p.to_dict() for p in result.problems]
        return None if not problems else (problems[0]["code"], problems[0]["message"], problems)

    def apply(self, case: Instance) -> None:
        kw = {"actor": self.actor, "reason": self.reason}
        if self.action == "suspend":
            operations.suspend_instance(instance_id=case.id, **kw)
        elif self.action == "resume":
            operations.resume_instance(instance_id=case.id, **kw)
        elif self.action == "cancel":
            commands.cancel_instance(instance_id=case.id, **kw)
        elif self.action == "reassign":
            for task in _open_tasks_for(case, self.assignee_roles):
                commands.reassign_task(task_id=task.id, assignee=self.assignee, **kw)
        elif self.action == "retry":
            recovery.retry_case(instance_id=case.id, **kw)
        else:
            result = migration.migrate_instance(instance_id=case.id, to_version=self.to_version, **kw)
            if not result.moved:  # it changed since the check
                raise Conflict(result.problems[0].message if result.problems else "the case did not move",
                               instance_id=case.id)


def _plan(action: str, actor: Actor, reason: str, dry_run: bool, assignee: str | None,
          to_version: int | None) -> Plan:
    if action not in ACTIONS:
        raise NotFound(f"no bulk action '{action}'", action=action)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not dry_run:
        reason = require_reason(reason, f"{action} cases")
    plan = Plan(action, actor, reason, to_version=to_version)
    if action == "reassign":
        if not assignee:
            raise ValidationFailed({"assignee": ["name the person to give the tasks to"]})
        try:
            user = get_user(assignee)
        except NotFound as exc:
            raise ValidationFailed({"assignee": [f"no user '{assignee}'"]}) from exc
        plan.assignee, plan.assignee_roles = user.username, set(user.role_ids)
    if action == "migrate" and to_version is None:
        raise ValidationFailed({"to_version": ["give the version number to move to"]})
    return plan


# ---------------------------------------------------------------- running
def run(*, action: str, actor: Actor, cases: CaseFilter, reason: str = "", dry_run: bool = True,
        assignee: str | None = None, to_version: int | None = None) -> BulkReport:
    require_supervisor(actor, "act on cases in bulk", action=action)
    plan = _plan(action, actor, reason, dry_run, assignee, to_version)
    chosen = select_cases(cases)
    items = [_preview(plan, case) if dry_run else _apply(plan, case) for case in chosen]
    report = BulkReport(action, dry_run, items)
    if not dry_run:
        _record(report, plan)
    return report


def _preview(plan: Plan, case: Instance) -> BulkItem:
    refused = plan.check(case)
    if refused is None:
        return BulkItem(case.id, case.case_number, case.status, "would_do")
    code, message, details = refused
    return BulkItem(case.id, case.case_number, case.status, "would_skip", code, message, details)


def _apply(plan: Plan, case: Instance) -> BulkItem:
    refused = plan.check(case)
    if refused is not None:
        code, message, details = refused
        return BulkItem(case.id, case.case_number, case.status, "skipped", code, message, details)
    try:
        plan.apply(case)
    except AftercareError as exc:
        db.session.rollback()
        return BulkItem(case.id, case.case_number, case.status, "failed", exc.code, exc.message)
    fresh = db.session.get(Instance, case.id)
    return BulkItem(case.id, case.case_number, fresh.status if fresh else case.status, "done")


def _record(report: BulkReport, plan: Plan) -> None:
    summary = report.to_dict()
    data = {"action": plan.action, "reason": plan.reason, "assignee": plan.assignee, "to_version": plan.to_version,
            "done": [item.instance_id for item in report.items if item.outcome == "done"],
            "skipped": summary["skipped"], "failed": summary["failed"]}
    with commands.transaction():
        audit.append(audit.SYSTEM_STREAM, [{"type": "bulk_action", "at": clock_now(), "actor": plan.actor.username,
                                            "data": data}])
