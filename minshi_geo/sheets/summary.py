"""The summary workbook (任务分解汇总表): the whole allocation on a few sheets.

Sheets
------
- 汇总: splittable targets × regions, with 全省目标, 合计 (=SUM of the row) and 核对 (合计 against
  全省目标: equal, or at least for ``at_least`` targets) — the row check.
- one sheet per sector: regions × that sector's splittable targets, with 合计 (=SUM of each
  column), 全省目标 and 核对 rows — the column check.
- 全省统一指标: the non-splittable targets (rates, standards, milestones, linked outcomes).

Totals and checks are formulas the tool writes itself (spreadsheets recompute them when the
planner edits a number); the CSV export carries their computed values.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from minshi_geo import atomic, gongwen
from minshi_geo.escape import path_inside
from minshi_geo.sheets import book, explanation, layout
from minshi_geo.sheets.inputs import SheetSet, check_inputs, is_sample

if TYPE_CHECKING:  # annotations only: nothing more is imported at run time
    from minshi_geo.allocation import Allocation
    from minshi_geo.catalogue import Plan
    from minshi_geo.regions import RegionSet

SUMMARY_SHEET = "汇总"
PROVINCE_WIDE_SHEET = "全省统一指标"
CHECK_OK = "一致"
CHECK_BAD = "不一致"
KIND_NAMES = {"count": "数量", "rate": "比率", "standard": "标准", "milestone": "定性任务"}
QUALIFIER_NAMES = {"exact": "", "at_least": "以上", "about": "左右"}

_SHEET_TITLE_BAD = re.compile(r"[\\/?*\[\]:]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name from data: no ``\\ / ? * [ ] :``, ≤ 31 characters, unique."""
    base = _SHEET_TITLE_BAD.sub("_", str(name)).strip().strip("'") or "sheet"
    base = base[:31]
    title, n = base, 2
    while title in taken:
        suffix = f"_{n}"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _check_formula(total: str, target: str, qualifier: str) -> str:
    op = ">=" if qualifier == "at_least" else "="
    return f'=IF(ROUND({total}-{target},6){op}0,"{CHECK_OK}","{CHECK_BAD}")'


def _check_value(total: float, target: float | None, qualifier: str) -> str:
    if target is None:
        return CHECK_BAD
    diff = round(total - target, 6)
    ok = diff >= 0 if qualifier == "at_least" else diff == 0
    return CHECK_OK if ok else CHECK_BAD


def _header_block(w: book.SheetWriter, title: str, plan, meta, created: date, last_col: int,
                  sample: bool) -> int:
    """Title and header lines; returns the next free row."""
    lines = [
        ("民生实事方案", plan.official_title or plan.title),
        ("分解方案", book.scenario_text(meta)),
        ("印发", f"{gongwen.issuing_office(plan)}　{gongwen.date_text(created)}"),
    ]
    if sample:  # official data need no line saying so
        lines.append(("数据性质", layout.SAMPLE_NOTE))
    return book.header_block(w, title, lines, last_col, sample)


def _split_targets(allocation, plan) -> list:
    allocated = set(allocation.table["target_id"])
    return [t for t in plan.targets if t.splittable and t.id in allocated]


def _matrix(allocation) -> pd.DataFrame:
    return allocation.table.pivot(index="target_id", columns="region_code", values="quantity")


def _summary_sheet(wb: Workbook, allocation, plan, regions, created, sample, title) -> book.SheetWriter:
    ws = wb.active
    ws.title = SUMMARY_SHEET
    w = book.SheetWriter(ws)
    codes = [str(c) for c in regions.codes]
    fixed = ["序号", "指标编号", "领域", "事项", "指标", "单位", "全省目标"]
    headings = fixed + [regions.name_of(c) for c in codes] + ["合计", "核对"]
    n_fixed = len(fixed)
    first_region = n_fixed + 1
    total_col = n_fixed + len(codes) + 1
    check_col = total_col + 1
    hr = _header_block(w, title, plan, allocation.meta, created, check_col, sample)
    for c, text in enumerate(headings, start=1):
        # region names wrap in the heading; the numbers below set the width
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER,
              measure=c <= n_fixed)
    ws.row_dimensions[hr].height = 45
    matrix = _matrix(allocation)
    r = hr
    for i, target in enumerate(_split_targets(allocation, plan), start=1):
        r = hr + i
        fmt = book.number_format(target.unit, target.quantity)
        province = book.number_value(target.quantity)
        w.put(r, 1, i, align=book.CENTER)
        w.put(r, 2, target.id, align=book.CENTER)
        w.put(r, 3, target.sector, align=book.WRAP)
        w.put(r, 4, plan.item(target.item).short, align=book.WRAP)
        w.put(r, 5, target.metric + QUALIFIER_NAMES.get(target.qualifier, ""), align=book.WRAP)
        w.put(r, 6, target.unit, align=book.CENTER)
        w.put(r, 7, province, fmt=fmt, align=book.RIGHT)
        total = 0.0
        for j, code in enumerate(codes):
            value = matrix.at[target.id, code] if code in matrix.columns else None
            value = book.number_value(value)
            total += value or 0
            w.put(r, first_region + j, value, fmt=book.number_format(target.unit, value),
                  align=book.RIGHT)
        span = f"{get_column_letter(first_region)}{r}:{get_column_letter(total_col - 1)}{r}"
        total_value = book.number_value(total)
        w.formula(r, total_col, f"=SUM({span})", total_value, fmt=fmt, fill=book.FILL_TOTAL,
                  align=book.RIGHT)
        w.formula(r, check_col,
                  _check_formula(f"{get_column_letter(total_col)}{r}", f"G{r}", target.qualifier),
                  _check_value(total, province, target.qualifier), fill=book.FILL_TOTAL,
                  align=book.CENTER)
    last_row = max(r, hr)
    # 领域/事项/指标 wrap narrow: eleven region columns must share the A4 landscape width
    w.fit_columns(minimum={1: 6, 2: 9, 3: 12, 4: 16, 5: 20, 6: 6, 7: 12,
                           **{c: 10 for c in range(first_region, check_col + 1)}},
                  maximum={3: 12, 4: 16, 5: 20, **{c: 30 for c in range(6, check_col + 1)}})
    ws.freeze_panes = ws.cell(row=hr + 1, column=first_region)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(check_col)}{last_row}"
    book.print_setup(ws, title, f"{hr}:{hr}", sample)
    return w


