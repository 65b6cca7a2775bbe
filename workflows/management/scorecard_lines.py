"""The lines of the engineer's monthly scorecard (绩效考核, the manual's table; DOMAIN.md), and how
each line the system has data for is computed from process history. The table's fifteen items
weigh 100 together; a line's points are deductions from its item (an item never goes below 0),
except the market item, which awards 10, 8 or 4 points on the month's parts sales.

What the system computes, for the engineer and the company-local month:

- `late` (−1 each): an SLA breached that month on a task the engineer held — an engineer's task
  (the written answer to a technical question, a phone revisit, …) or the on-site arrival
  deadline (`arrival` SLA kind).
- `complaints` (−1 each): complaints received that month, closed, and counted against the engineer
  by the manager (the complaint flow's `engineer_complaint`).
- `failed_services` (−1 each; more than three in the month: −2 each): an installation or fault case
  of the engineer that ended that month and either needed a second on-site visit (the on-site
  investigation done more than once), was followed by a new fault case on the same equipment within
  the first-time-fix window (the dashboard's setting, 30 days by default), or was rated 差 (poor)
  for service quality in the manager's review.
- `field_days` (−1): fewer days in the field this year, up to the month's end, than 240 a year pro
  rata (20 a month). A field day is a company-local day on which the engineer completed a step on
  the customer's site.
- `training` (−1 each): an installation of the engineer that ended that month without a completed
  customer training (培训人员签到表) or with a training of 0 hours.
- `phone_revisits` (−1): fewer than six phone revisits (电话回访问卷) completed in the month.
- `site_visits` (−2): fewer on-site customer visits (客户回访报告) this year up to the month's end
  than one a month on average.
- `forms` (−1 per gap; more than five gaps: −2 each): a field the manual expects on a form the
  engineer submitted that month left empty (EXPECTED_FIELDS: the fields a form does not require
  but the manual asks for — the customer's opinion and signature, the arrival time, photos, …).
- `parts_sales` (10 / 8 / 4 points): the parts the engineer sold that month (workflows/management/
  commission.py): ≥ 10,000 yuan → 10, 5,000–10,000 → 8, below → 4.

Everything else in the table (profit, productivity, after-sales cost, retention, reports and logs,
dress and safety, training attendance, the behaviour items) is entered by the manager."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from engine.db import db
from engine.errors import ValidationFailed
from engine.models import Instance, Task
from workflows.case_data import local_zone
from workflows.deadlines import sla
from workflows.deadlines.sla import SlaRecord
from workflows.management import commission
from workflows.management.calculators import money
from workflows.management.facts import CaseFact
from workflows.management.facts_sources import ARRIVAL_RULE
from workflows.management.facts_update import setting

# item code: (中文, English, weight) — the manual's table, in its order
SECTIONS: Mapping[str, tuple[str, str, int]] = {
    "profit": ("利润", "Profit", 6),
    "productivity": ("全员劳动生产率", "Labour productivity", 6),
    "quality_cost": ("质量（售后处理成本）", "Quality (after-sales cost)", 8),
    "retention": ("核心员工保留率", "Core staff retention", 8),
    "reporting": ("考核数据、工作日志、月度总结", "KPI data, work log, monthly summary", 8),
    "field": ("外勤率、服务目标合格率", "Field days and service success", 8),
    "service_quality": ("服务质量、安全文明生产", "Service quality and safety", 8),
    "customer_care": ("客户培训与客户回访", "Customer training and revisits", 8),
    "information": ("信息资料完整率与信息资料反馈", "Complete information and feedback", 9),
    "tech_training": ("技术培训", "Technical training", 5),
    "market": ("市场维护与开发", "Market development (parts sales)", 10),
    "responsibility": ("责任性", "Responsibility", 4),
    "teamwork": ("团队合作意识", "Teamwork", 4),
    "initiative": ("积极性", "Initiative", 4),
    "discipline": ("纪律性", "Discipline", 4),
}
# line code: (中文, English, item) — computed lines
COMPUTED: Mapping[str, tuple[str, str, str]] = {
    "late": ("未在规定期限到达现场或完成任务", "Late arrival or missed deadline", "service_quality"),
    "complaints": ("被客户投诉", "Customer complaints", "service_quality"),
    "failed_services": ("服务不合格", "Failed services", "field"),
    "field_days": ("外勤日不足（全年240天，按月折算）", "Too few field days (240 a year, pro rata)", "field"),
    "training": ("安装未进行客户操作维护培训", "Installation without customer training", "customer_care"),
    "phone_revisits": ("当月电话回访少于六次", "Fewer than six phone revisits", "customer_care"),
    "site_visits": ("平均每月拜访客户少于1次", "Fewer than one site visit a month on average", "customer_care"),
    "forms": ("服务信息资料表格填写不完整", "Incomplete service forms", "information"),
    "parts_sales": ("月销售零配件额", "Parts sales in the month", "market"),
}
# line code: (中文, English, item) — entered by the manager (deductions down to the item's weight)
ENTERED: Mapping[str, tuple[str, str, str]] = {
    "profit": ("利润（财务部）", "Profit (finance)", "profit"),
    "productivity": ("全员劳动生产率（财务部）", "Labour productivity (finance)", "productivity"),
    "quality_cost": ("百万产值售后处理成本", "After-sales cost per million of output", "quality_cost"),
    "retention": ("核心员工保留率（人力资源部）", "Core staff retention (HR)", "retention"),
    "reporting": ("考核数据未按时上交、工作日志及月度总结缺少", "Late KPI data, missing logs or summaries",
                  "reporting"),
    "conduct": ("衣冠不整、未穿工作鞋戴安全帽、安全事故", "Dress, safety shoes and helmet, safety accidents",
                "service_quality"),
    "tech_training": ("未参加培训、考核不合格", "Training missed or failed", "tech_training"),
    "responsibility": ("责任性", "Responsibility", "responsibility"),
    "teamwork": ("团队合作意识", "Teamwork", "teamwork"),
    "initiative": ("积极性", "Initiative", "initiative"),
    "discipline": ("纪律性", "Discipline", "discipline"),
}
# (flow, step) → the fields the manual expects on that form although the form lets them be empty
EXPECTED_FIELDS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("installation", "goods_count"): ("photos",),
    ("installation", "commissioning"): ("finished_on",),
    ("installation", "training"): ("hours",),
    ("installation", "summary_report"): ("customer_opinion", "days_on_site"),
    ("fault_handling", "onsite_investigation"): ("arrived_at", "site_conditions", "site_photos"),
    ("fault_handling", "service_report"): ("customer_opinion", "customer_signatory", "service_log"),
    ("revisit", "phone_questionnaire"): ("called_at",),
    ("revisit", "visit_preparation"): ("years_in_use", "quality_record", "past_services"),
}
FIELD_LABELS: Mapping[str, tuple[str, str]] = {
    "photos": ("照片", "photos"), "finished_on": ("完成日期", "finished on"), "hours": ("培训学时", "hours"),
    "customer_opinion": ("客户意见", "customer's opinion"), "days_on_site": ("现场服务天数", "days on site"),
    "arrived_at": ("到达现场时间", "arrival time"), "site_conditions": ("现场工作状况", "site conditions"),
    "site_photos": ("现场照片", "site photos"), "customer_signatory": ("客户签字人", "customer's signatory"),
    "service_log": ("售后服务备忘录（日志）", "service log"), "called_at": ("回访时间", "time of the call"),
    "years_in_use": ("使用年限", "years in use"), "quality_record": ("产品质量状况", "quality record"),
    "past_services": ("以往服务记录", "past services"),
}
ONSITE_STEPS = frozenset({
    ("installation", "goods_count"), ("installation", "commissioning"), ("installation", "training"),
    ("installation", "performance_test"), ("fault_handling", "onsite_investigation"), ("fault_handling", "repair"),
    ("fault_handling", "inspection_test"), ("fault_handling", "trial_run"), ("revisit", "onsite_visit"),
    ("revisit", "satisfaction_survey")})
SERVICE_PROCESSES = ("installation", "fault_handling")
PHONE_REVISITS_NEEDED, FIELD_DAYS_A_YEAR = 6, 240
SALES_TIERS = ((Decimal(10000), 10), (Decimal(5000), 8), (Decimal(0), 4))  # at least → points
MANY_FAILURES, MANY_GAPS = 3, 5


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            day = dt.datetime.strptime(str(text)[:7], "%Y-%m").date()
        except ValueError as exc:
            raise ValidationFailed({"month": ["a month as YYYY-MM, e.g. 2026-11"]}) from exc
        if len(str(text)) != 7 or not 2000 <= day.year <= 2200:
            raise ValidationFailed({"month": ["a month as YYYY-MM between 2000 and 2200"]})
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def after(self) -> dt.date:
        return dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return commission.period_bounds(self.first, self.after)

    def year_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """From 1 January to the month's end."""
        return commission.period_bounds(dt.date(self.year, 1, 1), self.after)


