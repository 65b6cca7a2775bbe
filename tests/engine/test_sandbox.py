"""Diagram expressions cannot reach the server: escapes are refused at deploy or fail the task."""
from __future__ import annotations

import pytest

from engine import commands, loader, queries
from engine.commands import transaction
from engine.errors import DeployError, ScriptRejected
from engine.scripts import Sandbox
from tests.conftest import TEST_BPMN

ESCAPES = [
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "().__class__.__bases__[0].__subclasses__()",
    "import os",
    "x = [c for c in ().__class__.__mro__]",
    "getattr(approved, 'real')",
    "eval('1+1')",
    "'{0.__class__}'.format(1)",
    "(lambda: 1)()",
    "while True: pass",
    "globals()",
]


def _diagram_with_script(script: str) -> bytes:
    text = (TEST_BPMN / "t_fail.bpmn").read_text().replace("ratio = 100 / 0", script.replace("<", "&lt;"))
    return text.encode()


@pytest.mark.parametrize("script", ESCAPES)
def test_escape_attempts_are_rejected_at_deploy(script):
    with pytest.raises(DeployError) as caught, transaction():
        loader.deploy({"t_fail.bpmn": _diagram_with_script(script)}, actor="owner1")
    [problem] = caught.value.errors
    assert problem["element"] == "divide"
    assert loader.latest("t_fail") is None


def test_escape_in_a_condition_names_the_flow():
    text = (TEST_BPMN / "t_approval.bpmn").read_text().replace("approved == True", "approved.__class__")
    files = loader.read_folder_bundle([TEST_BPMN / "t_approval.bpmn"])
    files["t_approval.bpmn"] = text.encode()
    with pytest.raises(DeployError) as caught, transaction():
        loader.deploy(files, actor="owner1")
    assert caught.value.errors == [{"element": "f_yes",
                                    "problem": "attribute '__class__' is not allowed in `approved.__class__`"}]


@pytest.mark.parametrize("expression", [
    "'a' * 10 ** 9", "10 ** 10 ** 10", "list(range(10 ** 9))", "sum(range(10 ** 7))", "1 << 100000",
])
def test_resource_exhaustion_is_stopped(expression):
    with pytest.raises(ScriptRejected):
        Sandbox().evaluate(expression, {})


def test_slow_script_hits_the_time_limit():
    loop = "total = 0\nfor i in range(100000):\n    for j in range(100000):\n        total = total + 1"
    with pytest.raises(ScriptRejected, match="time limit"):
        Sandbox().execute(loop, {})


def test_allowed_expressions_still_work():
    sandbox = Sandbox({"double": lambda x: x * 2})
    data = {"lines": [{"q": 2, "p": 3}], "name": "张三"}
    assert sandbox.evaluate("sum([l['q'] * l['p'] for l in lines])", data) == 6
    assert sandbox.evaluate("double(21)", {}) == 42
    assert sandbox.evaluate("name.startswith('张') and len(name) == 2", data) is True
    out = {"n": 3}
    sandbox.execute("m = n * 2\nflag = m > 5", out)
    assert out == {"n": 3, "m": 6, "flag": True}


def test_script_leaving_unstorable_data_fails_the_task():
    with pytest.raises(ScriptRejected, match="cannot be stored"):
        Sandbox().execute("r = range(3)", {})


def test_runtime_failure_fails_only_that_case(deploy, users):
    """An expression that passes the deploy check but fails at run time puts the case in error
    with the reason recorded; other cases and the server carry on."""
    text = (TEST_BPMN / "t_fail.bpmn").read_text().replace("ratio = 100 / 0", "ratio = 'x' * len(case_number) * 20000")
    with transaction():
        loader.deploy({"t_fail.bpmn": text.encode()}, actor="owner1")
    case = commands.start_instance(process_id="t_fail", data={}, actor=users["sales1"])
    [ask] = queries.tasks_of(case.id, "ready")
    case = commands.complete_task(task_id=ask.id, data={}, actor=users["sales1"])
    assert case.status == "error" and "over the limit" in case.error["message"]
    other = commands.start_instance(process_id="t_fail", data={}, actor=users["sales1"])
    assert other.status == "running"
