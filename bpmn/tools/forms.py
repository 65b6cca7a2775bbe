"""The forms of every user task and start event, one line per field. Field names follow the
documents of the service manual (申请表, 到货清点报告, 安装调试数据采集清单, 培训签到表,
质量故障处理服务报告, 项目总结报告, 电话回访问卷, 顾客满意度调查表, 客户回访报告, 赔偿申请单).
`build.py` writes them to bpmn/forms/<process>/<form>.json."""
from __future__ import annotations

from typing import Any


def L(zh: str, en: str) -> dict[str, str]:  # noqa: N802 - reads like a label
    return {"zh": zh, "en": en}


def f(name: str, kind: str, zh: str, en: str, required: bool = False, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "type": kind, "label": L(zh, en)}
    if required:
        spec["required"] = True
    if "help" in extra:
        extra["help"] = L(*extra["help"])
    spec.update(extra)
    return spec


def enum(name: str, zh: str, en: str, choices: list[tuple[Any, str, str]], required: bool = False,
         **extra: Any) -> dict[str, Any]:
    return f(name, "enum", zh, en, required,
             choices=[{"value": value, "label": L(czh, cen)} for value, czh, cen in choices], **extra)


def ro(name: str, kind: str, zh: str, en: str) -> dict[str, Any]:
    """A field the system fills in: shown on the form, never accepted from the user."""
    return f(name, kind, zh, en, readonly=True)


def form(zh: str, en: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"title": L(zh, en), "fields": list(fields)}


RATING = [("excellent", "优", "Excellent"), ("good", "良", "Good"), ("fair", "中", "Fair"), ("poor", "差", "Poor")]
DEPARTMENTS = [("rd", "技术开发部", "R&D"), ("quality", "工艺质检部", "Process & quality"),
               ("production", "生产部", "Production"), ("logistics", "采购物流部", "Purchasing & logistics")]


def approval(zh: str, en: str, *context: dict[str, Any]) -> dict[str, Any]:
    return form(zh, en, *context,
                f("approved", "boolean", "批准", "Approved", True),
                f("comment", "text", "审批意见（驳回时请写明理由）", "Comment (give the reason when rejecting)"))


def rejection_notice(zh: str, en: str) -> dict[str, Any]:
    return form(zh, en, ro("comment", "text", "驳回理由", "Reason for rejection"),
                f("note", "text", "处理说明", "Note"))


def satisfaction(name: str, zh: str, en: str) -> dict[str, Any]:
    return f(name, "integer", zh, en, True, min=1, max=5,
             help=("1 非常不满意 … 5 非常满意", "1 very dissatisfied … 5 very satisfied"))


