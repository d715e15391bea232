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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from minshi_geo import atomic, gongwen, lights
from minshi_geo.escape import path_inside
from minshi_geo.progress.bulletin import Bulletin, build_bulletin, lagging_text, opening_text
from minshi_geo.progress.status import STATUS_COLUMNS, cell_number
from minshi_geo.sheets import book, layout
from minshi_geo.sheets.inputs import SheetsError, SheetSet

PROGRESS_SAMPLE_NOTE = "示例：本通报的进度数据为示例数据（sample data），并非各地实际填报，仅供演示"
REPORT_SUFFIX = "进度通报"
# points ahead of 序时进度 read +3.1, behind −4.8: the sign is the news
GAP_FORMAT = "+0.0;-0.0;0.0"
REGION_SHEET = "进度通报"
MATRIX_SHEET = "完成率"
DETAIL_SHEET = "明细"
LAGGING_SHEET = "滞后事项"

# The status table's columns are defined once, in progress/status.py (issue #17).
STATUS_TABLE_COLUMNS: tuple[str, ...] = tuple(STATUS_COLUMNS)
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
# names, not codes, wherever a planner reads (the region code stays in the status table)
DETAIL_COLUMNS: tuple[tuple[str, str, float], ...] = (
    REGION_COLUMNS[:2] + (("region_name", "分解单位", 12),) + REGION_COLUMNS[2:]
)
OVERVIEW_SHEET = "综述"


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
    return book.header_block(w, title, lines, last_col, sample)


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


