"""Major responsibility accident 重大责任事故 (rule NK-MF25-B; manual art. 14): the quality VP's
accident team records the accident, its loss and the engineer responsible; the fine is computed on
the loss in progressive bands (workflows/management/calculators.py, bands a process owner sets);
the service manager confirms it (or returns the finding to the quality VP); the general manager
decides the sanction (降级, 停止涨薪, 免职, 开除, or none) and the fine is booked in the ledger."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.context import current
from workflows.case_data import local_zone
from workflows.management import accountability_settings, calculators, fines

PROCESS_ID = "accident"
CASE_PREFIX = "ACC"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    return {**data, "recorded_by": username}


DRAFTS: dict[str, Any] = {}


# ---------------------------------------------------------------- service-task handlers
def fine_service(data: dict[str, Any], params: dict[str, Any]) -> str:
    """`accident_fine`: the fine on the recorded loss under the bands as they stand."""
    return str(calculators.accident_fine(Decimal(str(data["loss"])), accountability_settings.accident_bands()).fine)


def booking_service(data: dict[str, Any], params: dict[str, Any]) -> int:
    """`fine_entry`: the ledger row of the confirmed fine, with the sanction decided, in the month decided."""
    info = current()
    month = info.now.astimezone(local_zone()).strftime("%Y-%m")
    entry = fines.book_accident(engineer=data["responsible_engineer"], month=month,
                                amount=Decimal(str(data["accident_fine"])), instance_id=info.instance_id,
                                case_number=info.case_number, sanction=data.get("sanction"),
                                note=data.get("decision_reason"), recorded_by=info.actor, now=info.now)
    return entry.id


SERVICES = {"accident_fine": fine_service, "book_accident_fine": booking_service}

# ---------------------------------------------------------------- domain rules
# The bands and the fine are in workflows/management/calculators.py; the sanctions are the choices of
# the `sanction` form (bpmn/tools/forms_accountability.py).
