"""The names the figures show for codes (flows, teams, classes, grades, approval bands, responsible
parties) in both languages, and people's display names: figures speak in names, ids stay in links."""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from engine.db import db
from engine.models import ModelVersion, User
from workflows.deadlines import sla
from workflows.records.dispatch import TEAM_NAMES
from workflows.records.tables import Engineer

FLOWS = {
    "installation": ("设备安装调试", "Installation & commissioning"),
    "fault_handling": ("质量故障处理", "Quality fault handling"),
    "revisit": ("客户回访", "Customer revisit"),
    "compensation_approval": ("零部件赔偿", "Parts compensation"),
    "tech_support": ("技术支持", "Technical support"),
    "complaint": ("客户投诉处理", "Complaint handling"),
    "sla_escalation": ("超时处理", "Deadline escalation"),
    "service_appointment": ("预约服务", "Service appointment"),
    "delivery_installation": ("送货安装", "Delivery and installation"),
}
CLASSES = {"key": ("大客户/重点客户", "Key customer"), "ordinary": ("一般客户", "Ordinary customer"),
           None: ("未分类", "Unclassified")}
GRADES = {"urgent": ("紧急投诉", "Urgent complaint"), "ordinary": ("一般投诉", "Ordinary complaint")}
BANDS = {
    "service_manager": ("经理批准（紧急，1000元以下）", "Service manager (emergency, up to 1,000)"),
    "sales_vp": ("分管销售副总批准（紧急，1000–5000元）", "Sales VP (emergency, 1,000–5,000)"),
    "general_manager": ("总经理批准（5000元以上或非紧急）", "General manager (5,000 and over, or not urgent)"),
    None: ("未确定", "Not determined"),
}
PARTIES = {
    "supplier": ("供应商", "Supplier"), "production": ("生产", "Production"), "design": ("设计", "Design"),
    "transport": ("运输", "Transport"), "customer_misuse": ("客户使用不当", "Customer misuse"),
    "engineer": ("服务工程师", "Service engineer"), None: ("尚未认定", "Not yet assigned"),
}
TEAMS = {**TEAM_NAMES, None: ("未分组", "No team")}
# the dashboard figures by their drill-down key (workflows/management/drilldown.py)
FIGURE_NAMES = {
    "open": ("当前未结", "Open now"), "overdue": ("当前超期", "Overdue now"),
    "open_step": ("停在该步骤的未结案件", "Open, waiting at the step"),
    "step": ("经过该步骤的案件", "Through the step"),
    "backlog": ("周末未结", "Open at the week's end"), "received": ("期间受理", "Received"),
    "completed": ("期间受理并已完成", "Received and completed"), "sla": ("时限", "Deadline"),
    "satisfaction": ("满意度评价", "Satisfaction scores"), "complaints": ("投诉", "Complaints"),
    "repeat_complaints": ("重复投诉", "Repeat complaints"), "fault_done": ("已完成的故障处理", "Faults closed"),
    "first_time_fix": ("一次修复", "Fixed first time"), "repeat_visit": ("返修", "Repeat visits"),
    "compensation": ("已批准的赔偿", "Approved compensation"), "revisit_due": ("应回访", "Revisits due"),
    "revisit_done": ("已回访", "Revisits done"), "engineer_open": ("工程师在办", "Engineer's open cases"),
    "dispatched": ("派工", "Dispatched"), "overridden": ("改派建议人选", "Suggestion overridden"),
    "arrival": ("有到场记录的派工", "Dispatches with an arrival"),
}


def pick(pairs: Mapping, key, lang: str, fallback: str | None = None) -> str:
    pair = pairs.get(key)
    if pair is None:
        return fallback if fallback is not None else str(key)
    return pair[1] if lang == "en" else pair[0]


def flow_name(process_id: str, lang: str, names: Mapping[str, str] | DiagramNames | None = None) -> str:
    """A flow's name; a flow deployed later that has no entry here shows its diagram's name."""
    if process_id in FLOWS:
        return pick(FLOWS, process_id, lang)
    return (names or {}).get(process_id) or process_id


class DiagramNames:
    """The diagrams' names, read only if a flow without a name of its own shows up."""

    def __init__(self) -> None:
        self._names: dict[str, str] | None = None

    def get(self, process_id: str, default: str | None = None) -> str | None:
        if self._names is None:
            self._names = diagram_names()
        return self._names.get(process_id, default)


def diagram_names() -> dict[str, str]:
    rows = db.session.execute(sa.select(ModelVersion.process_id, ModelVersion.name)
                              .order_by(ModelVersion.process_id, ModelVersion.version))
    return {process_id: name for process_id, name in rows}


def sla_names(lang: str) -> dict[str, str]:
    return {rule.key: rule.name(lang) for rule in sla.rules()}


def engineers() -> tuple[dict[str, str | None], dict[str, str]]:
    """Every engineer's region team and display name, by username (one read)."""
    rows = db.session.execute(sa.select(User.username, Engineer.region_team, User.display_name)
                              .join(Engineer, Engineer.user_id == User.id)).all()
    return {u: team for u, team, _name in rows}, {u: name or u for u, _team, name in rows}
