"""Request classification and priority (001: 工单分类, 工单处理优先级): every request has a type —
咨询, 报修, 投诉, 安装, 回访, 预约 — given by its flow, and a priority — 紧急, 高, 普通 — recorded
when it is received (a complaint's grade is its priority). The priority orders every inbox (most
urgent first, then soonest due) and chooses the response SLA: urgent and high requests get their
own response times, ordinary ones keep the flow's usual SLA (workflows/deadlines/sla.py)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.hooks import CommandContext

# process id -> request type (中文, English)
TYPES: dict[str, tuple[str, str]] = {
    "tech_support": ("咨询", "Enquiry"),
    "fault_handling": ("报修", "Repair request"),
    "complaint": ("投诉", "Complaint"),
    "installation": ("安装", "Installation"),
    "delivery_installation": ("安装", "Installation"),
    "revisit": ("回访", "Revisit"),
    "service_appointment": ("预约", "Appointment"),
}
# the department's own work, not requests
INTERNAL = ("compensation_approval", "compensation_office", "sla_escalation", "accident", "tool_loss")
# priority value -> (inbox rank, 中文, English); a request recorded without one is ordinary
PRIORITIES: dict[str, tuple[int, str, str]] = {
    "urgent": (0, "紧急", "Urgent"),
    "high": (1, "高", "High"),
    "ordinary": (2, "普通", "Ordinary"),
}
DEFAULT_PRIORITY = "ordinary"
# Response SLAs of urgent and high requests (and the delivery's first response), as SlaRule fields
# (sla.py builds the rules; a process owner changes them on the SLA settings page like any other).
# Complaints have their own graded rules; appointments and revisits are timed by their booked or
# planned dates.
PRIORITY_PROCESSES = ("installation", "fault_handling", "tech_support", "delivery_installation")
SLA_RULES: tuple[dict[str, Any], ...] = (
    {"key": "urgent_request_response", "name_zh": "紧急工单首次响应", "name_en": "Urgent request: first response",
     "processes": PRIORITY_PROCESSES, "amount": Decimal(2), "unit": "working_hours",
     "condition_field": "priority", "condition_values": ("urgent",)},
    {"key": "high_request_response", "name_zh": "高优先级工单首次响应",
     "name_en": "High-priority request: first response",
     "processes": PRIORITY_PROCESSES, "amount": Decimal(4), "unit": "working_hours",
     "condition_field": "priority", "condition_values": ("high",)},
    {"key": "delivery_assignment", "name_zh": "送货安装派工", "name_en": "Delivery: crew and date assigned",
     "processes": ("delivery_installation",), "amount": Decimal(1), "unit": "working_days",
     "role": "service_head"},  # 004: a service request is answered within one working day
)


def request_type(process_id: str, lang: str = "zh") -> str | None:
    found = TYPES.get(process_id)
    return None if found is None else found[1 if lang == "en" else 0]


def priority_of(data: dict[str, Any] | None) -> str:
    value = (data or {}).get("priority")
    return value if value in PRIORITIES else DEFAULT_PRIORITY


def rank(data: dict[str, Any] | None) -> int:
    return PRIORITIES[priority_of(data)][0]


def on_command(ctx: CommandContext) -> None:
    """After-command hook: a request's tasks carry its priority rank, which the inbox sorts on first."""
    if ctx.instance.process_id not in TYPES:
        return
    for task in ctx.ready_tasks:
        task.priority = rank(ctx.instance.data)
