"""Furniture delivery and installation for end customers and dealers (003: 客服部管理制度) as a diagram."""
from __future__ import annotations

from diagram import Process

from workflows.roles import ROLES

CREW = "installation_crew"


def _lanes(*roles: str) -> list[tuple[str, str]]:
    return [(role, ROLES[role].name_zh) for role in roles]


def _form(name: str, **extra: str) -> dict[str, str]:
    return {"form": name, **extra}


def delivery_installation() -> Process:
    p = Process("delivery_installation", "送货安装",
                _lanes("sales", "dealer_coordinator", "service_head", "supervising_leader", CREW, "driver",
                       "installation_supervisor"),
                doc="客服部管理制度：终端客户的安装、配合经销商的安装、安装工作流程、注意事项（质量问题、退货）、"
                    "出车记录。")
    p.add("start", "start_request", "送货安装要求", "sales", 0,
          props=_form("feedback_form", starters="dealer_coordinator"),
          doc="终端客户有安装任务时，销售人员填写《客户意见反馈表》交客服部负责人；经销商有安装要求时由相关部门负责人提出。")
    p.add("xor", "kind_gateway", "终端客户或经销商？", "sales", 1)
    p.add("user", "coordinate", "相关部门负责人与客服部负责人协调", "dealer_coordinator", 2, props=_form("coordinate"))
    p.add("xor", "crew_merge", "", "service_head", 3)
    p.add("user", "assign_crew", "分配安装人员和日期", "service_head", 4, props=_form("assign_crew"),
          doc="客服部负责人根据实际情况分配人员和工作。")
    p.add("xor", "large_gateway", "大量人员外出？", "service_head", 5)
    p.add("user", "leader_decision", "主管领导决定外出安装任务", "supervising_leader", 6,
          props=_form("leader_decision"))
    p.add("xor", "leader_gateway", "同意？", "supervising_leader", 7)
    p.add("xor", "load_merge", "", CREW, 8)
    p.add("user", "load_check", "装车前检查包装、协助装车", CREW, 9, props=_form("load_check"))
    p.add("user", "call_customer", "联络客户说明到达时间", CREW, 10, props=_form("call_customer"))
    p.add("xor", "site_gateway", "送往？", CREW, 11)
    p.add("xor", "unload_merge", "", CREW, 12)
    p.add("user", "unload_count", "卸货并查清件数", CREW, 13, props=_form("unload_count"))
    p.add("user", "install", "安装（保护客户家具、装修）", CREW, 14, props=_form("install"))
    p.add("xor", "quality_gateway", "质量问题？", CREW, 15)
    p.add("user", "adjust_explain", "调试、介绍保修", CREW, 16, props=_form("adjust_explain"))
    p.add("user", "clean_up", "清理安装现场", CREW, 17, props=_form("clean_up"))
    p.add("user", "installation_receipt", "安装回执单客户签名", CREW, 18, props=_form("installation_receipt"),
          doc="将安装回执单交由顾客签名确认。")
    p.add("user", "thanks", "向顾客致谢", CREW, 19, props=_form("thanks"))
    p.add("user", "dealer_count", "与经销商清点件数", CREW, 13, row=1, props=_form("dealer_count"))
    p.add("user", "delivery_note", "发货单（一式两份）经销商签字", CREW, 14, row=1, props=_form("delivery_note"),
          doc="将发货单（一式两份）给经销商，让经销商签字确认，收回其签字的乙份。")
    p.add("user", "supervisor_copy", "签字发货单交安装主管", "installation_supervisor", 15,
          props=_form("supervisor_copy"))
    p.add("user", "apology", "向顾客致歉并确定送货日期", CREW, 15, row=2, props=_form("apology"),
          doc="确需返工的应向顾客致歉并确定具体的安装或送货日期，必须在承诺的时间内准时送到。")
    p.add("service", "promise_deadline", "承诺日期计为期限", CREW, 16, row=2,
          operator=("promised_deadline", "promised_deadline", {}))
    p.add("xor", "return_gateway", "需退货？", CREW, 17, row=2)
    p.add("user", "repack_return", "重新包装返厂、填写退货记录", CREW, 18, row=2, props=_form("repack_return"),
          doc="如果出现质量问题需要退货，一定要重新包装完好后再返厂。")
    p.add("user", "rework_trip", "填写出车记录（本趟）", "driver", 19, props=_form("trip_record"))
    p.add("user", "redelivery", "按承诺日期重新送货", CREW, 20, row=2,
          props=_form("redelivery", due="promised_deadline"))
    p.add("boundary", "promise_timer", "承诺日期已到", CREW, 20, row=2, attached="redelivery",
          timer="promised_deadline")
    p.add("user", "overdue_follow_up", "承诺日期未送到：跟进", "service_head", 21, props=_form("overdue_follow_up"))
    p.add("end", "end_overdue", "已跟进", "service_head", 22)
    p.add("xor", "trip_merge", "", "driver", 21)
    p.add("user", "trip_record", "填写出车记录", "driver", 22, props=_form("trip_record"),
          doc="司机每次出车应正确填写《出车记录登记表》。")
    p.add("end", "end_done", "送货安装完成", "driver", 23)
    p.chain("start_request", "kind_gateway")
    p.flow("kind_gateway", "coordinate", "经销商", 'customer_kind == "dealer"', route="vertical")
    p.flow("kind_gateway", "crew_merge", "终端客户", default=True, route="vertical")
    p.chain("coordinate", "crew_merge", "assign_crew", "large_gateway")
    p.flow("large_gateway", "leader_decision", "是", "crew_size >= large_job_crew", route="vertical")
    p.flow("large_gateway", "load_merge", "否", default=True)
    p.chain("leader_decision", "leader_gateway")
    p.flow("leader_gateway", "load_merge", "同意", "approved == True")
    p.flow("leader_gateway", "crew_merge", "不同意", default=True, route="above")
    p.chain("load_merge", "load_check", "call_customer", "site_gateway")
    p.flow("site_gateway", "dealer_count", "经销商", 'customer_kind == "dealer"', route="vertical")
    p.flow("site_gateway", "unload_merge", "终端客户", default=True)
    p.chain("unload_merge", "unload_count", "install", "quality_gateway")
    p.flow("quality_gateway", "apology", "需返工", 'quality_outcome == "rework"', route="vertical")
    p.flow("quality_gateway", "adjust_explain", "无/已解决", default=True)
    p.chain("adjust_explain", "clean_up", "installation_receipt", "thanks", "trip_merge")
    p.chain("dealer_count", "delivery_note", "supervisor_copy", "trip_merge")
    p.chain("apology", "promise_deadline", "return_gateway")
    p.flow("return_gateway", "repack_return", "退货", "needs_return == True")
    p.flow("return_gateway", "rework_trip", "不退货", default=True)
    p.chain("repack_return", "rework_trip", "redelivery")
    p.flow("redelivery", "unload_merge", route="below")
    p.chain("promise_timer", "overdue_follow_up", "end_overdue")
    p.chain("trip_merge", "trip_record", "end_done")
    return p
