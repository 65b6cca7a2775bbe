"""Forms of parts-compensation approval (零部件赔偿)."""
from __future__ import annotations

from form_kit import DEPARTMENTS, approval, enum, f, form, rejection_notice, ro

# ---------------------------------------------------------------- 零部件赔偿
COMPENSATION_CONTEXT = (ro("amount", "number", "赔偿总金额（元）", "Total amount (yuan)"),
                        ro("emergency", "boolean", "紧急事件", "Emergency"),
                        ro("recommendation", "text", "售后服务部处理建议", "Desk recommendation"))
COMPENSATION_APPROVAL = {
    "claim": form(
        "售后赔偿申请单", "Parts compensation claim",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial", True),
        enum("evidence_kind", "赔偿依据", "Evidence", [
            ("quality_letter", "客户质量问题来函（传真、邮件）", "Customer's quality letter (fax, e-mail)"),
            ("damage_report", "设备损坏状况报告（照片）", "Damage report with photos")], True),
        f("evidence", "file", "依据文件", "Evidence files", True, multiple=True),
        f("description", "text", "损坏状况说明", "Damage description", True),
        f("lines", "rows", "赔偿零部件", "Parts", True, min_rows=1, max_rows=50, fields=[
            f("part_code", "part", "零件", "Part", True),
            f("quantity", "integer", "数量", "Quantity", True, min=1, max=1000),
            f("unit_price", "number", "单价（元）", "Unit price (yuan)", min=0, places=2,
              help=("留空按零部件目录价", "Empty means the catalogue price"))]),
        f("emergency", "boolean", "紧急事件", "Emergency"),
        ro("amount", "number", "赔偿总金额（元）", "Total amount (yuan)")),
    "desk_verify": form(
        "核实来函/报告并分析原因", "Verify the evidence and analyse the cause",
        COMPENSATION_CONTEXT[0], COMPENSATION_CONTEXT[1],
        f("evidence_verified", "boolean", "来函/报告已核实并存档", "Evidence verified and filed", True),
        enum("departments", "会同部门", "Departments consulted", DEPARTMENTS, multiple=True),
        f("cause_analysis", "text", "原因分析", "Cause analysis", True),
        f("recommendation", "text", "处理建议", "Recommendation", True)),
    "manager_approval": approval("售后服务部经理审批（紧急，1000元以下）",
                                 "Service manager approval (emergency, up to 1,000)", *COMPENSATION_CONTEXT),
    "vp_approval": approval("分管销售副总审批（赔偿）", "Sales VP approval (compensation)", *COMPENSATION_CONTEXT),
    "gm_approval": approval("总经理审批（赔偿）", "General manager approval (compensation)", *COMPENSATION_CONTEXT),
    "rejection_notice": rejection_notice("赔偿申请被驳回", "Compensation claim rejected"),
    "production_order": form(
        "下达排产计划", "Production order",
        f("order_number", "string", "排产单号", "Order number", True, max_length=40),
        f("delivery_date", "date", "交货期限", "Delivery date", True),
        f("note", "text", "备注", "Note")),
    "production": form(
        "组织生产", "Production",
        f("finished_on", "date", "完工日期", "Finished on", True),
        f("batch_number", "string", "批号", "Batch number", max_length=40),
        f("note", "text", "备注", "Note")),
    "shipping": form(
        "发运", "Shipping",
        f("shipped_on", "date", "发运日期", "Shipped on", True),
        f("carrier", "string", "承运方", "Carrier", True, max_length=80),
        f("tracking_number", "string", "运单号", "Tracking number", max_length=60),
        f("note", "text", "备注", "Note")),
}

# ---------------------------------------------------------------- 赔偿成本核算与责任认定 (the claim's office work)
COMPENSATION_OFFICE = {
    "start": form(
        "赔偿成本核算与责任认定", "Cost recording and responsibility",
        f("claim_case", "string", "赔偿案件", "Claim case", True, max_length=40),
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "string", "设备出厂编号", "Equipment serial", max_length=80),
        f("amount", "number", "赔偿总金额（元）", "Total amount (yuan)", True, min=0, places=2),
        f("parts", "text", "赔偿零部件", "Parts"),
        f("description", "text", "损坏状况说明", "Damage description"),
        f("cause_analysis", "text", "原因分析", "Cause analysis"),
        f("shipped_on", "date", "发运日期", "Shipped on"),
        f("carrier", "string", "承运方", "Carrier", max_length=80)),
    "cost_recording": form(
        "赔偿成本核算", "Cost recording",
        ro("claim_case", "string", "赔偿案件", "Claim case"),
        ro("parts", "text", "赔偿零部件", "Parts"),
        ro("amount", "number", "赔偿总金额（元）", "Total amount (yuan)"),
        ro("carrier", "string", "承运方", "Carrier"),
        f("machining_cost", "number", "加工成本（元）", "Machining (yuan)", True, min=0, places=2),
        f("purchase_cost", "number", "采购成本（元）", "Purchase (yuan)", True, min=0, places=2),
        f("freight_cost", "number", "发运费用（元）", "Freight (yuan)", True, min=0, places=2),
        f("note", "text", "备注", "Note")),
    "responsibility": form(
        "赔偿责任认定", "Responsibility",
        ro("claim_case", "string", "赔偿案件", "Claim case"),
        ro("description", "text", "损坏状况说明", "Damage description"),
        ro("cause_analysis", "text", "原因分析", "Cause analysis"),
        enum("responsible_party", "责任方", "Responsible party", [
            ("supplier", "供应商", "Supplier"), ("production", "生产", "Production"), ("design", "设计", "Design"),
            ("transport", "运输", "Transport"), ("customer_misuse", "客户使用不当", "Customer misuse"),
            ("engineer", "服务工程师", "Service engineer")], True),
        f("responsible_engineer", "engineer", "责任工程师", "Engineer responsible",
          help=("责任方为服务工程师时填写", "When the engineer is responsible")),
        f("finding", "text", "认定意见", "Finding", True)),
}
