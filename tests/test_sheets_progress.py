"""Progress workbooks (通报) from the status table, end to end on real parts:

task sheets of the Jilin baseline → filled in by regions (openpyxl) → read_report → the status
maths of minshi_geo.progress.status → write_progress_sheets → read back with openpyxl (and
converted to PDF by LibreOffice).
"""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_sheets import fill_region, jilin_inputs, written
from test_sheets_libreoffice import convert, soffice  # noqa: F401  (soffice is a fixture)

from minshi_geo import lights
from minshi_geo.progress import status as st
from minshi_geo.progress.status import status_from_values
from minshi_geo.sheets import layout
from minshi_geo.sheets.progress import (
    DETAIL_SHEET,
    LAGGING_SHEET,
    MATRIX_SHEET,
    OVERVIEW_SHEET,
    PROGRESS_SAMPLE_NOTE,
    REGION_SHEET,
    STATE_FILLS,
    write_progress_sheets,
)
from minshi_geo.sheets.reader import read_report
from minshi_geo.sheets.writer import SheetsError

JUNE = date(2023, 6, 30)
MARCH = date(2023, 3, 31)


def _reported(tmp_path, tmp_path_factory, sample: bool = False) -> pd.DataFrame:
    """Two regions report for March and June; values shaped like ProgressStore.current_values."""
    allocation, plan, regions = jilin_inputs()
    sheets = written(tmp_path_factory)
    table = allocation.table.set_index(["target_id", "region_code"])["quantity"]

    def q(tid, code):
        return int(table.loc[(tid, code)])

    reports = [
        fill_region(sheets.regions["220100"], tmp_path / "cc-3.xlsx", {
            "1.1": {"累计完成": q("1.1", "220100") // 10},
        }, period_end=MARCH),
        fill_region(sheets.regions["220100"], tmp_path / "cc-6.xlsx", {
            "1.1": {"累计完成": q("1.1", "220100")},                 # done
            "4.1": {"累计完成": 0},                                  # far behind: red
            "2.1": {"进展状态": "推进中", "备注": '=HYPERLINK("http://evil")'},
        }, period_end=JUNE),
        fill_region(sheets.regions["220200"], tmp_path / "jl-6.xlsx", {
            "1.1": {"累计完成": round(q("1.1", "220200") * 0.45)},  # ~5 points behind: green
            "4.1": {"累计完成": round(q("4.1", "220200") * 0.3)},   # ~20 points behind: yellow
        }, period_end=JUNE),
    ]
    frames = []
    for path in reports:
        report = read_report(path)
        lines = report.lines.copy()
        lines["region_name"] = regions.name_of(report.region_code)
        lines["sample"] = sample
        frames.append(lines)
    values = pd.concat(frames, ignore_index=True)
    return status_from_values(values, allocation, plan)


@pytest.fixture(scope="module")
def status(tmp_path_factory) -> pd.DataFrame:
    return _reported(tmp_path_factory.mktemp("reports"), tmp_path_factory)


def test_progress_workbooks_per_region_and_summary_for_the_latest_period(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta,
                                   created=date(2023, 7, 5))
    assert set(result.regions) == set(regions.codes)  # every region has allocated targets
    assert result.regions["220100"].name == "2023年吉林省民生实事进度通报-长春市-2023-06-30.xlsx"
    assert result.summary.name == "2023年吉林省民生实事进度通报汇总-2023-06-30.xlsx"
    ws = load_workbook(result.regions["220100"])[REGION_SHEET]
    assert ws.cell(1, 1).value == "2023年吉林省民生实事进度通报——长春市（截至2023年6月30日）"
    heading = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    cols = {ws.cell(heading, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {ws.cell(r, cols["指标编号"]).value: r for r in range(heading + 1, ws.max_row + 1)}
    mine = status[(status.period_end == JUNE) & (status.region_code == "220100")]
    assert list(rows) == list(mine["target_id"])
    expect = mine.set_index("target_id")
    assert ws.cell(rows["1.1"], cols["状态"]).value == "已完成"
    assert ws.cell(rows["4.1"], cols["状态"]).value == "严重滞后"
    # 推进中 is not judged against 序时进度: 不适用, and no 序时进度 beside it
    assert ws.cell(rows["2.1"], cols["状态"]).value == "不适用"
    assert ws.cell(rows["2.1"], cols["序时进度"]).value is None
    assert ws.cell(rows["2.1"], cols["进展状态"]).value == "推进中"
    assert ws.cell(rows["2.1"], cols["备注"]).value == "'" + '=HYPERLINK("http://evil")'
    assert ws.cell(rows["2.1"], cols["本地区任务"]).value == layout.PROVINCE_WIDE
    assert ws.cell(rows["1.1"], cols["累计完成"]).value == expect.loc["1.1", "completed"]
    assert ws.cell(rows["1.1"], cols["完成率"]).value == pytest.approx(1.0)
    assert ws.cell(rows["1.1"], cols["序时进度"]).value == pytest.approx(expect.loc["1.1", "pace"])
    assert ws.cell(rows["1.1"], cols["差距（百分点）"]).number_format.startswith("+0.0;-0.0")
    # lights coloured by conditional formatting on the 状态 text
    rules = [(str(rng.sqref), rule) for rng in ws.conditional_formatting for rule in rng.rules]
    formulas = {rule.formula[0] for _ref, rule in rules}
    assert formulas == {f'"{s.word}"' for s in lights.STATES}
    # the rule is stated in words in the header block
    assert any(ws.cell(r, 4).value == lights.rule_text() for r in range(2, heading))
    letter = chr(64 + cols["状态"])
    assert all(ref.startswith(f"{letter}{heading + 1}:") for ref, _r in rules)
    # no formula of any kind in a progress sheet: the note stays text
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_summary_matrix_fills_each_cell_with_its_light(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta)
    wb = load_workbook(result.summary)
    assert wb.sheetnames == [OVERVIEW_SHEET, MATRIX_SHEET, DETAIL_SHEET, LAGGING_SHEET]
    ws = wb[MATRIX_SHEET]
    heading = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    cols = {ws.cell(heading, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {ws.cell(r, 2).value: r for r in range(heading + 1, ws.max_row + 1)
            if ws.cell(r, 2).value}
    june = status[status.period_end == JUNE].set_index(["target_id", "region_code"])
    for (tid, code), key in [(("1.1", "220100"), "done"), (("4.1", "220100"), "far_behind"),
                             (("1.1", "220200"), "on_track"), (("4.1", "220200"), "behind"),
                             (("1.1", "220300"), "missing")]:
        assert june.loc[(tid, code), "state"] == key
        cell = ws.cell(rows[tid], cols[regions.name_of(code)])
        assert cell.fill.fgColor.rgb.endswith(STATE_FILLS[key].fgColor.rgb[-6:]), (tid, code)
        assert cell.fill.fgColor.rgb[-6:] == lights.colour(key)[1:].upper()
    # 全省: the province total against the province target, in the province's colour
    province = st.province_rollup(status[status.period_end == JUNE]).set_index("target_id")
    cell = ws.cell(rows["1.1"], cols["全省"])
    assert cell.value == pytest.approx(province.loc["1.1", "rate"])
    assert cell.fill.fgColor.rgb[-6:] == lights.colour(province.loc["1.1", "state"])[1:].upper()
    # 滞后事项: one row per target (grouped under sector headings), naming its regions
    lag = wb[LAGGING_SHEET]
    lag_heading = next(r for r in range(1, 20) if lag.cell(r, 1).value == "序号")
    lag_cols = {lag.cell(lag_heading, c).value: c for c in range(1, lag.max_column + 1)}
    listed = {lag.cell(r, lag_cols["指标编号"]).value: r
              for r in range(lag_heading + 1, lag.max_row + 1)
              if lag.cell(r, lag_cols["指标编号"]).value}
    r41 = listed["4.1"]
    assert lag.cell(r41, lag_cols["严重滞后地区（落后百分点）"]).value.startswith("长春市（")
    assert lag.cell(r41, lag_cols["滞后地区（落后百分点）"]).value.startswith("吉林市（")
    assert "1.1" not in listed  # 长春 done, 吉林 on track
    headings = [lag.cell(r, 1).value for r in range(lag_heading + 1, lag.max_row + 1)]
    assert "二、社会保障方面" in headings  # 4.1 养老服务中心 is in 社会保障
    detail = wb[DETAIL_SHEET]
    assert detail.max_row - next(r for r in range(1, 20) if detail.cell(r, 1).value == "序号") == (
        (status.period_end == JUNE).sum()
    )


def test_an_earlier_period_can_be_written(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta,
                                   period_end=MARCH)
    assert result.summary.name.endswith("-2023-03-31.xlsx")
    with pytest.raises(SheetsError, match="has no period 2023-05-31"):
        write_progress_sheets(status, plan, regions, tmp_path, allocation.meta,
                              period_end=date(2023, 5, 31))


def test_sample_progress_is_marked_in_names_and_sheets_with_the_given_banner(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    banner = "示例：进度数据为演示生成，不是各地报送的实际进度"
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta,
                                   sample=True, banner=banner, csv=True)
    for path in [*result.workbooks, *result.csv]:
        assert "-示例" in path.stem, path.name
    for path in result.workbooks:
        for ws in load_workbook(path).worksheets:
            assert "（示例）" in ws.cell(1, 1).value
            texts = [c.value for row in ws.iter_rows(max_row=12) for c in row]
            assert banner in texts
            assert ws.oddHeader.right.text == "示例"
    for path in result.csv:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    region_csv = next(p for p in result.csv if "-长春市-" in p.name)
    text = region_csv.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text  # the region's note, neutralised
    for row in csv.reader(text.splitlines()):
        for cell in row:
            if cell.startswith(("=", "+", "-", "@")):
                float(cell)  # only a number (a negative 差距) may start with a sign


def test_rows_from_sample_reports_mark_the_output_sample(tmp_path, tmp_path_factory):
    allocation, plan, regions = jilin_inputs()
    (tmp_path / "in").mkdir()
    status = _reported(tmp_path / "in", tmp_path_factory, sample=True)
    result = write_progress_sheets(status, plan, regions, tmp_path / "out", allocation.meta)
    assert result.summary.stem.endswith("-示例")


def test_an_empty_status_table_is_an_error_not_an_empty_report(tmp_path):
    allocation, plan, regions = jilin_inputs()
    empty = status_from_values(pd.DataFrame(columns=["target_id"]), allocation, plan)
    with pytest.raises(SheetsError, match="status table is empty"):
        write_progress_sheets(empty, plan, regions, tmp_path, allocation.meta)
    assert not any(tmp_path.iterdir())


@pytest.mark.libreoffice
def test_progress_workbooks_convert_to_pdf_in_libreoffice(soffice, status, tmp_path):  # noqa: F811
    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path / "out", allocation.meta)
    books = [result.summary, result.regions["220100"]]
    convert(soffice, books, "pdf", tmp_path / "pdf", tmp_path / "profile")
    for book in books:
        assert (tmp_path / "pdf" / (book.stem + ".pdf")).read_bytes().startswith(b"%PDF")


def test_a_reported_province_wide_rate_reads_reported_not_unreported(tmp_path, tmp_path_factory):
    # 11.1 信息采集率 is province-wide (no regional quantity): 长春市 reports 85 %, 吉林市 only 1.1.
    allocation, plan, regions = jilin_inputs()
    sheets = written(tmp_path_factory)
    frames = []
    for code, values, name in (("220100", {"11.1": {"累计完成": "85%"}}, "cc.xlsx"),
                               ("220200", {"1.1": {"累计完成": 100}}, "jl.xlsx")):
        report = read_report(fill_region(sheets.regions[code], tmp_path / name, values,
                                         period_end=JUNE))
        lines = report.lines.assign(region_name=regions.name_of(code), sample=False)
        frames.append(lines)
    status = status_from_values(pd.concat(frames, ignore_index=True), allocation, plan)
    result = write_progress_sheets(status, plan, regions, tmp_path / "out", allocation.meta,
                                   created=date(2023, 7, 5))

    def heading(ws) -> tuple[int, dict[str, int]]:
        row = next(r for r in ws.iter_rows() if any(c.value == "指标编号" for c in r))
        return row[0].row, {c.value: c.column for c in row if c.value}

    def light_of(path) -> str:
        ws = load_workbook(path)[REGION_SHEET]
        _hr, heads = heading(ws)
        row = next(r for r in ws.iter_rows(values_only=True) if r[heads["指标编号"] - 1] == "11.1")
        return row[heads["状态"] - 1]

    assert light_of(result.regions["220100"]) == "不适用"
    matrix = load_workbook(result.summary)[MATRIX_SHEET]
    _hr, heads = heading(matrix)
    r = next(c.row for c in matrix["B"] if c.value == "11.1")
    reported = matrix.cell(r, heads["长春市"])
    assert reported.value == 85 and reported.number_format.endswith('"%"')
    assert matrix.cell(r, heads["吉林市"]).value is None  # no report, no row for a province-wide


def test_progress_tables_print_at_a_readable_scale(status, tmp_path):
    # One page wide on A4 landscape: long metric names and notes wrap, so the text is not
    # shrunk below ~70 %; wrapped rows are as tall as their lines.
    from openpyxl.utils import get_column_letter

    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta)
    books = [(result.regions["220100"], REGION_SHEET, 165), (result.summary, MATRIX_SHEET, 195),
             (result.summary, DETAIL_SHEET, 200)]
    for path, name, limit in books:
        ws = load_workbook(path)[name]
        total = sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                    for c in range(1, ws.max_column + 1))
        assert total <= limit, (name, total)
        long = [r for r in ws.iter_rows() for c in r
                if isinstance(c.value, str) and c.value == "村级残疾人服务场所无障碍改造"]
        assert long, name  # 9.2, 14 CJK characters: two lines at the 指标 width
        for row in long:
            assert ws.row_dimensions[row[0].row].height >= 26, name


def test_sample_progress_on_official_tasks_says_the_progress_is_sample(tmp_path, tmp_path_factory):
    allocation, plan, regions = jilin_inputs()  # the official baseline: tasks are real
    (tmp_path / "in").mkdir()
    status = _reported(tmp_path / "in", tmp_path_factory, sample=True)
    result = write_progress_sheets(status, plan, regions, tmp_path / "out", allocation.meta)
    for path in result.workbooks:
        for ws in load_workbook(path).worksheets:
            texts = [c.value for row in ws.iter_rows(max_row=12) for c in row]
            assert PROGRESS_SAMPLE_NOTE in texts, (path.name, ws.title)
            assert layout.SAMPLE_NOTE not in texts  # "不作为正式任务下达" is about tasks


def test_a_region_that_skipped_the_period_is_marked_not_reported(tmp_path, tmp_path_factory):
    # 吉林市 reported for March only: its figures carry forward into June, and the June 通报
    # must say so instead of passing them off as June's.
    allocation, plan, regions = jilin_inputs()
    sheets = written(tmp_path_factory)
    frames = []
    for code, period, name in (("220200", MARCH, "jl-3.xlsx"), ("220100", JUNE, "cc-6.xlsx")):
        report = read_report(fill_region(sheets.regions[code], tmp_path / name,
                                         {"1.1": {"累计完成": 100}}, period_end=period))
        frames.append(report.lines.assign(region_name=regions.name_of(code), sample=False,
                                          period_end=period))
    values = pd.concat(frames, ignore_index=True)
    status = status_from_values(values, allocation, plan)
    result = write_progress_sheets(status, plan, regions, tmp_path / "out", allocation.meta)

    def reporting(code):
        ws = load_workbook(result.regions[code])[REGION_SHEET]
        return next(ws.cell(r, 4).value for r in range(2, 15) if ws.cell(r, 1).value == "报送情况")

    assert reporting("220100") == "已报送"
    assert reporting("220200") == "本期未报送，沿用截至2023年3月31日的数据"
    assert reporting("220300") == "本期未报送（尚无报送数据）"


def test_overview_sheet_states_the_province_the_regions_and_the_rule(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta)
    ws = load_workbook(result.summary)[OVERVIEW_SHEET]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert lights.rule_text() in texts and lights.ROLLUP_RULE in texts
    opening = next(t for t in texts if t.startswith("截至2023年6月30日，全省50项民生实事中"))
    assert "项" in opening
    heading = next(r for r in range(1, 30) if ws.cell(r, 1).value == "地区")
    cols = {ws.cell(heading, c).value: c for c in range(1, ws.max_column + 1)}
    assert [ws.cell(heading, c).value for c in range(5, 12)] == [s.word for s in lights.STATES]
    names = [ws.cell(r, 1).value for r in range(heading + 1, heading + 13)]
    assert names == ["全省（按指标合计）", *[regions.name_of(c) for c in regions.codes]]
    roll = st.region_rollup(st.latest(status)).set_index("region_name")
    r = heading + 1 + list(regions.codes).index("220100") + 1
    assert ws.cell(r, cols["综合状态"]).value == lights.word(roll.loc["长春市", "state"])
    assert ws.cell(r, cols["严重滞后"]).value == roll.loc["长春市", "far_behind"] == 1
    assert ws.cell(r, cols["依据"]).value == roll.loc["长春市", "reason"]
    assert ws.page_setup.fitToHeight == 1  # one page
