"""The script engine SpiffWorkflow runs a case's expressions, scripts and service tasks with: our
sandbox (engine/scripts.py) for the first two, the handlers registered by workflows/ for the third."""
from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.jsonutil import dumps
from engine.scripts import Sandbox


class _SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, sandbox: Sandbox):
        super().__init__({})
        self.sandbox = sandbox

    def evaluate(self, expression, context, external_context=None):
        return self.sandbox.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        self.sandbox.execute(script, context, external_context)
        return True


ServiceHandler = Callable[[dict[str, Any], dict[str, Any]], Any]


class AftercareScriptEngine(PythonScriptEngine):
    """Sandboxed expressions and scripts; service tasks call handlers registered by workflows/."""

    def __init__(self, sandbox: Sandbox, services: Mapping[str, ServiceHandler]):
        super().__init__(environment=_SandboxEnvironment(sandbox))
        self.services = services

    def validate(self, expression):  # the DMN engine relies on SyntaxError here
        ast.parse(expression)

    def call_service(self, task, operation_name=None, operation_params=None, **_kwargs):
        handler = self.services.get(operation_name)
        if handler is None:
            raise WorkflowTaskException(f"no service handler named '{operation_name}'", task=task)
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        try:
            result = handler(dict(task.data), params)
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(f"service '{operation_name}' failed: {exc}", task=task,
                                        exception=exc) from exc
        return dumps(result)


def build_script_engine(sandbox: Sandbox, services: Mapping[str, ServiceHandler]) -> AftercareScriptEngine:
    return AftercareScriptEngine(sandbox, services)
