"""Sheet plumbing shared by the task, summary and progress workbooks.

One look for every workbook the tool writes (fonts, fills, widths that fit Chinese text, print
setup), cells written through :func:`minshi_geo.escape.excel_cell`, and a record of the value of
every formula the tool writes itself, so the CSV export (which must not contain formulas)
shows the same numbers a spreadsheet would compute.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from minshi_geo import gongwen
from minshi_geo.escape import excel_cell

FONT_NAME = "宋体"
FONT = Font(name=FONT_NAME, size=10)
FONT_BOLD = Font(name=FONT_NAME, size=10, bold=True)
FONT_TITLE = Font(name=FONT_NAME, size=14, bold=True)
FONT_SAMPLE = Font(name=FONT_NAME, size=11, bold=True, color="C00000")
FONT_NOTE = Font(name=FONT_NAME, size=9, color="808080")
# 公文 fonts by name (minshi_geo.gongwen): a PC without them substitutes its own CJK font
FONT_ATTACHMENT = Font(name=gongwen.FONT_HEADING[0], size=14)
FONT_DOC_TITLE = Font(name=gongwen.FONT_TITLE[0], size=18)
FONT_SECTOR = Font(name=gongwen.FONT_HEADING[0], size=11)
FILL_SECTOR = PatternFill("solid", fgColor="F2F2F2")
FILL_HEADING = PatternFill("solid", fgColor="D9E1F2")
FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")
FILL_TOTAL = PatternFill("solid", fgColor="EDEDED")
FILL_SAMPLE = PatternFill("solid", fgColor="FCE4D6")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNDERLINE = Border(bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
LEFT = Alignment(horizontal="left", vertical="center")
TITLE_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
RATIO_FORMAT = "0.0%"
MAX_WIDTH = 40.0
CJK_FACTOR = 0.95
SPAN_FACTOR = 1.25
LINE_HEIGHT = 14.0  # points per line of 10-pt CJK text (Noto/宋体 lines are ~1.4 em)
PAGE_MARGIN = 0.75  # inches, top and bottom (Excel's default)
HEADER_MARGIN = 0.3  # inches from the paper edge to the page header / footer


def text_width(value: Any) -> float:
    """Display width in Excel character units: CJK and full-width characters count 2."""
    if value is None:
        return 0.0
    if isinstance(value, date | datetime):
        return 14.0  # 2023年12月31日: 8 digits + 3 CJK characters
    if isinstance(value, float):
        value = f"{value:,.2f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    text = str(value)
    return float(
        sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    )


def number_format(unit: str | None, quantity: float | None = None) -> str:
    """A number format that shows the unit of measure: ``#,##0"公里"``, ``0.0#"倍"``.

    Decimals appear only when the quantity has them (1.3 倍, step multiples like 0.5).
    """
    integral = quantity is None or (
        isinstance(quantity, int | float) and not math.isnan(quantity) and float(quantity).is_integer()
    )
    base = "#,##0" if integral else "#,##0.0#"
    if not unit:
        return base
    # A double quote inside the unit would end the literal; units never have one, but a
    # catalogue typo must not produce a broken file.
    return f'{base}"{unit.replace(chr(34), "")}"'


class SheetWriter:
    """Writes cells of one worksheet and remembers what its formulas evaluate to.

    Data values always go through :func:`excel_cell`; :meth:`formula` is the only way a
    formula gets into a cell, and it is for formulas the tool builds itself.
    """

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.formula_values: dict[tuple[int, int], Any] = {}
        self.widths: dict[int, float] = {}
        # display width of wrapping text per (row, col): the row heights follow from it
        self.wrapped: dict[tuple[int, int], float] = {}
        # last column of a cell merged across columns (its text wraps over their sum)
        self.spans: dict[tuple[int, int], int] = {}
        # openpyxl hashes every style object on assignment, which dominated writing time;
        # each distinct combination is styled once and its style array copied afterwards.
        self._styles: dict[tuple, Any] = {}

    def put(self, row: int, col: int, value: Any, *, font: Font = FONT, fill=None,
            fmt: str | None = None, align: Alignment | None = None, border: bool = True,
            measure: bool = True, span: int | None = None):
        """Write a cell. ``span``: merge it through that column (wrapped text then wraps over
        the merged width)."""
        if isinstance(value, float) and math.isnan(value):
            value = None
        cell = self.ws.cell(row=row, column=col, value=excel_cell(value))
        self._style(cell, font, fill, fmt, align, border)
        if measure:
            self.widths[col] = max(self.widths.get(col, 0.0), text_width(value))
        if align is not None and align.wrap_text and isinstance(value, str):
            self.wrapped[(row, col)] = text_width(value)
        if span is not None and span > col:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=span)
            self.spans[(row, col)] = span
        return cell

    def formula(self, row: int, col: int, formula: str, value: Any, *, font: Font = FONT,
                fill=None, fmt: str | None = None, align: Alignment | None = None):
        """Write one of the tool's own formulas; ``value`` is what it evaluates to."""
        if not formula.startswith("="):
            raise ValueError(f"not a formula: {formula!r}")
        cell = self.ws.cell(row=row, column=col, value=formula)
        self._style(cell, font, fill, fmt, align, True)
        self.formula_values[(row, col)] = value
        self.widths[col] = max(self.widths.get(col, 0.0), text_width(value))
        return cell

    def _style(self, cell, font, fill, fmt, align, border) -> None:
        key = (id(font), id(fill), fmt, id(align), border)
        known = self._styles.get(key)
        if known is not None:
            cell._style = copy.copy(known[0])
            return
        self._apply(cell, font, fill, fmt, align, border)
        # the style objects are kept with the entry so that their ids cannot be reused
        self._styles[key] = (copy.copy(cell._style), (font, fill, align))

    @staticmethod
    def _apply(cell, font, fill, fmt, align, border) -> None:
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if fmt:
            cell.number_format = fmt
        if align is not None:
            cell.alignment = align
        if border:
            cell.border = BORDER

    def fit_columns(self, minimum: dict[int, float] | None = None,
                    maximum: float | dict[int, float] = MAX_WIDTH) -> None:
        """Column widths that fit Chinese text; long text wraps at ``maximum`` (one width for
        all columns, or per column — narrow text columns keep the printed page readable), and
        rows with wrapped text get the height of their lines (:meth:`fit_rows`)."""
        minimum = minimum or {}
        for col in set(self.widths) | set(minimum):
            cap = maximum.get(col, MAX_WIDTH) if isinstance(maximum, dict) else maximum
            width = max(self.widths.get(col, 0.0) + 2.0, minimum.get(col, 0.0))
            self.ws.column_dimensions[get_column_letter(col)].width = min(width, max(cap, 1.0))
        self.fit_rows()

    def fit_rows(self) -> None:
        """Heights for rows whose wrapped text needs more than one line.

        Neither Excel nor LibreOffice re-measures rows of a generated file on opening, so a
        row left at the default height prints its second line over the next row.
        """
        lines: dict[int, int] = {}
        for (row, col), width in self.wrapped.items():
            col_width = sum(self._width(c) for c in range(col, self.spans.get((row, col), col) + 1))
            # text_width counts a CJK character as 2 units; printed at 10 pt it takes about
            # 1.9, and the cell keeps about half a unit of padding
            per_line = max(col_width - 0.5, 1.0)
            # text merged across columns breaks less evenly (LibreOffice printed the third
            # line of the 评价规则 below a two-line row): a margin for it
            factor = SPAN_FACTOR if (row, col) in self.spans else CJK_FACTOR
            lines[row] = max(lines.get(row, 1), math.ceil(width * factor / per_line))
        for row, n in lines.items():
            if n <= 1:
                continue
            height = LINE_HEIGHT * n + 2.0
            current = self.ws.row_dimensions[row].height or 0.0
            self.ws.row_dimensions[row].height = max(current, height)

    def _width(self, col: int) -> float:
        dim = self.ws.column_dimensions.get(get_column_letter(col))
        return dim.width if dim is not None and dim.width else 8.43

    def values(self) -> list[list[Any]]:
        """The sheet as a grid of values, formulas replaced by what they evaluate to."""
        ws = self.ws
        grid: list[list[Any]] = []
        for r in range(1, ws.max_row + 1):
            row = []
            for c in range(1, ws.max_column + 1):
                if (r, c) in self.formula_values:
                    row.append(self.formula_values[(r, c)])
                else:
                    row.append(ws.cell(row=r, column=c).value)
            grid.append(row)
        return grid


