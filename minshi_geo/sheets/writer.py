"""Per-region task workbooks (任务分解表) and the whole sheet set.

Entry points
------------
- :func:`write_all_sheets` — one workbook per region plus the summary workbook (and CSV for
  every sheet with ``csv=True``), written as a set: into a temporary folder, then moved into
  ``out_dir``, so a failure leaves the previous files in place and no half-written workbook.
- :func:`write_region_sheets`, :func:`minshi_geo.sheets.summary.write_summary` — the two halves.
- :func:`region_rows` — the rows of one region's sheet as plain data (what the tests compare
  with the allocation, and what the reader's identity lists).

The layout (cells, headings, identity) is defined in :mod:`minshi_geo.sheets.layout`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from minshi_geo import atomic, gongwen
from minshi_geo.escape import excel_cell, path_inside
from minshi_geo.sheets import book, explanation, layout
from minshi_geo.sheets.inputs import SheetsError, SheetSet, check_inputs, is_sample  # noqa: F401
from minshi_geo.sheets.summary import save_summary

if TYPE_CHECKING:  # annotations only: nothing more is imported at run time
    from minshi_geo.allocation import Allocation
    from minshi_geo.catalogue import Plan
    from minshi_geo.regions import RegionSet

UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class RegionRow:
    """One row of a region's task sheet."""

    target_id: str
    sector: str
    item: str
    metric: str
    unit: str | None
    kind: str
    province_quantity: float | None
    quantity: float | int | str | None  # allocated quantity, or layout.PROVINCE_WIDE
    deadline: date | None
    lead: str | None

    @property
    def splittable(self) -> bool:
        return not isinstance(self.quantity, str)

    @property
    def reports_quantity(self) -> bool:
        return self.kind in layout.QUANTITY_KINDS

    @property
    def reports_status(self) -> bool:
        return self.kind in layout.STATUS_KINDS


NOT_CARRIED = "不承担"  # how a task of 0 reads on a region's sheet


def region_rows(allocation: Allocation, plan: Plan, region_code: str) -> list[RegionRow]:
    """The rows of one region's task sheet, in catalogue order.

    Splittable targets appear when the allocation gives the region a row (an ineligible region
    has none); non-splittable targets (rates, standards, milestones, linked outcomes), and a
    splittable target the scenario left unsplit, appear for every region with 本地区任务 =
    全省统一.
    """
    table = allocation.table
    split_here = set(table["target_id"])
    mine = table[table["region_code"] == str(region_code)]
    allocated = dict(zip(mine["target_id"], mine["quantity"], strict=True))
    rows: list[RegionRow] = []
    for target in plan.targets:
        if target.splittable and target.id in split_here:
            if target.id not in allocated:
                continue  # the region is not eligible for this target
            quantity: Any = book.number_value(allocated[target.id])
        else:
            quantity = layout.PROVINCE_WIDE
        item = plan.item(target.item)
        rows.append(
            RegionRow(
                target_id=target.id,
                sector=target.sector,
                item=item.short,
                metric=target.metric,
                unit=target.unit,
                kind=target.kind,
                province_quantity=book.number_value(target.quantity),
                quantity=quantity,
                deadline=target.deadline,
                lead=target.lead,
            )
        )
    return rows


