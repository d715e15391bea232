"""Sample returned sheets (示例进度报告) for the demo: three months of made-up progress.

Nothing here is real data. The files are the regions' own task sheets (written by
:func:`minshi_geo.sheets.writer.write_region_sheets` from the allocation), filled in the cells a
region fills — 本期截至日期, 累计完成, 进展状态, 备注 — and marked 示例 everywhere a reader looks:
the title, the 数据性质 line, the hidden identity (``sample = true``), the document properties,
the file name (``…-示例-2023-06-30.xlsx``) and every note written.

The progress is generated from a seeded random generator, so the same allocation and seed give
the same values every time (:func:`sample_progress` returns them as a table — what the round-trip
test compares the imported status with):

- each region has a speed: most near 1 (on 序时进度), two regions slow (about 0.5–0.7 of the
  pace, so the demo has 推进缓慢 regions in yellow and red), one ahead;
- each target × region has its own factor around 1, and the first quarter runs at 75 % of the
  later pace (winter: construction in Jilin starts in spring);
- cumulative fractions never fall from one period to the next and stop at 100 %;
- counts: fraction × allocated, rounded to the target's unit (whole numbers for whole
  allocations); rates (%, province-wide): the region's current percentage, rising towards the
  province target; milestones and standards: 未启动 / 推进中 / 已完成 by the same fraction.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from copy import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.packaging.custom import StringProperty

from minshi_geo import atomic
from minshi_geo.escape import path_inside
from minshi_geo.progress.status import pace

SAMPLE_PERIODS: tuple[date, ...] = (date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30))
SEED = 2023
SAMPLE_BANNER = "示例：进度数据为演示生成，并非各地实际填报"
NOTE_LAGGING = (
    "示例：受天气影响，施工进度滞后",
    "示例：项目前期手续办理中",
    "示例：资金尚未全部到位",
)
NOTE_DONE = "示例：已全部完成"
# Fixed zip timestamps: the same values give the same bytes (and sha256) on every run, so
# importing a regenerated sample set again is a no-op instead of a correction.
_ZIP_TIME = (2023, 1, 1, 0, 0, 0)


def sample_progress(
    allocation: Any,
    plan: Any,
    regions: Any,
    periods: Sequence[date] = SAMPLE_PERIODS,
    seed: int = SEED,
) -> pd.DataFrame:
    """The made-up values, one row per region × target × period that a sample sheet fills.

    Columns: region_code, target_id, period_end, completed (float, NaN for status targets),
    status (未启动/推进中/已完成 or None), note (str or None).
    """
    from minshi_geo.sheets.writer import region_rows

    rng = np.random.default_rng(seed)
    codes = [str(c) for c in regions.codes]
    speed = {code: float(np.clip(rng.normal(1.0, 0.08), 0.85, 1.15)) for code in codes}
    # Two slow regions and one ahead, chosen by the same generator.
    order = rng.permutation(len(codes))
    slow = [codes[i] for i in order[:2]]
    speed[slow[0]] = float(rng.uniform(0.45, 0.55))
    speed[slow[1]] = float(rng.uniform(0.65, 0.75))
    speed[codes[order[2]]] = float(rng.uniform(1.2, 1.35))

    periods = sorted(periods)
    rows: list[dict[str, Any]] = []
    for code in codes:
        for row in region_rows(allocation, plan, code):
            target = plan.target(row.target_id)
            factor = float(rng.lognormal(0.0, 0.18))
            note_pick = int(rng.integers(len(NOTE_LAGGING)))
            reached = 0.0
            for period in periods:
                due = pace(period, plan.start, target.deadline or plan.deadline)
                season = 0.75 if period.month <= 3 else 1.0
                reached = max(reached, min(1.0, due * speed[code] * factor * season))
                rows.append(
                    _values(row, target, code, period, reached, due, NOTE_LAGGING[note_pick])
                )
    frame = pd.DataFrame(
        rows, columns=["region_code", "target_id", "period_end", "completed", "status", "note"]
    )
    frame["completed"] = frame["completed"].astype(float)
    for col in ("status", "note"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _values(row, target, code, period, reached, due, lag_note) -> dict[str, Any]:
    completed: float | None = None
    status: str | None = None
    if row.reports_status:
        status = "未启动" if reached < 0.1 else "已完成" if reached >= 0.95 else "推进中"
    elif target.kind == "rate" and target.quantity:
        # The region's own percentage, rising from about half the province target.
        completed = round(float(target.quantity) * min(1.0, 0.5 + 0.5 * reached), 1)
    elif row.splittable:
        quantity = float(row.quantity)
        value = reached * quantity
        completed = float(round(value)) if quantity.is_integer() else round(value, 1)
    # Province-wide counts (linked outcomes) stay blank: the sample invents no region figure.
    note = None
    if status is not None or completed is not None:
        if reached >= 1.0:
            note = NOTE_DONE
        elif reached < 0.6 * due:
            note = lag_note
    return {"region_code": code, "target_id": row.target_id, "period_end": period,
            "completed": completed, "status": status, "note": note}  # fmt: skip


def write_sample_reports(
    allocation: Any,
    plan: Any,
    regions: Any,
    out_dir: str | Path,
    periods: Sequence[date] = SAMPLE_PERIODS,
    seed: int = SEED,
) -> list[Path]:
    """Write one filled 示例 sheet per region and period into ``out_dir``; return the paths
    (earliest period first, regions in region-set order). Written atomically as a set.

    Each region's task workbook is built once, in memory, and filled and saved for each period
    in turn (the cells a period fills are cleared before the next one is filled)."""
    from minshi_geo.sheets import layout
    from minshi_geo.sheets.writer import build_region_workbook, check_inputs

    check_inputs(allocation, plan, regions)
    values = sample_progress(allocation, plan, regions, periods, seed)
    out_dir = Path(out_dir)
    periods = sorted(periods)
    names: dict[tuple[date, str], str] = {}
    with atomic.atomic_dir(out_dir) as tmp:
        for code in [str(c) for c in regions.codes]:
            wb, _writer = build_region_workbook(allocation, plan, regions, code,
                                                created=plan.start)
            stem = layout.region_file_stem(plan.title, regions.name_of(code), True)
            mine = values[values["region_code"] == code]
            for period in periods:
                path = path_inside(tmp, f"{stem}-{period.isoformat()}.xlsx")
                _fill(wb, path, period, mine[mine["period_end"] == period])
                names[(period, code)] = path.name
    return [out_dir / names[(period, str(code))] for period in periods for code in regions.codes]


def _fill(wb, path: Path, period: date, values: pd.DataFrame) -> None:
    """Mark ``wb`` 示例, fill this period's values (clearing any earlier period's) and save."""
    from minshi_geo.sheets import layout

    ws = wb[layout.TASK_SHEET]
    cols = {
        layout.KEY_OF_HEADER[str(c.value)]: c.column
        for c in ws[layout.HEADING_ROW]
        if c.value is not None and str(c.value) in layout.KEY_OF_HEADER
    }
    _mark_sample(wb, ws, period)
    by_target = {str(r.target_id): r for r in values.itertuples(index=False)}
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        target_id = ws.cell(row=r, column=cols["target_id"]).value
        if target_id is None:
            continue
        cells = {key: ws.cell(row=r, column=cols[key]) for key in ("completed", "status", "note")}
        for cell in cells.values():  # blank again: nothing of an earlier period stays
            cell.value = None
        rec = by_target.get(str(target_id))
        if rec is None:
            continue
        if rec.completed is not None and not pd.isna(rec.completed):
            value = float(rec.completed)
            cells["completed"].value = int(value) if value.is_integer() else value
        if rec.status:
            cells["status"].value = rec.status
        if rec.note:
            cells["note"].value = rec.note
    wb.properties.created = datetime(period.year, period.month, period.day)
    buffer = io.BytesIO()
    wb.save(buffer)
    _write_stable_zip(buffer.getvalue(), path, period)


def _mark_sample(wb, ws, period: date) -> None:
    """示例 marks (title, 数据性质, page header, identity, document properties) and 本期截至日期."""
    from minshi_geo.sheets import book, layout

    title = ws.cell(row=layout.TITLE_ROW, column=1)
    if layout.SAMPLE_MARK not in str(title.value or ""):
        title.value = f"{title.value}（{layout.SAMPLE_MARK}）"
    banner = ws.cell(row=layout.header_row_of("data"), column=layout.HEADER_VALUE_COL)
    banner.value = SAMPLE_BANNER
    # the look of a 示例 task sheet's 数据性质 line and page header, not the official sheet's
    banner.font, banner.fill = copy(book.FONT_SAMPLE), copy(book.FILL_SAMPLE)
    ws.oddHeader.right.text = layout.SAMPLE_MARK
    ws.oddHeader.right.color = "C00000"
    ws.cell(
        row=layout.header_row_of("period_end"), column=layout.HEADER_VALUE_COL
    ).value = datetime(period.year, period.month, period.day)
    ident = wb[layout.IDENTITY_SHEET]
    for row in ident.iter_rows(min_col=1, max_col=2):
        if row[0].value == "sample":
            row[1].value = "true"
    props = wb.custom_doc_props
    key = layout.DOC_PROPERTY_PREFIX + "sample"
    props.props = [p for p in props.props if p.name != key]
    props.append(StringProperty(name=key, value="true"))


def _write_stable_zip(data: bytes, path: Path, period: date) -> None:
    """Re-pack the xlsx with fixed timestamps (same content → same bytes): the zip entries',
    and the document's "modified" time, which openpyxl sets to the moment of saving."""
    stamp = f"{period.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    content,
                )
            dst.writestr(fixed, content)
    path.write_bytes(out.getvalue())
