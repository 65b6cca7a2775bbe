"""The priority every request is recorded with (001: 工单处理优先级); its SLAs follow it."""
from __future__ import annotations

from form_kit import enum


def priority_field():
    return enum("priority", "优先级", "Priority", [("urgent", "紧急", "Urgent"), ("high", "高", "High"),
                                              ("ordinary", "普通", "Ordinary")],
                help=("紧急：停产、安全隐患；高：影响生产；其余为普通（留空即普通）。",
                      "Urgent: production stopped or a safety risk; high: production affected; otherwise "
                      "ordinary (empty means ordinary)."))