def build_region_workbook(
    allocation: Allocation, plan: Plan, regions: RegionSet, region_code: str, *,
    created: date | None = None
) -> tuple[Workbook, book.SheetWriter]:
    """One region's task workbook (not saved), laid out as a 公文 attachment: 附件 line, title,
    issuing office and date, header block, reporting block, sector heading rows and the target
    rows, identity and protection (see :mod:`minshi_geo.sheets.layout`)."""
    meta = allocation.meta
    sample = is_sample(meta)
    created = created or date.today()
    region_name = regions.name_of(region_code)
    rows = region_rows(allocation, plan, region_code)
    columns = layout.task_columns()
    col = {c.key: i + 1 for i, c in enumerate(columns)}

    wb = Workbook()
    ws = wb.active
    ws.title = layout.TASK_SHEET
    w = book.SheetWriter(ws)
    title = layout.workbook_title(plan.title, region_name)
    if sample:
        title += f"（{layout.SAMPLE_MARK}）"
    _title_block(w, plan, title, created, len(columns))
    validations = _validations(ws, plan)
    _header_fields(w, plan, meta, region_code, region_name, created, sample, len(columns),
                   validations["period_end"])
    _sign_row(w, col, layout.SIGN_ROW, layout.SIGN_TOP, {"填报单位（盖章）：": region_name},
              validations["period_end"])
    for c in columns:
        w.put(layout.HEADING_ROW, col[c.key], c.header, font=book.FONT_BOLD,
              fill=book.FILL_HEADING, align=book.CENTER)
    ws.row_dimensions[layout.HEADING_ROW].height = 30
    last_row, data_rows = _data_rows(w, plan, rows, col, validations)
    _sign_row(w, col, last_row + 2, layout.SIGN_BOTTOM, {}, None)
    _furniture(w, columns, col, last_row, title, sample)
    explanation.add_region_sheet(wb, allocation, region_code, title, sample)  # 测算说明
    _write_identity(wb, plan, meta, region_code, region_name, [x.target_id for x in rows],
                    sample, data_rows)
    return wb, w


def _title_block(w: book.SheetWriter, plan, title: str, created: date, last_col: int) -> None:
    """附件 line (黑体), centred title (小标宋), issuing office and date."""
    ws = w.ws
    w.put(layout.ATTACHMENT_ROW, 1, gongwen.attachment_line(1), font=book.FONT_ATTACHMENT,
          border=False, measure=False, span=3)
    w.put(layout.TITLE_ROW, 1, title, font=book.FONT_DOC_TITLE, border=False, measure=False,
          align=book.TITLE_ALIGN, span=last_col)
    ws.row_dimensions[layout.TITLE_ROW].height = 34
    w.put(layout.ISSUER_ROW, 1, f"{gongwen.issuing_office(plan)}　　{gongwen.date_text(created)}",
          border=False, measure=False, align=book.CENTER, span=last_col)
    ws.row_dimensions[layout.ISSUER_ROW].height = 22


def _header_fields(w: book.SheetWriter, plan, meta, region_code, region_name: str,
                   created: date, sample: bool, last_col: int, dv_date) -> None:
    """The label/value block; rows a planner need not read are hidden (the reader reads them)."""
    ws = w.ws
    values: dict[str, Any] = {
        "plan": plan.official_title or plan.title,
        "region": region_name,
        "region_code": str(region_code),
        "scenario": book.scenario_text(meta),
        "created": book.date_text(created),
        "data": layout.SAMPLE_NOTE if sample else layout.DATA_OFFICIAL,
        "identity": layout.identity_text(plan.id, str(region_code),
                                         str(meta.get("scenario_sha256") or "")),
    }
    value_end = max(layout.HEADER_VALUE_COL, last_col)
    for key, label in layout.HEADER_FIELDS:
        r = layout.header_row_of(key)
        w.put(r, layout.HEADER_LABEL_COL, label, font=book.FONT_BOLD, border=False,
              measure=False, span=layout.HEADER_VALUE_COL - 1)
        if key in layout.HIDDEN_HEADER_KEYS or (key == "data" and not sample):
            ws.row_dimensions[r].hidden = True
        if key == "period_end":
            cell = w.put(r, layout.HEADER_VALUE_COL, None, fill=book.FILL_INPUT,
                         fmt=book.DATE_FORMAT, measure=False)
            cell.protection = UNLOCKED
            dv_date.add(cell)
            w.put(r, layout.HEADER_VALUE_COL + 1,
                  "（填报：本期数据截至日期；各行“截至日期”留空时取此日期）",
                  font=book.FONT_NOTE, border=False, measure=False)
            continue
        marked = key == "data" and sample
        w.put(r, layout.HEADER_VALUE_COL, values[key],
              font=book.FONT_SAMPLE if marked else
              (book.FONT_NOTE if key == "identity" else book.FONT),
              fill=book.FILL_SAMPLE if marked else None, border=False, measure=False,
              align=book.WRAP, span=value_end)


