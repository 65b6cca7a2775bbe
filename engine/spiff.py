"""The only module that drives SpiffWorkflow: parse, create, load/save, advance, and read tasks.

Everything else in Aftercare sees our own small types (TaskInfo, tuples of element ids), never a
SpiffWorkflow object. The pitfalls in SPIFFWORKFLOW.md are handled here once:
state checked before `run()` (P1), `advance()` until no engine task is READY (P2), the sandboxed
script engine set again after every load (P6), Decimal registered with the serializer (P8), and
iteration over `tasks.values()` for history instead of `get_tasks` (P9/P10).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.util.task import TaskIterator, TaskState  # noqa: F401 - TaskIterator: replay_tasks.py

from engine.inspect_model import CAMUNDA_DECISION_REF, default_roles
from engine.spiff_scripts import AftercareScriptEngine, ServiceHandler, build_script_engine  # noqa: F401

__all__ = [
    "EngineError", "ParseError", "ParsedModel", "TaskInfo", "WorkflowTaskException", "advance",
    "build_script_engine", "dump", "load", "new_workflow", "parse", "snapshot",
]

READY, WAITING, COMPLETED, CANCELLED, ERROR, STARTED = (
    TaskState.READY, TaskState.WAITING, TaskState.COMPLETED, TaskState.CANCELLED, TaskState.ERROR,
    TaskState.STARTED,
)
EngineError = SpiffWorkflowException
ParseError = ValidationException

GATEWAYS = {"ExclusiveGateway", "ParallelGateway", "InclusiveGateway", "EventBasedGateway"}
CATCH_EVENTS = {"IntermediateCatchEvent", "BoundaryEvent", "ReceiveTask"}
TIMER_EVENTS = CATCH_EVENTS | {"StartEvent"}  # a timer start event fires like a catch event


# ---------------------------------------------------------------- serialization
class _PinnedWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the spec out of the saved state and takes the cached spec objects back on load."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            return super().from_dict(dct)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _PinnedWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION


def dump(wf: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(wf)


def load(state: str, model: ParsedModel, script_engine: PythonScriptEngine) -> BpmnWorkflow:
    dct = json.loads(state)
    version = dct.pop(SERIALIZER.VERSION_KEY, None)
    if version != SERIALIZER_VERSION:  # an older format: let the library migrate it
        raise EngineError(f"state was saved by serializer {version}, expected {SERIALIZER_VERSION}")
    wf = SERIALIZER.registry.restore(dct, spec=model.spec, subprocess_specs=model.subprocess_specs)
    wf.script_engine = script_engine  # P6: deserialization resets it to the unrestricted default
    return wf


# ---------------------------------------------------------------- parsing
@dataclass
class ParsedModel:
    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # element id -> metadata


def _task_metadata(spec) -> dict[str, Any]:
    extensions = getattr(spec, "extensions", {}) or {}
    return {
        "kind": type(spec).__name__,
        "name": spec.bpmn_name or spec.bpmn_id,
        "lane": getattr(spec, "lane", None),
        "manual": bool(getattr(spec, "manual", False)),
        "properties": dict(extensions.get("properties", {})),
    }


class _BusinessRuleTaskParser(BusinessRuleTaskParser):
    """Also reads Camunda's `camunda:decisionRef`, so diagrams from Camunda Modeler run as drawn."""

    @staticmethod
    def get_decision_ref(node):
        return BusinessRuleTaskParser.get_decision_ref(node) or node.get(CAMUNDA_DECISION_REF)


class _Parser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask)}


def parse(sources: Mapping[str, str], process_id: str) -> ParsedModel:
    """Parse BPMN and DMN texts; raises ParseError / EngineError with the element at fault. A user
    task outside any lane takes its process's default role (the `default_role` property), if set."""
    parser = _Parser(validator=VALIDATOR)
    for filename, text in sources.items():
        if filename.endswith(".dmn"):
            parser.add_dmn_str(text.encode("utf-8"), filename=filename)
    for filename, text in sources.items():
        if filename.endswith(".bpmn"):
            parser.add_bpmn_str(text.encode("utf-8"), filename=filename)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    tasks: dict[str, dict[str, Any]] = {}
    defaults = default_roles(sources)
    for proc in [spec, *subprocess_specs.values()]:
        for task_spec in proc.task_specs.values():
            if getattr(task_spec, "manual", False) and not task_spec.lane and proc.name in defaults:
                task_spec.lane = defaults[proc.name]
            if getattr(task_spec, "bpmn_id", None):
                tasks.setdefault(task_spec.bpmn_id, _task_metadata(task_spec) | {"process": proc.name})
    return ParsedModel(process_id, spec.description or process_id, spec, subprocess_specs, tasks)


