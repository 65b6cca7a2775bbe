"""Everything a diagram script builds is bounded, whichever builder makes it: statically visible
sizes are refused at deploy; sizes known only at run time fail the step (the case goes to error
with the reason) and nothing of the oversized value reaches the database."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from engine import commands, hooks, loader, queries, store
from engine.commands import transaction
from engine.db import db
from engine.errors import DeployError, ScriptRejected
from engine.jsonutil import dumps
from engine.models import AuditEvent, Instance
from engine.scripts import Sandbox
from tests.conftest import TEST_BPMN

# sizes written in the diagram: refused when it is deployed
STATIC = [
    "ratio = 'a'.ljust(10 ** 8)",
    "ratio = 'a'.rjust(10 ** 8)",
    "ratio = 'a'.center(10 ** 8)",
    "ratio = 'a'.zfill(10 ** 8)",
    "ratio = str.ljust('a', 10 ** 8)",
    "ratio = '-'.join(['ab'] * 99999)",
    "ratio = f'{1:>100000000}'",
    "ratio = f'{1:>{10 ** 8}}'",
    "ratio = '%100000000s' % case_number",
    "ratio = '%*s' % (n, case_number)",
    "ratio = ('a' * 99).replace('', 'x' * 99999)",
    "ratio = ('\\t' * 100).expandtabs(10 ** 7)",
    "ratio = b'ab' * 10 ** 8",
    "ratio = 'ab' * 10 ** 8",
    "ratio = [0] * 10 ** 6",
    "ratio = sorted(range(10 ** 7))",
    "ratio = '%s%s%s' % (('x' * 99999,) * 3)",
]

# sizes that depend on the case (n is about 10**8 here): the case fails at run time
N = "n = len(case_number) * 10 ** 7\n"
RUNTIME = [
    "ratio = 'a'.ljust(n)",
    "ratio = 'a'.rjust(n)",
    "ratio = 'a'.center(n)",
    "ratio = 'a'.zfill(n)",
    "ratio = '-'.join(['abcdefghij'] * (n // 10 ** 4))",
    "ratio = f'{1:>{n}}'",
    "ratio = ('%' + str(n) + 's') % 'a'",
    "ratio = ('%s' * len(case_number)) % (('x' * 99999,) * len(case_number))",
    "ratio = ('a' * len(case_number)).replace('a', 'b' * 99999)",
    "ratio = ('\\t' * len(case_number)).expandtabs(n)",
    "ratio = ('a' * len(case_number)).translate({97: 'b' * 99999})",
    "ratio = str(b'ab' * n)",
    "ratio = 'ab' * n",
    "ratio = [[0] * 99999 for i in range(n // 10 ** 5)]",
    "ratio = {i: list(range(99999)) for i in range(n // 10 ** 5)}",
    "ratio = [sorted(range(99999)) for i in range(n // 10 ** 5)]",
    "ratio = str([[0] * 99999] * (n // 10 ** 5))",
    "ratio = list(map(str.ljust, ['a'], [n]))",
    "ratio = sum([[0] * 99999] * (n // 10 ** 5), [])",
    "ratio = ['a']\nfor i in range(len(case_number) * 3):\n    ratio += ratio",
    "ratio = ['a']\nfor i in range(len(case_number) * 3):\n    ratio.extend(ratio)",
    "ratio = {'k': 'a'}\nratio['k'] *= n",
    "ratio = int(Decimal('1e99999') * len(case_number))",
    "ratio = f'{Decimal(len(case_number)).scaleb(999990):f}'",
]


def _diagram(script: str) -> bytes:
    text = (TEST_BPMN / "t_fail.bpmn").read_text().replace("ratio = 100 / 0", script.replace("<", "&lt;"))
    return text.encode()


@pytest.mark.parametrize("script", STATIC)
def test_a_size_written_in_the_diagram_is_refused_at_deploy(script):
    with pytest.raises(DeployError) as caught, transaction():
        loader.deploy({"t_fail.bpmn": _diagram(script)}, actor="owner1")
    [problem] = caught.value.errors
    assert problem["element"] == "divide"
    assert "limit" in problem["problem"] or "not allowed" in problem["problem"]
    assert loader.latest("t_fail") is None


def _run_to_the_script(script: str, users):
    with transaction():
        loader.deploy({"t_fail.bpmn": _diagram(script)}, actor="owner1")
    case = commands.start_instance(process_id="t_fail", data={}, actor=users["sales1"])
    [ask] = queries.tasks_of(case.id, "ready")
    return commands.complete_task(task_id=ask.id, data={}, actor=users["sales1"])


def _stored_bytes(instance_id: int) -> int:
    """What the case put in the database: its row and its audit events."""
    db.session.expire_all()
    row = db.session.get(Instance, instance_id)
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)).scalars()
    return len(row.state) + len(dumps(row.data)) + sum(len(dumps(e.data)) + len(dumps(e.state)) for e in events)


@pytest.mark.parametrize("script", RUNTIME)
def test_a_size_known_at_run_time_fails_the_case_and_stores_nothing_of_it(script, users):
    case = _run_to_the_script(N + script, users)
    assert case.status == "error"
    assert case.error["element_id"] == "divide"
    assert "limit" in case.error["message"] or "too large" in case.error["message"]
    assert "ratio" not in case.data
    assert _stored_bytes(case.id) < 100_000


def test_case_data_over_the_cap_fails_with_the_reason(users):
    """Values each within the per-value limit, together over the 1 MB case cap."""
    case = _run_to_the_script(N + "ratio = ['x' * 99000 for i in range(len(case_number))]", users)
    assert case.status == "error"
    assert "over the limit of 1.0 MB" in case.error["message"]
    assert "nothing of it was stored" in case.error["message"]
    assert _stored_bytes(case.id) < 100_000


@pytest.fixture
def case_cap():
    """Set the case data cap (the AFTERCARE_MAX_CASE_DATA_MB setting) for one test."""
    previous = hooks.get()

    def set_cap(limit: int) -> None:
        hooks.configure(dataclasses.replace(previous, max_case_data_bytes=limit))

    yield set_cap
    hooks.configure(previous)
    store.script_engine()


def test_the_cap_is_a_setting(users, case_cap):
    script = N + "ratio = 'x' * 30000"
    case_cap(20_000)
    assert _run_to_the_script(script, users).status == "error"
    case_cap(50_000)
    case = commands.start_instance(process_id="t_fail", data={}, actor=users["sales1"])
    [ask] = queries.tasks_of(case.id, "ready")
    case = commands.complete_task(task_id=ask.id, data={}, actor=users["sales1"])
    assert case.status == "completed" and len(case.data["ratio"]) == 30000


def test_a_submission_that_would_pass_the_cap_is_refused_and_nothing_changes(deploy, users, case_cap):
    deploy("t_forms")
    case_cap(3_000)
    with pytest.raises(ScriptRejected, match="over the limit") as caught:
        commands.start_instance(process_id="t_forms", data={"customer_name": "甲", "symptom": "x" * 5000},
                                actor=users["sales1"])
    assert caught.value.code == "case_data_too_large"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Instance)).scalar_one() == 0


@pytest.mark.parametrize("expression", [
    "'a'.ljust(width)", "'-'.join(['ab'] * (width // 10 ** 3))", "f'{1:>{width}}'", "'%*s' % (width, 'a')",
    "[0] * width", "str([[0] * 99999] * 1000)", "('x' * 1000).center(width)",
])
def test_expressions_are_bounded_too(expression):
    with pytest.raises(ScriptRejected):
        Sandbox().evaluate(expression, {"width": 10 ** 8})


def test_ordinary_builders_still_work():
    sandbox = Sandbox()
    data = {"name": "张三", "lines": [{"q": 2, "p": 3}, {"q": 1, "p": 5}], "amount": 1234.5}
    assert sandbox.evaluate("name.ljust(4, '*') + '|' + f'{amount:>10.2f}' + '%05d' % 42", data) \
        == "张三**|   1234.50" + "00042"
    assert sandbox.evaluate("', '.join(str(l['q']) for l in lines)", data) == "2, 1"
    assert sandbox.evaluate("sorted([l['p'] for l in lines], key=abs)", data) == [3, 5]
    out = {"lines": [1]}
    sandbox.execute("lines += [2]\ntotals = {'a': 1}\ntotals['a'] += 2\nlabel = 'x'.zfill(3)", out)
    assert out == {"lines": [1, 2], "totals": {"a": 3}, "label": "00x"}
