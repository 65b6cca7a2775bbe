"""The business flows. `build_hooks()` is the registry the engine is handed at start-up."""
from __future__ import annotations

from engine import attachments
from engine.hooks import Hooks
from workflows.roles import ROLES


def build_hooks(*, timezone: str = "Asia/Shanghai") -> Hooks:
    return Hooks(roles=ROLES, timezone=timezone, references={"file": attachments.resolve_file},
                 after_command=[attachments.link_case_files])
