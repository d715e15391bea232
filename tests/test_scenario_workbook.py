"""Scenarios in Excel: YAML → xlsx → YAML is lossless, the workbook allocates exactly like the
YAML for every bundled scenario, and bad cells are one Chinese line naming sheet/row/column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.allocate import allocate
from minshi_geo.cli import app
from minshi_geo.scenario import load_scenario
from minshi_geo.scenario_workbook import (
    FIRST_ROW,
    KEY_ROW,
    RULES_SHEET,
    SETTINGS_SHEET,
    write_scenario_workbook,
    workbook_to_yaml,
)

BUNDLED = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))


def same_scenario(a, b) -> None:
    for attr in ("name", "title", "sample", "solver", "rules", "budget", "balance", "coverage",
                 "milestones"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert a.description.strip() == b.description.strip()
    assert [p.resolve() for p in a.indicator_paths] == [p.resolve() for p in b.indicator_paths]
    assert a.plan.sha256 == b.plan.sha256 and a.regions.codes == b.regions.codes


@pytest.mark.parametrize("source", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_scenario_round_trips_and_allocates_the_same(source, tmp_path):
    book = write_scenario_workbook(source, tmp_path / "s.xlsx")
    original, from_book = load_scenario(source), load_scenario(book)
    same_scenario(original, from_book)
    back = load_scenario(workbook_to_yaml(book, tmp_path / "back.yaml"))
    same_scenario(original, back)
    a, b = allocate(original), allocate(from_book)
    cols = ["target_id", "region_code", "quantity", "quota", "capped_quota", "share"]
    assert a.table[cols].equals(b.table[cols])
    assert b.meta["scenario_path"].endswith("s.xlsx")


def test_the_workbook_has_chinese_headings_lists_input_messages_and_a_help_sheet(tmp_path):
    book = write_scenario_workbook(paths.DEFAULT_SCENARIO, tmp_path / "s.xlsx")
    wb = load_workbook(book)
    assert wb.sheetnames == [RULES_SHEET, SETTINGS_SHEET, "说明"]
    ws = wb[RULES_SHEET]
    heads = [c.value for c in ws[2]]
    assert heads[:2] == ["指标编号", "名称（只读）"] and "权重·人口" in heads
    assert "锁定·长春市" in heads and "最小值" in heads and "参与地区" in heads
    assert ws.row_dimensions[KEY_ROW].hidden
    ids = [ws.cell(r, 1).value for r in range(FIRST_ROW, ws.max_row + 1)]
    assert ids[0] == "默认" and "29.2" in ids and len(ids) == 1 + 52
    validations = {dv.promptTitle: dv for dv in ws.data_validations.dataValidation}
    assert validations["目标"].type == "list" and "quota" in validations["目标"].formula1
    assert validations["方法"].type == "list" and "webster" in validations["方法"].formula1
    assert "之和为 1" in validations["因素权重"].prompt
    assert "allocate" in " ".join(str(c.value) for c in wb["说明"]["A"])


def test_allocate_runs_the_workbook_from_the_cli(tmp_path):
    book = write_scenario_workbook(paths.DEFAULT_SCENARIO, tmp_path / "s.xlsx")
    out = CliRunner().invoke(app, ["allocate", str(book), "--out", str(tmp_path / "a"),
                                   "--draws", "0", "-q"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "a" / "allocation.csv").is_file()
    made = CliRunner().invoke(app, ["scenario", "workbook", "-o", str(tmp_path / "d.xlsx")])
    assert made.exit_code == 0 and (tmp_path / "d.xlsx").is_file(), made.output


def column(ws, key: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(KEY_ROW, c).value == key)


def row_of(ws, tid: str) -> int:
    return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == tid)


BAD_CELLS = [
    # (what, sheet, target row, column key, value, expected text in the error)
    ("weight not a number", RULES_SHEET, "4.1", "factors.population", "很多", "应为大于 0 的数字"),
    ("negative weight", RULES_SHEET, "1.1", "factors.population", -0.5, "应为大于 0 的数字"),
    ("weights not summing to 1", RULES_SHEET, "1.1", "factors.population", 0.7,
     "一行各权重之和应为 1，实际为 1.2"),
    ("weights as percentages", RULES_SHEET, "4.1", "factors.population", 100,
     "写 0.6，不是 60"),
    ("negative minimum", RULES_SHEET, "4.1", "min", -5, "应为不小于 0 的数字，实际为 '-5'"),
    ("share above 100%", RULES_SHEET, "4.1", "max", "150%", "比例应在 0% 到 100% 之间"),
    ("max below min", RULES_SHEET, "4.1", "max", 0.5, "最大值 0.5 小于最小值 1"),
    ("zero step", RULES_SHEET, "1.1", "step", 0, "应为大于 0 的数字"),
    ("lock not a number", RULES_SHEET, "29.2", "locks.220100", "三座", "应为不小于 0 的数字"),
    ("unknown region", RULES_SHEET, "4.1", "eligible", "长春市、火星市", "火星市"),
    ("unknown objective", RULES_SHEET, "4.1", "objective", "fastest", "fastest"),
    ("unknown method", RULES_SHEET, "4.1", "method", "websterr", "websterr"),
    ("a formula", RULES_SHEET, "4.1", "step", "=1+1", "不要用公式"),
    ("bad milestone text", RULES_SHEET, "29.2", "milestones", "{6-30: 50%", "无法读取"),
    ("unknown target row", RULES_SHEET, "4.1", "id", "99.9", "99.9"),
    ("sample not 是/否", SETTINGS_SHEET, None, "sample", "也许", "应填“是”或“否”"),
]


@pytest.fixture(scope="module")
def good_book(tmp_path_factory) -> Path:
    return write_scenario_workbook(paths.DEFAULT_SCENARIO,
                                   tmp_path_factory.mktemp("book") / "good.xlsx")


@pytest.mark.parametrize(("what", "sheet", "tid", "key", "value", "expected"), BAD_CELLS,
                         ids=[c[0] for c in BAD_CELLS])
def test_a_bad_cell_is_one_chinese_line_with_sheet_row_column_and_nothing_is_written(
        good_book, tmp_path, what, sheet, tid, key, value, expected):
    wb = load_workbook(good_book)
    ws = wb[sheet]
    if sheet == SETTINGS_SHEET:
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)
        col = 3
    else:
        row, col = row_of(ws, tid), column(ws, key)
    if key.startswith("factors.") and what.startswith("weights"):
        # a row of known weights whatever the bundled basis is: only population set
        for c in range(1, ws.max_column + 1):
            if str(ws.cell(KEY_ROW, c).value).startswith("factors."):
                ws.cell(row, c).value = None
        if what == "weights not summing to 1":
            ws.cell(row, column(ws, "factors.gdp_h1_2022"), 0.5)
    ws.cell(row, col, value)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    out = CliRunner().invoke(app, ["allocate", str(bad), "--out", str(tmp_path / "a"),
                                   "--draws", "0", "-q"])
    assert out.exit_code == 2, out.output
    first = out.output.splitlines()[0]
    assert first.startswith("error: ") and "Traceback" not in out.output
    assert f"工作表「{sheet}」第{row}行" in first, first
    letter = re.search(r"第\d+行 ([A-Z]+)列", first)
    assert letter is not None, first
    assert expected in first, first
    assert not (tmp_path / "a").exists()


CASCADE = paths.SCENARIOS_DIR / "jilin-2023-cascade.yaml"


def test_the_cascade_round_trips_and_the_workbook_allocates_the_same_counties(tmp_path):
    from minshi_geo.allocate import run_scenario
    from minshi_geo.allocation import Allocation

    book = write_scenario_workbook(CASCADE, tmp_path / "c.xlsx")
    original, from_book = load_scenario(CASCADE), load_scenario(book)
    assert from_book.cascade == original.cascade is not None
    assert load_scenario(workbook_to_yaml(book, tmp_path / "back.yaml")).cascade == original.cascade
    cols = ["target_id", "region_code", "quantity", "quota", "capped_quota", "share"]
    a = run_scenario(CASCADE, tmp_path / "a", robustness=None)
    b = run_scenario(book, tmp_path / "b", robustness=None)
    assert a.table[cols].equals(b.table[cols])
    counties_a = Allocation.load(tmp_path / "a" / "counties").table
    counties_b = Allocation.load(tmp_path / "b" / "counties").table
    assert len(counties_a) > len(a.table)
    assert counties_a[cols].equals(counties_b[cols])


@pytest.mark.parametrize("cascade, expected", [
    ("{region_set: jilin-counties, colour: red}", "未知的键"),
    ("{defaults: {factors: {population: 1}}}", "缺少 region_set"),
    ("{region_set: jilin-counties, targets: {'4.1': {factors: {no_such_factor: 1}}}}",
     "没有因素“no_such_factor”"),
    ("{region_set: jilin-counties", "无法读取"),
])
def test_a_bad_cascade_cell_is_one_chinese_line_with_its_cell(tmp_path, cascade, expected):
    wb = load_workbook(write_scenario_workbook(CASCADE, tmp_path / "c.xlsx"))
    ws = wb[SETTINGS_SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "cascade")
    ws.cell(row, 3, cascade)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    out = CliRunner().invoke(app, ["allocate", str(bad), "--out", str(tmp_path / "a"),
                                   "--draws", "0", "-q"])
    assert out.exit_code == 2, out.output
    first = out.output.splitlines()[0]
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) <= 2
    assert f"工作表「{SETTINGS_SHEET}」第{row}行 C列（县级分解）" in first, first
    assert expected in first, first
    assert not (tmp_path / "a").exists()
