"""Quality-fault handling and the parts compensation it calls (DOMAIN.md flows 2 and 4), with the
paid repair of equipment out of warranty, the manager's engineer assignment and the office work
(cost, responsibility) running alongside the repair."""
from __future__ import annotations

from diagram import Process

from workflows.roles import ROLES

ENGINEER = {"assignee": "assigned_engineer"}
# Thrown by the compensation flow once its parts are shipped, or once the claim is rejected (no parts
# will come); the fault flow's engineer waits for it before testing.
PARTS_SETTLED = "compensation_parts_settled"


def lanes(*roles: str) -> list[tuple[str, str]]:
    return [(role, ROLES[role].name_zh) for role in roles]


def form(name: str, **extra: str) -> dict[str, str]:
    return {"form": name, **extra}


def _paid_repair(p: Process) -> None:
    """Out of warranty: a quote, the customer's answer, payment before the work when the company
    asks for it (the seeds: work is arranged once the fee has arrived)."""
    p.add("xor", "warranty_gateway", "质保期内？", "service_desk", 2)
    p.add("user", "repair_quote", "有偿维修报价", "service_desk", 3, props=form("repair_quote"),
          doc="设备已过质保期：告知客户须购买配件及维修费用（配件价格和维修费）。")
    p.add("service", "quote_total", "计算报价总额", "service_desk", 4,
          operator=("price_quote", "quote_amount", {}))
    p.add("user", "customer_answer", "客户确认报价", "sales", 4, props=form("customer_answer"),
          doc="记录客户接受或不接受报价：由谁、以何种方式、何时答复。")
    p.add("xor", "accepted_gateway", "接受报价？", "sales", 5)
    p.add("end", "end_declined", "客户不接受报价", "sales", 6)
    p.add("xor", "prepay_gateway", "先付款？", "service_desk", 6)
    p.add("user", "payment_before", "确认维修费到账", "service_desk", 7, props=form("payment"),
          doc="确定所需费用到帐之后安排发货或派员前往维修。")
    p.add("xor", "paid_merge", "", "service_desk", 8)
    p.flow("warranty_gateway", "repair_quote", "已过质保期", "in_warranty == False")
    p.chain("repair_quote", "quote_total", "customer_answer", "accepted_gateway")
    p.flow("accepted_gateway", "end_declined", "不接受", default=True)
    p.flow("accepted_gateway", "prepay_gateway", "接受", "quote_accepted == True", route="vertical")
    p.flow("prepay_gateway", "payment_before", "先付款", 'payment_timing == "prepay"')
    p.flow("prepay_gateway", "paid_merge", "维修后付款", default=True, route="below")
    p.chain("payment_before", "paid_merge")


def _dispatch(p: Process) -> None:
    """The VP decides remote or on site; the service manager confirms the engineer (art. 19's
    pattern) with the suggestion by region and load."""
    p.add("user", "vp_decision", "分管副总审批：远程或现场", "sales_vp", 9, props=form("vp_decision"))
    p.add("service", "suggest_fault_engineer", "建议服务工程师（区域、负荷）", "service_manager", 10,
          operator=("suggest_engineer", "suggested_engineer", {"region": "region"}))
    p.add("user", "assign_engineer", "确定服务工程师", "service_manager", 11, props=form("assign_engineer"),
          doc="售后服务部经理确定服务工程师；系统按客户地区与在办任务数给出建议。")
    p.add("xor", "mode_gateway", "处理方式？", "service_manager", 12)
    p.flow("warranty_gateway", "vp_decision", "质保期内", default=True, route="vertical")
    p.chain("paid_merge", "vp_decision", "suggest_fault_engineer", "assign_engineer", "mode_gateway")


