"""Flow 2, quality fault handling 质量故障处理 (manual art. 23–32): sales records the fault (the
system adds factory date, inspection record and warranty status), the desk analyses it, the sales
VP decides remote support or on-site service and names the engineer. Remote: guidance, and the
customer becomes a key revisit target; an unresolved fault goes on site. On site: investigation,
repair — with warranty parts replaced, Flow 4 runs as a call activity on the engineer's parts list
— test, trial run and the fault report. The manager reviews and a phone revisit is opened."""
from __future__ import annotations

from typing import Any

from engine.clock import utc_naive
from engine.context import current
from engine.db import db
from engine.jsonutil import plain
from workflows import revisit
from workflows.case_data import equipment_facts, local_date, now_local_iso
from workflows.compensation_approval import claim_amount, price_lines
from workflows.records.dispatch import suggest_engineer_service
from workflows.records.tables import Customer

PROCESS_ID = "fault_handling"
CASE_PREFIX = "FLT"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, "received_at": data.get("received_at") or now_local_iso()}
    data.update(equipment_facts(data["equipment_serial"], on=local_date(data["occurred_at"])))
    data["requested_by"] = username
    data["warranty_parts"] = []  # the engineer lists them at the repair
    data["emergency"] = False
    return data


# ---------------------------------------------------------------- assignment
def dispatch_draft(case: dict[str, Any]) -> dict[str, Any]:
    """The VP's decision form opens with the suggested engineer and the desk's suggested mode."""
    return {"assigned_engineer": case.get("suggested_engineer"), "service_mode": case.get("suggested_mode")}


DRAFTS = {f"{PROCESS_ID}/vp_decision": dispatch_draft}


# ---------------------------------------------------------------- service-task handlers
def flag_key_revisit(data: dict[str, Any], params: dict[str, Any]) -> bool:
    """After remote support the customer is a key target of the next revisit plan (art. 27)."""
    customer = db.session.get(Customer, data["customer_id"])
    if customer is None:
        return False
    info = current()
    customer.key_revisit, customer.key_revisit_case = True, info.case_number
    customer.updated_at = utc_naive(info.now)
    return True


def compensation_claim(data: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The compensation claim for the warranty parts the engineer replaced: priced lines, total,
    emergency flag, and the fault's photos as the damage report's evidence."""
    lines = price_lines(data["warranty_parts"])
    evidence = [*(data.get("photos") or []), *(data.get("site_photos") or []), *(data.get("repair_photos") or [])]
    description = "；".join(filter(None, [data.get("symptom"), data.get("findings"), data.get("work_done")]))
    return plain({"lines": lines, "amount": claim_amount(lines), "emergency": bool(data.get("emergency")),
                  "evidence": evidence, "evidence_kind": "damage_report", "description": description})


SERVICES = {"suggest_engineer": suggest_engineer_service, "open_revisit": revisit.open_revisit,
            "flag_key_revisit": flag_key_revisit, "compensation_claim": compensation_claim}

# ---------------------------------------------------------------- domain rules
# Warranty status comes from the equipment record on the day the fault occurred (case_data.py);
# a claim needs warranty parts on equipment under warranty (the `parts_gateway` condition).
