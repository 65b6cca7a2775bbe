"""The business flows. `build_hooks()` is the registry the engine is handed at start-up."""
from __future__ import annotations

from engine.hooks import Hooks
from workflows import calendar, sla_tracking
from workflows.roles import ROLES


def build_hooks(*, timezone: str = "Asia/Shanghai") -> Hooks:
    return Hooks(roles=ROLES, timezone=timezone, script_helpers=dict(calendar.SCRIPT_HELPERS),
                 after_command=[sla_tracking.on_command],
                 timer_handlers={"sla_warn": sla_tracking.on_warning, "sla_breach": sla_tracking.on_breach})
