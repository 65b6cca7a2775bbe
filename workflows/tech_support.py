"""Technical support 技术支持 (manual art. 36): a customer's question recorded by sales or the desk
is answered by an engineer of the customer's region, by phone at once or in writing. The
8-working-hour answer SLA is set by the SLA rules."""
from __future__ import annotations

from typing import Any

from workflows.case_data import customer_and_equipment, now_local_iso
from workflows.records.dispatch import suggest_engineer

PROCESS_ID = "tech_support"
CASE_PREFIX = "TS"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, **customer_and_equipment(data), "received_at": data.get("received_at") or now_local_iso()}
    data["assigned_engineer"] = answering_engineer(data.get("assigned_engineer"), data["region"])
    data["requested_by"] = username
    return data


# ---------------------------------------------------------------- assignment
def answering_engineer(requested: str | None, region: str) -> str | None:
    """The engineer named when the question was recorded, else one of the customer's region."""
    return requested or suggest_engineer(region)


DRAFTS: dict[str, Any] = {}

# ---------------------------------------------------------------- service-task handlers
SERVICES: dict[str, Any] = {}

# ---------------------------------------------------------------- domain rules
# Phone answers are given at once; written answers (fax, e-mail, letter) within 8 working hours.
