"""A report as an Excel workbook (openpyxl): a cover sheet, then one sheet per section with its
column headings in row 1. Money is written as numbers with two decimals, so it adds up in Excel."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

MONEY = re.compile(r"^-?\d+\.\d{2}$")
BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and MONEY.match(value):
        return Decimal(value)
    return "—" if value is None else value


def sheet_title(title: str) -> str:
    return BAD_SHEET_CHARACTERS.sub(" ", title)[:31]


def workbook(report: dict[str, Any]) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = sheet_title(report["period"])
    cover.append([report["title"]])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([report["period"], f"{report['from']} – {report['to']}"])
    cover.append([report.get("produced_at") or report["generated_at"]])
    for section in report["sections"]:
        sheet = book.create_sheet(sheet_title(section["title"]))
        sheet.append(section["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section["rows"]:
            sheet.append([_cell(value) for value in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
