"""The after-sales flows of DOMAIN.md (the four of the manual, technical support and complaints) as
diagrams (nodes on a lane/column grid)."""
from __future__ import annotations

from diagram import Process
from processes_accountability import PROCESSES as ACCOUNTABILITY
from processes_appointment import service_appointment
from processes_delivery import delivery_installation
from processes_fault import compensation_approval, compensation_office, fault_handling

from workflows.roles import ROLES


def lanes(*roles: str) -> list[tuple[str, str]]:
    """Lanes named by the roles' Chinese names, which the engine maps back to role ids."""
    return [(role, ROLES[role].name_zh) for role in roles]


def form(name: str, **extra: str) -> dict[str, str]:
    return {"form": name, **extra}


ENGINEER = {"assignee": "assigned_engineer"}


def installation() -> Process:
    p = Process("installation", "设备安装调试",
                lanes("sales", "service_desk", "sales_vp", "service_manager", "engineer"),
                doc="售后服务工作手册第十六至二十二条：设备安装调试售后服务流程。")
    p.add("start", "start", "合同设备需安装调试", "sales", 0, props=form("request"),
          doc="销售部根据客户要求填写《售后服务申请表》（第十八条）。")
    p.add("user", "desk_review", "审核客户及合同信息", "service_desk", 1, props=form("desk_review"),
          doc="售后服务部了解客户信息、合同设备型号和数量，作出初步安排或建议（第十九条）。")
    p.add("user", "vp_approval", "分管副总审批", "sales_vp", 2, props=form("vp_approval"))
    p.add("xor", "approved_gateway", "批准？", "sales_vp", 3)
    p.add("user", "rejection_notice", "通知销售部：申请被驳回", "sales", 4,
          props=form("rejection_notice", assignee="requested_by"))
    p.add("end", "end_rejected", "申请被驳回", "sales", 5)
    p.add("service", "dispatch_suggestion", "建议服务工程师（区域、负荷）", "service_manager", 4,
          operator=("suggest_engineer", "suggested_engineer", {"region": "region"}))
    p.add("user", "assign_engineer", "确定派出服务工程师", "service_manager", 5, props=form("assign_engineer"),
          doc="售后服务部经理确定派出的服务人员（第十九条）；系统按客户地区与在办任务数给出建议。")
    p.add("user", "shipping_check", "核对发货清单和装箱单", "engineer", 6, props=form("shipping_check", **ENGINEER),
          doc="核对合同中订购的设备及备件名称、数量，准备服务表格、资料和器械（第二十条）。")
    p.add("user", "goods_count", "现场清点、验货交接", "engineer", 7, props=form("goods_count", **ENGINEER))
    p.add("xor", "commissioning_merge", "", "engineer", 8)
    p.add("user", "commissioning", "安装调试", "engineer", 9, props=form("commissioning", **ENGINEER))
    p.add("xor", "trained_gateway", "已培训？", "engineer", 10)
    p.add("user", "training", "人员培训", "engineer", 11, props=form("training", **ENGINEER))
    p.add("xor", "test_merge", "", "engineer", 12)
    p.add("user", "performance_test", "性能考核", "engineer", 13, props=form("performance_test", **ENGINEER))
    p.add("xor", "passed_gateway", "考核通过？", "engineer", 14)
    p.add("user", "summary_report", "提交项目总结报告", "engineer", 15, props=form("summary_report", **ENGINEER),
          doc="《项目售后服务总结报告》及售后服务备忘录（日志）（第二十一条）。")
    p.add("user", "manager_review", "经理审核总结", "service_manager", 16, props=form("manager_review"),
          doc="对安装调试质量、服务人员表现、客户满意程度进行归纳总结（第二十二条）。")
    p.add("service", "schedule_revisit", "安排两周内电话回访", "service_manager", 17,
          operator=("open_revisit", "revisit_case", {"source": '"after_installation"'}),
          doc="服务完成后两周内必须对客户进行电话回访（第三十六条）。")
    p.add("end", "end_done", "安装调试完成", "service_manager", 18)
    p.chain("start", "desk_review", "vp_approval", "approved_gateway")
    p.flow("approved_gateway", "dispatch_suggestion", "批准", "approved == True")
    p.flow("approved_gateway", "rejection_notice", "驳回", default=True)
    p.chain("rejection_notice", "end_rejected")
    p.chain("dispatch_suggestion", "assign_engineer", "shipping_check", "goods_count", "commissioning_merge",
            "commissioning", "trained_gateway")
    p.flow("trained_gateway", "training", "未培训", default=True)
    p.flow("trained_gateway", "test_merge", "已培训", "len(attendees) > 0", route="below")
    p.chain("training", "test_merge", "performance_test", "passed_gateway")
    p.flow("passed_gateway", "summary_report", "通过", "passed == True")
    p.flow("passed_gateway", "commissioning_merge", "未通过", default=True, route="above")
    p.chain("summary_report", "manager_review", "schedule_revisit", "end_done")
    return p