def _sign_row(w: book.SheetWriter, col: dict[str, int], r: int, fields, prefilled: dict,
              dv_date) -> None:
    """One row of the reporting block: right-aligned labels, fillable underlined cells."""
    for label, start, value_start, value_end in fields:
        w.put(r, col[start], label, font=book.FONT_BOLD, border=False, measure=False,
              align=book.RIGHT, span=col[value_start] - 1)
        is_date = label.startswith("填报日期")
        cell = w.put(r, col[value_start], prefilled.get(label), fill=book.FILL_INPUT,
                     border=False, measure=False, fmt=book.DATE_FORMAT if is_date else None,
                     align=book.CENTER, span=col[value_end])
        for c in range(col[value_start], col[value_end] + 1):
            w.ws.cell(row=r, column=c).border = book.UNDERLINE
        cell.protection = UNLOCKED
        if is_date and dv_date is not None:
            dv_date.add(cell)
    w.ws.row_dimensions[r].height = 24


def _validations(ws, plan) -> dict[str, DataValidation]:
    """The data validations of the reporting cells, added to the sheet."""
    dv_number = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="累计完成",
        error="请填写不小于0的数字（单位见“单位”列）。", showInputMessage=True,
        promptTitle="累计完成", prompt="填写截至日期的累计完成数（单位见“单位”列）。",
    )
    start = book.excel_date_serial(plan.start)
    end = book.excel_date_serial(date(plan.deadline.year + 1, 12, 31))
    dv_date = DataValidation(
        type="date", operator="between", formula1=str(start), formula2=str(end),
        allow_blank=True, showErrorMessage=True, errorStyle="stop", errorTitle="截至日期",
        error=f"请填写{plan.start.year}年以后的日期，如 {plan.start.year}-06-30。",
    )
    dv_status = DataValidation(
        type="list", formula1='"' + ",".join(layout.STATUS_CHOICES) + '"', allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="进展状态",
        error="请从列表中选择：" + "、".join(layout.STATUS_CHOICES),
    )
    for dv in (dv_number, dv_date, dv_status):
        ws.add_data_validation(dv)
    return {"period_end": dv_date, "completed": dv_number, "status": dv_status}


def _data_rows(w: book.SheetWriter, plan, rows: list[RegionRow], col: dict[str, int],
               validations: dict) -> tuple[int, list[int]]:
    """Sector heading rows and one row per target; returns the last row and each target's row."""
    sectors = {s.name: s for s in plan.sectors}
    last_col = len(col)
    r = layout.HEADING_ROW
    sector = None
    target_rows: list[int] = []
    for i, row in enumerate(rows, start=1):
        if row.sector != sector:
            sector = row.sector
            r += 1
            known = sectors.get(sector)
            text = gongwen.sector_heading(known.number, sector) if known else str(sector)
            w.put(r, 1, text, font=book.FONT_SECTOR, fill=book.FILL_SECTOR, align=book.LEFT,
                  measure=False, span=last_col)
            for c in range(2, last_col + 1):
                w.put(r, c, None, fill=book.FILL_SECTOR, measure=False)
            w.ws.row_dimensions[r].height = 20
        r += 1
        target_rows.append(r)
        _target_row(w, r, i, row, col, validations)
    return max(r, layout.HEADING_ROW), target_rows


