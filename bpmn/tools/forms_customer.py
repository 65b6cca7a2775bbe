"""Forms of customer revisits (客户回访), technical support (技术支持) and complaints (客户投诉)."""
from __future__ import annotations

from form_kit import enum, f, form, ro, satisfaction
from forms_priority import priority_field

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
        priority_field(),
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
HANDLERS = [("engineer", "服务工程师处理", "A service engineer"),
            ("service_desk", "售后服务部处理", "The service desk")]
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