def process_ids(sources: Mapping[str, str]) -> list[str]:
    parser = _Parser(validator=VALIDATOR)
    for filename, text in sources.items():
        if filename.endswith(".bpmn"):
            parser.add_bpmn_str(text.encode("utf-8"), filename=filename)
    return parser.get_process_ids()


# ---------------------------------------------------------------- running
def new_workflow(model: ParsedModel, data: Mapping[str, Any], script_engine, kind=BpmnWorkflow) -> BpmnWorkflow:
    wf = kind(model.spec, model.subprocess_specs, script_engine=script_engine)
    wf.task_tree.set_data(**dict(data))
    return wf


def advance(wf: BpmnWorkflow, engine_task_ready: Callable[[], bool] | None = None) -> None:
    """Run engine steps until no automatic task is READY (P2: due timers are run, not left READY).
    A caller that tracks the unfinished tasks answers the question itself (engine/replay_tasks.py)."""
    ready = engine_task_ready or (lambda: _next_engine_task(wf) is not None)
    wf.do_engine_steps()
    while ready():
        wf.do_engine_steps()


def _next_engine_task(wf: BpmnWorkflow):
    for task in iter_tasks(wf):
        if task.state == READY and not task.task_spec.manual:
            return task
    return None


def fire_due_timers(wf: BpmnWorkflow, engine_task_ready: Callable[[], bool] | None = None) -> None:
    wf.refresh_timers()
    advance(wf, engine_task_ready)


def iter_tasks(wf: BpmnWorkflow) -> Iterator[Any]:
    """Every task of the top workflow and its subprocesses, whatever its depth (P9/P10)."""
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


def find_task(wf: BpmnWorkflow, task_id: str):
    try:
        return wf.get_task_from_id(UUID(task_id))
    except (ValueError, WorkflowException, KeyError):
        return None


def run_user_task(wf: BpmnWorkflow, task, data: Mapping[str, Any]) -> None:
    if task.state != READY:  # P1: the library would happily run a CANCELLED task
        raise EngineError(f"{task.task_spec.bpmn_id} is {TaskState.get_name(task.state)}")
    task.data.update(data)
    task.run()


# ---------------------------------------------------------------- reading state
@dataclass(frozen=True)
class TaskInfo:
    id: str
    element_id: str
    name: str
    kind: str
    state: str
    lane: str | None
    manual: bool
    properties: Mapping[str, str]
    changed: float
    process: str

    @property
    def is_gateway(self) -> bool:
        return self.kind in GATEWAYS

    @property
    def is_timer(self) -> bool:
        return self.kind in TIMER_EVENTS and isinstance(_own_definition(self._spec), TimerEventDefinition)


def _own_definition(spec):
    """The event an element catches. An event-based gateway holds the events of the catch events
    after it (the library moves them there), so for those it is read back from the gateway."""
    definition = getattr(spec, "event_definition", None)
    for gateway in getattr(spec, "inputs", ()):
        if type(gateway).__name__ == "EventBasedGateway" and spec in gateway.outputs:
            return gateway.event_definition.event_definitions[gateway.outputs.index(spec)]
    return definition


def _gateway_branches(task):
    """(event definition, catch element id, child task) of each branch of a waiting event-based gateway."""
    spec = task.task_spec
    children = {child.task_spec: child for child in task.children}
    return [(definition, out.bpmn_id, children.get(out))
            for definition, out in zip(spec.event_definition.event_definitions, spec.outputs, strict=False)]


def task_info(task) -> TaskInfo:
    spec = task.task_spec
    extensions = getattr(spec, "extensions", {}) or {}
    info = TaskInfo(
        id=str(task.id), element_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
        kind=type(spec).__name__, state=TaskState.get_name(task.state), lane=getattr(spec, "lane", None),
        manual=bool(spec.manual), properties=extensions.get("properties", {}),
        changed=task.last_state_change, process=task.workflow.spec.name,
    )
    object.__setattr__(info, "_spec", spec)
    return info