# ---------------------------------------------------------------- 设备安装调试
INSTALLATION = {
    "request": form(
        "售后服务申请表（设备安装调试）", "Service request (installation)",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("address", "string", "安装地址", "Site address", max_length=300,
          help=("留空则使用客户档案中的地址", "Leave empty to use the address on file")),
        f("contact", "string", "联系人", "Contact person", max_length=60),
        f("phone", "string", "联系电话", "Phone", max_length=40),
        f("contract_number", "string", "合同号", "Contract number", True, max_length=80),
        f("equipment", "rows", "合同设备型号及数量", "Equipment models and quantities", True, min_rows=1,
          max_rows=50, fields=[f("model", "string", "设备型号", "Model", True, max_length=120),
                               f("quantity", "integer", "数量", "Quantity", True, min=1, max=999)]),
        f("wished_date", "date", "客户期望安装日期", "Wished date"),
        f("remarks", "text", "备注", "Remarks")),
    "desk_review": form(
        "售后服务部审核", "Service desk review",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("contract_number", "string", "合同号", "Contract number"),
        f("customer_checked", "boolean", "客户信息已核实", "Customer details checked", True),
        f("contract_checked", "boolean", "合同设备型号、数量已核对", "Contract models and quantities checked", True),
        enum("departments", "会同部门", "Departments consulted", DEPARTMENTS, multiple=True),
        f("arrangement", "text", "初步安排、建议与措施", "Arrangement and advice", True)),
    "vp_approval": approval(
        "分管副总审批（安装调试）", "Sales VP approval (installation)",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("arrangement", "text", "售后服务部安排", "Desk arrangement")),
    "rejection_notice": rejection_notice("安装申请被驳回", "Installation request rejected"),
    "assign_engineer": form(
        "派出服务工程师", "Assign the service engineer",
        ro("suggested_engineer", "engineer", "系统建议（本区域、在办任务最少）",
           "Suggested (customer's region, fewest open tasks)"),
        f("assigned_engineer", "engineer", "派出工程师", "Engineer", True),
        f("planned_date", "date", "计划到场日期", "Planned date on site"),
        f("instructions", "text", "工作要求", "Instructions")),
    "shipping_check": form(
        "核对发货清单和装箱单", "Check shipping and packing lists",
        f("shipping_list_ok", "boolean", "发货清单与合同相符", "Shipping list matches the contract", True),
        f("packing_list_ok", "boolean", "装箱单与合同相符", "Packing list matches the contract", True),
        f("discrepancies", "text", "不符项", "Discrepancies"),
        f("materials_ready", "boolean", "服务表格、资料和器械已准备", "Forms, documents and tools prepared")),
    "goods_count": form(
        "设备到货清点报告", "Goods count and handover report",
        f("arrival_date", "date", "到货日期", "Arrival date", True),
        f("items", "rows", "清点明细", "Items counted", True, min_rows=1, fields=[
            f("item", "string", "设备/备件名称", "Item", True, max_length=120),
            f("model", "string", "型号规格", "Model", max_length=120),
            f("expected", "integer", "应到数量", "Expected", True, min=0),
            f("received", "integer", "实到数量", "Received", True, min=0),
            enum("condition", "外观状况", "Condition", [("intact", "完好", "Intact"), ("damaged", "损坏", "Damaged"),
                                                        ("missing", "缺失", "Missing")], True)]),
        f("handed_over_to", "string", "客户交接人", "Handed over to", True, max_length=60),
        f("problems", "text", "问题记录", "Problems"),
        f("photos", "file", "照片", "Photos", multiple=True)),
    "commissioning": form(
        "安装调试资料数据采集清单", "Installation and commissioning data sheet",
        f("started_on", "date", "开始日期", "Started on", True),
        f("finished_on", "date", "完成日期", "Finished on"),
        f("readings", "rows", "调试数据", "Readings", True, min_rows=1, fields=[
            f("parameter", "string", "项目", "Parameter", True, max_length=120),
            f("value", "string", "实测值", "Measured", True, max_length=60),
            f("unit", "string", "单位", "Unit", max_length=20),
            f("standard", "string", "标准值", "Standard", max_length=60)]),
        f("settings", "text", "参数设定及调整", "Settings and adjustments"),
        f("problems", "text", "问题记录", "Problems"),
        f("attachments", "file", "附件", "Attachments", multiple=True)),
    "training": form(
        "设备培训人员签到表", "Training attendance sheet",
        f("training_date", "date", "培训日期", "Training date", True),
        f("topics", "text", "培训内容（操作、维护保养）", "Topics (operation, maintenance)", True),
        f("hours", "number", "培训学时", "Hours", min=0, places=1),
        f("attendees", "rows", "签到", "Attendees", True, min_rows=1, fields=[
            f("name", "string", "姓名", "Name", True, max_length=60),
            f("department", "string", "部门", "Department", max_length=60),
            f("position", "string", "岗位", "Position", max_length=60),
            f("phone", "string", "电话", "Phone", max_length=40)]),
        f("problems", "text", "问题记录", "Problems")),
    "performance_test": form(
        "性能考核", "Performance test",
        f("results", "rows", "考核指标", "Indicators", True, min_rows=1, fields=[
            f("indicator", "string", "指标", "Indicator", True, max_length=120),
            f("target", "string", "要求值", "Target", max_length=60),
            f("measured", "string", "实测值", "Measured", True, max_length=60)]),
        f("passed", "boolean", "考核通过", "Passed", True,
          help=("未通过将返回安装调试", "A failed test goes back to commissioning")),
        f("problems", "text", "问题记录", "Problems")),
    "summary_report": form(
        "项目售后服务总结报告", "Project service summary report",
        f("summary", "text", "服务总结", "Summary", True),
        f("service_log", "text", "售后服务备忘录（日志）", "Service log", True),
        f("customer_opinion", "text", "客户意见", "Customer's opinion"),
        f("days_on_site", "integer", "现场服务天数", "Days on site", min=0, max=365),
        f("parts_sales", "number", "配件销售额（元）", "Parts sold (yuan)", min=0, places=2),
        f("attachments", "file", "附件", "Attachments", multiple=True)),
    "manager_review": form(
        "经理审核（安装调试）", "Manager review (installation)",
        ro("summary", "text", "服务总结", "Summary"),
        enum("service_quality", "安装调试质量", "Installation quality", RATING, True),
        enum("engineer_performance", "工程师工作表现", "Engineer's performance", RATING, True),
        enum("customer_satisfaction", "客户满意程度", "Customer satisfaction", RATING, True),
        f("comment", "text", "审核意见", "Comment")),
}

