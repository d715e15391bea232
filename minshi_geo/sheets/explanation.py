"""The 测算说明 sheet: why each number is what it is, in the region and summary workbooks.

Added to a workbook by the writer through one call each (:func:`add_region_sheet`,
:func:`add_summary_sheet`). Every figure and sentence comes from the allocation's explanation
and robustness tables through :mod:`minshi_geo.derivation` — nothing is recomputed here.
Printable: A4 landscape, one page wide, the heading row repeated on every page.
"""

from __future__ import annotations

from openpyxl import Workbook

from minshi_geo.derivation import Cell, ExplanationMissingError, cells, pct, sweep_note
from minshi_geo.sheets import book, layout

SHEET = "测算说明"
HEADING_ROW = 4

# (key, heading, width)
_COLUMNS = [
    ("target", "任务", 18),
    ("region", "地区", 11),
    ("quantity", "分解数量", 11),
    ("basis", "测算依据与各因素份额", 40),
    ("formula", "公式结果", 36),
    ("rule", "适用规则与取整", 32),
    ("range", "敏感性区间", 14),
    ("sources", "数据来源与说明", 44),
]


def add_region_sheet(wb: Workbook, allocation, region_code: str, title: str,
                     sample: bool) -> book.SheetWriter:
    """The region's own numbers, every target allocated to it."""
    return _add(wb, allocation, title, sample, region_code)


def add_summary_sheet(wb: Workbook, allocation, title: str, sample: bool) -> book.SheetWriter:
    """Every target × region."""
    return _add(wb, allocation, title, sample, None)


def _add(wb: Workbook, allocation, title: str, sample: bool,
         region_code: str | None) -> book.SheetWriter:
    ws = wb.create_sheet(SHEET)
    w = book.SheetWriter(ws)
    columns = [c for c in _COLUMNS if not (region_code and c[0] == "region")]
    last = len(columns)
    w.put(1, 1, f"{title} · 测算说明", font=book.FONT_TITLE, border=False, measure=False)
    try:
        chosen = [c for c in cells(allocation)
                  if region_code is None or c.region_code == str(region_code)]
        note = sweep_note(allocation.meta)
    except ExplanationMissingError:
        chosen, note = [], ""
        w.put(2, 1, "本分解结果由旧版本生成，未附测算说明：请重新运行 minshi-geo allocate。",
              font=book.FONT_NOTE, border=False, measure=False)
    if chosen:
        w.put(2, 1, "公式：总量 ×（各因素权重 × 本地区数值 / 参与地区合计 之和）= 测算值 → 按规则"
              "与最大余数法取整后的分解数量。" + (f"敏感性：{note}。" if note else ""),
              font=book.FONT_NOTE, border=False, measure=False)
    if sample:
        w.put(3, 1, layout.SAMPLE_NOTE, font=book.FONT_SAMPLE,
              fill=book.FILL_SAMPLE, border=False, measure=False)
    for i, (_, heading, _) in enumerate(columns, start=1):
        w.put(HEADING_ROW, i, heading, font=book.FONT_BOLD, fill=book.FILL_HEADING,
              align=book.CENTER)
    for r, cell in enumerate(chosen, start=HEADING_ROW + 1):
        values = _row(cell)
        for i, (key, _, _) in enumerate(columns, start=1):
            if key == "quantity":
                w.put(r, i, book.number_value(cell.quantity),
                      fmt=book.number_format(cell.unit, cell.quantity), align=book.RIGHT)
            else:
                w.put(r, i, values[key], align=book.WRAP)
    widths = {i: width for i, (_, _, width) in enumerate(columns, start=1)}
    w.fit_columns(minimum=widths, maximum=widths)
    ws.freeze_panes = ws.cell(row=HEADING_ROW + 1, column=2)
    book.print_setup(ws, f"{title} · 测算说明", f"{HEADING_ROW}:{HEADING_ROW}", sample)
    return w


def _row(c: Cell) -> dict[str, str]:
    basis = "\n".join([c.basis, *c.share_lines(), f"份额合计 {pct(c.share)}"]
                      + ([c.total_note] if c.total_note else []))
    sources = "\n".join([*c.sources(), *([c.proxy_caveat] if c.proxy_caveat else [])])
    return {
        "target": f"{c.target_id} {c.metric}（{c.unit}）",
        "region": c.region_name,
        "basis": basis,
        "formula": c.formula,
        "rule": f"{c.rule_note}\n取整：{c.rounding_note}",
        "range": c.range_text,
        "sources": sources,
    }