@dataclass(frozen=True)
class _Context:
    """What every sheet of one 通报 shares."""

    plan: Any
    regions: Any
    codes: list[str]
    period: date
    period_text: str
    mark: str  # （示例） or ""
    sample: bool
    common: list[tuple[str, Any]]
    sectors: dict[str, str]
    thresholds: lights.Thresholds


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
    :data:`STATUS_TABLE_COLUMNS`; ``pace``, ``kind``, ``status``, ``note``, ``sample``,
    ``state`` are used when present). ``rate`` and ``pace`` are shares (1.0 = 100 %), ``gap``
    is in percentage points, ``allocated``/``completed`` in the target's unit (NaN allocated =
    a province-wide target, shown as 全省统一).
    ``period_end``: which period to write (default: the latest in the table).
    ``sample``: mark everything 示例 (default: ``allocation_meta["sample"]`` or any row's
    ``sample``); ``banner``: the text of the 数据性质 line (default: the standard 示例 note when
    the allocation is sample data, :data:`PROGRESS_SAMPLE_NOTE` when only the progress is;
    official data have no such line).
    ``thresholds``: the ones the status table was computed with (the 评价规则 line states them).
    Written atomically as a set into ``out_dir``; returns the final paths.
    """
    meta = dict(allocation_meta or {})
    rows, period = _period_rows(status_table, period_end)
    is_sample = _sample_flag(rows, meta, sample)
    if banner:
        data_text: str | None = banner
    elif is_sample and not meta.get("sample"):
        # official tasks, made-up progress: the task sheets' note ("不作为正式任务下达") would
        # point at the wrong part
        data_text = PROGRESS_SAMPLE_NOTE
    else:
        data_text = layout.SAMPLE_NOTE if is_sample else None
    created = created or date.today()
    order = {t.id: i for i, t in enumerate(plan.targets)}
    codes = [str(c) for c in regions.codes]
    region_order = {c: i for i, c in enumerate(codes)}
    rows = rows.assign(
        _t=rows["target_id"].map(order).fillna(len(order)),
        _r=rows["region_code"].astype(str).map(region_order).fillna(len(codes)),
    ).sort_values(["_t", "_r"], kind="mergesort").drop(columns=["_t", "_r"])
    if "state" not in rows.columns:
        rows = rows.assign(state=[lights.row_state(r) for r in rows.to_dict("records")])
    period_text = gongwen.date_text(period)
    common = [
        ("民生实事方案", plan.official_title or plan.title),
        ("分解方案", book.scenario_text(meta) if meta else "—"),
        ("截至日期", period_text),
        ("印发", f"{gongwen.issuing_office(plan)}　{gongwen.date_text(created)}"),
        *([("数据性质", data_text)] if data_text else []),
        (RULE_LABEL, lights.rule_text(thresholds)),
    ]
    ctx = _Context(plan, regions, codes, period, period_text,
                   f"（{layout.SAMPLE_MARK}）" if is_sample else "", is_sample, common,
                   {t.id: t.sector for t in plan.targets}, thresholds)
    out_dir = Path(out_dir)
    result = SheetSet()
    with atomic.atomic_dir(out_dir) as tmp:
        _region_books(ctx, rows, tmp, csv, result)
        _summary_book(ctx, status_table, rows, tmp, csv, result)
        final = SheetSet(
            regions={c: out_dir / p.relative_to(tmp) for c, p in result.regions.items()},
            summary=out_dir / result.summary.relative_to(tmp),
            csv=[out_dir / p.relative_to(tmp) for p in result.csv],
        )
    return final


def _period_rows(status_table: pd.DataFrame, period_end: date | None
                 ) -> tuple[pd.DataFrame, date]:
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
    return rows, period


def _region_books(ctx: _Context, rows: pd.DataFrame, tmp: Path, csv: bool,
                  result: SheetSet) -> None:
    """One workbook per region (sheet 进度通报)."""
    known = set(ctx.codes)
    for code in ctx.codes + sorted(set(rows["region_code"].astype(str)) - known):
        mine = rows[rows["region_code"].astype(str) == code]
        if mine.empty:
            continue
        name = ctx.regions.name_of(code) if code in known else str(mine["region_name"].iloc[0])
        title = f"{ctx.plan.title}{REPORT_SUFFIX}——{name}（截至{ctx.period_text}）{ctx.mark}"
        wb = Workbook()
        ws = wb.active
        ws.title = REGION_SHEET
        w = book.SheetWriter(ws)
        lines = (ctx.common[:1] + [("分解单位", name)] + ctx.common[1:3]
                 + [("报送情况", reporting_text(mine, ctx.period))] + ctx.common[3:])
        hr = _header(w, title, lines, len(REGION_COLUMNS), ctx.sample)
        last = _table(w, REGION_COLUMNS, mine, ctx.plan, hr, ctx.sectors)
        _finish(w, REGION_COLUMNS, hr, last, title, ctx.sample, freeze_col=4)
        stem = _file_stem(ctx.plan.title, name, ctx.period, ctx.sample)
        path = _path(tmp, stem + ".xlsx", code, name)
        wb.save(path)
        result.regions[code] = path
        if csv:
            result.csv.append(_csv(tmp, stem, w))


def _summary_book(ctx: _Context, status_table: pd.DataFrame, rows: pd.DataFrame, tmp: Path,
                  csv: bool, result: SheetSet) -> None:
    """综述 (one page), 完成率 (targets × 全省 + regions), 明细 (every row), 滞后事项 (grouped)."""
    title = f"{ctx.plan.title}{REPORT_SUFFIX}汇总（截至{ctx.period_text}）{ctx.mark}"
    wb = Workbook()
    bulletin = build_bulletin(status_table, ctx.plan, period=ctx.period,
                              thresholds=ctx.thresholds, sample=ctx.sample)
    writers = [_overview_sheet(wb, ctx, bulletin, title)]
    writers.append(_matrix_sheet(wb, rows, bulletin, ctx, title))
    ws = wb.create_sheet(DETAIL_SHEET)
    w = book.SheetWriter(ws)
    hr = _header(w, f"{title}——{DETAIL_SHEET}", ctx.common, len(DETAIL_COLUMNS), ctx.sample)
    last = _table(w, DETAIL_COLUMNS, rows, ctx.plan, hr, ctx.sectors)
    _finish(w, DETAIL_COLUMNS, hr, last, f"{title}——{DETAIL_SHEET}", ctx.sample, 4)
    writers.append(w)
    writers.append(_lagging_sheet(wb, ctx, bulletin, rows, title))
    stem = _file_stem(ctx.plan.title, None, ctx.period, ctx.sample)
    path = path_inside(tmp, stem + ".xlsx")
    wb.save(path)
    result.summary = path
    if csv:
        for w in writers:
            result.csv.append(_csv(tmp, f"{stem}-{w.ws.title}", w))


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


def _cell(row, unit: str | None) -> tuple[Any, str | None, Any]:
    """A matrix cell: 完成率, else the reported 进展状态, else a value reported on a target
    that is not judged (a province-wide rate: the value itself, not 未报送), else the word."""
    rate = _num(row.get("rate"))
    completed = _num(row.get("completed"))
    if rate is not None:
        return rate, book.RATIO_FORMAT, book.RIGHT
    if _text(row.get("status")):
        return _text(row.get("status")), None, book.CENTER
    if completed is not None:
        return completed, book.number_format(unit, completed), book.RIGHT
    return lights.word(lights.row_state(row)), None, book.CENTER


def _legend(w: book.SheetWriter, r: int, note: str | None = None) -> int:
    """图例 row (each state in its colour) and the rule; returns the last row written."""
    w.put(r, 1, "图例", font=book.FONT_BOLD, border=False, measure=False)
    for k, s in enumerate(lights.STATES):
        w.put(r, 2 + k, s.word, fill=STATE_FILLS[s.key], font=STATE_FONTS[s.key],
              align=book.CENTER, measure=False)
    if note:
        r += 1
        w.put(r, 2, note, font=book.FONT_NOTE, border=False, measure=False)
    return r


def _matrix_sheet(wb: Workbook, rows: pd.DataFrame, bulletin: Bulletin, ctx: _Context,
                  title: str) -> book.SheetWriter:
    """Targets × (全省 + regions): 完成率 (or the reported 进展状态) in the state's colour; the
    全省 column is the province total against the province target."""
    ws = wb.create_sheet(MATRIX_SHEET)
    w = book.SheetWriter(ws)
    present = [c for c in ctx.codes if c in set(rows["region_code"].astype(str))]
    fixed = ["序号", "指标编号", "领域", "指标", "单位", "全省"]
    last_col = len(fixed) + len(present)
    hr = _header(w, f"{title}——{MATRIX_SHEET}", ctx.common, last_col, ctx.sample)
    for c, text in enumerate(fixed + [ctx.regions.name_of(code) for code in present], start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER,
              measure=c < len(fixed))
    ws.row_dimensions[hr].height = 45
    by_cell = {(str(t), str(r)): row for (t, r), row in
               ((k, v) for k, v in rows.set_index(["target_id", "region_code"]).iterrows())}
    province = {str(r["target_id"]): r for r in bulletin.targets.to_dict("records")}
    targets = [t for t in ctx.plan.targets if any((t.id, c) in by_cell for c in present)]
    r = hr
    for i, t in enumerate(targets, start=1):
        r = hr + i
        for c, value in enumerate([i, t.id, t.sector, t.metric, t.unit], start=1):
            w.put(r, c, value, align=book.CENTER if c in (1, 2, 5) else book.WRAP)
        total = province.get(t.id)
        if total is not None:
            value, fmt, align = _cell(total, t.unit)
            if isinstance(value, float) and _num(total.get("rate")) is None:
                value, fmt, align = lights.word(total["state"]), None, book.CENTER
            w.put(r, len(fixed), value, fmt=fmt, fill=STATE_FILLS[total["state"]],
                  font=STATE_FONTS[total["state"]], align=align)
        for j, code in enumerate(present):
            row = by_cell.get((t.id, code))
            col = len(fixed) + 1 + j
            if row is None:
                w.put(r, col, None)
                continue
            key = lights.row_state(row)
            value, fmt, align = _cell(row, t.unit)
            w.put(r, col, value, fmt=fmt, fill=STATE_FILLS[key], font=STATE_FONTS[key],
                  align=align)
    _legend(w, r + 2, "全省：全省合计完成数对比全省目标（比率、定性等指标取最差地区）；"
            "不适用底色的数值：全省统一的比率等指标，各地区填报的实际值，不按序时进度评价")
    w.fit_columns(minimum={1: 6, 2: 9, 3: 12, 4: 22, 5: 6,
                           **{c: 10 for c in range(len(fixed), last_col + 1)}},
                  maximum={1: 30, 2: 30, 3: WRAP_AT["sector"], 4: WRAP_AT["metric"], 5: 30,
                           **{c: 30 for c in range(len(fixed), last_col + 1)}})
    ws.freeze_panes = ws.cell(row=hr + 1, column=len(fixed) + 1)
    ws.auto_filter.ref = f"A{hr}:{get_column_letter(max(last_col, 1))}{max(r, hr)}"
    book.print_setup(ws, title, f"{hr}:{hr}", ctx.sample)
    return w


OVERVIEW_COLUMNS: tuple[tuple[str, float], ...] = (
    ("地区", 16), ("综合状态", 12), ("平均完成率", 10), ("平均序时进度", 10),
    *[(s.word, 7 if len(s.word) <= 3 else 10) for s in lights.STATES],
)


def _overview_sheet(wb: Workbook, ctx: _Context, b: Bulletin, title: str) -> book.SheetWriter:
    """综述: one page — what the 通报 says in words, then 全省 and each region: overall state,
    mean rate and 序时进度, and the count of targets per state; the rules below."""
    ws = wb.active
    ws.title = OVERVIEW_SHEET
    w = book.SheetWriter(ws)
    last_col = len(OVERVIEW_COLUMNS) + 1  # + 依据
    lines = [ctx.common[0], ctx.common[2],
             *[x for x in ctx.common if x[0] == "数据性质"],
             ("总体情况", opening_text(b)), ("滞后事项", lagging_text(b))]
    hr = _header(w, f"{title}——{OVERVIEW_SHEET}", lines, last_col, ctx.sample)
    for c, (text, _width) in enumerate([*OVERVIEW_COLUMNS, ("依据", 30)], start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER,
              measure=False)
    ws.row_dimensions[hr].height = 30
    province = b.province
    entries = [("全省（按指标合计）", province, province["counts"])]
    for rec in b.regions.to_dict("records"):
        entries.append((str(rec["region_name"]), rec, {k: rec[k] for k in lights.KEYS}))
    r = hr
    for i, (name, rec, counts) in enumerate(entries, start=1):
        r = hr + i
        key = str(rec["state"])
        bold = book.FONT_BOLD if i == 1 else book.FONT
        w.put(r, 1, name, font=bold, align=book.WRAP)
        w.put(r, 2, lights.word(key), fill=STATE_FILLS[key], font=STATE_FONTS[key],
              align=book.CENTER)
        w.put(r, 3, _num(rec.get("rate")), fmt=book.RATIO_FORMAT, align=book.RIGHT)
        w.put(r, 4, _num(rec.get("expected")), fmt=book.RATIO_FORMAT, align=book.RIGHT)
        for k, s in enumerate(lights.STATES):
            n = int(counts.get(s.key, 0))
            w.put(r, 5 + k, n, align=book.CENTER, font=bold,
                  fill=STATE_FILLS[s.key] if n and s.key in lights.LAGGING else None)
        w.put(r, last_col, str(rec.get("reason") or ""), align=book.WRAP)
    r = _legend(w, r + 2)
    notes = [("评价规则", lights.rule_text(ctx.thresholds)), ("综合规则", lights.ROLLUP_RULE),
             ("说明", "各状态列为指标个数（全省行：按全省合计评价的指标数；地区行：该地区的"
                    "指标数）；平均完成率为各数量指标完成率（单项封顶100%）的平均值")]
    for label, text in notes:
        r += 1
        w.put(r, 1, label, font=book.FONT_BOLD, border=False, measure=False)
        w.put(r, 2, text, font=book.FONT_NOTE, border=False, measure=False, align=book.WRAP,
              span=last_col)
    w.fit_columns(minimum={c: width for c, (_t, width) in
                           enumerate([*OVERVIEW_COLUMNS, ("依据", 30)], start=1)},
                  maximum={c: width for c, (_t, width) in
                           enumerate([*OVERVIEW_COLUMNS, ("依据", 30)], start=1)})
    book.print_setup(ws, title, f"{hr}:{hr}", ctx.sample)
    ws.page_setup.fitToHeight = 1  # one page
    return w


LAGGING_COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5), ("指标编号", 8), ("指标", 20), ("单位", 6), ("全省完成率", 9),
    ("序时进度", 8), ("全省状态", 10), ("严重滞后地区（落后百分点）", 34),
    ("滞后地区（落后百分点）", 34),
)


def _lagging_sheet(wb: Workbook, ctx: _Context, b: Bulletin, rows: pd.DataFrame,
                   title: str) -> book.SheetWriter:
    """滞后事项, grouped: per sector a heading row, per target one row naming its 严重滞后 and
    滞后 regions with the points they are behind (the detail per region is in 明细)."""
    ws = wb.create_sheet(LAGGING_SHEET)
    w = book.SheetWriter(ws)
    n_cols = len(LAGGING_COLUMNS)
    hr = _header(w, f"{title}——{LAGGING_SHEET}", ctx.common, n_cols, ctx.sample)
    for c, (text, _width) in enumerate(LAGGING_COLUMNS, start=1):
        w.put(hr, c, text, font=book.FONT_BOLD, fill=book.FILL_HEADING, align=book.CENTER,
              measure=False)
    ws.row_dimensions[hr].height = 30
    lag = rows[rows["state"].isin(lights.LAGGING)]
    province = {str(r["target_id"]): r for r in b.targets.to_dict("records")}
    sectors = {s.name: s for s in ctx.plan.sectors}
    r, seq, sector = hr, 0, None
    for t in ctx.plan.targets:
        mine = lag[lag["target_id"].astype(str) == t.id]
        if mine.empty:
            continue
        if t.sector != sector:
            sector = t.sector
            r += 1
            known = sectors.get(sector)
            for c in range(2, n_cols + 1):
                w.put(r, c, None, fill=book.FILL_SECTOR, measure=False)
            w.put(r, 1, gongwen.sector_heading(known.number, sector) if known else sector,
                  font=book.FONT_SECTOR, fill=book.FILL_SECTOR, align=book.LEFT, measure=False,
                  span=n_cols)
        r += 1
        seq += 1
        total = province.get(t.id, {})
        key = str(total.get("state", "missing"))
        pace = _num(total.get("pace")) if _num(total.get("rate")) is not None else None
        values = [seq, t.id, t.metric, t.unit, _num(total.get("rate")), pace]
        for c, value in enumerate(values, start=1):
            fmt = book.RATIO_FORMAT if c in (5, 6) else None
            w.put(r, c, value, fmt=fmt,
                  align=book.RIGHT if c in (5, 6) else (book.WRAP if c == 3 else book.CENTER))
        w.put(r, 7, lights.word(key), fill=STATE_FILLS[key], font=STATE_FONTS[key],
              align=book.CENTER)
        for c, state in ((8, "far_behind"), (9, "behind")):
            who = mine[mine["state"] == state]
            text = "、".join(
                f"{name}（{_behind(g)}）" if _behind(g) else str(name)
                for name, g in zip(who["region_name"], who["gap"], strict=True))
            w.put(r, c, text or None, align=book.WRAP,
                  fill=STATE_FILLS[state] if text else None, font=STATE_FONTS[state]
                  if text else book.FONT)
    _legend(w, r + 2, f"共{seq}项指标有地区滞后；逐地区明细见“{DETAIL_SHEET}”表（按状态筛选）")
    widths = {c: width for c, (_t, width) in enumerate(LAGGING_COLUMNS, start=1)}
    w.fit_columns(minimum=widths, maximum=widths)
    ws.freeze_panes = f"D{hr + 1}"  # the first row below may be a merged sector heading
    book.print_setup(ws, f"{title}——{LAGGING_SHEET}", f"{hr}:{hr}", ctx.sample)
    return w


def _behind(gap: Any) -> str:
    """Points behind 序时进度 as 12.3 (empty when not a number, e.g. an overdue 推进中)."""
    number = cell_number(gap)
    return f"{-number:.1f}" if number is not None else ""
