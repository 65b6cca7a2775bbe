"""The engineers' accountability flows: a major responsibility accident (NK-MF25-B) and a lost or
damaged service tool (《售后服务器械管理办法》)."""
from __future__ import annotations

from diagram import Process

from workflows.roles import ROLES


def _lanes(*roles: str) -> list[tuple[str, str]]:
    return [(role, ROLES[role].name_zh) for role in roles]


def accident() -> Process:
    p = Process("accident", "重大责任事故处理", _lanes("quality_vp", "service_manager", "general_manager"),
                doc="售后服务责任事故追究制度（NK-MF25-B）：质量副总认定责任与损失，按损失累进计算罚款，"
                    "售后服务部经理确认，并报总经理作出行政处分决定。")
    p.add("start", "start_accident", "认定责任事故", "quality_vp", 0, props={"form": "record"},
          doc="责任事故认定小组认定责任范围、损失大小和责任工程师。")
    p.add("service", "fine_computation", "按损失累进计算罚款", "quality_vp", 1,
          operator=("accident_fine", "accident_fine", {}),
          doc="罚款比例为流程负责人可修改的设置（默认 0–500 30%，500–2,000 25%，2,000–5,000 20%，"
              "5,000–10,000 15%，10,000 以上 10%）。")
    p.add("user", "manager_confirmation", "经理确认罚款", "service_manager", 2, props={"form": "confirmation"})
    p.add("xor", "confirmed_gateway", "确认？", "service_manager", 3)
    p.add("user", "return_notice", "认定被退回", "quality_vp", 4, props={"form": "return_notice"})
    p.add("end", "end_returned", "未予确认", "quality_vp", 5)
    p.add("user", "sanction_decision", "行政处分决定", "general_manager", 4, props={"form": "sanction"},
          doc="对严重失职的责任事故相关人员，除经济处罚外，予以免职或降级，停止涨薪，直至开除处理。")
    p.add("service", "fine_booking", "记入罚款台账", "general_manager", 5,
          operator=("book_accident_fine", "fine_entry", {}))
    p.add("end", "end_booked", "处理完毕", "general_manager", 6)
    p.chain("start_accident", "fine_computation", "manager_confirmation", "confirmed_gateway")
    p.flow("confirmed_gateway", "sanction_decision", "确认", "confirmed == True", route="vertical")
    p.flow("confirmed_gateway", "return_notice", "退回", default=True, route="vertical")
    p.chain("return_notice", "end_returned")
    p.chain("sanction_decision", "fine_booking", "end_booked")
    return p


def tool_loss() -> Process:
    p = Process("tool_loss", "服务器械遗失损坏", _lanes("engineer", "service_manager"),
                doc="售后服务器械管理办法：遗失或损坏服务器械立即向部门经理汇报；人为遗失或损坏按使用期折旧赔偿，"
                    "正常损耗办理维修或报废。")
    p.add("start", "start_report", "报告器械遗失或损坏", "engineer", 0, props={"form": "report"})
    p.add("user", "manager_decision", "经理认定：正常损耗或人为责任", "service_manager", 1,
          props={"form": "decision"})
    p.add("xor", "cause_gateway", "原因？", "service_manager", 2)
    p.add("service", "wear_record", "登记维修或报废", "service_manager", 3,
          operator=("record_tool_wear", "tool_status", {}),
          doc="非人为因素损坏：到人力资源部或供应物流部办理维修或报废手续。")
    p.add("end", "end_wear", "正常损耗，不赔偿", "service_manager", 4)
    p.add("service", "compensation_computation", "按使用期计算赔偿", "engineer", 3,
          operator=("tool_compensation", "compensation_amount", {}))
    p.add("user", "compensation_form", "填写服务器械赔偿单", "engineer", 4,
          props={"form": "compensation_form", "assignee": "reported_by"},
          doc="《服务器械赔偿单》：按赔偿单规定到财务部交清赔偿款。")
    p.add("service", "compensation_record", "登记赔偿", "engineer", 5,
          operator=("record_tool_compensation", "tool_status", {}))
    p.add("end", "end_compensated", "已赔偿", "engineer", 6)
    p.chain("start_report", "manager_decision", "cause_gateway")
    p.flow("cause_gateway", "wear_record", "正常损耗", 'cause == "normal_wear"')
    p.flow("cause_gateway", "compensation_computation", "人为责任", default=True, route="vertical")
    p.chain("wear_record", "end_wear")
    p.chain("compensation_computation", "compensation_form", "compensation_record", "end_compensated")
    return p


PROCESSES = [accident, tool_loss]
