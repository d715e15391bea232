"""Reading returned task sheets: the round trip writer → region fills in → read_report.

The filled-in copies are real workbooks edited with openpyxl (and CSV files written as Excel
would), made from the sheets of the real Jilin 2023 baseline allocation.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from test_sheets import fill_region, heading_columns, jilin_inputs, target_rows, written

from minshi_geo.errors import MinshiError
from minshi_geo.sheets import layout
from minshi_geo.sheets.reader import (
    LINE_COLUMNS,
    ReportError,
    parse_completed,
    parse_date,
    parse_status,
    read_report,
)
from minshi_geo.sheets.writer import region_rows


@pytest.fixture(scope="module")
def changchun(tmp_path_factory) -> Path:
    return written(tmp_path_factory).regions["220100"]


def test_a_filled_in_sheet_reads_back_as_report_lines(changchun, tmp_path):
    allocation, plan, regions = jilin_inputs()
    filled = fill_region(changchun, tmp_path / "长春市.xlsx", {
        "1.1": {"累计完成": 12345},
        "2.1": {"进展状态": "推进中", "备注": "已追回欠薪 3200 万元"},
        "4.1": {"累计完成": "１２", "截至日期": "2023年5月31日"},
        "11.1": {"累计完成": "85%"},
    }, period_end=date(2023, 6, 30))
    report = read_report(filled)
    assert report.identity.plan_id == "jilin-2023"
    assert report.identity.region_code == "220100"
    assert report.identity.scenario_sha256 == allocation.meta["scenario_sha256"]
    assert report.identity.target_ids == tuple(r.target_id for r in
                                               region_rows(allocation, plan, "220100"))
    assert report.identity.source == "identity sheet"
    assert report.sample is False
    assert list(report.lines.columns) == LINE_COLUMNS
    lines = report.lines.set_index("target_id")
    assert list(lines.index) == ["1.1", "2.1", "4.1", "11.1"]
    assert lines.loc["1.1", "completed"] == 12345
    assert lines.loc["1.1", "period_end"] == date(2023, 6, 30)  # from 本期截至日期
    assert lines.loc["4.1", "completed"] == 12
    assert lines.loc["4.1", "period_end"] == date(2023, 5, 31)  # the row's own date wins
    assert lines.loc["11.1", "completed"] == 85
    assert math.isnan(lines.loc["2.1", "completed"])
    assert lines.loc["2.1", "status"] == "推进中"
    assert lines.loc["2.1", "note"] == "已追回欠薪 3200 万元"
    assert lines.loc["1.1", "status"] is None
    assert set(lines["region_code"]) == {"220100"}
    assert set(lines["sheet"]) == {layout.TASK_SHEET}
    rows = target_rows(load_workbook(changchun)[layout.TASK_SHEET])
    assert lines.loc["4.1", "row"] == rows["4.1"]
    assert report.period_end == date(2023, 6, 30)


def test_an_untouched_sheet_has_no_lines(changchun):
    report = read_report(changchun)
    assert report.lines.empty
    assert report.period_end is None
    assert report.identity.region_code == "220100"


def test_every_bad_cell_is_reported_and_the_whole_file_rejected(changchun, tmp_path):
    ws = load_workbook(changchun)[layout.TASK_SHEET]
    rows, cols = target_rows(ws), heading_columns(ws)
    filled = fill_region(changchun, tmp_path / "长春市.xlsx", {
        "1.1": {"累计完成": -5},
        "4.1": {"累计完成": "很多"},
        "2.1": {"进展状态": "差不多"},
        "4.2": {"累计完成": 3, "截至日期": "2023-02-30"},
    }, period_end=date(2023, 6, 30))
    with pytest.raises(ReportError) as info:
        read_report(filled)
    err = info.value
    assert isinstance(err, MinshiError)
    completed = f"column 累计完成 ({chr(64 + cols['累计完成'])})"
    assert str(err) == (
        f"长春市.xlsx sheet 任务分解表 row {rows['1.1']}, {completed}: "
        "expected a number ≥ 0 in 人, got '-5' (and 3 more problems in this file)"
    )
    assert len(err.problems) == 4
    assert any(f"row {rows['4.1']}, {completed}: expected a number ≥ 0 in 个, got '很多'" in p
               for p in err.problems)
    assert any("column 进展状态" in p and "未启动 / 推进中 / 已完成" in p and "'差不多'" in p
               for p in err.problems)
    assert any("column 截至日期" in p and "(no such day)" in p for p in err.problems)
    assert "nothing from this file was imported" in err.hint


def test_a_value_without_any_date_is_an_error_naming_the_date_column(changchun, tmp_path):
    filled = fill_region(changchun, tmp_path / "x.xlsx", {"1.1": {"累计完成": 10}})
    with pytest.raises(ReportError, match=r"column 截至日期 \(L\): expected a date .* got nothing"):
        read_report(filled)


@pytest.mark.parametrize("typed, unit, value", [
    (123, "座", 123.0),
    (12.5, "公里", 12.5),
    ("123", "座", 123.0),
    ("１２３", "座", 123.0),            # full-width digits
    ("1,234", "人", 1234.0),           # thousands separator
    ("１，２３４", "人", 1234.0),       # full-width comma
    ("1.2万", "人", 12000.0),
    ("1.2万人", "人", 12000.0),
    ("0.5亿", "元", 50_000_000.0),
    ("12公里", "公里", 12.0),            # trailing unit of the row
    ("3 000", "户", 3000.0),            # a space as separator
    ("16000人次", "人次", 16000.0),
    ("85%", "%", 85.0),
    ("８５％", "%", 85.0),
    (" 7 ", "个", 7.0),
    ("", "个", None),
    (None, "个", None),
    (0, "个", 0.0),
    ("1.2万元", "万元", 1.2),           # a unit that is itself 万…
    ("1.2万", "万元", 1.2),             # … with its 元 left off: 1.2 万元, not 12000 万元
    ("3亿", "万元", 30000.0),           # 3亿元 = 30000 万元
    ("2.5万", "万人", 2.5),
])  # fmt: skip
def test_completed_values_typed_the_ways_regions_type_them(typed, unit, value):
    assert parse_completed(typed, unit) == value


@pytest.mark.parametrize("typed, unit, got", [
    (-5, "个", "'-5'"),
    ("-5", "个", "'-5'"),
    ("很多", "个", "'很多'"),
    ("12座", "公里", "'12座'"),        # another unit: not guessed away
    ("1,2", "个", "'1,2'"),            # a decimal comma is ambiguous
    (True, "个", "'True'"),
    ("=A1+1", "个", "'=A1+1'"),
])  # fmt: skip
def test_negative_or_non_numeric_completed_values_are_refused(typed, unit, got):
    with pytest.raises(ValueError, match=re.escape(f"expected a number ≥ 0 in {unit}, got {got}")):
        parse_completed(typed, unit)


@pytest.mark.parametrize("typed", [
    "2023-06-30", "2023/6/30", "2023.6.30", "2023年6月30日", "２０２３年６月３０日", "20230630",
    "2023-06-30 00:00:00", 45107, 45107.0, "45107", date(2023, 6, 30), datetime(2023, 6, 30),
])  # fmt: skip
def test_period_end_typed_as_date_text_or_excel_serial(typed):
    assert parse_date(typed) == date(2023, 6, 30)


@pytest.mark.parametrize("typed", ["2023-02-30", "六月底", "30/6/2023", 12, 2023.5, "2023-6"])
def test_impossible_or_unreadable_dates_are_refused(typed):
    with pytest.raises(ValueError, match="expected a date such as 2023-06-30"):
        parse_date(typed)


def test_status_must_be_one_of_the_three_words():
    assert parse_status(" 已完成 ") == "已完成"
    assert parse_status(None) is None
    with pytest.raises(ValueError, match="expected one of 未启动 / 推进中 / 已完成, got '完成'"):
        parse_status("完成")


def test_csv_export_filled_in_reads_back_the_same(tmp_path_factory, tmp_path):
    allocation, plan, regions = jilin_inputs()
    sheet_set = written(tmp_path_factory, csv=True)
    src = next(p for p in sheet_set.csv if p.stem.endswith("-吉林市"))
    with src.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    heading = rows[layout.HEADING_ROW - 1]
    col = {h: i for i, h in enumerate(heading)}
    for row in rows[layout.HEADING_ROW:]:
        row.extend([""] * (len(heading) - len(row)))
        if row[col["指标编号"]] == "1.1":
            row[col["累计完成"]] = "8,800"
            row[col["截至日期"]] = "2023/6/30"
        if row[col["指标编号"]] == "2.1":
            row[col["进展状态"]] = "已完成"
            row[col["截至日期"]] = "2023-06-30"
    dest = tmp_path / "吉林市.csv"
    with dest.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    report = read_report(dest)
    assert report.identity.source == "header block"
    assert report.identity.region_code == "220200"
    assert report.identity.plan_id == "jilin-2023"
    assert report.identity.scenario_sha256 == allocation.meta["scenario_sha256"]
    assert report.identity.target_ids == tuple(r.target_id for r in
                                               region_rows(allocation, plan, "220200"))
    lines = report.lines.set_index("target_id")
    assert lines.loc["1.1", "completed"] == 8800
    assert lines.loc["2.1", "status"] == "已完成"
    assert set(lines["period_end"]) == {date(2023, 6, 30)}
    assert set(lines["sheet"].map(lambda s: s is None)) == {True}


def test_csv_saved_by_excel_in_gbk_is_read(tmp_path_factory, tmp_path):
    sheet_set = written(tmp_path_factory, csv=True)
    src = next(p for p in sheet_set.csv if p.stem.endswith("-吉林市"))
    text = src.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    lines = text.split("\n")
    heading = next(i for i, ln in enumerate(lines) if ln.startswith("序号,指标编号"))
    cols = lines[heading].split(",")
    for i in range(heading + 1, len(lines)):
        cells = next(csv.reader([lines[i]])) if lines[i] else []
        if len(cells) > 1 and cells[1] == "1.1":  # a sector heading row has one cell
            cells.extend([""] * (len(cols) - len(cells)))
            cells[cols.index("累计完成")] = "1.5万"
            cells[cols.index("截至日期")] = "2023年6月30日"
            lines[i] = ",".join(cells)
    dest = tmp_path / "gbk.csv"
    dest.write_bytes("\r\n".join(lines).encode("gb18030"))
    report = read_report(dest)
    assert report.lines.set_index("target_id").loc["1.1", "completed"] == 15000


def test_rows_pasted_into_a_fresh_workbook_are_matched_by_the_visible_header(changchun, tmp_path):
    # A region copies the sheet's cells into a new workbook: the hidden identity is lost.
    src = load_workbook(changchun)[layout.TASK_SHEET]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                ws.cell(c.row, c.column).value = c.value
    rows, cols = target_rows(src), heading_columns(src)
    ws.cell(rows["1.1"], cols["累计完成"]).value = 500
    ws.cell(rows["1.1"], cols["截至日期"]).value = datetime(2023, 7, 31)
    wb.save(tmp_path / "copy.xlsx")
    report = read_report(tmp_path / "copy.xlsx")
    assert report.identity.source == "header block"
    assert report.identity.region_code == "220100"
    assert len(report.lines) == 1
    assert report.lines.iloc[0]["target_id"] == "1.1"
    assert report.lines.iloc[0]["completed"] == 500
    assert report.lines.iloc[0]["period_end"] == date(2023, 7, 31)
    assert report.lines.iloc[0]["sheet"] == "Sheet1"


def test_a_sheet_without_any_identity_is_refused(changchun, tmp_path):
    src = load_workbook(changchun)[layout.TASK_SHEET]
    wb = Workbook()
    ws = wb.active
    for row in src.iter_rows(min_row=layout.HEADING_ROW):
        for c in row:
            ws.cell(c.row - layout.HEADING_ROW + 1, c.column).value = c.value
    wb.save(tmp_path / "bare.xlsx")
    with pytest.raises(ReportError, match="no identity"):
        read_report(tmp_path / "bare.xlsx")


def test_a_target_id_that_is_not_in_the_identity_is_refused(changchun, tmp_path):
    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    rows, cols = target_rows(ws), heading_columns(ws)
    ws.protection.sheet = False  # a region that unprotected the sheet and edited an id
    ws.cell(rows["1.1"], cols["指标编号"]).value = "99.9"
    wb.save(tmp_path / "edited.xlsx")
    with pytest.raises(ReportError, match=r"column 指标编号 \(B\): expected one of the sheet's "
                                          r"target ids, got '99.9'.*1 more problem"):
        read_report(tmp_path / "edited.xlsx")


def test_a_header_from_another_region_does_not_pass(changchun, tmp_path_factory, tmp_path):
    other = load_workbook(written(tmp_path_factory).regions["220200"])[layout.TASK_SHEET]
    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    r = layout.header_row_of("identity")
    ws.cell(r, layout.HEADER_VALUE_COL).value = other.cell(r, layout.HEADER_VALUE_COL).value
    wb.save(tmp_path / "mixed.xlsx")
    with pytest.raises(ReportError, match="does not match the sheet's hidden identity"):
        read_report(tmp_path / "mixed.xlsx")


def test_formulas_need_their_value_but_a_note_keeps_what_was_typed(changchun, tmp_path):
    filled = fill_region(changchun, tmp_path / "f.xlsx", {
        "1.1": {"累计完成": "=100+20", "截至日期": date(2023, 6, 30)},
        "2.1": {"备注": '=HYPERLINK("http://evil.example","点我")', "截至日期": date(2023, 6, 30)},
    })
    with pytest.raises(ReportError, match="got a formula whose result was not saved") as info:
        read_report(filled)
    assert len(info.value.problems) == 1  # the note is not a problem
    fill_region(changchun, tmp_path / "g.xlsx", {
        "2.1": {"备注": '=HYPERLINK("http://evil.example","点我")', "截至日期": date(2023, 6, 30)},
    })
    note = read_report(tmp_path / "g.xlsx").lines.set_index("target_id").loc["2.1", "note"]
    assert note == '=HYPERLINK("http://evil.example","点我")'  # plain text; escaped on output


def test_sample_sheets_read_back_as_sample(tmp_path_factory):
    report = read_report(written(tmp_path_factory, sample=True).regions["220100"])
    assert report.sample is True


def test_files_that_are_not_task_sheets_are_refused(tmp_path):
    junk = tmp_path / "长春市.xlsx"
    junk.write_bytes(b"not a zip file at all")
    with pytest.raises(ReportError, match=r"长春市\.xlsx: not an Excel workbook"):
        read_report(junk)
    old = tmp_path / "长春市.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ReportError, match="expected an .xlsx workbook or a .csv file"):
        read_report(old)
    wb = Workbook()
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(ReportError, match="no sheet '任务分解表'"):
        read_report(tmp_path / "other.xlsx")


@pytest.mark.parametrize("field, typed", [("region_code", "220200"), ("region", "吉林市")])
def test_a_header_retyped_for_another_region_is_refused(changchun, tmp_path, field, typed):
    # A 吉林市 clerk unprotects 长春市's sheet and types their own code / name over the header:
    # storing the figures for 长春市 (what the hidden identity says) would be wrong.
    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    ws.protection.sheet = False
    ws.cell(layout.header_row_of(field), layout.HEADER_VALUE_COL).value = typed
    rows, cols = target_rows(ws), heading_columns(ws)
    ws.cell(rows["1.1"], cols["累计完成"]).value = 500
    ws.cell(rows["1.1"], cols["截至日期"]).value = date(2023, 6, 30)
    wb.save(tmp_path / "retyped.xlsx")
    label = layout.HEADER_LABELS[field]
    row = layout.header_row_of(field)
    with pytest.raises(ReportError, match=rf"retyped.xlsx sheet 任务分解表 row {row}, field "
                                          rf"{label} \(D\): expected .* got '{typed}'"):
        read_report(tmp_path / "retyped.xlsx")


def test_a_copied_header_must_name_the_same_region_as_its_identity_line(changchun, tmp_path):
    src = load_workbook(changchun)[layout.TASK_SHEET]
    wb = Workbook()
    ws = wb.active
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                ws.cell(c.row, c.column).value = c.value
    ws.cell(layout.header_row_of("region_code"), layout.HEADER_VALUE_COL).value = 220200
    wb.save(tmp_path / "copy.xlsx")
    with pytest.raises(ReportError, match=r"field 单位代码 \(D\): expected '220100'"):
        read_report(tmp_path / "copy.xlsx")


# ---------------------------------------------------------------------- in Chinese (issue #15)
def test_structural_problems_read_in_chinese_naming_file_sheet_row_and_column(
        changchun, tmp_path_factory, tmp_path, monkeypatch):
    """Planners read the reader's messages in Chinese by default; each still names the file,
    the sheet, the row and the column (or header field)."""
    monkeypatch.setenv("MINSHI_LANG", "zh")
    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    rows, cols = target_rows(ws), heading_columns(ws)
    ws.protection.sheet = False
    ws.cell(rows["1.1"], cols["指标编号"]).value = "99.9"
    wb.save(tmp_path / "edited.xlsx")
    with pytest.raises(ReportError) as caught:
        read_report(tmp_path / "edited.xlsx")
    assert caught.value.problems[0] == (
        f"edited.xlsx「任务分解表」表 第{rows['1.1']}行 指标编号列（B）：应为本表的指标编号之一，"
        "实际为 '99.9'")
    assert caught.value.problems[1] == (
        "edited.xlsx「任务分解表」表：缺少指标 1.1 的行（任务分解表不能删除行）")
    assert str(caught.value).endswith("（本文件另有 1 个问题）")
    assert caught.value.hint == "请修改所列单元格后重新报送；本文件的数据均未导入"

    other = load_workbook(written(tmp_path_factory).regions["220200"])[layout.TASK_SHEET]
    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    r = layout.header_row_of("identity")
    ws.cell(r, layout.HEADER_VALUE_COL).value = other.cell(r, layout.HEADER_VALUE_COL).value
    wb.save(tmp_path / "mixed.xlsx")
    with pytest.raises(ReportError, match=r"^mixed\.xlsx「任务分解表」表：表格标识 \S+ 与本表隐藏的"
                                          r"标识 \S+ 不一致$") as caught:
        read_report(tmp_path / "mixed.xlsx")
    assert caught.value.hint.startswith("表头是从其他地区的表粘贴来的")

    wb = load_workbook(changchun)
    ws = wb[layout.TASK_SHEET]
    r = layout.header_row_of("region_code")
    ws.protection.sheet = False
    ws.cell(r, layout.HEADER_VALUE_COL).value = "220200"
    wb.save(tmp_path / "code.xlsx")
    with pytest.raises(ReportError, match=rf"^code\.xlsx「任务分解表」表 第{r}行 \S+栏（"
                                          r"[A-Z]+列）：应为本表标识中的 '220100'，实际为 '220200'$"):
        read_report(tmp_path / "code.xlsx")

    (tmp_path / "old.xls").write_bytes(changchun.read_bytes())
    with pytest.raises(ReportError, match=r"^old\.xls：应为 \.xlsx 工作簿或 \.csv 文件，实际为 \.xls$"):
        read_report(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip" * 20)
    with pytest.raises(ReportError, match=r"^broken\.xlsx：不是可读取的 Excel 工作簿（\.xlsx）"):
        read_report(tmp_path / "broken.xlsx")
    (tmp_path / "cols.csv").write_text("地区,指标编号,完成数\n长春市,29.2,12\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"^cols\.csv：没有含 指标编号 和 累计完成 的表头行$"):
        read_report(tmp_path / "cols.csv")
