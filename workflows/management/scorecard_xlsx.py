"""A month's scorecards as an Excel workbook: one row per engineer with every item's score, the
bonus and the total, then one sheet per engineer listing each line with the cases behind it."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from workflows.management.reports_xlsx import sheet_title

HEADINGS = {"zh": ("工程师", "奖惩分", "合计", "已确认", "项目", "扣分/得分", "说明", "案件"),
            "en": ("Engineer", "Bonus", "Total", "Confirmed", "Line", "Points", "Detail", "Cases")}


def workbook(month: dict[str, Any], lang: str = "zh") -> bytes:
    words = HEADINGS["en" if lang == "en" else "zh"]
    book = Workbook()
    summary = book.active
    summary.title = sheet_title(month["month"])
    cards = month["items"]
    items = cards[0]["items"] if cards else []
    summary.append([words[0], *[f"{i['label']} ({i['weight']})" for i in items], words[1], words[2], words[3]])
    for card in cards:
        summary.append([card["name"], *[i["score"] for i in card["items"]], card["bonus"], card["total"],
                        card["confirmed_at"] or ""])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for card in cards:
        sheet = book.create_sheet(sheet_title(card["name"]))
        sheet.append([words[4], words[5], words[6], words[7]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in card["lines"]:
            sheet.append([line["label"], line["points"], line["detail"],
                          ", ".join(c["case_number"] or str(c["instance_id"]) for c in line["cases"])])
        sheet.append([words[1], card["bonus"], card.get("bonus_reason") or "", ""])
        sheet.append([words[2], card["total"], "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
