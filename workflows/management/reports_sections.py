"""The sections of the reports, each a table (title, column headings, rows of cells) made from the
dashboard figures of the period. Money stays a decimal string; hours and percentages are numbers;
a cell with nothing to measure is None (shown as —)."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from workflows.management.dashboard_labels import BANDS, PARTIES, pick


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def section(key: str, title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"key": key, "title": title, "columns": columns, "rows": rows}


def overview(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    flows = data["received_by_flow"]["items"]
    rows = [[e["label"], e["value"], e["completed"]["value"], e["still_open"]] for e in flows]
    totals = {e["key"]: e["value"] for e in data["totals"]["items"]}
    rows.append([_t(lang, "合计", "Total"), totals["received"], totals["completed"],
                 sum(e["still_open"] for e in flows)])
    return section("overview", _t(lang, "一、工作概况", "1. Work done"),
                   [_t(lang, "流程", "Flow"), _t(lang, "受理", "Received"), _t(lang, "已完成", "Completed"),
                    _t(lang, "未结", "Still open")], rows)


def deadlines(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    rows = [[e["label"], e["met"], e["breached"], e["pending"], e["value"]] for e in data["sla_compliance"]["items"]]
    return section("deadlines", _t(lang, "二、服务时限达成", "2. Deadlines"),
                   [_t(lang, "时限", "Deadline"), _t(lang, "按时", "Met"), _t(lang, "超时", "Breached"),
                    _t(lang, "未到期", "Not yet due"), _t(lang, "达成率（%）", "Met (%)")], rows)


def satisfaction(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    sat = data["satisfaction"]
    rows = [[_t(lang, "评价数", "Scores"), sat["summary"]["cases"]], [_t(lang, "平均分", "Average"),
                                                                       sat["summary"]["value"]]]
    rows += [[e["label"], e["value"]] for e in sat["distribution"]]
    rows.append([_t(lang, "低分（≤2）", "Low (≤ 2)"), sat["low"]["value"]])
    rows += [[f"{low['case_number']} · {low['customer_name']}", low["score"]] for low in sat["low_scores"]]
    return section("satisfaction", _t(lang, "三、客户满意度", "3. Customer satisfaction"),
                   [_t(lang, "项目", "Item"), _t(lang, "数值", "Value")], rows)


def complaints(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    figure = data["complaints"]
    rows = [[e["label"], e["value"], e["responded"], e["first_response_hours"], e["resolved"], e["resolution_hours"]]
            for e in figure["by_grade"]]
    rows += [[_t(lang, "重复投诉：", "Complained again: ") + e["label"], e["value"], None, None, None, None]
             for e in figure["repeat_customers"]]
    return section("complaints", _t(lang, "四、客户投诉", "4. Complaints"),
                   [_t(lang, "等级", "Grade"), _t(lang, "投诉数", "Complaints"), _t(lang, "已响应", "Answered"),
                    _t(lang, "平均响应（小时）", "Avg. first response (h)"), _t(lang, "已解决", "Resolved"),
                    _t(lang, "平均解决（小时）", "Avg. resolution (h)")], rows)


def first_time_fix(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    summary = data["first_time_fix"]["summary"]
    return section("first_time_fix", _t(lang, "五、一次修复率", "5. First-time fix"),
                   [_t(lang, "已完成故障", "Faults closed"), _t(lang, "一次修复", "Fixed first time"),
                    _t(lang, "返修", "Repeat"), _t(lang, "观察期内", "Still watched"),
                    _t(lang, "一次修复率（%）", "Rate (%)")],
                   [[summary["cases"], summary["fixed"], summary["repeats"], summary["watching"], summary["value"]]])


def compensation(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    money = data["compensation"]
    rows = [[_t(lang, "责任方：", "Responsible: ") + e["label"], e["cases"], e["amount"], e["cost"]]
            for e in money["by_party"]]
    rows += [[_t(lang, "批准权限：", "Approved by: ") + e["label"], e["cases"], e["amount"], e["cost"]]
             for e in money["by_band"]]
    rows.append([_t(lang, "合计", "Total"), money["summary"]["cases"], money["summary"]["amount"],
                 money["summary"]["cost"]])
    return section("compensation", _t(lang, "六、零部件赔偿", "6. Parts compensation"),
                   [_t(lang, "分类", "Split"), _t(lang, "件数", "Claims"), _t(lang, "赔偿金额（元）", "Amount (yuan)"),
                    _t(lang, "成本（元）", "Cost (yuan)")], rows)


def revisits(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    rows = [[c["label"], c["due"]["value"], c["done"]["value"], c["rate"]] for c in data["revisit_plan"]["classes"]]
    return section("revisits", _t(lang, "七、客户回访", "7. Revisits"),
                   [_t(lang, "客户类别", "Customer class"), _t(lang, "应回访", "Due"), _t(lang, "已回访", "Done"),
                    _t(lang, "完成率（%）", "Done (%)")], rows)


def engineers(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    rows = [[r["label"], r["team_label"], r["open"]["value"], r["dispatched"]["value"], r["overridden"]["value"],
             r["arrival"]["value"], r["repeat_visits"]["value"]] for r in data["dispatch"]["engineers"]]
    return section("engineers", _t(lang, "八、派工与服务工程师", "8. Dispatch and engineers"),
                   [_t(lang, "服务工程师", "Engineer"), _t(lang, "区域组", "Team"), _t(lang, "在办", "Open"),
                    _t(lang, "派工", "Dispatched"), _t(lang, "改派", "Overridden"),
                    _t(lang, "到场用时（小时）", "To site (h)"), _t(lang, "返修", "Repeat visits")], rows)


def monthly_sections(data: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    return [builder(data, lang) for builder in (overview, deadlines, satisfaction, complaints, first_time_fix,
                                                 compensation, revisits, engineers)]


def compensation_statistics(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """赔偿统计 (art. 30): approved amount per responsible party (rows) and approval band (columns)."""
    bands = [band for band in BANDS if band is not None]
    cells: dict[tuple[Any, Any], str] = {(e["party"], e["band"]): e["amount"] for e in
                                         data["compensation"]["by_party_and_band"]}
    parties = [p for p in PARTIES if any(party == p for party, _band in cells)]
    rows = []
    for party in parties:
        amounts = [cells.get((party, band), "0.00") for band in bands]
        rows.append([pick(PARTIES, party, lang), *amounts, str(sum((Decimal(a) for a in amounts), Decimal("0.00")))])
    rows.append([_t(lang, "合计", "Total"), *[
        str(sum((Decimal(cells.get((p, band), "0.00")) for p in parties), Decimal("0.00"))) for band in bands],
        data["compensation"]["summary"]["amount"]])
    return section("compensation_statistics", _t(lang, "赔偿统计（按责任方与批准权限，元）",
                                                 "Compensation by responsibility and approval band (yuan)"),
                   [_t(lang, "责任方", "Responsible"), *[pick(BANDS, band, lang) for band in bands],
                    _t(lang, "合计", "Total")], rows)


def quarterly_sections(data: Mapping[str, Any], lang: str, period: Any) -> list[dict[str, Any]]:
    return [*monthly_sections(data, lang), compensation_statistics(data, lang)]
