"""Text in exported spreadsheets stays text: no cell a spreadsheet program would run.

A department, venue or question named `=HYPERLINK(…)` (or starting with + - @, a tab or a
carriage return) would be a formula in Excel or WPS. Every export writes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LOCALE = "zh"  # exported workbooks and CSV are Chinese, like their column headers
RATE = "0.00%"  # number formats of exported cells
SCORE = "0.00"


def csv_cell(value: Any) -> Any:
    """A CSV cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def append_text_safe(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row; any text openpyxl would store as a formula is stored as text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # we never write formulas: this is someone's text
            cell.data_type = "s"
