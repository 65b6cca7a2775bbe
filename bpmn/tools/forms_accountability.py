"""Forms of the accountability flows: 重大责任事故 (accident) and 服务器械赔偿 (tool_loss)."""
from __future__ import annotations

from form_kit import enum, f, form, ro

MAX_MONEY = 1_000_000_000_000
SANCTIONS = [("none", "不予行政处分", "No sanction"), ("demotion", "降级", "Demotion"),
             ("pay_freeze", "停止涨薪", "Pay freeze"), ("removal", "免职", "Removal from post"),
             ("dismissal", "开除", "Dismissal")]
TOOL_CLASSES = [("1", "一类耐用品", "Class-1 durable"), ("2", "二类耐用品", "Class-2 durable"),
                ("consumable", "消耗品", "Consumable")]
ACCIDENT_CONTEXT = (ro("responsible_engineer", "engineer", "责任工程师", "Engineer responsible"),
                    ro("loss", "number", "损失金额（元）", "Loss (yuan)"),
                    ro("accident_fine", "number", "罚款（元，累进计算）", "Fine (yuan, progressive)"))
ACCIDENT = {
    "record": form(
        "责任事故认定", "Responsibility accident",
        f("responsible_engineer", "engineer", "责任工程师", "Engineer responsible", True),
        f("occurred_on", "date", "事故日期", "Date of the accident", True),
        f("related_case", "string", "关联案件", "Related case", max_length=40),
        f("description", "text", "事故经过", "What happened", True),
        f("responsibility", "text", "责任范围认定", "Finding on responsibility", True),
        f("loss", "number", "损失金额（元）", "Loss (yuan)", True, min=0, max=MAX_MONEY, places=2),
        enum("proposed_sanction", "建议行政处分", "Proposed sanction", SANCTIONS)),
    "confirmation": form(
        "经理确认罚款", "Manager confirms the fine", *ACCIDENT_CONTEXT,
        ro("responsibility", "text", "责任范围认定", "Finding on responsibility"),
        f("confirmed", "boolean", "确认", "Confirmed", True),
        f("comment", "text", "意见（退回时写明理由）", "Comment (give the reason when returning)")),
    "return_notice": form(
        "责任事故认定被退回", "Accident finding returned",
        ro("comment", "text", "退回理由", "Reason"), f("note", "text", "处理说明", "Note")),
    "sanction": form(
        "行政处分决定", "Sanction decision", *ACCIDENT_CONTEXT,
        enum("proposed_sanction", "建议行政处分", "Proposed sanction", SANCTIONS, readonly=True),
        enum("sanction", "行政处分", "Sanction", SANCTIONS, True),
        f("decision_reason", "text", "决定理由", "Reason", True)),
}
TOOL_CONTEXT = (ro("tool_name", "string", "器械名称", "Tool"),
                enum("tool_class", "器械类别", "Class", TOOL_CLASSES, readonly=True),
                ro("price", "number", "原价（元）", "Price (yuan)"),
                ro("issued_on", "date", "领用日期", "Issued on"))
TOOL_LOSS = {
    "report": form(
        "服务器械遗失/损坏报告", "Lost or damaged tool report",
        f("tool_item", "integer", "器械登记号", "Register number", True, min=1, max=2_147_483_647,
          help=("本人领用器械登记中的编号", "The number in your tool register")),
        *TOOL_CONTEXT,
        enum("what_happened", "情况", "What happened", [("lost", "遗失", "Lost"), ("damaged", "损坏", "Damaged")],
             True),
        f("lost_on", "date", "遗失/损坏日期", "Lost or damaged on", True),
        f("description", "text", "经过说明", "How it happened", True)),
    "decision": form(
        "经理认定", "Manager's finding", *TOOL_CONTEXT,
        ro("description", "text", "经过说明", "How it happened"),
        enum("cause", "认定", "Finding", [("normal_wear", "正常损耗（不赔偿）", "Normal wear (not paid)"),
                                         ("fault", "遗失或人为损坏（赔偿）", "Lost or wilfully damaged (paid)")], True),
        f("comment", "text", "意见", "Comment")),
    "compensation_form": form(
        "服务器械赔偿单", "Tool compensation form", *TOOL_CONTEXT,
        ro("lost_on", "date", "遗失/损坏日期", "Lost or damaged on"),
        ro("compensation_amount", "number", "赔偿金额（元）", "Compensation (yuan)"),
        f("acknowledged", "boolean", "本人确认并按赔偿单到财务部交清赔偿款",
          "I accept and will pay the finance department", True)),
}