def snapshot(wf: BpmnWorkflow) -> dict[str, TaskInfo]:
    """Task id -> info for every BPMN element task (internal helper tasks left out)."""
    return {str(t.id): task_info(t) for t in iter_tasks(wf) if getattr(t.task_spec, "bpmn_id", None)}


def chosen_flows(wf: BpmnWorkflow, task_id: str) -> list[str]:
    """Element ids a completed gateway led to (children that were not pruned)."""
    task = find_task(wf, task_id)
    if task is None:
        return []
    alive = (TaskState.FUTURE | TaskState.WAITING | READY | STARTED | COMPLETED | ERROR)
    return sorted({c.task_spec.bpmn_id for c in task.children
                   if c.state & alive and getattr(c.task_spec, "bpmn_id", None)})


def task_data(wf: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    task = find_task(wf, task_id)
    return dict(task.data) if task is not None else {}


def case_data(wf: BpmnWorkflow, followed: tuple[Iterable[Any], Iterable[Any]] | None = None) -> dict[str, Any]:
    """The case's current data: the union of the branches that already ended and the live branches'
    data (the latest last), or the final data. A caller that follows the tasks and knows the workflow
    is not complete hands over (its ended end events, its unfinished tasks) (engine/replay_tasks.py)."""
    if followed is None and wf.is_completed():
        return dict(wf.data) or dict(wf.last_task.data if wf.last_task else {})
    ended, unfinished = followed or (wf.tasks.values(), iter_tasks(wf))
    merged: dict[str, Any] = {}
    for task in sorted((t for t in ended if t.state == COMPLETED and isinstance(t.task_spec, EndEvent)),
                       key=lambda t: t.last_state_change):
        merged.update(task.data)  # e.g. a claim's outcome, ended alongside the repair that goes on
    live = [t for t in unfinished if t.state & (READY | WAITING | STARTED | ERROR)
            and getattr(t.task_spec, "bpmn_id", None)]
    for task in sorted(live, key=lambda t: t.last_state_change):
        merged.update(task.data)
    if not merged and wf.last_task is not None:
        merged.update(wf.last_task.data)
    return merged


def evaluate(wf: BpmnWorkflow, task_id: str, expression: str) -> Any:
    task = find_task(wf, task_id)
    return wf.script_engine.evaluate(task, expression)


def pending_timers(wf: BpmnWorkflow) -> list[tuple[str, str, str]]:
    """(task id, element id, due ISO time) of every waiting timer, subprocesses included."""
    found = []
    for task in list(wf.event_manager.tasks.values()):  # subprocesses share the top event manager
        definition = task.task_spec.event_definition
        if task.state & (COMPLETED | CANCELLED):
            continue
        if isinstance(definition, MultipleEventDefinition):  # an event-based gateway racing its events:
            for branch, element, child in _gateway_branches(task):  # the timer's row is its catch event's
                if isinstance(branch, TimerEventDefinition) and child is not None:
                    due = _due(branch, task)
                    if due:
                        found.append((str(child.id), element, due))
            continue
        if isinstance(definition, TimerEventDefinition):
            due = _due(definition, task)
            if due:
                found.append((str(task.id), task.task_spec.bpmn_id, due))
    return found


def _due(definition, task) -> str | None:
    value = definition.details(task).value
    return value.get("next") if isinstance(value, dict) else value  # None until first refresh


def deliver_message(wf: BpmnWorkflow, name: str, payload: Mapping[str, Any]) -> str | None:
    """Hand a message to the element waiting for it; returns that element's id, None if none waits.
    Only a waiting element's own definition is sent (the library matches definitions by class)."""
    for task in list(wf.event_manager.tasks.values()):
        if task.state & (COMPLETED | CANCELLED):
            continue
        definition = task.task_spec.event_definition
        branches = (_gateway_branches(task) if isinstance(definition, MultipleEventDefinition)
                    else [(definition, task.task_spec.bpmn_id, task)])
        for branch, element, _child in branches:
            if isinstance(branch, MessageEventDefinition) and branch.name == name:
                wf.send_event(BpmnEvent(branch, dict(payload)))
                return element
    return None


def is_completed(wf: BpmnWorkflow) -> bool:
    return wf.is_completed()


def error_tasks(wf: BpmnWorkflow) -> list[TaskInfo]:
    return [task_info(t) for t in iter_tasks(wf) if t.state == ERROR and getattr(t.task_spec, "bpmn_id", None)]


def cancel(wf: BpmnWorkflow) -> None:
    wf.cancel()