def _sector_sheet(wb: Workbook, sector, targets, allocation, plan, regions, created, sample,
                  title, taken: set[str]) -> book.SheetWriter:
    ws = wb.create_sheet(sheet_title(sector.name, taken))
    w = book.SheetWriter(ws)
    codes = [str(c) for c in regions.codes]
    first = 3  # 序号, 分解单位, then one column per target
    last_col = first - 1 + len(targets)
    sheet_heading = f"{title}——{sector.name}"
    hr = _header_block(w, sheet_heading, plan, allocation.meta, created, last_col, sample)
    if not targets:
        w.put(hr, 1, f"本领域指标均不分解到地区，见“{PROVINCE_WIDE_SHEET}”表。", border=False,
              measure=False)
        book.print_setup(ws, sheet_heading, f"{hr}:{hr}", sample)
        return w
    for c, text in enumerate(["序号", "分解单位"], start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER)
    for k, target in enumerate(targets):
        unit = f"（{target.unit}）" if target.unit else ""
        w.put(hr, first + k, f"{target.id} {target.metric}{unit}", font=book.FONT_BOLD,
              fill=book.FILL_HEADING, align=book.CENTER, measure=False)
    ws.row_dimensions[hr].height = 45
    matrix = _matrix(allocation)
    for i, code in enumerate(codes, start=1):
        r = hr + i
        w.put(r, 1, i, align=book.CENTER)
        w.put(r, 2, regions.name_of(code), align=book.WRAP)
        for k, target in enumerate(targets):
            value = book.number_value(matrix.at[target.id, code]) if code in matrix.columns else None
            w.put(r, first + k, value, fmt=book.number_format(target.unit, value),
                  align=book.RIGHT)
    total_row, goal_row, check_row = hr + len(codes) + 1, hr + len(codes) + 2, hr + len(codes) + 3
    for r, label in ((total_row, "合计"), (goal_row, "全省目标"), (check_row, "核对")):
        w.put(r, 1, None, fill=book.FILL_TOTAL)
        w.put(r, 2, label, font=book.FONT_BOLD, fill=book.FILL_TOTAL, align=book.CENTER)
    for k, target in enumerate(targets):
        c = first + k
        letter = get_column_letter(c)
        fmt = book.number_format(target.unit, target.quantity)
        values = [book.number_value(matrix.at[target.id, code]) if code in matrix.columns else None
                  for code in codes]
        total = sum(v or 0 for v in values)
        province = book.number_value(target.quantity)
        w.formula(total_row, c, f"=SUM({letter}{hr + 1}:{letter}{hr + len(codes)})",
                  book.number_value(total), fmt=fmt, fill=book.FILL_TOTAL, align=book.RIGHT)
        w.put(goal_row, c, province, fmt=fmt, fill=book.FILL_TOTAL, align=book.RIGHT)
        w.formula(check_row, c,
                  _check_formula(f"{letter}{total_row}", f"{letter}{goal_row}", target.qualifier),
                  _check_value(total, province, target.qualifier), fill=book.FILL_TOTAL,
                  align=book.CENTER)
    w.fit_columns(minimum={1: 6, 2: 14, **{first + k: 14 for k in range(len(targets))}},
                  maximum=22)
    ws.freeze_panes = ws.cell(row=hr + 1, column=first)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(last_col)}{hr + len(codes)}"
    book.print_setup(ws, sheet_heading, f"{hr}:{hr}", sample)
    return w