# ---------------------------------------------------------------- 质量故障处理
FAULT_HANDLING = {
    "fault_report": form(
        "售后服务申请表（质量故障）", "Service request (quality fault)",
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial", True),
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("equipment_model", "string", "设备型号", "Model"),
        ro("factory_date", "date", "出厂日期", "Factory date"),
        ro("warranty_status", "string", "质保状态", "Warranty status"),
        f("symptom", "text", "故障现象", "Symptom", True),
        f("occurred_at", "datetime", "发生时间", "Occurred at", True),
        enum("damage_extent", "损坏程度", "Damage extent",
             [("slight", "轻微，可运行", "Slight, still running"), ("serious", "严重，带病运行", "Serious"),
              ("stopped", "停机", "Stopped")], True),
        f("damage_description", "text", "损坏情况说明", "Damage description"),
        f("photos", "file", "照片", "Photos", multiple=True),
        f("contact", "string", "联系人", "Contact person", max_length=60),
        f("phone", "string", "联系电话", "Phone", max_length=40),
        f("received_at", "datetime", "接报时间", "Received at", help=("留空为当前时间", "Empty means now"))),
    "desk_analysis": form(
        "故障原因分析及处理方案", "Cause analysis and handling plan",
        ro("equipment_model", "string", "设备型号", "Model"),
        ro("factory_date", "date", "出厂日期", "Factory date"),
        ro("inspection_record", "string", "检验记录", "Inspection record"),
        ro("warranty_status", "string", "质保状态", "Warranty status"),
        ro("symptom", "text", "故障现象", "Symptom"),
        enum("departments", "会同部门", "Departments consulted", DEPARTMENTS, multiple=True),
        f("preliminary_judgement", "text", "初步判定", "Preliminary judgement", True),
        f("handling_plan", "text", "处理方法和措施", "Handling plan", True),
        enum("suggested_mode", "建议处理方式", "Suggested handling",
             [("remote", "远程支持", "Remote support"), ("onsite", "派员现场服务", "On-site service")])),
    "vp_decision": form(
        "分管副总审批（质量故障）", "Sales VP decision (quality fault)",
        ro("preliminary_judgement", "text", "初步判定", "Preliminary judgement"),
        ro("handling_plan", "text", "处理方案", "Handling plan"),
        ro("suggested_engineer", "engineer", "系统建议工程师", "Suggested engineer"),
        enum("service_mode", "处理方式", "Handling", [("remote", "远程支持", "Remote support"),
                                                     ("onsite", "派员现场服务", "On-site service")], True),
        f("assigned_engineer", "engineer", "服务工程师", "Engineer", True),
        f("comment", "text", "审批意见", "Comment")),
    "remote_guidance": form(
        "远程技术支持", "Remote support",
        f("guidance", "text", "处理方法和措施（指导内容）", "Guidance given", True),
        enum("channel", "方式", "Channel", [("phone", "电话", "Phone"), ("video", "视频", "Video"),
                                           ("email", "邮件", "E-mail"), ("fax", "传真", "Fax")], True),
        f("result", "text", "处理结果及设备运行情况", "Result and equipment condition", True),
        f("resolved", "boolean", "故障已排除", "Resolved", True,
          help=("未排除将转为现场服务", "Unresolved faults go on site"))),
    "onsite_investigation": form(
        "现场调查与原因分析", "On-site investigation",
        f("arrived_at", "datetime", "到达现场时间", "Arrived at"),
        f("site_conditions", "text", "现场工作状况", "Site conditions"),
        f("findings", "text", "调查情况", "Findings", True),
        enum("cause", "故障原因", "Cause", [
            ("design", "设计", "Design"), ("production", "生产制造", "Production"),
            ("supplier", "外购件", "Supplier part"), ("transport", "运输", "Transport"),
            ("misuse", "使用不当", "Misuse"), ("wear", "正常磨损", "Wear"), ("other", "其他", "Other")], True),
        f("site_photos", "file", "现场照片", "Site photos", multiple=True)),
    "repair": form(
        "维修处理", "Repair",
        f("work_done", "text", "维修内容", "Work done", True),
        f("warranty_parts", "rows", "更换的质保期内零部件（申请赔偿）", "Warranty parts replaced (claimed)",
          max_rows=50, fields=[f("part_code", "part", "零件", "Part", True),
                               f("quantity", "integer", "数量", "Quantity", True, min=1, max=1000)]),
        f("emergency", "boolean", "紧急事件（赔偿按紧急权限审批）", "Emergency (for the approval band)"),
        f("repair_photos", "file", "维修照片", "Repair photos", multiple=True)),
    "inspection_test": form(
        "检查测试", "Inspection and test",
        f("test_items", "rows", "测试项目", "Tests", True, min_rows=1, fields=[
            f("item", "string", "项目", "Item", True, max_length=120),
            f("result", "string", "结果", "Result", True, max_length=120)]),
        f("result", "text", "测试结论", "Conclusion", True)),
    "trial_run": form(
        "试运行", "Trial run",
        f("hours", "number", "试运行时长（小时）", "Hours run", True, min=0, places=1),
        f("result", "text", "运行情况", "Result", True),
        f("customer_confirmed", "boolean", "客户确认", "Confirmed by the customer", True)),
    "service_report": form(
        "质量故障处理服务报告", "Quality fault service report",
        f("fault_description", "text", "故障描述", "Fault", True),
        f("cause_analysis", "text", "原因分析", "Cause", True),
        f("handling", "text", "处理过程", "Handling", True),
        f("outcome", "text", "处理结果", "Outcome", True),
        f("customer_opinion", "text", "客户意见", "Customer's opinion"),
        f("customer_signatory", "string", "客户签字人", "Signed by (customer)", max_length=60),
        f("service_log", "text", "售后服务备忘录（日志）", "Service log")),
    "manager_review": form(
        "经理审核（质量故障）", "Manager review (quality fault)",
        ro("outcome", "text", "处理结果", "Outcome"),
        enum("service_quality", "故障处理结果", "Handling result", RATING, True),
        enum("engineer_performance", "工程师工作表现", "Engineer's performance", RATING, True),
        enum("customer_satisfaction", "客户满意程度", "Customer satisfaction", RATING, True),
        f("comment", "text", "审核意见", "Comment")),
}

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
    "cost_recording": form(
        "赔偿成本核算", "Cost recording",
        f("machining_cost", "number", "加工成本（元）", "Machining (yuan)", True, min=0, places=2),
        f("purchase_cost", "number", "采购成本（元）", "Purchase (yuan)", True, min=0, places=2),
        f("freight_cost", "number", "发运费用（元）", "Freight (yuan)", True, min=0, places=2),
        f("note", "text", "备注", "Note")),
    "responsibility": form(
        "赔偿责任认定", "Responsibility",
        ro("cause_analysis", "text", "原因分析", "Cause analysis"),
        enum("responsible_party", "责任方", "Responsible party", [
            ("supplier", "供应商", "Supplier"), ("production", "生产", "Production"), ("design", "设计", "Design"),
            ("transport", "运输", "Transport"), ("customer_misuse", "客户使用不当", "Customer misuse"),
            ("engineer", "服务工程师", "Service engineer")], True),
        f("responsible_engineer", "engineer", "责任工程师", "Engineer responsible",
          help=("责任方为服务工程师时填写", "When the engineer is responsible")),
        f("finding", "text", "认定意见", "Finding", True)),
}