def _target_row(w: book.SheetWriter, r: int, i: int, row: RegionRow, col: dict[str, int],
                validations: dict) -> None:
    fmt = book.number_format(row.unit, row.province_quantity)
    w.put(r, col["seq"], i, align=book.CENTER)
    w.put(r, col["target_id"], row.target_id, align=book.CENTER)
    w.put(r, col["item"], row.item, align=book.WRAP)
    w.put(r, col["metric"], row.metric, align=book.WRAP)
    w.put(r, col["unit"], row.unit, align=book.CENTER)
    w.put(r, col["province_quantity"], row.province_quantity, fmt=fmt, align=book.RIGHT)
    if row.splittable:
        q_fmt = book.number_format(row.unit, row.quantity)
        if row.quantity == 0:
            # 0 of a split target: the row stays (the region may still report, and the
            # sheet lists every target the allocation gave it) but reads 不承担 — the
            # cell keeps the number 0 so sums and the reader see the allocation as is.
            q_fmt = f'{q_fmt};-{q_fmt};"{NOT_CARRIED}"'
        w.put(r, col["quantity"], row.quantity, fmt=q_fmt, align=book.RIGHT)
        p = f"{get_column_letter(col['province_quantity'])}{r}"
        q = f"{get_column_letter(col['quantity'])}{r}"
        share = row.quantity / row.province_quantity if row.province_quantity else None
        w.formula(r, col["share"], f'=IF(N({p})>0,{q}/{p},"")', share,
                  fmt=book.RATIO_FORMAT, align=book.RIGHT)
    else:
        w.put(r, col["quantity"], row.quantity, align=book.CENTER)
        w.put(r, col["share"], None)
    w.put(r, col["deadline"], row.deadline, fmt=book.DATE_FORMAT, align=book.CENTER)
    # 牵头单位 from the catalogue; blank and fillable where it names none. 责任单位: fillable.
    for key, value in (("lead", row.lead), ("responsible", None)):
        cell = w.put(r, col[key], value, align=book.WRAP,
                     fill=None if value else book.FILL_INPUT, measure=bool(value))
        if not value:
            cell.protection = UNLOCKED
    for key in layout.REPORTING_KEYS:
        open_ = (
            key in ("period_end", "note")
            or (key == "completed" and row.reports_quantity)
            or (key == "status" and row.reports_status)
        )
        cell = w.put(r, col[key], None, fill=book.FILL_INPUT if open_ else book.FILL_TOTAL,
                     measure=False,
                     fmt=(book.DATE_FORMAT if key == "period_end"
                          else fmt if key == "completed" else None),
                     align=book.WRAP if key == "note" else book.RIGHT)
        if open_:
            cell.protection = UNLOCKED
            validation = validations.get(key)
            if validation is not None:
                validation.add(cell)


def _furniture(w: book.SheetWriter, columns, col: dict[str, int], last_row: int, title: str,
               sample: bool) -> None:
    """Widths, freeze panes, filter, print setup and sheet protection."""
    ws = w.ws
    w.fit_columns(minimum={i + 1: c.width for i, c in enumerate(columns)},
                  maximum={i + 1: c.wrap or book.MAX_WIDTH for i, c in enumerate(columns)})
    # the row below the headings is a merged sector heading: freeze by coordinate
    ws.freeze_panes = f"{get_column_letter(col['metric'])}{layout.SECTOR_ROW}"
    ws.auto_filter.ref = f"A{layout.HEADING_ROW}:{get_column_letter(len(columns))}{last_row}"
    book.print_setup(ws, title, f"{layout.HEADING_ROW}:{layout.HEADING_ROW}", sample)
    ws.protection.sheet = True
    if layout.PROTECTION_PASSWORD:
        ws.protection.password = layout.PROTECTION_PASSWORD
    # allowed on the protected sheet: filtering, resizing rows/columns, selecting cells
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _write_identity(wb: Workbook, plan, meta, region_code, region_name, target_ids, sample,
                    target_rows: list[int]):
    ws = wb.create_sheet(layout.IDENTITY_SHEET)
    values = {
        "format": layout.IDENTITY_FORMAT,
        "layout_version": layout.LAYOUT_VERSION,
        "plan_id": plan.id,
        "plan_title": plan.title,
        "scenario": meta.get("scenario"),
        "scenario_sha256": meta.get("scenario_sha256"),
        "catalogue_sha256": plan.sha256,
        "region_set": meta.get("region_set"),
        "region_code": str(region_code),
        "region_name": region_name,
        "sample": "true" if sample else "false",
        "created_at": meta.get("created_at"),
        "heading_row": layout.HEADING_ROW,
    }
    r = 0
    for r, key in enumerate(layout.IDENTITY_KEYS, start=1):
        ws.cell(row=r, column=1, value=key)
        v = values[key]
        ws.cell(row=r, column=2, value=v if v is None or isinstance(v, int) else excel_cell(str(v)))
    for i, (tid, row) in enumerate(zip(target_ids, target_rows, strict=True), start=1):
        ws.cell(row=r + i, column=1, value=layout.IDENTITY_TARGET_KEY)
        ws.cell(row=r + i, column=2, value=excel_cell(str(tid)))
        ws.cell(row=r + i, column=3, value=row)
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
    for key in layout.DOC_PROPERTY_KEYS:
        v = values[key]
        if v:
            wb.custom_doc_props.append(
                StringProperty(name=layout.DOC_PROPERTY_PREFIX + key, value=str(v))
            )