def revisit() -> Process:
    p = Process("revisit", "客户回访", lanes("service_desk", "service_manager", "engineer"),
                doc="售后服务工作手册第三十三至三十九条：客户回访售后服务流程。")
    p.add("start", "start_revisit", "回访计划/服务后回访", "service_desk", 0,
          props=form("request", starters="service_manager,engineer,sales"))
    p.add("xor", "mode_gateway", "回访方式？", "service_desk", 1)
    p.add("user", "phone_revisit", "电话回访", "engineer", 2,
          props=form("phone_questionnaire", assignee="assigned_engineer", due="revisit_due"),
          doc="认真填写《电话回访跟踪问卷表》（第三十六条）。")
    p.add("user", "visit_request", "经理签发走访申请", "service_manager", 2, props=form("visit_request"),
          doc="现场走访必须领取部门经理签写的《售后服务申请表》（第三十七条）。")
    p.add("xor", "signed_gateway", "签发？", "service_manager", 3)
    p.add("end", "end_declined", "不走访", "service_manager", 4)
    p.add("user", "visit_preparation", "出发准备", "engineer", 4, row=1, props=form("visit_preparation", **ENGINEER),
          doc="了解客户使用设备规格型号、使用期限、产品质量状况、以往服务记录、客户需求（第三十七条）。")
    p.add("user", "onsite_visit", "客户座谈、现场考察、数据采集", "engineer", 5, row=1,
          props=form("onsite_visit", **ENGINEER))
    p.add("user", "satisfaction_survey", "顾客满意度调查", "engineer", 6, row=1,
          props=form("satisfaction_survey", **ENGINEER))
    p.add("user", "visit_report", "提交客户回访报告", "engineer", 7, row=1, props=form("visit_report", **ENGINEER),
          doc="《客户回访售后服务报告》和《资料数据采集清单》（第三十八条）。")
    p.add("xor", "done_merge", "", "engineer", 8)
    p.add("service", "revisit_record", "记入客户档案", "engineer", 9,
          operator=("record_revisit", "revisit_recorded", {"satisfaction": "satisfaction"}))
    p.add("xor", "satisfaction_gateway", "满意度≤2或投诉？", "engineer", 10)
    p.add("service", "complaint_opening", "客户投诉时登记投诉案件", "service_manager", 11,
          operator=("open_complaint", "complaint_case", {}),
          doc="回访中客户提出投诉的，登记为投诉案件，按投诉等级计时处理。")
    p.add("user", "follow_up", "经理跟进", "service_manager", 12, props=form("follow_up"))
    p.add("end", "end_followed_up", "已跟进", "service_manager", 13)
    p.add("end", "end_done", "回访完成", "engineer", 11)
    p.chain("start_revisit", "mode_gateway")
    p.flow("mode_gateway", "visit_request", "现场走访", 'mode == "onsite"', route="right")
    p.flow("mode_gateway", "phone_revisit", "电话回访", default=True, route="vertical")
    p.chain("visit_request", "signed_gateway")
    p.flow("signed_gateway", "visit_preparation", "签发", "approved == True", route="vertical")
    p.flow("signed_gateway", "end_declined", "不签发", default=True)
    p.chain("visit_preparation", "onsite_visit", "satisfaction_survey", "visit_report", "done_merge")
    p.chain("phone_revisit", "done_merge", "revisit_record", "satisfaction_gateway")
    p.flow("satisfaction_gateway", "complaint_opening", "是", "satisfaction <= 2 or complaint == True",
           route="vertical")
    p.flow("satisfaction_gateway", "end_done", "否", default=True)
    p.chain("complaint_opening", "follow_up", "end_followed_up")
    return p