# ---------------------------------------------------------------- 客户回访
REVISIT = {
    "request": form(
        "客户回访", "Customer revisit",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial"),
        enum("mode", "回访方式", "Mode", [("phone", "电话回访", "Phone"), ("onsite", "现场走访", "On-site visit")],
             True),
        enum("source", "回访来源", "Source", [
            ("manual", "人工发起", "By hand"), ("after_installation", "安装调试后回访", "After installation"),
            ("after_fault", "故障处理后回访", "After a fault"), ("yearly_plan", "年度回访计划", "Yearly plan")]),
        f("related_case", "string", "关联案件", "Related case", max_length=40),
        f("assigned_engineer", "engineer", "回访工程师", "Engineer",
          help=("留空则按客户地区自动指派", "Empty assigns by the customer's region")),
        f("due_date", "date", "回访期限", "Due date"),
        f("purpose", "text", "回访目的", "Purpose")),
    "phone_questionnaire": form(
        "电话回访跟踪问卷表", "Phone revisit questionnaire",
        f("contact_person", "string", "受访人", "Person called", True, max_length=60),
        f("called_at", "datetime", "回访时间", "Called at"),
        satisfaction("satisfaction", "总体满意度（1–5）", "Overall satisfaction (1–5)"),
        enum("equipment_status", "设备运行状况", "Equipment status", [
            ("normal", "运行正常", "Running normally"), ("minor", "有小问题", "Minor issues"),
            ("fault", "有故障", "Faulty"), ("stopped", "停机", "Stopped")], True),
        f("needs", "text", "客户需求", "Needs"),
        f("complaint", "boolean", "客户投诉", "Complaint"),
        f("comment", "text", "意见和建议", "Comments")),
    "visit_request": form(
        "售后服务申请表（现场走访，经理签发）", "On-site visit request (signed by the manager)",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("purpose", "text", "回访目的", "Purpose"),
        f("approved", "boolean", "签发", "Signed", True),
        f("planned_date", "date", "计划走访日期", "Planned date"),
        f("comment", "text", "意见", "Comment")),
    "visit_preparation": form(
        "走访前准备", "Visit preparation",
        f("equipment_models", "text", "客户使用设备规格型号", "Equipment models in use", True),
        f("years_in_use", "integer", "使用年限", "Years in use", min=0, max=100),
        f("quality_record", "text", "产品质量状况", "Quality record"),
        f("past_services", "text", "以往服务记录", "Past services"),
        f("customer_needs", "text", "客户需求", "Customer needs")),
    "onsite_visit": form(
        "现场走访记录", "On-site visit record",
        f("meeting_notes", "text", "客户座谈", "Meeting with the customer", True),
        f("site_inspection", "text", "现场考察（工艺流程、使用工况、设备性能）", "Site inspection", True),
        f("data_collected", "rows", "资料数据采集清单", "Data collected", fields=[
            f("item", "string", "项目", "Item", True, max_length=120),
            f("value", "string", "数据", "Value", True, max_length=200)]),
        f("market_info", "text", "市场需求、竞争及同行信息", "Market information")),
    "satisfaction_survey": form(
        "顾客满意度调查表", "Customer satisfaction survey",
        satisfaction("satisfaction", "总体满意度（1–5）", "Overall satisfaction (1–5)"),
        satisfaction("product_quality", "产品质量（1–5）", "Product quality (1–5)"),
        satisfaction("service_attitude", "服务态度（1–5）", "Service attitude (1–5)"),
        satisfaction("response_speed", "响应速度（1–5）", "Response speed (1–5)"),
        f("complaint", "boolean", "客户投诉", "Complaint"),
        f("suggestions", "text", "意见和建议", "Suggestions")),
    "visit_report": form(
        "客户回访售后服务报告", "Customer revisit report",
        f("summary", "text", "回访总结", "Summary", True),
        f("findings", "text", "发现的问题", "Findings"),
        f("service_log", "text", "售后服务备忘录（日志）", "Service log")),
    "follow_up": form(
        "低满意度跟进", "Low satisfaction follow-up",
        ro("customer_name", "string", "客户单位", "Customer"),
        ro("satisfaction", "integer", "满意度", "Satisfaction"),
        ro("complaint_case", "string", "已登记的投诉案件", "Complaint case opened"),
        f("action_taken", "text", "跟进措施", "Action taken", True),
        f("resolved", "boolean", "问题已解决", "Resolved", True),
        f("comment", "text", "备注", "Comment")),
}

