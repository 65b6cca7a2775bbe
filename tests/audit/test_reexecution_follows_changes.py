"""The re-execution check follows each command from the tasks it changed (engine/replay_tasks.py):
after every command of every demo case its view of the task tree agrees with a full read and with
the library's own walks, and the work a check does grows with the case's length, not its square."""
from __future__ import annotations

import cProfile
import pstats

import pytest

from engine import commands, loader, queries, replay
from engine.commands import transaction
from tests.audit.demo_cases import FINISHED
from tests.audit.flow_cases import SCENARIOS


@pytest.fixture
def followed(monkeypatch):
    """Every command the re-run makes, with where its view of the tree differs from a full read."""
    seen: list[tuple[str, list[str]]] = []
    run = replay.Rerun.run

    def checked_run(self, command):
        produced = run(self, command)
        seen.append((command.kind, self.tracker.disagreements()))
        return produced

    monkeypatch.setattr(replay.Rerun, "run", checked_run)
    return seen


@pytest.mark.parametrize("name", [*FINISHED, "timer_late_submission", "failed", "cancelled", "pending"])
def test_the_view_of_a_demo_case_agrees_with_the_whole_tree_after_every_command(cases, followed, name):
    case = getattr(cases, name)()
    assert replay.check(case.id).ok
    assert followed and [(kind, found) for kind, found in followed if found] == []


@pytest.mark.parametrize("name", ["fault_onsite_with_compensation", "installation"])
def test_the_view_of_a_real_flow_agrees_with_the_whole_tree_after_every_command(demo, followed, name):
    assert name in SCENARIOS
    case = demo(name)
    assert replay.check(case.id).ok
    assert len(followed) > 5 and [(kind, found) for kind, found in followed if found] == []


def _linear(size: int) -> str:
    ids = ["start", *(f"t{i}" for i in range(size)), "end"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    nodes = ['<bpmn:startEvent id="start"/>', *(f'<bpmn:userTask id="t{i}" name="Step {i}"/>' for i in range(size)),
             '<bpmn:endEvent id="end"/>']
    flows = [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{ids[i]}" targetRef="{ids[i + 1]}"/>' for i in range(size + 1)]
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            f'20100524/MODEL" id="d" targetNamespace="http://test"><bpmn:process id="t_line_{size}" '
            f'isExecutable="true"><bpmn:laneSet id="ls"><bpmn:lane id="l" name="sales">{refs}</bpmn:lane>'
            f'</bpmn:laneSet>{"".join(nodes)}{"".join(flows)}</bpmn:process></bpmn:definitions>')


def _calls_of_check(size: int, users, clock) -> int:
    """Python function calls one re-execution check of a case of `size` tasks in a row makes: a
    count of the work done, the same on every run and machine."""
    with transaction():
        loader.deploy({f"t_line_{size}.bpmn": _linear(size)}, actor="owner1")
    case = commands.start_instance(process_id=f"t_line_{size}", data={}, actor=users["sales1"])
    for _ in range(size):
        clock.advance(minutes=5)
        [task] = queries.tasks_of(case.id, "ready")
        commands.complete_task(task_id=task.id, data={}, actor=users["sales1"])
    assert replay.check(case.id).ok  # loads the diagram once, as a nightly run would have
    profile = cProfile.Profile()
    profile.enable()
    report = replay.check(case.id)
    profile.disable()
    assert report.ok and report.commands == size + 1
    return pstats.Stats(profile).total_calls


def test_a_case_four_times_as_long_costs_at_most_about_four_times_the_work(users, clock):
    short, long = _calls_of_check(10, users, clock), _calls_of_check(40, users, clock)
    assert long <= 4.5 * short, (short, long)  # linear gives 4 (3.4 measured); the check that re-read
    # every task after every step made 8.5 times the calls
