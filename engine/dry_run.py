"""Dry run against history: before a draft is deployed, re-run the recorded inputs of the last
finished cases of its process on the draft, with the re-execution check's machinery (engine/replay.py:
the same re-run, clock and comparisons, only the diagram is the draft), and say for each case: the
same path, where it diverged and what the draft would have done, or why it failed. Read-only."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine import loader
from engine import spiff as sw
from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance, ModelVersion
from engine.replay import Rerun, check_command
from engine.replay_operations import start_model
from engine.replay_record import Difference, LaterRecord, bare, group_commands

FINISHED = ("completed",)


@dataclass
class DryRunItem:
    instance_id: int
    case_number: str | None
    outcome: str  # same | diverged | failed
    at: dict[str, Any] | None = None  # the step (audit seq) and element where it left the recorded path
    detail: str = ""
    recorded: list[str] = field(default_factory=list)
    draft: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "case_number": self.case_number, "outcome": self.outcome,
                "at": self.at, "detail": self.detail, "recorded": self.recorded, "draft": self.draft}


class _DraftRerun(Rerun):
    """The re-execution check's re-run, on the draft's diagram instead of the case's own version."""

    def __init__(self, instance: Instance, started_on: ModelVersion, draft: ModelVersion, parsed: sw.ParsedModel):
        super().__init__(instance, started_on)
        self.model, self.parsed = draft, parsed


def finished_cases(process_id: str, limit: int) -> list[Instance]:
    return list(db.session.execute(
        sa.select(Instance).where(Instance.process_id == process_id, Instance.status.in_(FINISHED))
        .order_by(Instance.ended_at.desc(), Instance.id.desc()).limit(limit)).scalars())


def run(*, process_id: str, sources: Mapping[str, str], forms: Mapping[str, Any], limit: int) -> list[DryRunItem]:
    parsed = sw.parse(sources, process_id)
    names = {element: info["name"] for element, info in parsed.tasks.items()}
    return [_one(instance, parsed, sources, forms, names) for instance in finished_cases(process_id, limit)]


def _one(instance: Instance, parsed: sw.ParsedModel, sources, forms, names: Mapping[str, str]) -> DryRunItem:
    item = DryRunItem(instance.id, instance.case_number, "same")
    events = audit.events_of(instance.id)
    try:
        started_on = start_model(loader.model(instance.model_version_id), events)
    except Exception as exc:  # noqa: BLE001 - a case whose history cannot be re-run is reported, not raised
        return _failed(item, None, f"its history cannot be re-run: {exc}")
    draft = ModelVersion(process_id=instance.process_id, version=started_on.version, name=parsed.name,
                         main_file=started_on.main_file, sources=dict(sources), forms=dict(forms))
    rerun = _DraftRerun(instance, started_on, draft, parsed)
    commands = group_commands(events)
    later, previous = LaterRecord(commands, instance.data), bare(None)
    decided: list[Difference] = []  # the draft decided other values; the path may part later
    for command in commands:
        differences = check_command(rerun, command, previous, later)
        if any(d.what != "data" for d in differences):
            return _left_path(item, decided, differences, names)
        decided = decided or differences
        previous = bare(command.last.state)
    return _left_path(item, [], decided, names) if decided else item


def _failed(item: DryRunItem, at: dict[str, Any] | None, detail: str) -> DryRunItem:
    item.outcome, item.at, item.detail = "failed", at, detail
    return item


def _describe(listed: list[Any] | None, names: Mapping[str, str]) -> str:
    kind, element, targets = listed
    name = names.get(element or "", element or "")
    if kind == "gateway_taken":
        return f"{name} → " + ", ".join(names.get(t, t) for t in targets)
    words = {"task_ready": "task ready", "task_completed": "task done", "timer_fired": "timer fired",
             "instance_completed": "case completed", "element_completed": "step done",
             "task_cancelled": "task cancelled", "instance_error": "error"}
    return f"{words.get(kind, kind)}: {name}" if element else words.get(kind, kind)


def _left_path(item: DryRunItem, decided: list[Difference], differences: list[Difference],
               names: Mapping[str, str]) -> DryRunItem:
    differences = [d for d in differences if d.what != "data"] or differences
    first = differences[0]
    if first.what in ("engine", "unsupported"):
        return _failed(item, {"step": first.step}, first.message)
    item.outcome = "diverged"
    events = [d for d in differences if d.what == "events"]
    broken = next((d.replayed for d in events if d.replayed and d.replayed[0] == "instance_error"), None)
    took_other_way = any(d.replayed and d.replayed[0] == "gateway_taken" for d in events)
    if took_other_way:  # past a gateway that chose otherwise, the record cannot answer what follows
        events = [d for d in events if not (d.replayed and d.replayed[0] == "instance_error")]
    elif broken is not None:  # the draft itself fails on this case's inputs
        element = broken[1]
        return _failed(item, {"step": min(d.step for d in events), "element_id": element,
                              "name": names.get(element or "", element)},
                       f"the draft fails at {names.get(element or '', element or 'a step')} on this case's inputs")
    if events:
        item.recorded = [_describe(d.recorded, names) for d in events if d.recorded]
        item.draft = [_describe(d.replayed, names) for d in events if d.replayed]
        element = next((d.recorded or d.replayed)[1] for d in events)
        item.at = {"step": min(d.step for d in events), "element_id": element,
                   "name": names.get(element or "", element)}
        item.detail = _values(decided) + (f"recorded: {'; '.join(item.recorded) or '—'}; "
                                          f"the draft would: {'; '.join(item.draft) or '—'}")
        return item
    item.at = {"step": first.step}
    item.detail = _values(decided or [first]) if first.what == "data" else \
        f"{first.message}: recorded {first.recorded!r}, the draft {first.replayed!r}"
    return item


def _values(decided: list[Difference]) -> str:
    """The draft's own values where it decided differently (a decision table's outputs)."""
    parts = [f"{d.message.removeprefix('case data ').removesuffix(' differs')}: recorded {d.recorded!r}, "
             f"the draft {d.replayed!r}" for d in decided]
    return "; ".join(parts) + ("; " if parts else "")