def _province_wide_sheet(wb: Workbook, allocation, plan, created, sample, title,
                         taken: set[str]) -> book.SheetWriter:
    ws = wb.create_sheet(sheet_title(PROVINCE_WIDE_SHEET, taken))
    w = book.SheetWriter(ws)
    headings = ["序号", "指标编号", "领域", "事项", "指标", "类型", "单位", "全省目标", "完成时限",
                "说明"]
    sheet_heading = f"{title}——{PROVINCE_WIDE_SHEET}"
    hr = _header_block(w, sheet_heading, plan, allocation.meta, created, len(headings), sample)
    for c, text in enumerate(headings, start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER)
    allocated = set(allocation.table["target_id"])
    rows = [t for t in plan.targets if not (t.splittable and t.id in allocated)]
    r = hr
    for i, t in enumerate(rows, start=1):
        r = hr + i
        if t.linked_to:
            explain = f"随指标 {t.linked_to} 的分解结果完成"
        elif t.splittable:
            explain = "可分解，但本分解方案未分解"
        else:
            explain = f"{layout.PROVINCE_WIDE}，各地区按进展状态或实际数填报"
        w.put(r, 1, i, align=book.CENTER)
        w.put(r, 2, t.id, align=book.CENTER)
        w.put(r, 3, t.sector, align=book.WRAP)
        w.put(r, 4, plan.item(t.item).short, align=book.WRAP)
        w.put(r, 5, t.metric + QUALIFIER_NAMES.get(t.qualifier, ""), align=book.WRAP)
        w.put(r, 6, KIND_NAMES.get(t.kind, t.kind), align=book.CENTER)
        w.put(r, 7, t.unit, align=book.CENTER)
        w.put(r, 8, book.number_value(t.quantity), fmt=book.number_format(t.unit, t.quantity),
              align=book.RIGHT)
        w.put(r, 9, t.deadline, fmt=book.DATE_FORMAT, align=book.CENTER)
        w.put(r, 10, explain, align=book.WRAP)
    w.fit_columns(minimum={1: 6, 2: 9, 3: 12, 4: 18, 5: 22, 6: 8, 7: 7, 8: 12, 9: 15, 10: 24},
                  maximum={1: 36, 2: 36, 3: 13, 4: 18, 5: 22, 6: 36, 7: 36, 8: 36, 9: 36,
                           10: 24})
    ws.freeze_panes = ws.cell(row=hr + 1, column=3)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(len(headings))}{max(r, hr)}"
    book.print_setup(ws, sheet_heading, f"{hr}:{hr}", sample)
    return w


def build_summary_workbook(
    allocation: Allocation, plan: Plan, regions: RegionSet, *, created: date | None = None
) -> tuple[Workbook, list[book.SheetWriter]]:
    """The summary workbook (not saved) and the writer of each sheet (for CSV export)."""
    created = created or date.today()
    sample = is_sample(allocation.meta)
    title = layout.workbook_title(plan.title)
    if sample:
        title += f"（{layout.SAMPLE_MARK}）"
    wb = Workbook()
    writers = [_summary_sheet(wb, allocation, plan, regions, created, sample, title)]
    taken = {SUMMARY_SHEET}
    split = _split_targets(allocation, plan)
    for sector in plan.sectors:
        targets = [t for t in split if t.sector == sector.name]
        writers.append(_sector_sheet(wb, sector, targets, allocation, plan, regions, created,
                                     sample, title, taken))
    writers.append(_province_wide_sheet(wb, allocation, plan, created, sample, title, taken))
    writers.append(explanation.add_summary_sheet(wb, allocation, title, sample))  # 测算说明
    return wb, writers


def save_summary(allocation: Allocation, plan: Plan, regions: RegionSet, folder: Path, *,
                 csv: bool = False, created: date | None = None,
                 result: SheetSet | None = None) -> Path:
    """Build and save the summary workbook into ``folder`` (no atomicity of its own)."""
    sample = is_sample(allocation.meta)
    stem = layout.summary_file_stem(plan.title, sample)
    wb, writers = build_summary_workbook(allocation, plan, regions, created=created)
    path = path_inside(folder, stem + ".xlsx")
    wb.save(path)
    if result is not None:
        result.summary = path
    if csv:
        for w in writers:
            csv_path = path_inside(folder / "csv", f"{stem}-{w.ws.title}.csv")
            csv_path.parent.mkdir(parents=True, exist_ok=True)
            book.write_csv(csv_path, w.values())
            if result is not None:
                result.csv.append(csv_path)
    return path


def write_summary(allocation: Allocation, plan: Plan, regions: RegionSet, out_dir: str | Path, *,
                  csv: bool = False, created: date | None = None) -> Path:
    """Write the summary workbook (and its CSVs) into ``out_dir`` atomically."""
    check_inputs(allocation, plan, regions)
    out_dir = Path(out_dir)
    with atomic.atomic_dir(out_dir) as tmp:
        path = save_summary(allocation, plan, regions, tmp, csv=csv, created=created)
        final = out_dir / path.relative_to(tmp)
    return final