@dataclass
class Line:
    code: str
    points: int
    cases: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    def to_dict(self, lang: str) -> dict[str, Any]:
        zh, en, item = COMPUTED.get(self.code) or ENTERED[self.code]
        return {"code": self.code, "label": en if lang == "en" else zh, "item": item, "points": self.points,
                "cases": self.cases, "detail": self.detail, "entered": self.code in ENTERED}


def case_ref(instance_id: int, case_number: str | None, zh: str = "", en: str | None = None) -> dict[str, Any]:
    """A case behind a line, with why (in both languages: a confirmed card is kept as computed)."""
    return {"instance_id": instance_id, "case_number": case_number, "link": f"/cases/{instance_id}",
            "note": {"zh": zh, "en": zh if en is None else en}}


def _ymd(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(local_zone()).date().isoformat()


# ---------------------------------------------------------------- the computed lines
def late(engineer: str, month: Month) -> Line:
    start, end = month.bounds()
    rows = db.session.execute(sa.select(SlaRecord).where(
        SlaRecord.outcome == "breached", SlaRecord.assignee == engineer,
        sa.or_(SlaRecord.role == "engineer", SlaRecord.rule == ARRIVAL_RULE),
        SlaRecord.breached_at >= start, SlaRecord.breached_at < end).order_by(SlaRecord.breached_at, SlaRecord.id))
    names = {rule.key: (rule.name_zh, rule.name_en) for rule in sla.rules()}
    cases = []
    for r in rows.scalars():
        zh, en = names.get(r.rule, (r.rule, r.rule))
        day = _ymd(r.due_at or r.breached_at)
        cases.append(case_ref(r.instance_id, r.case_number, f"{zh}，期限 {day}", f"{en}, due {day}"))
    return Line("late", -len(cases), cases)


def complaints(engineer: str, month: Month) -> Line:
    start, end = month.bounds()
    rows = db.session.execute(sa.select(Instance.id, Instance.case_number, Instance.data).where(
        Instance.process_id == "complaint", Instance.status == "completed", Instance.received_at >= start,
        Instance.received_at < end).order_by(Instance.received_at, Instance.id))
    cases = [case_ref(i, number) for i, number, data in rows if (data or {}).get("engineer_complaint") == engineer]
    return Line("complaints", -len(cases), cases)


def _ended_services(engineer: str, month: Month) -> list[CaseFact]:
    start, end = month.bounds()
    return list(db.session.execute(sa.select(CaseFact).where(
        CaseFact.engineer == engineer, CaseFact.process_id.in_(SERVICE_PROCESSES), CaseFact.status == "completed",
        CaseFact.ended_at >= start, CaseFact.ended_at < end).order_by(CaseFact.ended_at, CaseFact.instance_id))
        .scalars())


def failed_services(engineer: str, month: Month) -> Line:
    window = setting("first_time_fix_days")
    cases = []
    for fact in _ended_services(engineer, month):
        data = db.session.execute(sa.select(Instance.data).where(Instance.id == fact.instance_id)).scalar() or {}
        reasons = []
        if fact.onsite_visits > 1:
            reasons.append(("第二次现场服务", "a second on-site visit"))
        if fact.next_fault_gap_days is not None and fact.next_fault_gap_days <= window:
            reasons.append((f"{window}天内同一设备再次故障", f"a new fault on the same equipment within {window} days"))
        if data.get("service_quality") == "poor":
            reasons.append(("经理审核评为差", "rated poor in the manager's review"))
        if reasons:
            cases.append(case_ref(fact.instance_id, fact.case_number, "；".join(zh for zh, _en in reasons),
                                  "; ".join(en for _zh, en in reasons)))
    each = 2 if len(cases) > MANY_FAILURES else 1
    return Line("failed_services", -each * len(cases), cases)


def _engineer_steps(engineer: str, start: dt.datetime, end: dt.datetime,
                    steps: Iterable[tuple[str, str]]) -> list[Task]:
    wanted = sa.tuple_(Task.process_id, Task.element_id).in_(list(steps))
    return list(db.session.execute(sa.select(Task).where(
        Task.status == "completed", Task.completed_by == engineer, wanted, Task.completed_at >= start,
        Task.completed_at < end).order_by(Task.completed_at, Task.id)).scalars())


def field_days(engineer: str, month: Month) -> Line:
    start, end = month.year_bounds()
    days: dict[str, Task] = {}
    for task in _engineer_steps(engineer, start, end, ONSITE_STEPS):
        days.setdefault(_ymd(task.completed_at), task)
    needed = FIELD_DAYS_A_YEAR * month.month // 12
    detail = f"{len(days)} / {needed}"
    if len(days) >= needed:
        return Line("field_days", 0, detail=detail)
    return Line("field_days", -1, [case_ref(t.instance_id, t.case_number, day) for day, t in sorted(days.items())],
                detail)


def training(engineer: str, month: Month) -> Line:
    cases = []
    for fact in _ended_services(engineer, month):
        if fact.process_id != "installation":
            continue
        sessions = db.session.execute(sa.select(Task.data).where(
            Task.instance_id == fact.instance_id, Task.element_id == "training", Task.status == "completed")).scalars()
        held = [data for data in sessions if not _zero((data or {}).get("hours"))]
        if not held:
            cases.append(case_ref(fact.instance_id, fact.case_number, "未进行客户操作维护培训", "no customer training"))
    return Line("training", -len(cases), cases)


def _zero(hours: Any) -> bool:
    """A training recorded with 0 hours (no hours given is an incomplete form, not a missing training)."""
    try:
        return hours not in (None, "") and Decimal(str(hours)) == 0
    except ArithmeticError:
        return False


def phone_revisits(engineer: str, month: Month) -> Line:
    done = _engineer_steps(engineer, *month.bounds(), [("revisit", "phone_revisit")])
    detail = f"{len(done)} / {PHONE_REVISITS_NEEDED}"
    points = -1 if len(done) < PHONE_REVISITS_NEEDED else 0
    return Line("phone_revisits", points, [case_ref(t.instance_id, t.case_number) for t in done] if points else [],
                detail)


def site_visits(engineer: str, month: Month) -> Line:
    done = _engineer_steps(engineer, *month.year_bounds(), [("revisit", "visit_report")])
    detail = f"{len(done)} / {month.month}"
    points = -2 if len(done) < month.month else 0
    return Line("site_visits", points, [case_ref(t.instance_id, t.case_number) for t in done] if points else [],
                detail)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def forms(engineer: str, month: Month) -> Line:
    cases, gaps = [], 0
    for task in _engineer_steps(engineer, *month.bounds(), EXPECTED_FIELDS):
        missing = [name for name in EXPECTED_FIELDS[(task.process_id, task.element_id)]
                   if _empty((task.data or {}).get(name))]
        if missing:
            gaps += len(missing)
            zh = "、".join(FIELD_LABELS[name][0] for name in missing)
            en = ", ".join(FIELD_LABELS[name][1] for name in missing)
            cases.append(case_ref(task.instance_id, task.case_number, f"{task.name}：{zh}",
                                  f"{task.element_id.replace('_', ' ')}: {en}"))
    each = 2 if gaps > MANY_GAPS else 1
    return Line("forms", -each * gaps, cases, f"{gaps}")


def sales_points(amount: Decimal) -> int:
    return next(points for floor, points in SALES_TIERS if amount >= floor)


def parts_sales(engineer: str, month: Month) -> Line:
    sold = commission.sales(month.first, month.after).get(engineer, [])
    total = sum((s.amount for s in sold), Decimal(0))
    return Line("parts_sales", sales_points(total), [case_ref(s.instance_id, s.case_number, str(s.amount))
                                                     for s in sold], str(money(total)))


CALCULATIONS = (late, complaints, failed_services, field_days, training, phone_revisits, site_visits, forms,
                parts_sales)


def computed(engineer: str, month: Month) -> list[Line]:
    return [calculate(engineer, month) for calculate in CALCULATIONS]


def item_scores(lines: Iterable[Line]) -> dict[str, int]:
    """Each item's score: its weight less its lines' deductions (never below 0); the market item is
    the points its sales earned."""
    deductions: dict[str, int] = {code: 0 for code in SECTIONS}
    scores: dict[str, int] = {}
    for line in lines:
        item = (COMPUTED.get(line.code) or ENTERED[line.code])[2]
        if item == "market":
            scores[item] = line.points
        else:
            deductions[item] += line.points
    for code, (_zh, _en, weight) in SECTIONS.items():
        scores.setdefault(code, max(0, weight + deductions[code]))
    return scores