def _save_region_sheets(
    allocation: Allocation, plan: Plan, regions: RegionSet, folder: Path, csv: bool,
    created: date | None, result: SheetSet,
) -> None:
    sample = is_sample(allocation.meta)
    seen: dict[str, str] = {}
    for code in [str(c) for c in regions.codes]:
        name = regions.unique_name(code)  # 济南市市中区 / 枣庄市市中区: two files, not a clash
        stem = layout.region_file_stem(plan.title, name, sample)
        try:
            path = path_inside(folder, stem + ".xlsx")
        except ValueError as exc:
            raise SheetsError(f"region {code}: name {name!r} gives no usable file name") from exc
        if path.name in seen:
            raise SheetsError(
                f"regions {seen[path.name]} and {code} give the same file name {path.name!r}",
                hint="region names must differ after removing characters Windows forbids",
            )
        seen[path.name] = code
        wb, w = build_region_workbook(allocation, plan, regions, code, created=created)
        wb.save(path)
        result.regions[code] = path
        if csv:
            csv_path = path_inside(folder / "csv", stem + ".csv")
            csv_path.parent.mkdir(parents=True, exist_ok=True)
            book.write_csv(csv_path, w.values())
            result.csv.append(csv_path)


def _move(result: SheetSet, tmp: Path, out_dir: Path) -> SheetSet:
    """Paths inside the temp folder → their final place."""
    def final(p: Path) -> Path:
        return out_dir / p.relative_to(tmp)

    return SheetSet(
        regions={c: final(p) for c, p in result.regions.items()},
        summary=final(result.summary) if result.summary else None,
        csv=[final(p) for p in result.csv],
    )


def write_region_sheets(
    allocation: Allocation, plan: Plan, regions: RegionSet, out_dir: str | Path, *,
    csv: bool = False, created: date | None = None,
) -> SheetSet:
    """One task workbook per region into ``out_dir`` (atomically, as a set)."""
    check_inputs(allocation, plan, regions)
    out_dir = Path(out_dir)
    result = SheetSet()
    with atomic.atomic_dir(out_dir) as tmp:
        _save_region_sheets(allocation, plan, regions, tmp, csv, created, result)
        moved = _move(result, tmp, out_dir)
    return moved


def write_all_sheets(allocation: Allocation, plan: Plan, regions: RegionSet, out_dir: str | Path, *,
                     csv: bool = False, created: date | None = None) -> SheetSet:
    """Every region's task workbook and the summary workbook (CSV too with ``csv=True``).

    Written as a set into a temporary folder next to ``out_dir``, then moved in: a failure
    anywhere leaves the previous files untouched and no half-written workbook.
    """

    check_inputs(allocation, plan, regions)
    out_dir = Path(out_dir)
    result = SheetSet()
    with atomic.atomic_dir(out_dir) as tmp:
        _save_region_sheets(allocation, plan, regions, tmp, csv, created, result)
        save_summary(allocation, plan, regions, tmp, csv=csv, created=created, result=result)
        moved = _move(result, tmp, out_dir)
    return moved


__all__: Sequence[str] = (
    "RegionRow",
    "SheetSet",
    "SheetsError",
    "build_region_workbook",
    "check_inputs",
    "region_rows",
    "write_all_sheets",
    "write_region_sheets",
)
