"""ranking.xlsx: the batch ranking as a workbook an office opens and prints.

One sheet per rubric (reports under different outlines are never ranked together), then 未评级
for documents that are not annual reports and failed extractions. The header row is frozen and
repeated on every printed page, the grade cell keeps its text and gets a light fill with dark
text (readable in print, also in black and white), and columns are as wide as their Chinese text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from typing import Any

from scorer.ranking import Group, Ranking, group_table, unranked_table

# Excel's own "good / neutral / bad" cell styles, plus a blue for 良好: light fills, dark text.
GRADE_STYLE = {
    "优秀": ("C6EFCE", "006100"),
    "良好": ("DDEBF7", "1F4E78"),
    "合格": ("FFEB9C", "7F6000"),
    "不合格": ("FFC7CE", "9C0006"),
}
UNRANKED_SHEET = "未评级"
MAX_WIDTH = 40
MIN_WIDTH = 6


def display_width(text: str) -> int:
    """Columns a text takes: a Chinese character is as wide as two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(text_width: int) -> int:
    """A column fits its widest cell plus a margin; long names (dimension headers) wrap."""
    return max(MIN_WIDTH, min(MAX_WIDTH, text_width + 2))


def sheet_title(g: Group, taken: set[str]) -> str:
    """`2015–2020纲要` from the rubric's years, else its name; Excel's rules: ≤ 31 characters,
    none of []:*?/\\, unique in the workbook."""
    base = f"{g.years[0]}–{g.years[1]}纲要" if g.years else g.rubric_name or g.rubric_id
    base = re.sub(r"[\[\]:*?/\\]", "_", base)[:31] or "排名"
    title, n = base, 2
    while title in taken or title == UNRANKED_SHEET:
        suffix = f"（{n}）"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _cell_value(value: Any, header: str) -> Any:
    if header == "发布日期" and isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _fill_sheet(ws: Any, header: list[str], rows: list[list[Any]]) -> None:
    """Header, rows, frozen header, widths, filter and print setup; text is never a formula."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(header)
    for row in rows:
        ws.append([_cell_value(v, h) for v, h in zip(row, header, strict=True)])
    widths = [min(display_width(h), 16) for h in header]  # headers wrap; values set the width
    for r, row in enumerate(ws.iter_rows(min_row=1), 1):
        for c, cell in enumerate(row):
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # report text such as "=HYPERLINK(…)" stays text
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00"
            elif r > 1 and header[c] == "说明":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r > 1:
                widths[c] = max(widths[c], display_width(str(cell.value or "")))
    for c, cell in enumerate(ws[1]):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(c + 1)].width = column_width(widths[c])
    # Excel does not grow a row for wrapped text on its own: give the header the lines it needs.
    lines = max(-(-display_width(h) // (column_width(w) - 1)) for h, w in zip(header, widths, strict=True))
    ws.row_dimensions[1].height = 15 * max(1, lines)
    if "等级" in header:
        _colour_grades(ws, header.index("等级") + 1, PatternFill, Font)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _colour_grades(ws: Any, column: int, fill: Any, font: Any) -> None:
    for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
        style = GRADE_STYLE.get(str(cell.value))
        if style:
            cell.fill = fill("solid", fgColor=style[0])
            cell.font = font(bold=True, color=style[1])


def workbook_bytes(r: Ranking) -> bytes:
    """The .xlsx file: a sheet per rubric, best first, then 未评级 (always present)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for g in r.groups:
        _fill_sheet(wb.create_sheet(sheet_title(g, taken)), *group_table(g))
    _fill_sheet(wb.create_sheet(UNRANKED_SHEET), *unranked_table(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
