"""A lost or damaged service tool 服务器械遗失损坏 (《售后服务器械管理办法》; manual art. 12): the
engineer reports a tool of their register at once; the service manager finds normal wear (repair
or scrap, nothing to pay) or loss / wilful damage; then the compensation is computed on the price
and the full half-years of use (workflows/management/calculators.py) and the engineer signs the
服务器械赔偿单, which is recorded with the tool marked lost."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from engine.context import current
from engine.errors import Forbidden, ValidationFailed
from workflows.management import calculators, tools

PROCESS_ID = "tool_loss"
CASE_PREFIX = "TL"


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    """The reported tool must be one the reporter holds; its name, class, price and issue day come
    from the register."""
    item = tools.item_of(data.get("tool_item"))
    if item.engineer != username:
        raise Forbidden("an engineer reports only a tool issued to them", tool_item=item.id)
    if item.status != tools.ISSUED:
        raise ValidationFailed({"tool_item": [f"tool {item.id} is no longer held ({item.status})"]})
    if dt.date.fromisoformat(str(data["lost_on"])[:10]) < item.issued_on:
        raise ValidationFailed({"lost_on": ["cannot be before the tool was issued"]})
    tool = tools.KIT[item.code]
    return {**data, "tool_item": item.id, "tool_name": tool.name_zh, "tool_class": tool.tool_class,
            "price": str(item.price), "issued_on": item.issued_on.isoformat(), "reported_by": username}


DRAFTS: dict[str, Any] = {}


# ---------------------------------------------------------------- service-task handlers
def compensation_service(data: dict[str, Any], params: dict[str, Any]) -> str:
    """`compensation_amount`: the price less the class's share per full half-year, at least 10 %."""
    result = calculators.tool_compensation(
        Decimal(str(data["price"])), data["tool_class"], dt.date.fromisoformat(data["issued_on"]),
        dt.date.fromisoformat(str(data["lost_on"])[:10]))
    return str(result.amount)


def _record(data: dict[str, Any], cause: str, amount: Decimal) -> str:
    info = current()
    item = tools.item_of(data["tool_item"])
    tools.record_outcome(item, cause=cause, amount=amount, instance_id=info.instance_id,
                         case_number=info.case_number, now=info.now)
    return item.status


def wear_service(data: dict[str, Any], params: dict[str, Any]) -> str:
    """`tool_status`: normal wear — the tool goes to repair or scrapping, nothing to pay."""
    return _record(data, "normal_wear", Decimal("0.00"))


def compensation_record_service(data: dict[str, Any], params: dict[str, Any]) -> str:
    """`tool_status`: the signed 服务器械赔偿单 is recorded and the tool marked lost."""
    return _record(data, "fault", Decimal(str(data["compensation_amount"])))


SERVICES = {"tool_compensation": compensation_service, "record_tool_wear": wear_service,
            "record_tool_compensation": compensation_record_service}

# ---------------------------------------------------------------- domain rules
# Class shares and the 10 % floor: workflows/management/calculators.py; the kit and service lives:
# workflows/management/tools.py.
