"""Where cases wait: for one version of a process, how many running cases are at each step of its
diagram — an open task (in the inbox, or held while the case is suspended), a timer or message
catch event, a failed step — read from the flat tables (no workflow is loaded), and which cases
those are."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from engine import incidents, loader
from engine.db import db
from engine.incidents import Incident
from engine.models import Instance, ModelVersion, Task, Timer

CASE_LIMIT = 200
OPEN = ("running", "waiting", "error", "suspended")


@dataclass
class StepCount:
    element_id: str
    name: str
    tasks: int = 0  # open tasks in the inbox
    suspended: int = 0  # tasks held while their case is suspended
    timers: int = 0  # cases waiting on a timer event
    failed: int = 0  # open incidents on the step

    @property
    def total(self) -> int:
        return self.tasks + self.suspended + self.timers + self.failed

    def to_dict(self) -> dict[str, int | str]:
        return {"element_id": self.element_id, "name": self.name, "tasks": self.tasks, "suspended": self.suspended,
                "timers": self.timers, "failed": self.failed, "total": self.total}


@dataclass
class WaitingMap:
    model: ModelVersion
    steps: dict[str, StepCount] = field(default_factory=dict)
    running: int = 0  # open cases pinned to this version

    def step(self, element_id: str) -> StepCount:
        if element_id not in self.steps:
            info = loader.parsed(self.model).tasks.get(element_id) or {}
            self.steps[element_id] = StepCount(element_id, info.get("name") or element_id)
        return self.steps[element_id]


def _drawn(model: ModelVersion) -> dict[str, str]:
    """element id -> kind, for the elements of the process's own diagram (not of called processes)."""
    return {element: info["kind"] for element, info in loader.parsed(model).tasks.items()
            if info["process"] == model.process_id}


def waiting_map(model: ModelVersion) -> WaitingMap:
    found = WaitingMap(model)
    drawn = _drawn(model)
    pinned = sa.select(Instance.id).where(Instance.model_version_id == model.id)
    task_rows = db.session.execute(
        sa.select(Task.element_id, Task.status, sa.func.count()).where(
            Task.instance_id.in_(pinned), Task.status.in_(("ready", "suspended")))
        .group_by(Task.element_id, Task.status))
    for element, status, count in task_rows:
        if element in drawn:
            step = found.step(element)
            step.tasks, step.suspended = (step.tasks + count, step.suspended) if status == "ready" else \
                (step.tasks, step.suspended + count)
    timer_rows = db.session.execute(
        sa.select(Timer.element_id, sa.func.count(sa.distinct(Timer.instance_id))).where(
            Timer.instance_id.in_(pinned), Timer.kind == "bpmn", Timer.status.in_(("pending", "suspended", "failed")))
        .group_by(Timer.element_id))
    for element, count in timer_rows:
        if drawn.get(element) in ("IntermediateCatchEvent", "ReceiveTask"):  # a boundary timer's case is at its task
            found.step(element).timers += count
    for element, count in incidents.open_by_element(model.id).items():
        if element in drawn:
            found.step(element).failed += count
    found.running = db.session.execute(sa.select(sa.func.count()).where(
        Instance.model_version_id == model.id, Instance.status.in_(OPEN))
    ).scalar_one()
    return found


def cases_at(model: ModelVersion, element_id: str, limit: int = CASE_LIMIT) -> list[Instance]:
    """The open cases of this version at a step, oldest first."""
    at_task = sa.select(Task.instance_id).where(Task.element_id == element_id, Task.status.in_(("ready", "suspended")))
    at_timer = sa.select(Timer.instance_id).where(Timer.element_id == element_id, Timer.kind == "bpmn",
                                                  Timer.status.in_(("pending", "suspended", "failed")))
    failed = sa.select(Incident.instance_id).where(Incident.element_id == element_id, Incident.status == "open")
    query = sa.select(Instance).where(
        Instance.model_version_id == model.id, Instance.status.in_(OPEN),
        sa.or_(Instance.id.in_(at_task), Instance.id.in_(at_timer), Instance.id.in_(failed)))
    return list(db.session.execute(query.order_by(Instance.started_at, Instance.id).limit(limit)).scalars())


@dataclass(frozen=True)
class VersionLine:
    process_id: str
    name: str
    version: int
    open_cases: int


def versions_with_cases() -> list[VersionLine]:
    """Every deployed version with its open cases, newest first within a process."""
    counts = dict(db.session.execute(
        sa.select(Instance.model_version_id, sa.func.count()).where(Instance.status.in_(OPEN))
        .group_by(Instance.model_version_id)).all())
    rows = db.session.execute(sa.select(ModelVersion.id, ModelVersion.process_id, ModelVersion.name,
                                        ModelVersion.version)
                              .order_by(ModelVersion.process_id, ModelVersion.version.desc()))
    return [VersionLine(process_id, name, version, counts.get(model_id, 0))
            for model_id, process_id, name, version in rows]