def _repair(p: Process) -> None:
    p.add("user", "remote_guidance", "远程指导客户处理", "engineer", 13, props=form("remote_guidance", **ENGINEER),
          doc="协助客户确定处理方法，跟踪处理结果（第二十七条）。")
    p.add("service", "key_revisit_flag", "列为重点回访对象", "engineer", 14,
          operator=("flag_key_revisit", "key_revisit", {}))
    p.add("xor", "resolved_gateway", "已排除？", "engineer", 15)
    p.add("xor", "onsite_merge", "", "engineer", 16, row=1)
    p.add("user", "onsite_investigation", "现场调查、原因分析", "engineer", 17, row=1,
          props=form("onsite_investigation", **ENGINEER), doc="出发前明确故障原因和处理方案（第二十八条）。")
    p.add("user", "repair", "维修处理", "engineer", 18, row=1, props=form("repair", **ENGINEER))
    p.add("xor", "parts_gateway", "更换质保件？", "engineer", 19, row=1)
    p.flow("mode_gateway", "remote_guidance", "远程", default=True, route="vertical")
    p.flow("mode_gateway", "onsite_merge", "现场", 'service_mode == "onsite"', route="vertical")
    p.chain("remote_guidance", "key_revisit_flag", "resolved_gateway")
    p.flow("resolved_gateway", "onsite_merge", "未排除", default=True, route="vertical")
    p.chain("onsite_merge", "onsite_investigation", "repair", "parts_gateway")


def _compensation(p: Process) -> None:
    """Flow 4 runs alongside: the engineer goes on once the parts are shipped (or the claim is
    rejected); the office work of the claim does not hold the repair, its close or its revisit."""
    p.add("service", "prepare_claim", "生成赔偿申请单", "service_desk", 20,
          operator=("compensation_claim", "claim", {}))
    p.add("script", "claim_data", "带入赔偿数据", "service_desk", 21,
          script='lines = claim["lines"]\namount = Decimal(claim["amount"])\nemergency = claim["emergency"]\n'
                 'evidence = claim["evidence"]\nevidence_kind = claim["evidence_kind"]\n'
                 'description = claim["description"]')
    p.add("and", "claim_split", "", "service_desk", 22)
    p.add("call", "compensation", "零部件赔偿", "service_desk", 23, called="compensation_approval",
          doc="按《售后服务零部件赔偿管理办法》执行（第二十八、二十九条）；成本核算与责任认定不影响维修进度。")
    p.add("end", "end_compensation", "赔偿办结", "service_desk", 24)
    p.add("catch", "parts_settled", "赔偿零部件已发运或已驳回", "engineer", 23, signal=PARTS_SETTLED)
    p.add("xor", "parts_merge", "", "engineer", 24, row=1)
    p.flow("parts_gateway", "prepare_claim", "是", "in_warranty == True and len(warranty_parts) > 0")
    p.flow("parts_gateway", "parts_merge", "否", default=True)
    p.chain("prepare_claim", "claim_data", "claim_split", "compensation", "end_compensation")
    p.flow("claim_split", "parts_settled", route="vertical")
    p.chain("parts_settled", "parts_merge")


def _close(p: Process) -> None:
    p.add("user", "inspection_test", "检查测试", "engineer", 25, row=1, props=form("inspection_test", **ENGINEER))
    p.add("user", "trial_run", "试运行", "engineer", 26, row=1, props=form("trial_run", **ENGINEER))
    p.add("user", "service_report", "提交质量故障处理服务报告", "engineer", 27, row=1,
          props=form("service_report", **ENGINEER), doc="《质量故障处理服务报告》（第三十一条）。")
    p.add("xor", "review_merge", "", "engineer", 28)
    p.add("xor", "postpay_gateway", "维修后付款？", "service_desk", 29)
    p.add("user", "payment_after", "确认维修费到账", "service_desk", 30, props=form("payment"))
    p.add("user", "manager_review", "经理审核", "service_manager", 31, props=form("manager_review"),
          doc="对处理结果、服务人员表现、客户满意程度进行归纳总结（第三十二条）。")
    p.add("service", "schedule_revisit", "安排两周内电话回访", "service_manager", 32,
          operator=("open_revisit", "revisit_case", {"source": '"after_fault"'}))
    p.add("end", "end_done", "故障处理完成", "service_manager", 33)
    p.chain("parts_merge", "inspection_test", "trial_run", "service_report", "review_merge")
    p.flow("resolved_gateway", "review_merge", "已排除", "resolved == True", route="above")
    p.chain("review_merge", "postpay_gateway")
    p.flow("postpay_gateway", "payment_after", "是", 'in_warranty == False and payment_timing == "on_completion"')
    p.flow("postpay_gateway", "manager_review", "否", default=True, route="vertical")
    p.chain("payment_after", "manager_review", "schedule_revisit", "end_done")


