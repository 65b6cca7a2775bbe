"""Errors are data: a stable code, a message and context. Only web/errors.py maps them to HTTP."""
from __future__ import annotations

from typing import Any


class AftercareError(Exception):
    code = "error"

    def __init__(self, message: str, **context: Any):
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.context}


class NotFound(AftercareError):
    code = "not_found"


class Forbidden(AftercareError):
    code = "forbidden"


class Conflict(AftercareError):
    """The thing changed under you: a task already done, a stale version, a duplicate."""

    code = "conflict"


class ValidationFailed(AftercareError):
    """Submitted data is invalid; `errors` maps a field path to its messages."""

    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]], message: str = "submitted data is invalid"):
        super().__init__(message, errors=errors)
        self.errors = errors


class DeployError(AftercareError):
    """A diagram bundle was refused; `errors` lists {element, problem} items."""

    code = "invalid_model"

    def __init__(self, errors: list[dict[str, str]], message: str = "the model was rejected"):
        super().__init__(message, errors=errors)
        self.errors = errors


class ScriptRejected(AftercareError):
    """A diagram expression uses something the sandbox forbids."""

    code = "script_rejected"


class EngineFailure(AftercareError):
    """The workflow engine failed on a task; the instance is put in error with this recorded."""

    code = "engine_error"
