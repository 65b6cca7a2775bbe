"""Forms of service appointments (预约服务, 004): booking, reminder, reception, 作业指示, progress,
the customer's consent to added work, the charges, settlement and closing."""
from __future__ import annotations

from form_kit import enum, f, form, ro
from forms_priority import priority_field

SLOTS = [("morning", "上午", "Morning"), ("afternoon", "下午", "Afternoon")]
CHANNELS = [("phone", "电话", "Phone"), ("sms", "短信", "Text message"), ("in_person", "当面", "In person")]


def labour_rows(name: str, zh: str, en: str, required: bool = False):
    return f(name, "rows", zh, en, required, fields=[
        f("item", "string", "作业项目", "Work item", True, max_length=120),
        f("hours", "number", "工时", "Hours", True, min=0, max=1000, places=1),
        f("rate", "number", "工时单价（元）", "Rate (yuan/hour)", True, min=0, max=100000, places=2)])


def parts_rows(name: str, zh: str, en: str):
    return f(name, "rows", zh, en, fields=[
        f("part", "part", "备件", "Part", True),
        f("quantity", "integer", "数量", "Quantity", True, min=1, max=10000),
        f("unit_price", "number", "单价（元，空则按备件目录）", "Unit price (yuan; empty: catalogue)", min=0,
          max=10000000, places=2)])


SERVICE_APPOINTMENT = {
    "booking": form(
        "预约登记", "Appointment booking",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial"),
        f("appointment_date", "date", "预约日期", "Date", True),
        enum("slot", "时段", "Slot", SLOTS, True),
        enum("service_kind", "服务类别", "Kind of service", [
            ("maintenance", "定期保养", "Scheduled maintenance"), ("repair", "维修", "Repair"),
            ("inspection", "检查", "Inspection")], True),
        priority_field(),
        f("needs", "text", "客户需求", "Customer's needs", max_length=2000),
        f("parts_expected", "text", "预计所需备件（确认库存）", "Parts expected (stock checked)", max_length=2000)),
    "remind": form(
        "预约提醒", "Appointment reminder",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("slot_label", "string", "预约时段", "Slot"),
        f("coming", "boolean", "客户确认按约到厂", "Customer confirms", True),
        f("note", "text", "通话记录", "Call notes", max_length=2000)),
    "reception": form(
        "接待与设备检查登记", "Reception and equipment check-in",
        ro("customer_name", "string", "客户单位", "Customer"),
        f("equipment_condition", "text", "设备外观、状况检查", "Equipment condition checked", True, max_length=2000),
        f("items_left", "text", "随设备交接的物品（提醒客户保管贵重物品）", "Items handed over", max_length=2000),
        f("customer_needs", "text", "确认的客户需求", "Needs confirmed", True, max_length=2000),
        f("record_updated", "boolean", "客户档案已更新", "Customer record updated"),
        f("estimate", "number", "预估费用（元）", "Estimate (yuan)", min=0, max=10000000, places=2)),
    "work_order": form(
        "作业指示", "Work order",
        f("assigned_engineer", "engineer", "派工（服务工程师）", "Engineer", True),
        labour_rows("labour", "作业项目及工时", "Work items and hours", True),
        parts_rows("parts", "所需备件", "Parts"),
        f("promised_at", "datetime", "承诺完工时间", "Promised completion"),
        f("instructions", "text", "作业说明", "Instructions", max_length=2000)),
    "perform_work": form(
        "作业进展", "Work progress",
        f("progress", "text", "作业进展", "Progress", True, max_length=2000),
        f("added_work_needed", "boolean", "需要追加作业", "Added work needed", True),
        f("added_work", "text", "追加作业内容及原因", "Added work and why", max_length=2000),
        labour_rows("added_labour", "追加作业工时", "Added work hours"),
        parts_rows("added_parts", "追加备件", "Added parts")),
    "progress_update": form(
        "向客户通报进展", "Progress update to the customer",
        ro("progress", "text", "作业进展", "Progress"),
        enum("channel", "联系方式", "Channel", CHANNELS, True),
        f("told_at", "datetime", "通报时间", "Told at", True),
        f("message", "text", "通报内容", "What the customer was told", True, max_length=2000)),
    "consent": form(
        "追加作业客户同意记录", "Customer's consent to added work",
        ro("added_work", "text", "追加作业内容", "Added work"),
        f("consent_given", "boolean", "客户同意追加作业", "Customer agrees", True),
        f("consent_by", "string", "同意人", "Agreed by", True, max_length=60),
        enum("consent_method", "同意方式", "How", [("phone", "电话", "By phone"),
                                               ("signature", "签字", "Signed")], True),
        f("consent_at", "datetime", "同意时间", "When", True),
        f("consent_signature", "file", "客户签字（签字同意时必填）", "Signed consent (required when signed)",
          multiple=False),
        f("consent_note", "text", "备注", "Note", max_length=2000)),
    "added_work": form(
        "追加作业", "Added work",
        ro("added_work", "text", "追加作业内容", "Added work"),
        f("work_done", "text", "完成情况", "Work done", True, max_length=2000)),
    "explain_charges": form(
        "说明作业内容及费用", "Work and charges explained",
        labour_rows("final_labour", "工时费明细", "Labour", True),
        parts_rows("final_parts", "备件费明细", "Parts"),
        f("explained", "boolean", "已向客户说明作业内容及费用", "Explained to the customer", True),
        f("customer_questions", "text", "客户意见", "Customer's questions", max_length=2000)),
    "settlement": form(
        "结算", "Settlement",
        ro("customer_name", "string", "客户单位", "Customer"),
        enum("payment_method", "付款方式", "Payment method", [
            ("cash", "现金", "Cash"), ("card", "刷卡", "Card"), ("transfer", "转账", "Bank transfer")], True),
        f("amount_paid", "number", "实收金额（元）", "Amount paid (yuan)", True, min=0, max=10000000, places=2),
        f("receipt_number", "string", "收据号", "Receipt number", max_length=40)),
    "close": form(
        "交还设备、结案", "Hand-over and close",
        f("handed_over", "boolean", "设备已完好交还客户", "Equipment handed back", True),
        f("usage_advice", "text", "使用建议", "Advice on use", max_length=2000),
        f("next_maintenance_date", "date", "下次保养日期", "Next maintenance", True)),
    "maintenance_reminder": form(
        "定期保养提醒", "Maintenance reminder",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("next_maintenance_date", "date", "保养日期", "Maintenance due"),
        enum("customer_response", "客户答复", "Customer's answer", [
            ("book", "预约回厂保养", "Books a visit"), ("later", "以后再约", "Later"),
            ("declined", "不需要", "Declined")], True),
        f("note", "text", "通话记录", "Call notes", max_length=2000)),
}