def fault_handling() -> Process:
    p = Process("fault_handling", "质量故障处理",
                lanes("sales", "service_desk", "sales_vp", "service_manager", "engineer"),
                doc="售后服务工作手册第二十三至三十二条：质量故障处理售后服务流程；过质保期的设备有偿维修。")
    p.add("start", "start_fault", "客户反馈质量故障", "sales", 0, props=form("fault_report"),
          doc="销售部填写《售后服务申请表》；系统补充出厂日期、检验记录和质保状态（第二十五、二十六条）。")
    p.add("user", "desk_analysis", "故障原因分析、拟定方案", "service_desk", 1, props=form("desk_analysis"),
          doc="会同有关部门分析原因，作出初步判定，拟定处理方法和措施（第二十六条）。")
    p.chain("start_fault", "desk_analysis")
    _paid_repair(p)
    p.chain("desk_analysis", "warranty_gateway")
    _dispatch(p)
    _repair(p)
    _compensation(p)
    _close(p)
    return p


def compensation_approval() -> Process:
    p = Process("compensation_approval", "零部件赔偿审批",
                lanes("service_desk", "service_manager", "sales_vp", "general_manager", "sales", "production",
                      "logistics", "mfg_tech", "quality_vp"),
                doc="售后服务零部件赔偿管理办法（NK-MF25-B）：赔偿程序与批准权限。")
    p.add("start", "start_claim", "客户质量问题来函/损坏报告", "service_desk", 0,
          props=form("claim", starters="sales,engineer,service_manager"),
          doc="须有客户的质量问题来函（传真、邮件）或设备损坏状况报告（照片）方可受理；仅限质保期内的设备。")
    p.add("user", "desk_verify", "核实来函、存档并分析原因", "service_desk", 1, props=form("desk_verify"))
    p.add("rule", "authority", "确定批准权限", "service_desk", 2, decision="compensation_authority",
          doc="按赔偿总金额与是否紧急事件查 compensation_authority 决策表。")
    p.add("xor", "approver_gateway", "由谁批准？", "service_desk", 3)
    p.add("user", "manager_approval", "售后服务部经理审批", "service_manager", 4, props=form("manager_approval"))
    p.add("xor", "manager_gateway", "批准？", "service_manager", 5)
    p.add("user", "vp_approval", "分管销售副总审批", "sales_vp", 5, props=form("vp_approval"))
    p.add("xor", "vp_gateway", "批准？", "sales_vp", 6)
    p.add("xor", "gm_needed_gateway", "须总经理批准？", "sales_vp", 7)
    p.add("user", "gm_approval", "总经理审批", "general_manager", 8, props=form("gm_approval"))
    p.add("xor", "gm_gateway", "批准？", "general_manager", 9)
    p.add("xor", "rejected_merge", "", "service_desk", 10)
    p.add("script", "mark_rejected", "记录驳回", "service_desk", 11, script='compensation_result = "rejected"')
    p.add("user", "rejection_notice", "售后服务部知悉驳回", "service_desk", 12, props=form("rejection_notice"))
    p.add("throw", "no_parts", "不发赔偿零部件", "service_desk", 13, signal=PARTS_SETTLED)
    p.add("end", "end_rejected", "赔偿被驳回", "service_desk", 14)
    p.add("xor", "approved_merge", "", "service_manager", 10)
    p.add("service", "copy_leaders", "报送其他领导备案", "service_manager", 11,
          operator=("record_copies", "copied_to", {"roles": "copy_to"}))
    p.add("script", "mark_approved", "记录批准", "service_manager", 12, script='compensation_result = "approved"')
    p.add("user", "production_order", "下达排产计划", "sales", 13, props=form("production_order"))
    p.add("user", "production", "组织生产", "production", 14, props=form("production"))
    p.add("user", "shipping", "发运", "logistics", 15, props=form("shipping"))
    p.add("throw", "parts_shipped", "赔偿零部件已发运", "logistics", 16, signal=PARTS_SETTLED)
    p.add("service", "office_work", "开立成本核算与责任认定", "logistics", 17,
          operator=("open_office_work", "office_case", {}),
          doc="成本核算与责任认定作为关联案件另行办理，不影响本案与所在故障案件的办结。")
    p.add("end", "end_approved", "赔偿完成", "logistics", 18)
    p.chain("start_claim", "desk_verify", "authority", "approver_gateway")
    p.flow("approver_gateway", "manager_approval", "经理", 'approver == "service_manager"', route="right")
    p.flow("approver_gateway", "vp_approval", "副总", default=True, route="vertical")
    p.chain("manager_approval", "manager_gateway")
    p.flow("manager_gateway", "approved_merge", "批准", "approved == True")
    p.flow("manager_gateway", "rejected_merge", "驳回", default=True, route="vertical")
    p.chain("vp_approval", "vp_gateway")
    p.flow("vp_gateway", "gm_needed_gateway", "批准", "approved == True")
    p.flow("vp_gateway", "rejected_merge", "驳回", default=True, route="vertical")
    p.flow("gm_needed_gateway", "gm_approval", "是", "needs_general_manager == True", route="vertical")
    p.flow("gm_needed_gateway", "approved_merge", "否", default=True, route="vertical")
    p.chain("gm_approval", "gm_gateway")
    p.flow("gm_gateway", "approved_merge", "批准", "approved == True", route="right")
    p.flow("gm_gateway", "rejected_merge", "驳回", default=True, route="vertical")
    p.chain("rejected_merge", "mark_rejected", "rejection_notice", "no_parts", "end_rejected")
    p.chain("approved_merge", "copy_leaders", "mark_approved", "production_order", "production", "shipping",
            "parts_shipped", "office_work", "end_approved")
    return p


