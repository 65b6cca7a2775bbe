"""The business flows. `build_hooks()` is the registry the engine is handed at start-up."""
from __future__ import annotations

from engine import attachments
from engine.hooks import Hooks
from workflows import (
    accident,
    compensation_approval,
    compensation_office,
    complaint,
    delivery_installation,
    fault_handling,
    installation,
    revisit,
    service_appointment,
    tech_support,
    tool_loss,
)
from workflows.collaboration import triggers as collaboration
from workflows.deadlines import (
    calendar,
    revisit_plan,  # noqa: F401 - its tables exist wherever the app runs
    sla_tracking,
)
from workflows.documents import customer_link, signatures  # noqa: F401 - customer_link: its table exists
from workflows.management import facts_update
from workflows.management import scorecard as _scorecard  # noqa: F401 - its tables and the fines ledger's
from workflows.management import tools_schedule as _tools_schedule  # noqa: F401 - the yearly request's table
from workflows.records import classification, parts_draw  # noqa: F401 - its table exists wherever the app runs
from workflows.records.dispatch import prefill_hook, teammates
from workflows.records.references import REFERENCES
from workflows.roles import ROLES

FLOWS = (installation, fault_handling, revisit, compensation_approval, compensation_office, tech_support, complaint,
         service_appointment, delivery_installation, accident, tool_loss)


def build_hooks(*, timezone: str = "Asia/Shanghai", max_case_data_bytes: int = 1_000_000,
                engineer_reads: str = "team") -> Hooks:
    """`engineer_reads`: `team` (an engineer reads the cases assigned to anyone of their region
    team) or `own` (only the cases assigned to them)."""
    if engineer_reads not in ("team", "own"):
        raise ValueError(f"engineer_reads must be 'team' or 'own', not {engineer_reads!r}")
    services: dict = {}
    drafts: dict = {}
    for flow in FLOWS:
        services.update(flow.SERVICES)
        drafts.update(flow.DRAFTS)
    return Hooks(
        roles=ROLES,
        services=services,
        references={**REFERENCES, "file": attachments.resolve_file},
        prepare_start={flow.PROCESS_ID: flow.prepare_start for flow in FLOWS if hasattr(flow, "prepare_start")},
        case_prefixes={flow.PROCESS_ID: flow.CASE_PREFIX for flow in FLOWS},
        after_command=[prefill_hook(drafts), classification.on_command, service_appointment.on_command,
                       sla_tracking.on_command, attachments.link_case_files, signatures.record_signatures,
                       collaboration.on_command, installation.register_equipment,
                       facts_update.on_command],  # facts last: they read the others
        script_helpers=dict(calendar.SCRIPT_HELPERS),
        timer_handlers={"sla_warn": sla_tracking.on_warning,
                        "sla_breach": facts_update.after_timer(sla_tracking.on_breach)},
        timezone=timezone,
        max_case_data_bytes=max_case_data_bytes,
        case_colleagues=teammates if engineer_reads == "team" else None,
    )
