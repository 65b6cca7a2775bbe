"""The roles of DOMAIN.md; BPMN lanes name them by id or by Chinese name."""
from __future__ import annotations

from engine.hooks import Role

ROLES = {r.id: r for r in [
    Role("sales", "销售部", "Sales"),
    Role("service_desk", "售后服务部", "Service desk"),
    Role("service_manager", "售后服务部经理", "Service manager"),
    Role("sales_vp", "分管销售副总", "Sales VP"),
    Role("quality_vp", "质量副总", "Quality VP"),
    Role("general_manager", "总经理", "General manager"),
    Role("engineer", "服务工程师", "Service engineer"),
    Role("production", "生产部", "Production"),
    Role("logistics", "采购物流部", "Purchasing & logistics"),
    Role("mfg_tech", "制造技术部", "Manufacturing technology"),
    Role("archivist", "档案管理员", "Archivist"),
    Role("process_owner", "流程负责人", "Process owner"),
    Role("auditor", "审计", "Auditor"),
    Role("admin", "系统管理员", "Administrator"),
    # service appointments (004) and furniture delivery and installation (003)
    Role("service_advisor", "客户服务代表", "Service advisor"),
    Role("cashier", "收银员", "Cashier"),
    Role("service_head", "客服部负责人", "Customer service head"),
    Role("supervising_leader", "主管领导", "Supervising leader"),
    Role("installation_supervisor", "安装主管", "Installation supervisor"),
    Role("installation_crew", "安装人员", "Installation crew"),
    Role("dealer_coordinator", "经销商业务负责人", "Dealer coordinator"),
    Role("driver", "司机", "Driver"),
]}

# Demo users: one per role (DOMAIN.md); engineers one per region team.
DEMO_USERS = [
    ("sales1", "王销售", ["sales"]),
    ("desk1", "李客服", ["service_desk"]),
    ("manager1", "张经理", ["service_manager"]),
    ("salesvp1", "赵副总", ["sales_vp"]),
    ("qualityvp1", "钱副总", ["quality_vp"]),
    ("gm1", "孙总经理", ["general_manager"]),
    ("eng_sw1", "周工（西南）", ["engineer"]),
    ("eng_n1", "吴工（华北）", ["engineer"]),
    ("eng_g1", "郑工（综合）", ["engineer"]),
    ("prod1", "冯生产", ["production"]),
    ("logi1", "陈物流", ["logistics"]),
    ("mfg1", "褚制造", ["mfg_tech"]),
    ("archivist1", "卫档案", ["archivist"]),
    ("owner1", "蒋流程", ["process_owner"]),
    ("auditor1", "沈审计", ["auditor"]),
    ("admin", "系统管理员", ["admin"]),
    ("advisor1", "何接待", ["service_advisor"]),
    ("cashier1", "吕收银", ["cashier"]),
    ("svchead1", "施主任", ["service_head"]),
    ("leader1", "张主管领导", ["supervising_leader"]),
    ("instsup1", "孔主管", ["installation_supervisor"]),
    ("crew1", "曹安装", ["installation_crew"]),
    ("crew2", "严安装", ["installation_crew"]),
    ("dealer1", "华经销", ["dealer_coordinator"]),
    ("driver1", "金司机", ["driver"]),
]