def compensation_office() -> Process:
    """The office work of an approved claim (NK-MF25-B): cost recording and the quality VP's
    responsibility decision, in parallel, as a case of its own linked to the claim."""
    p = Process("compensation_office", "赔偿成本核算与责任认定", lanes("mfg_tech", "quality_vp"),
                doc="售后服务零部件赔偿管理办法：赔偿零部件发运后，生产技术部核算成本，质量副总认定责任；"
                    "不影响故障处理案件的办结与回访。")
    p.add("start", "start_office", "赔偿零部件已发运", "mfg_tech", 0, props=form("start", starters="system"))
    p.add("and", "office_split", "", "mfg_tech", 1)
    p.add("user", "cost_recording", "核算赔偿成本", "mfg_tech", 2, props=form("cost_recording"),
          doc="对零部件赔偿进行成本（加工、采购、发运）核算统计；与责任认定同时进行。")
    p.add("user", "responsibility", "认定赔偿责任", "quality_vp", 2, props=form("responsibility"))
    p.add("and", "office_join", "", "quality_vp", 3)
    p.add("end", "end_office", "核算与认定完成", "quality_vp", 4)
    p.chain("start_office", "office_split", "cost_recording")
    p.flow("office_split", "responsibility", route="vertical")
    p.chain("cost_recording", "office_join")
    p.chain("responsibility", "office_join", "end_office")
    return p
