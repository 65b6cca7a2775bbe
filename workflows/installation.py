"""Flow 1, equipment installation and commissioning 设备安装调试 (manual art. 16–22): sales files
the request, the desk reviews, the sales VP approves, the manager sends an engineer, who checks the
lists, counts the goods, commissions, trains and tests on site (a failed test goes back to
commissioning), then reports; the manager reviews and a phone revisit is opened for 14 days on."""
from __future__ import annotations

from typing import Any

from workflows import revisit
from workflows.case_data import customer_facts
from workflows.records.dispatch import suggest_engineer_service
from workflows.records.installed_base import on_installation_completed

PROCESS_ID = "installation"
CASE_PREFIX = "INS"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    facts = customer_facts(data["customer_id"])
    data = {**data, **facts}
    for field, fallback in (("address", "customer_address"), ("contact", "customer_contact"),
                            ("phone", "customer_phone")):
        data[field] = data.get(field) or facts[fallback]
    data["requested_by"] = username  # sales hears of a rejection
    data["attendees"] = []  # no training yet: after a failed test, training is not repeated
    return data


# ---------------------------------------------------------------- assignment
def assignment_draft(case: dict[str, Any]) -> dict[str, Any]:
    """The manager's form opens with the suggested engineer filled in."""
    return {"assigned_engineer": case.get("suggested_engineer")}


DRAFTS = {f"{PROCESS_ID}/assign_engineer": assignment_draft}

# ---------------------------------------------------------------- service-task handlers
SERVICES = {"suggest_engineer": suggest_engineer_service, "open_revisit": revisit.open_revisit}

# ---------------------------------------------------------------- after the case
# the equipment commissioned on the case enters the register, its commissioning date starting the warranty
register_equipment = on_installation_completed(PROCESS_ID)

# ---------------------------------------------------------------- domain rules
# The region → team rule and the load balancing are in workflows/records/dispatch.py; the approval and the
# test loop are conditions in bpmn/installation.bpmn (`approved`, `passed`, `attendees`).
