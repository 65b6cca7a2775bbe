"""The service appointment flow (004: the service advisor's duties) as a diagram."""
from __future__ import annotations

from diagram import Process

from workflows.roles import ROLES


def _lanes(*roles: str) -> list[tuple[str, str]]:
    return [(role, ROLES[role].name_zh) for role in roles]


ENGINEER = {"assignee": "assigned_engineer"}


def service_appointment() -> Process:
    p = Process("service_appointment", "预约服务", _lanes("service_advisor", "engineer", "cashier"),
                doc="客户服务代表岗位职责：接收预约并管理、确认工厂劳动状况、接待、作业指示、进度联系、"
                    "追加作业征得客户同意、说明作业内容及费用、引导结算、提醒下次检查修理。")
    a = "service_advisor"
    p.add("start", "start_booking", "接收预约", a, 0, props={"form": "booking"},
          doc="按工程师工作日历和每日时段预约；已约满的时段不予预约并给出最近的空闲时段。")
    p.add("service", "booking_confirmation", "登记预约时段", a, 1, operator=("confirm_booking", "booking_slot", {}))
    p.add("timer", "reminder_timer", "预约前一天", a, 2, timer="reminder_at")
    p.add("user", "remind_customer", "电话提醒客户", a, 3, props={"form": "remind"})
    p.add("xor", "coming_gateway", "客户按约？", a, 4)
    p.add("service", "booking_release", "释放预约时段", a, 5, row=1, operator=("release_booking", "released", {}))
    p.add("end", "end_cancelled", "预约取消", a, 6, row=1)
    p.add("user", "reception", "接待、设备检查登记", a, 5, props={"form": "reception"},
          doc="确认客户设备信息并更新档案，识别客户需求，检查设备外观并登记，提醒客户保管好贵重物品。")
    p.add("user", "work_order", "填写作业指示", a, 6, props={"form": "work_order"},
          doc="《作业指示》：作业项目、工时、所需备件（确认库存）和派工。")
    p.add("xor", "work_merge", "", "engineer", 7)
    p.add("user", "perform_work", "作业", "engineer", 8, props={"form": "perform_work", **ENGINEER})
    p.add("user", "progress_update", "向客户通报作业进展", a, 9, props={"form": "progress_update"})
    p.add("xor", "added_gateway", "需追加作业？", a, 10)
    p.add("user", "consent", "征求客户同意追加作业", a, 11, props={"form": "consent"},
          doc="若有追加作业须与客户联系并征得同意：记录同意人、方式（电话或签字）和时间。")
    p.add("service", "consent_record", "记录客户同意", a, 12, operator=("record_consent", "consent", {}))
    p.add("xor", "consent_gateway", "客户同意？", a, 13)
    p.add("service", "added_agreement", "追加作业计入费用", "engineer", 13,
          operator=("agree_added_work", "added_agreed", {}))
    p.add("user", "added_work", "追加作业", "engineer", 14, props={"form": "added_work", **ENGINEER})
    p.add("user", "explain_charges", "说明作业内容及费用", a, 11, row=1, props={"form": "explain_charges"})
    p.add("service", "bill_computation", "计算结算金额", a, 12, row=1, operator=("compute_bill", "bill", {}))
    p.add("user", "settlement", "结算（工时费＋备件费）", "cashier", 13, props={"form": "settlement"})
    p.add("user", "close", "交还设备、结案", a, 14, row=1, props={"form": "close"},
          doc="提供使用方面的建议，提醒介绍下次的检查修理。")
    p.add("service", "maintenance_schedule", "安排下次保养提醒", a, 15, row=1,
          operator=("schedule_maintenance_reminder", "maintenance_reminder_at", {}))
    p.add("timer", "maintenance_timer", "下次保养前一周", a, 16, row=1, timer="maintenance_reminder_at")
    p.add("user", "maintenance_reminder", "电话提醒定期保养", a, 17, row=1, props={"form": "maintenance_reminder"})
    p.add("end", "end_done", "服务完成", a, 18, row=1)
    p.chain("start_booking", "booking_confirmation", "reminder_timer", "remind_customer", "coming_gateway")
    p.flow("coming_gateway", "reception", "按约", "coming == True")
    p.flow("coming_gateway", "booking_release", "取消", default=True, route="vertical")
    p.chain("booking_release", "end_cancelled")
    p.chain("reception", "work_order", "work_merge", "perform_work", "progress_update", "added_gateway")
    p.flow("added_gateway", "consent", "是", "added_work_needed == True")
    p.flow("added_gateway", "explain_charges", "否", default=True, route="vertical")
    p.chain("consent", "consent_record", "consent_gateway")
    p.flow("consent_gateway", "added_agreement", "同意", 'consent["granted"] == True', route="vertical")
    p.flow("consent_gateway", "work_merge", "未同意", default=True, route="above")
    p.chain("added_agreement", "added_work")
    p.flow("added_work", "work_merge", route="below")
    p.chain("explain_charges", "bill_computation", "settlement", "close", "maintenance_schedule",
            "maintenance_timer", "maintenance_reminder", "end_done")
    return p