# ---------------------------------------------------------------- 技术支持
TECH_SUPPORT = {
    "question": form(
        "技术咨询登记", "Technical question",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial"),
        f("question", "text", "问题描述", "Question", True),
        f("received_at", "datetime", "来电/来函时间", "Received at", help=("留空为当前时间", "Empty means now")),
        f("contact", "string", "联系人", "Contact person", max_length=60),
        f("phone", "string", "联系电话", "Phone", max_length=40),
        f("assigned_engineer", "engineer", "答复工程师", "Engineer",
          help=("留空则按客户地区自动指派", "Empty assigns by the customer's region"))),
    "answer": form(
        "技术答复", "Answer",
        ro("question", "text", "问题描述", "Question"),
        enum("channel", "答复方式", "Channel", [
            ("phone", "电话直接答复", "By phone, at once"), ("fax", "传真", "Fax"), ("email", "邮件", "E-mail"),
            ("letter", "信函", "Letter")], True),
        f("answer", "text", "答复内容", "Answer", True),
        f("reference_docs", "file", "参考资料", "Reference documents", multiple=True)),
}

# ---------------------------------------------------------------- 客户投诉
PRIORITY = [("urgent", "紧急投诉", "Urgent complaint"), ("ordinary", "一般投诉", "Ordinary complaint")]
HANDLERS = [("engineer", "服务工程师处理", "A service engineer"), ("service_desk", "售后服务部处理", "The service desk")]
COMPLAINT_CAUSES = [
    ("product_quality", "产品质量", "Product quality"), ("service_attitude", "服务态度", "Service attitude"),
    ("late_response", "响应不及时", "Late response"), ("engineer_fault", "工程师工作失误", "Engineer's error"),
    ("parts_delivery", "备件供应", "Parts supply"), ("other", "其他", "Other")]
