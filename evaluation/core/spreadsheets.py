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


def shown(value: Any, number_format: str) -> Any:
    """A number as the page shows it (a score 89.60, a rate 89.23%): CSV has no cell formats,
    so a CSV holds the figure as read. Workbooks keep the full value under the format."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if number_format == SCORE:
            return f"{value:.2f}"
        if number_format == RATE:
            return f"{value * 100:.2f}%"
    return value


def csv_row(values: Iterable[Any], formats: Iterable[str] = ()) -> list[Any]:
    """A CSV row, text made safe; `formats` (per column, "" for none) rounds numbers as shown."""
    values = list(values)
    formats = list(formats) or [""] * len(values)
    return [csv_cell(shown(v, f)) for v, f in zip(values, formats, strict=True)]


def append_text_safe(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row; any text openpyxl would store as a formula is stored as text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # we never write formulas: this is someone's text
            cell.data_type = "s"
