"""Flow 2, quality fault handling 质量故障处理 (manual art. 23–32): sales records the fault (the
system adds factory date, inspection record and the warranty computed from the equipment register),
the desk analyses it. Out of warranty the repair is paid: the desk quotes, the customer accepts or
declines (a decline ends the case with the reason), and the fee is paid before or after the work as
the company's setting says. The sales VP decides remote support or on-site service; the service
manager confirms the engineer, with the suggestion by region and load. Remote: guidance, and the
customer becomes a key revisit target; an unresolved fault goes on site. On site: investigation,
repair — with warranty parts replaced, Flow 4 runs as a call activity alongside: the engineer's test
and trial run go on once the parts are shipped (or the claim is rejected), while the cost and the
quality VP's responsibility decision are still open. The fault report, the manager's review and the
phone revisit follow."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.clock import utc_naive
from engine.context import current
from engine.db import db
from engine.jsonutil import plain
from workflows import revisit
from workflows.case_data import equipment_facts, local_date, now_local_iso
from workflows.compensation_approval import CENT, claim_amount, price_lines
from workflows.records.dispatch import suggest_engineer_service
from workflows.records.tables import Customer
from workflows.records.warranty import paid_repair_payment

PROCESS_ID = "fault_handling"
CASE_PREFIX = "FLT"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    data = {**data, "received_at": data.get("received_at") or now_local_iso()}
    data.update(equipment_facts(data["equipment_serial"], on=local_date(data["occurred_at"])))
    data["requested_by"] = username
    data["warranty_parts"] = []  # the engineer lists them at the repair
    data["emergency"] = False
    if not data["in_warranty"]:  # a paid repair: when the fee is due is fixed for the case when it starts
        data["payment_timing"] = paid_repair_payment()
    return data


# ---------------------------------------------------------------- assignment
def mode_draft(case: dict[str, Any]) -> dict[str, Any]:
    """The VP's decision form opens with the desk's suggested mode."""
    return {"service_mode": case.get("suggested_mode")}


def engineer_draft(case: dict[str, Any]) -> dict[str, Any]:
    """The manager's assignment opens with the suggested engineer (customer's region, fewest open tasks)."""
    return {"assigned_engineer": case.get("suggested_engineer")}


DRAFTS = {f"{PROCESS_ID}/vp_decision": mode_draft, f"{PROCESS_ID}/assign_engineer": engineer_draft}


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


def price_quote(data: dict[str, Any], params: dict[str, Any]) -> str:
    """The paid repair's total: the parts at catalogue prices, the labour and the travel."""
    parts = claim_amount(price_lines(data.get("quote_parts") or []))
    fees = sum((Decimal(str(data.get(name) or 0)) for name in ("labour_fee", "travel_fee")), Decimal("0"))
    return str((parts + fees).quantize(CENT))


SERVICES = {"suggest_engineer": suggest_engineer_service, "open_revisit": revisit.open_revisit,
            "flag_key_revisit": flag_key_revisit, "compensation_claim": compensation_claim,
            "price_quote": price_quote}

# ---------------------------------------------------------------- domain rules
# Warranty status is computed from the equipment register on the day the fault occurred
# (records/warranty.py): out of warranty the repair is quoted and paid (`warranty_gateway`); a claim
# needs warranty parts on equipment under warranty (the `parts_gateway` condition).
