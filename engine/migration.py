"""Moving running cases to a newer version of their diagram. A case moves when it can: it is open
and not suspended, every step it is at (and every step it went through) is still in the new
version as the same kind of element, its open forms still exist, and its state loads on the new
version. The check is the move itself, done in memory on a copy (SpiffWorkflow's SpecDiff /
WorkflowDiff / migrate_workflow, see engine/spiff_ops.py); a case that passes is moved and saved in
one locked command (audited as `instance_migrated`, replayed by the re-execution check); a case
that does not is reported with the reasons.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import hooks, loader, pipeline, store
from engine import spiff as sw
from engine import spiff_ops as ops
from engine.audit import history
from engine.clock import now as clock_now
from engine.context import working_on
from engine.db import db
from engine.errors import NotFound, ValidationFailed
from engine.identity import Actor
from engine.models import Instance, ModelVersion, Task
from engine.operations import require_reason, require_supervisor
from engine.pipeline import transaction
from engine.spiff_ops import Problem

MOVABLE = ("running", "waiting", "error")


@dataclass
class MigrationResult:
    instance_id: int
    case_number: str | None
    from_version: int
    to_version: int
    moved: bool = False
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def can_move(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "case_number": self.case_number, "from_version": self.from_version,
                "to_version": self.to_version, "can_move": self.can_move, "moved": self.moved,
                "dry_run": self.dry_run, "problems": [p.to_dict() for p in self.problems]}


def target_version(process_id: str, to_version: Any) -> ModelVersion:
    if isinstance(to_version, bool) or not isinstance(to_version, int) or not 1 <= to_version <= 1_000_000:
        raise ValidationFailed({"to_version": ["give the version number to move to"]})
    for candidate in loader.versions(process_id):
        if candidate.version == to_version:
            return loader.model(candidate.id)
    raise ValidationFailed({"to_version": [f"version {to_version} of '{process_id}' is not deployed"]})


def _status_problems(instance: Instance, current: ModelVersion, target: ModelVersion) -> list[Problem]:
    if target.id == current.id:
        return [Problem("same_version", f"the case is already on version {target.version}")]
    if instance.status == pipeline.HELD:
        return [Problem("suspended", "the case is suspended: resume it first")]
    if instance.status not in MOVABLE:
        return [Problem("not_open", f"the case is {instance.status}")]
    return []


def _form_problems(wf, target: ModelVersion) -> list[Problem]:
    """An open task's form must still exist, or nobody could complete it."""
    problems = []
    for info in sw.snapshot(wf).values():
        form = info.properties.get("form")
        if info.manual and info.state == "READY" and form and f"{info.process}/{form}" not in target.forms:
            problems.append(Problem("form_missing", f"the form of its current step '{info.name}' is not in the "
                                    "new version", info.element_id, info.name))
    return problems


def _moved(instance: Instance, target: ModelVersion) -> tuple[Any, dict[str, sw.TaskInfo], list[Problem]]:
    """The case's workflow moved onto `target` in memory, its state before, and the problems."""
    wf = store.load(instance)
    before = sw.snapshot(wf)
    parsed = loader.parsed(target)
    problems = ops.migrate(wf, parsed)
    if not problems:
        problems = _form_problems(wf, target)
    if not problems:
        try:
            sw.load(sw.dump(wf), parsed, store.script_engine())
        except Exception as exc:  # noqa: BLE001 - a state that does not load on the new version stays put
            problems = [Problem("state_invalid", f"the moved state does not load on the new version: {exc}")]
    return wf, before, problems


def migrate_instance(*, instance_id: int, to_version: Any, actor: Actor, reason: str = "",
                     dry_run: bool = False) -> MigrationResult:
    """Check one case and, unless `dry_run`, move it when it can. Raises only for a bad request
    (role, reason, version, unknown case); a case that cannot move is a result with problems."""
    require_supervisor(actor, "move a case to another version", instance_id=instance_id)
    if not dry_run:
        reason = require_reason(reason, "move a case to another version")
    with transaction():
        instance = store.lock(instance_id) if not dry_run else db.session.get(Instance, instance_id)
        if instance is None:
            raise NotFound(f"no case with id {instance_id}", instance_id=instance_id)
        current = loader.model(instance.model_version_id)
        target = target_version(instance.process_id, to_version)
        result = MigrationResult(instance.id, instance.case_number, current.version, target.version, dry_run=dry_run)
        result.problems = _status_problems(instance, current, target)
        if result.problems:
            return result
        wf, before, result.problems = _moved(instance, target)
        if result.problems or dry_run:
            return result
        _save_move(instance, wf, before, current, target, actor=actor, reason=reason)
        result.moved = True
    return result


def _save_move(instance: Instance, wf, before: dict[str, sw.TaskInfo], current: ModelVersion,
               target: ModelVersion, *, actor: Actor, reason: str) -> None:
    now = clock_now()
    sets = history.element_sets(sw.snapshot(wf))
    instance.model_version_id = target.id
    with working_on(pipeline.command_info(instance, actor, now)):
        failure = pipeline.advance(wf)
    event = {"type": "instance_migrated", "at": now, "actor": actor.username, "element_id": instance.process_id,
             "data": {"from_version": current.version, "to_version": target.version, "reason": reason,
                      "sets": sets}}
    pipeline.finish(instance, wf, before, [event], actor=actor, now=now, failure=failure)
    _refresh_open_rows(instance, wf)


def _refresh_open_rows(instance: Instance, wf) -> None:
    """Open inbox rows show the step as the new version names it (its name, role and form)."""
    snap = sw.snapshot(wf)
    registry = hooks.get()
    for row in db.session.execute(db.select(Task).where(Task.instance_id == instance.id,
                                                        Task.status == "ready")).scalars():
        info = snap.get(row.id)
        if info is None:
            continue
        form = info.properties.get("form")
        row.name, row.form_name = info.name, f"{info.process}/{form}" if form else None
        row.role = registry.role_for_lane(info.lane) or row.role
    db.session.flush()
