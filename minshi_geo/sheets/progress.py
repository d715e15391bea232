"""Progress workbooks for the monthly 通报: the status table written back per region and as a
summary, in the same layout family as the task sheets (title, header block, heading row, the
same fonts, widths, print setup and 示例 marking).

Files (for one period end, the latest in the status table unless given)::

    2023年吉林省民生实事进度通报-长春市-2023-06-30.xlsx     one per region (sheet 进度通报)
    2023年吉林省民生实事进度通报汇总-2023-06-30.xlsx        sheets 完成率 (targets × regions),
                                                          明细 (every row), 滞后事项 (red/yellow)

``-示例`` is appended to every name, and 示例 shown on every sheet, when the data is sample data.

Lights are shown as 状态 in the words and colours of :mod:`minshi_geo.lights` (已完成 / 提前 /
符合序时进度 / 滞后 / 严重滞后 / 未报送 / 不适用 — 不适用 for a value reported on a target that is
not judged, e.g. a province-wide rate, whose matrix cell shows the reported value itself), and
every sheet states the rule (评价规则) in its header block.
In the per-region sheets and 明细 the 状态 cells are coloured by conditional formatting on their
text, so a planner who corrects a cell sees the colour follow; in the 完成率 matrix each cell
carries the fill of its light (the light depends on 序时进度, which the matrix does not show).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from minshi_geo import atomic, lights
from minshi_geo.escape import path_inside
from minshi_geo.progress.status import cell_number
from minshi_geo.sheets import book, layout
from minshi_geo.sheets.writer import SheetsError, SheetSet

PROGRESS_SAMPLE_NOTE = "示例：本通报的进度数据为示例数据（sample data），并非各地实际填报，仅供演示"
REPORT_SUFFIX = "进度通报"
# points ahead of 序时进度 read +3.1, behind −4.8: the sign is the news
GAP_FORMAT = "+0.0;-0.0;0.0"
REGION_SHEET = "进度通报"
MATRIX_SHEET = "完成率"
DETAIL_SHEET = "明细"
LAGGING_SHEET = "滞后事项"

STATUS_TABLE_COLUMNS: tuple[str, ...] = (
    "period_end", "target_id", "metric", "unit", "region_code", "region_name", "allocated",
    "completed", "rate", "expected", "gap", "light",
)  # fmt: skip
# One fill and font per state of the light vocabulary (minshi_geo.lights): the same colour as
# the map, the CLI and the Word 通报.
STATE_FILLS: dict[str, PatternFill] = {
    s.key: PatternFill("solid", fgColor=s.colour[1:].upper()) for s in lights.STATES
}
STATE_FONTS: dict[str, Font] = {
    s.key: Font(name=book.FONT_NAME, size=10, bold=s.key in ("done", "far_behind"),
                color=s.text_colour[1:].upper())
    for s in lights.STATES
}
RULE_LABEL = "评价规则"

# Text columns wrap at these widths, so that A4 landscape prints the tables at a readable scale.
WRAP_AT: dict[str, float] = {"sector": 12, "metric": 22, "region_name": 12, "note": 22}
REGION_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("seq", "序号", 6),
    ("target_id", "指标编号", 9),
    ("sector", "领域", 12),
    ("metric", "指标", 22),
    ("unit", "单位", 7),
    ("allocated", "本地区任务", 12),
    ("completed", "累计完成", 12),
    ("rate", "完成率", 9),
    ("pace", "序时进度", 9),
    ("gap", "差距（百分点）", 10),
    ("light", "状态", 8),
    ("status", "进展状态", 9),
    ("note", "备注", 22),
)
DETAIL_COLUMNS: tuple[tuple[str, str, float], ...] = (
    REGION_COLUMNS[:2] + (("region_code", "单位代码", 10), ("region_name", "分解单位", 12))
    + REGION_COLUMNS[2:]
)


def _num(value: Any) -> float | int | None:
    """A status cell for Excel: whole numbers as int (so 1,200 shows no decimals)."""
    number = cell_number(value)
    return int(number) if number is not None and number.is_integer() else number


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text or None


def _file_stem(plan_title: str, middle: str | None, period: date, sample: bool) -> str:
    parts = [f"{plan_title}{REPORT_SUFFIX}" + ("" if middle else "汇总")]
    if middle:
        parts.append(middle)
    parts.append(period.isoformat())
    if sample:
        parts.append(layout.SAMPLE_MARK)
    return "-".join(parts)


def _pace(row: pd.Series) -> float | None:
    """序时进度 as a share (0–1): the status table's ``pace``, else expected / allocated.

    Only where the row is (or will be) judged against it: a region's quantity, or a gap. A
    qualitative item reported 推进中 and a province-wide rate have none beside them.
    """
    if _num(row.get("allocated")) is None and _num(row.get("gap")) is None:
        return None
    if "pace" in row.index and _num(row["pace"]) is not None:
        return float(row["pace"])
    allocated, expected = _num(row.get("allocated")), _num(row.get("expected"))
    if allocated and expected is not None:
        return expected / allocated
    return None


def _header(w: book.SheetWriter, title: str, lines: list[tuple[str, Any]], last_col: int,
            sample: bool) -> int:
    ws = w.ws
    w.put(1, 1, title, font=book.FONT_TITLE, border=False, measure=False)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(last_col, 4))
    ws.row_dimensions[1].height = 26
    for i, (label, value) in enumerate(lines, start=2):
        w.put(i, 1, label, font=book.FONT_BOLD, border=False, measure=False, span=3)
        marked = sample and label == "数据性质"
        w.put(i, 4, value, border=False, measure=False,
              font=book.FONT_SAMPLE if marked else book.FONT,
              fill=book.FILL_SAMPLE if marked else None,
              align=book.WRAP if label == RULE_LABEL else None, span=max(last_col, 8))
    return 2 + len(lines) + 1


def _light_rules(ws, ref: str) -> None:
    """Conditional fills on the 状态 text, one rule per state word (已完成 … 不适用)."""
    for s in lights.STATES:
        ws.conditional_formatting.add(
            ref,
            CellIsRule(operator="equal", formula=[f'"{s.word}"'], fill=STATE_FILLS[s.key],
                       font=STATE_FONTS[s.key]),
        )


def _table(w: book.SheetWriter, columns, rows: pd.DataFrame, plan, hr: int, sectors: dict) -> int:
    """Heading row + one row per status row; returns the last row written."""
    for c, (_key, text, _width) in enumerate(columns, start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER)
    w.ws.row_dimensions[hr].height = 30
    r = hr
    for i, (_idx, row) in enumerate(rows.iterrows(), start=1):
        r = hr + i
        unit = _text(row.get("unit"))
        values = {
            "seq": i,
            "target_id": _text(row["target_id"]),
            "region_code": _text(row.get("region_code")),
            "region_name": _text(row.get("region_name")),
            "sector": sectors.get(str(row["target_id"])),
            "metric": _text(row.get("metric")),
            "unit": unit,
            "allocated": _num(row.get("allocated")),
            "completed": _num(row.get("completed")),
            "rate": _num(row.get("rate")),
            "pace": _pace(row),
            "gap": _num(row.get("gap")),
            "light": lights.word(lights.row_state(row)),
            "status": _text(row.get("status")),
            "note": _text(row.get("note")),
        }
        for c, (key, _text_, _width) in enumerate(columns, start=1):
            value = values[key]
            fmt = None
            align = book.WRAP
            if key in ("allocated", "completed"):
                fmt, align = book.number_format(unit, value), book.RIGHT
            elif key in ("rate", "pace"):
                fmt, align = book.RATIO_FORMAT, book.RIGHT
            elif key == "gap":
                value = None if value is None else round(float(value), 1)
                fmt, align = GAP_FORMAT, book.RIGHT
            elif key in ("seq", "target_id", "unit", "light", "status", "region_code"):
                align = book.CENTER
            if key == "allocated" and value is None:
                value = layout.PROVINCE_WIDE
                align = book.CENTER
            w.put(r, c, value, fmt=fmt, align=align)
    return r


def _finish(w: book.SheetWriter, columns, hr: int, last_row: int, title: str, sample: bool,
            freeze_col: int) -> None:
    ws = w.ws
    light_col = next(i for i, (k, _t, _w) in enumerate(columns, start=1) if k == "light")
    if last_row > hr:
        letter = get_column_letter(light_col)
        _light_rules(ws, f"{letter}{hr + 1}:{letter}{last_row}")
    w.fit_columns(minimum={i: width for i, (_k, _t, width) in enumerate(columns, start=1)},
                  maximum={i: WRAP_AT.get(k, book.MAX_WIDTH)
                           for i, (k, _t, _w) in enumerate(columns, start=1)})
    ws.freeze_panes = ws.cell(row=hr + 1, column=freeze_col)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(len(columns))}{max(last_row, hr)}"
    book.print_setup(ws, title, f"{hr}:{hr}", sample)


def _sample_flag(status: pd.DataFrame, meta: dict[str, Any], sample: bool | None) -> bool:
    if sample is not None:
        return bool(sample)
    if meta.get("sample"):
        return True
    return bool("sample" in status.columns and status["sample"].fillna(False).astype(bool).any())


def write_progress_sheets(
    status_table: pd.DataFrame,
    plan,
    regions,
    out_dir: str | Path,
    allocation_meta: dict[str, Any] | None = None,
    *,
    period_end: date | None = None,
    sample: bool | None = None,
    banner: str | None = None,
    csv: bool = False,
    created: date | None = None,
    thresholds: lights.Thresholds = lights.Thresholds(),
) -> SheetSet:
    """Per-region progress workbooks and the summary for one period end (通报).

    ``status_table``: the status table of docs/ARCHITECTURE.md (columns
    :data:`STATUS_TABLE_COLUMNS`; ``pace``, ``kind``, ``status``, ``note``, ``sample`` are used
    when present). ``rate`` and ``pace`` are shares (1.0 = 100 %), ``gap`` is in percentage
    points, ``allocated``/``completed`` in the target's unit (NaN allocated = a province-wide
    target, shown as 全省统一).
    ``period_end``: which period to write (default: the latest in the table).
    ``sample``: mark everything 示例 (default: ``allocation_meta["sample"]`` or any row's
    ``sample``); ``banner``: the text of the 数据性质 line (default: the standard 示例 note when
    the allocation is sample data, :data:`PROGRESS_SAMPLE_NOTE` when only the progress is, or
    正式).
    ``thresholds``: the ones the status table was computed with (the 评价规则 line states them).
    Written atomically as a set into ``out_dir``; returns the final paths.
    """
    meta = dict(allocation_meta or {})
    missing = [c for c in STATUS_TABLE_COLUMNS if c not in status_table.columns]
    if missing:
        raise SheetsError(f"status table lacks columns {', '.join(missing)}")
    if status_table.empty:
        raise SheetsError(
            "the status table is empty: no progress reports for this plan",
            hint="import returned sheets with `minshi-geo progress import` first",
        )
    periods = sorted(set(status_table["period_end"]))
    period = period_end or periods[-1]
    rows = status_table[status_table["period_end"] == period]
    if rows.empty:
        raise SheetsError(
            f"the status table has no period {period} (periods: "
            f"{', '.join(str(p) for p in periods)})"
        )
    is_sample = _sample_flag(rows, meta, sample)
    if banner:
        data_text = banner
    elif is_sample and not meta.get("sample"):
        # official tasks, made-up progress: the task sheets' note ("不作为正式任务下达") would
        # point at the wrong part
        data_text = PROGRESS_SAMPLE_NOTE
    else:
        data_text = layout.SAMPLE_NOTE if is_sample else layout.DATA_OFFICIAL
    created = created or date.today()
    sectors = {t.id: t.sector for t in plan.targets}
    order = {t.id: i for i, t in enumerate(plan.targets)}
    codes = [str(c) for c in regions.codes]
    region_order = {c: i for i, c in enumerate(codes)}
    rows = rows.assign(
        _t=rows["target_id"].map(order).fillna(len(order)),
        _r=rows["region_code"].astype(str).map(region_order).fillna(len(codes)),
    ).sort_values(["_t", "_r"], kind="mergesort").drop(columns=["_t", "_r"])
    period_text = f"{period.year}年{period.month}月{period.day}日"
    mark = f"（{layout.SAMPLE_MARK}）" if is_sample else ""
    common = [
        ("民生实事方案", plan.official_title or plan.title),
        ("分解方案", book.scenario_text(meta) if meta else "—"),
        ("截至日期", period_text),
        ("生成日期", book.date_text(created)),
        ("数据性质", data_text),
        (RULE_LABEL, lights.rule_text(thresholds)),
    ]

    out_dir = Path(out_dir)
    result = SheetSet()
    with atomic.atomic_dir(out_dir) as tmp:
        for code in codes + sorted(set(rows["region_code"].astype(str)) - set(codes)):
            mine = rows[rows["region_code"].astype(str) == code]
            if mine.empty:
                continue
            name = regions.name_of(code) if code in region_order else str(mine["region_name"].iloc[0])
            title = f"{plan.title}{REPORT_SUFFIX}——{name}（截至{period_text}）{mark}"
            wb = Workbook()
            ws = wb.active
            ws.title = REGION_SHEET
            w = book.SheetWriter(ws)
            lines = (common[:1] + [("分解单位", name), ("单位代码", code)] + common[1:3]
                     + [("报送情况", reporting_text(mine, period))] + common[3:])
            hr = _header(w, title, lines, len(REGION_COLUMNS), is_sample)
            last = _table(w, REGION_COLUMNS, mine, plan, hr, sectors)
            _finish(w, REGION_COLUMNS, hr, last, title, is_sample, freeze_col=4)
            stem = _file_stem(plan.title, name, period, is_sample)
            path = _path(tmp, stem + ".xlsx", code, name)
            wb.save(path)
            result.regions[code] = path
            if csv:
                result.csv.append(_csv(tmp, stem, w))

        # summary
        title = f"{plan.title}{REPORT_SUFFIX}汇总（截至{period_text}）{mark}"
        wb = Workbook()
        writers = [_matrix_sheet(wb, rows, plan, regions, codes, title, common, is_sample)]
        ws = wb.create_sheet(DETAIL_SHEET)
        w = book.SheetWriter(ws)
        hr = _header(w, f"{title}——{DETAIL_SHEET}", common, len(DETAIL_COLUMNS), is_sample)
        last = _table(w, DETAIL_COLUMNS, rows, plan, hr, sectors)
        _finish(w, DETAIL_COLUMNS, hr, last, f"{title}——{DETAIL_SHEET}", is_sample, 5)
        writers.append(w)
        lag = rows[rows["light"].isin(["red", "yellow"])].copy()
        lag = lag.assign(_s=lag["light"].map({"red": 0, "yellow": 1}),
                         _g=pd.to_numeric(lag["gap"], errors="coerce").fillna(0.0))
        lag = lag.sort_values(["_s", "_g"], kind="mergesort").drop(columns=["_s", "_g"])
        ws = wb.create_sheet(LAGGING_SHEET)
        w = book.SheetWriter(ws)
        hr = _header(w, f"{title}——{LAGGING_SHEET}", common, len(DETAIL_COLUMNS), is_sample)
        last = _table(w, DETAIL_COLUMNS, lag, plan, hr, sectors)
        _finish(w, DETAIL_COLUMNS, hr, last, f"{title}——{LAGGING_SHEET}", is_sample, 5)
        writers.append(w)
        stem = _file_stem(plan.title, None, period, is_sample)
        path = path_inside(tmp, stem + ".xlsx")
        wb.save(path)
        result.summary = path
        if csv:
            for w in writers:
                result.csv.append(_csv(tmp, f"{stem}-{w.ws.title}", w))
        final = SheetSet(
            regions={c: out_dir / p.relative_to(tmp) for c, p in result.regions.items()},
            summary=out_dir / result.summary.relative_to(tmp),
            csv=[out_dir / p.relative_to(tmp) for p in result.csv],
        )
    return final


def reporting_text(rows: pd.DataFrame, period: date) -> str:
    """报送情况 of one region for ``period``: reported, or not — its older figures carry
    forward in the status table, and the 通报 must not pass them off as this period's."""
    if "value_period_end" not in rows.columns:
        return "—"
    reported = [d for d in rows["value_period_end"] if isinstance(d, date)]
    if not reported:
        return "本期未报送（尚无报送数据）"
    last = max(reported)
    if last < period:
        return f"本期未报送，沿用截至{last.year}年{last.month}月{last.day}日的数据"
    return "已报送"