def header_block(w: SheetWriter, title: str, lines: list[tuple[str, Any]], last_col: int,
                 sample: bool) -> int:
    """Title (row 1, wrapped over the table width) and label/value lines (label A–C, value D
    to the table's last column; on a narrow table label A–B, value C–last), each value wrapped
    over its merged width so that nothing runs off the printed page; returns the heading row
    (one blank row after the lines). The 数据性质 line of sample data is marked red."""
    ws = w.ws
    last = max(last_col, 2)
    label_end = 3 if last >= 6 else (2 if last >= 3 else 1)
    w.put(1, 1, title, font=FONT_TITLE, border=False, measure=False, align=TITLE_ALIGN,
          span=last)
    ws.row_dimensions[1].height = 26
    for i, (label, value) in enumerate(lines, start=2):
        w.put(i, 1, label, font=FONT_BOLD, border=False, measure=False,
              span=label_end if label_end > 1 else None)
        marked = sample and label == "数据性质"
        w.put(i, label_end + 1, value, border=False, measure=False,
              font=FONT_SAMPLE if marked else FONT, fill=FILL_SAMPLE if marked else None,
              align=WRAP, span=last)
    return 2 + len(lines) + 1


def print_setup(ws: Worksheet, title: str, title_rows: str, sample: bool) -> None:
    """A4 landscape, one page wide, the heading rows repeated on every page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    # The page header/footer sit HEADER_MARGIN from the paper edge and need room before the
    # table starts; openpyxl's default header margin (0.5") with a 0.6" top margin left
    # 0.1", and LibreOffice printed the title and page numbers cut in half.
    ws.page_margins.top = ws.page_margins.bottom = PAGE_MARGIN
    ws.page_margins.header = ws.page_margins.footer = HEADER_MARGIN
    ws.print_options.horizontalCentered = True
    # Header/footer codes treat & specially; the title comes from our own data only.
    ws.oddHeader.left.text = title.replace("&", "&&")
    ws.oddHeader.left.size = 9
    if sample:
        ws.oddHeader.right.text = "示例"
        ws.oddHeader.right.color = "C00000"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def csv_text(grid: list[list[Any]]) -> str:
    """A sheet grid as CSV text; every cell neutralised (OWASP CSV injection)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in grid:
        while row and row[-1] in (None, ""):
            row = row[:-1]
        writer.writerow([_csv_value(v) for v in row])
    return buf.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(round(value, 10)) if not value.is_integer() else str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    # Values are already neutralised when written to cells; neutralising again is a no-op for
    # them and catches anything that reached the grid another way.
    return excel_cell(str(value))


def write_csv(path: Path, grid: list[list[Any]]) -> None:
    """UTF-8 with BOM, so Excel opens the Chinese text correctly."""
    path.write_text(csv_text(grid), encoding="utf-8-sig", newline="")


def number_value(value: Any) -> float | int | None:
    """A quantity for a cell: int when whole (230000, not 230000.0), None for missing/NaN."""
    if value is None:
        return None
    f = float(value)
    if math.isnan(f):
        return None
    return int(f) if f.is_integer() else f


date_text = gongwen.date_text  # 2023年3月1日


def scenario_text(meta: dict[str, Any]) -> str:
    """分解方案 line: the scenario title (its file name only when it has no title: a planner
    reads names, the file name stays in the hidden identity)."""
    return str(meta.get("scenario_title") or meta.get("scenario") or "—")


def excel_date_serial(day: date) -> int:
    """Excel's 1900 date system serial number (for data validation bounds)."""
    return (day - date(1899, 12, 30)).days