COMPLAINT_CONTEXT = [
    ro("customer_name", "string", "客户单位", "Customer"),
    enum("priority", "投诉等级", "Priority", PRIORITY, readonly=True),
    ro("description", "text", "投诉内容", "Complaint")]
COMPLAINT = {
    "record": form(
        "客户投诉登记表", "Customer complaint",
        f("customer_id", "customer", "客户单位", "Customer", True),
        f("equipment_serial", "equipment", "设备出厂编号", "Equipment serial"),
        f("complained_engineer", "engineer", "被投诉服务工程师", "Engineer complained about",
          help=("投诉针对服务工程师时填写", "When the complaint is about a service engineer")),
        enum("channel", "投诉渠道", "Channel", [
            ("phone", "电话", "Phone"), ("fax_email", "传真/邮件", "Fax or e-mail"), ("letter", "信函", "Letter"),
            ("visit", "来访/现场", "In person"), ("revisit", "回访中提出", "During a revisit"),
            ("sales", "销售转达", "Through sales")], True),
        enum("priority", "投诉等级", "Priority", PRIORITY, True,
             help=("紧急：停产、安全隐患或重大影响；其余为一般投诉。两级的响应和解决时限不同。",
                   "Urgent: production stopped, a safety risk or a serious impact; otherwise ordinary. "
                   "Each has its own response and resolution time.")),
        f("description", "text", "投诉内容", "Complaint", True),
        f("customer_request", "text", "客户诉求", "What the customer asks for"),
        f("received_at", "datetime", "投诉时间", "Received at", help=("留空为当前时间", "Empty means now")),
        f("contact", "string", "联系人", "Contact person", max_length=60),
        f("phone", "string", "联系电话", "Phone", max_length=40),
        f("related_case", "string", "关联案件", "Related case", max_length=40),
        f("documents", "file", "来函、照片等附件", "Letters, photos", multiple=True)),
    "respond": form(
        "投诉首次响应", "First response to the complaint", *COMPLAINT_CONTEXT,
        ro("complained_engineer", "engineer", "被投诉服务工程师", "Engineer complained about"),
        ro("received_at", "datetime", "投诉时间", "Received at"),
        f("response", "text", "首次答复客户的内容", "First answer to the customer", True),
        f("remedy_plan", "text", "处理措施", "Remedy plan", True),
        enum("handled_by", "处理人", "Handled by", HANDLERS, True),
        f("assigned_engineer", "engineer", "处理工程师", "Engineer",
          help=("由工程师处理时选择；留空则按客户地区指派，不指派被投诉的工程师",
                "When an engineer handles it; empty assigns by region, never the engineer complained about")),
        f("planned_date", "date", "计划解决日期", "Planned resolution date")),
    "handling": form(
        "投诉处理", "Complaint handling", *COMPLAINT_CONTEXT,
        ro("remedy_plan", "text", "处理措施", "Remedy plan"),
        ro("customer_feedback", "text", "客户上次确认的意见", "Customer's feedback on the last attempt"),
        f("actions", "text", "处理过程", "What was done", True),
        f("result", "text", "处理结果", "Result", True),
        f("handling_files", "file", "附件", "Attachments", multiple=True)),
    "confirm": form(
        "客户确认处理结果", "Customer confirms the result", *COMPLAINT_CONTEXT,
        ro("result", "text", "处理结果", "Result"),
        f("contact_person", "string", "确认人", "Person confirming", True, max_length=60),
        f("satisfied", "boolean", "客户对处理结果满意", "Customer satisfied with the result", True,
          help=("不满意时退回继续处理", "If not, the complaint goes back to handling")),
        f("satisfaction", "integer", "满意度（1–5）", "Satisfaction (1–5)", min=1, max=5,
          help=("1 非常不满意 … 5 非常满意", "1 very dissatisfied … 5 very satisfied")),
        f("customer_feedback", "text", "客户意见", "Customer's feedback")),
    "close": form(
        "投诉结案", "Close the complaint", *COMPLAINT_CONTEXT,
        ro("result", "text", "处理结果", "Result"),
        ro("complained_engineer", "engineer", "被投诉服务工程师", "Engineer complained about"),
        ro("consequence", "text", "责任事故处罚（NK-MF25-B）", "Penalty under NK-MF25-B"),
        f("justified", "boolean", "投诉属实", "Complaint justified", True),
        enum("cause", "投诉原因", "Cause", COMPLAINT_CAUSES, True),
        f("engineer_responsible", "engineer", "计入投诉次数的工程师", "Engineer it counts against",
          help=("投诉属实且属工程师责任时填写，计入其当月投诉次数；不属实时不计入",
                "When justified and the engineer's fault: counts in his monthly tally; never when unjustified")),
        f("improvement", "text", "改进措施", "Improvement"),
        f("comment", "text", "结案意见", "Comment")),
}

FORMS = {
    "installation": INSTALLATION, "fault_handling": FAULT_HANDLING, "revisit": REVISIT,
    "compensation_approval": COMPENSATION_APPROVAL, "tech_support": TECH_SUPPORT, "complaint": COMPLAINT,
}