def _path(folder: Path, name: str, code: str, region_name: str) -> Path:
    try:
        return path_inside(folder, name)
    except ValueError as exc:
        raise SheetsError(f"region {code}: name {region_name!r} gives no usable file name") from exc


def _csv(folder: Path, stem: str, w: book.SheetWriter) -> Path:
    path = path_inside(folder / "csv", stem + ".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.write_csv(path, w.values())
    return path


def _matrix_sheet(wb: Workbook, rows: pd.DataFrame, plan, regions, codes: list[str], title: str,
                  common, sample: bool) -> book.SheetWriter:
    """Targets × regions: 完成率 (or the reported 进展状态) filled with the light's colour."""
    ws = wb.active
    ws.title = MATRIX_SHEET
    w = book.SheetWriter(ws)
    present = [c for c in codes if c in set(rows["region_code"].astype(str))]
    fixed = ["序号", "指标编号", "领域", "指标", "单位"]
    last_col = len(fixed) + len(present)
    hr = _header(w, f"{title}——{MATRIX_SHEET}", common, last_col, sample)
    for c, text in enumerate(fixed + [regions.name_of(code) for code in present], start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER,
              measure=c <= len(fixed))
    ws.row_dimensions[hr].height = 45
    by_cell = {(str(t), str(r)): row for (t, r), row in
               ((k, v) for k, v in rows.set_index(["target_id", "region_code"]).iterrows())}
    targets = [t for t in plan.targets if any((t.id, c) in by_cell for c in present)]
    r = hr
    for i, t in enumerate(targets, start=1):
        r = hr + i
        for c, value in enumerate([i, t.id, t.sector, t.metric, t.unit], start=1):
            w.put(r, c, value, align=book.CENTER if c in (1, 2, 5) else book.WRAP)
        for j, code in enumerate(present):
            row = by_cell.get((t.id, code))
            col = len(fixed) + 1 + j
            if row is None:
                w.put(r, col, None)
                continue
            key = lights.row_state(row)
            rate = _num(row.get("rate"))
            completed = _num(row.get("completed"))
            if rate is not None:
                value: Any = rate
                fmt, align = book.RATIO_FORMAT, book.RIGHT
            elif _text(row.get("status")):
                value, fmt, align = _text(row.get("status")), None, book.CENTER
            elif completed is not None:
                # a value reported on a target that is not judged (a province-wide rate): the
                # value itself in its unit, not 未报送
                value, fmt, align = completed, book.number_format(t.unit, completed), book.RIGHT
            else:
                value, fmt, align = lights.word(key), None, book.CENTER
            w.put(r, col, value, fmt=fmt, fill=STATE_FILLS[key], font=STATE_FONTS[key],
                  align=align)
    legend_row = r + 2
    w.put(legend_row, 1, "图例", font=book.FONT_BOLD, border=False, measure=False)
    for k, s in enumerate(lights.STATES):
        w.put(legend_row, 2 + k, s.word, fill=STATE_FILLS[s.key], font=STATE_FONTS[s.key],
              align=book.CENTER, measure=False)
    w.put(legend_row + 1, 2, "不适用底色的数值：全省统一的比率等指标，各地区填报的实际值，"
          "不按序时进度评价", font=book.FONT_NOTE, border=False, measure=False)
    w.fit_columns(minimum={1: 6, 2: 9, 3: 12, 4: 22, 5: 6,
                           **{c: 10 for c in range(len(fixed) + 1, last_col + 1)}},
                  maximum={1: 30, 2: 30, 3: WRAP_AT["sector"], 4: WRAP_AT["metric"], 5: 30,
                           **{c: 30 for c in range(len(fixed) + 1, last_col + 1)}})
    ws.freeze_panes = ws.cell(row=hr + 1, column=len(fixed) + 1)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(max(last_col, 1))}{max(r, hr)}"
    book.print_setup(ws, title, f"{hr}:{hr}", sample)
    return w