def tech_support() -> Process:
    p = Process("tech_support", "技术支持", lanes("sales", "engineer"),
                doc="售后服务工作手册第三十六条：客户遇难题或需技术支持时，电话直接答复或八小时内书面答复。")
    p.add("start", "start_question", "客户技术咨询", "sales", 0, props=form("question", starters="service_desk"))
    p.add("user", "answer", "答复客户（电话或书面）", "engineer", 1, props=form("answer", **ENGINEER))
    p.add("end", "end_answered", "已答复", "engineer", 2)
    p.chain("start_question", "answer", "end_answered")
    return p


def complaint() -> Process:
    p = Process("complaint", "客户投诉处理", lanes("service_desk", "service_manager", "engineer"),
                doc="投诉分级响应（紧急投诉、一般投诉各有响应和解决时限）、跟踪回访与闭环；"
                    "对服务工程师的投诉按《售后服务责任事故追究制度》（NK-MF25-B）计入当月投诉次数。")
    p.add("start", "start_complaint", "客户投诉", "service_desk", 0, props=form("record", starters="sales"),
          doc="销售部或售后服务部登记投诉：客户、设备、被投诉工程师、渠道、内容和等级。")
    p.add("user", "respond", "首次响应：受理、指派、制定措施", "service_manager", 1, props=form("respond"),
          doc="售后服务部经理在响应时限内受理投诉，答复客户，指定处理人并制定处理措施。")
    p.add("xor", "handling_merge", "", "service_manager", 2)
    p.add("xor", "handler_gateway", "由谁处理？", "service_manager", 3)
    p.add("service", "handler_pick", "确定处理工程师", "engineer", 4,
          operator=("complaint_engineer", "assigned_engineer", {}),
          doc="经理指定的工程师；未指定时为客户所在区域在办任务最少的工程师（不派被投诉的工程师）。")
    p.add("user", "engineer_handling", "工程师处理投诉", "engineer", 5, props=form("handling", **ENGINEER))
    p.add("user", "desk_handling", "售后服务部处理投诉", "service_desk", 5, props=form("handling"))
    p.add("xor", "handled_merge", "", "service_desk", 6)
    p.add("user", "confirm", "与客户确认处理结果", "service_desk", 7, props=form("confirm"),
          doc="对处理结果进行跟踪和回访，确保问题得到彻底解决。")
    p.add("xor", "satisfied_gateway", "客户满意？", "service_desk", 8)
    p.add("service", "consequence_preview", "核对工程师当月投诉次数", "service_manager", 9,
          operator=("complaint_consequence", "consequence", {}))
    p.add("user", "close", "经理结案：认定投诉、计入考核", "service_manager", 10, props=form("close"),
          doc="认定投诉是否属实；属工程师责任的计入其当月投诉次数（NK-MF25-B：一次罚款50元，两次以上每次100元）。")
    p.add("service", "engineer_tally", "计入工程师投诉次数", "service_manager", 11,
          operator=("count_engineer_complaint", "engineer_complaint", {}))
    p.add("end", "end_closed", "投诉已结案", "service_manager", 12)
    p.chain("start_complaint", "respond", "handling_merge", "handler_gateway")
    p.flow("handler_gateway", "handler_pick", "工程师", 'handled_by == "engineer"', route="vertical")
    p.flow("handler_gateway", "desk_handling", "售后服务部", default=True, route="vertical")
    p.chain("handler_pick", "engineer_handling", "handled_merge")
    p.chain("desk_handling", "handled_merge", "confirm", "satisfied_gateway")
    p.flow("satisfied_gateway", "consequence_preview", "满意", "satisfied == True")
    p.flow("satisfied_gateway", "handling_merge", "不满意", default=True, route="above")
    p.chain("consequence_preview", "close", "engineer_tally", "end_closed")
    return p


PROCESSES = [installation, fault_handling, revisit, compensation_approval, compensation_office, tech_support, complaint,
             service_appointment, delivery_installation, *ACCOUNTABILITY]
