"""What the tool writes from hostile data: no CSV cell a spreadsheet would run as a formula,
file names that keep their extension, drop bidi/control characters and fit the file system,
and errors that blame the right cell."""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from minshi_geo.allocation import Allocation
from minshi_geo.catalogue import load_plan
from minshi_geo.cli import app
from minshi_geo.escape import (
    MAX_NAME_BYTES,
    csv_frame,
    csv_unguard,
    csv_unguard_frame,
    excel_cell,
    path_inside,
    safe_filename,
)
from minshi_geo.regions import load_region_set

HOSTILE = Path(__file__).parent / "data" / "hostile"
NAMES = HOSTILE / "regionset-hostile-names.yaml"
FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _run(*args) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_no_formula_cells(text: str, numeric: tuple[str, ...] = ()) -> list[dict]:
    """Every cell of a CSV is plain: text never starts with a formula character (numbers in
    ``numeric`` columns may be negative)."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows
    for row in rows:
        for column, value in row.items():
            if column in numeric and value not in ("", None):
                float(value)  # numbers stay numbers, unquoted
                continue
            assert not str(value).startswith(FORMULA), f"{column}={value!r}"
    return rows


def test_regions_csv_guards_formula_names():
    rows = assert_no_formula_cells(_run("regions", "--set", NAMES, "--format", "csv"),
                                   numeric=("area_km2", "lon", "lat"))
    names = {r["code"]: r["name"] for r in rows}
    assert names["220100"] == "'=HYPERLINK(\"http://example.invalid\",\"长春市\")"
    assert rows[0]["short_name"] == "'+长春"
    assert float(rows[0]["area_km2"]) > 0


def test_targets_csv_guards_formula_leads_and_notes():
    text = _run("targets", "--plan", HOSTILE / "catalogue-formula-notes.yaml", "--format", "csv")
    rows = assert_no_formula_cells(text, numeric=("quantity", "item", "confidence"))
    assert rows[0]["lead"] == "'@SUM(1)省人社厅"


def test_indicators_csv_guards_source_titles_and_notes():
    args = ("indicators", "-f", HOSTILE / "indicators-formula-cells.csv", "--format", "csv")
    values = _run(*args, "--values")
    rows = assert_no_formula_cells(values, numeric=("value", "year"))
    assert any(r["source_title"].startswith("'=HYPERLINK") for r in rows)
    assert_no_formula_cells(_run(*args))


@pytest.fixture(scope="module")
def hostile_allocation(tmp_path_factory) -> tuple[Path, Allocation]:
    """The baseline scenario over the hostile-names region set, allocated and saved."""
    from minshi_geo import paths
    from minshi_geo.allocate import run_scenario

    root = tmp_path_factory.mktemp("names")
    text = paths.DEFAULT_SCENARIO.read_text(encoding="utf-8")
    assert "\nregion_set: jilin\n" in text
    scenario = root / "hostile.yaml"
    scenario.write_text(text.replace("\nregion_set: jilin\n", f"\nregion_set: {NAMES}\n"),
                        encoding="utf-8")
    out = root / "alloc"
    return out, run_scenario(scenario, out, engine="fast")


def test_allocation_csv_guards_names_and_reads_them_back_unchanged(hostile_allocation):
    out, allocation = hostile_allocation
    text = (out / "allocation.csv").read_text(encoding="utf-8")
    assert_no_formula_cells(text, numeric=("item", "quantity", "quota", "capped_quota", "share",
                                           "lower", "upper"))
    assert "'=HYPERLINK" in text
    back = Allocation.load(out)
    # Read back as written, except that a lone CR in a name comes back as LF (csv_frame).
    assert list(back.table["region_name"]) == [
        n.replace("\r", "\n") for n in allocation.table["region_name"]]
    assert back.table["quantity"].dtype.kind == "i"  # numeric columns stay numeric
    for name in ("explanation.csv", "robustness.csv"):
        if (out / name).is_file():
            assert not any(line.split(",")[0].startswith("=") for line in
                           (out / name).read_text(encoding="utf-8").splitlines())


def test_comparison_csv_is_guarded(hostile_allocation, tmp_path):
    out, _ = hostile_allocation
    _run("compare", out, out, "--out", tmp_path / "cmp")
    assert_no_formula_cells((tmp_path / "cmp" / "comparison.csv").read_text(encoding="utf-8"),
                            numeric=("item", "quantity_a", "quantity_b", "change", "change_pct"))


def test_every_region_gets_a_workbook_whose_name_is_safe(hostile_allocation, tmp_path):
    from minshi_geo.sheets.writer import write_all_sheets

    out, _ = hostile_allocation
    regions = load_region_set(NAMES)
    written = write_all_sheets(Allocation.load(out), load_plan(), regions, tmp_path / "sheets",
                               csv=True)
    assert sorted(written.regions) == sorted(regions.codes)  # the 300-character name too
    for path in [*written.regions.values(), *written.csv]:
        name = path.name
        assert path.is_file() and name.endswith((".xlsx", ".csv"))
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in name), repr(name)
    long = written.regions["220200"].name
    assert "很长的地名" in long and "~" in long  # cut, with a hash that keeps it distinct
    assert written.regions["220300"].name.endswith("四平市xcod.exe.xlsx")  # no U+202E
    assert written.regions["220400"].name.endswith("辽源市_.xlsx")  # trailing dots


@pytest.mark.parametrize(
    "name, expected",
    [
        ("长春市.xlsx", "长春市.xlsx"),
        ("辽源市....xlsx", "辽源市_.xlsx"),  # dots before the extension no longer eat it
        ("报告\u202Excod.exe", "报告xcod.exe"),  # bidi override dropped: no spoofed extension
        ("a\u200bb\ufeff\x07.png", "ab.png"),  # zero-width, BOM and BEL dropped
        ("1.1_城镇新增就业.png", "1.1_城镇新增就业.png"),
        (".png", "png"),
        ("CON.xlsx", "CON_.xlsx"),
        ("../../x.csv", "____x.csv"),
        ("", "unnamed"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("stem", ["很长的地名" * 60, "x" * 400, "名" * 84 + "." * 50])
def test_safe_filename_fits_the_byte_limit_and_keeps_the_extension(stem, tmp_path):
    name = safe_filename(stem + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe_filename(stem + "甲.xlsx") != safe_filename(stem + "乙.xlsx")
    path = path_inside(tmp_path, stem + ".xlsx")
    path.write_bytes(b"")  # the file system accepts it
    from minshi_geo import atomic

    atomic.write_text(tmp_path / name, "ok")  # and so does the temp name of an atomic write
    assert (tmp_path / name).read_text() == "ok"


def test_csv_frame_guards_text_and_keeps_numbers():
    frame = pd.DataFrame({
        "name": ["=1+1", "@SUM(A1)", "长春市", None],
        "count": pd.array([1, -2, 3, None], dtype="Int64"),
        "rate": [0.5, -0.25, float("nan"), 1.0],
        "day": pd.to_datetime(["2023-06-30"] * 4),
        "mixed": pd.Series(["-3", 4, "+x", "ok"], dtype=object),
    })
    safe = csv_frame(frame)
    assert list(safe["name"][:3]) == ["'=1+1", "'@SUM(A1)", "长春市"] and pd.isna(safe["name"][3])
    for column in ("count", "rate", "day"):
        assert safe[column].dtype == frame[column].dtype
    assert list(safe["mixed"]) == ["'-3", 4, "'+x", "ok"]
    back = csv_unguard_frame(pd.read_csv(io.StringIO(safe.to_csv(index=False))))
    assert list(back["name"][:3]) == ["=1+1", "@SUM(A1)", "长春市"]
    assert csv_unguard(excel_cell("＝x")) == "＝x" and csv_unguard("'plain") == "'plain"


def test_a_date_cell_holding_a_huge_number_is_blamed_on_that_cell(tmp_path):
    from maps_fixtures import baseline

    from minshi_geo.sheets import layout
    from minshi_geo.sheets.reader import ReportError, read_report
    from minshi_geo.sheets.writer import build_region_workbook

    wb, _ = build_region_workbook(baseline(), load_plan(), load_region_set("jilin"), "220100")
    ws = wb[layout.TASK_SHEET]
    row = layout.header_row_of("period_end")
    cell = ws.cell(row=row, column=layout.HEADER_VALUE_COL)
    cell.value, cell.number_format = 1e20, "yyyy-mm-dd"
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(ReportError) as caught:
        read_report(tmp_path / "r.xlsx")
    problems = caught.value.problems
    assert len(problems) == 1
    assert f"row {row}" in problems[0] and "本期截至日期 (D)" in problems[0]
    assert "a number too large for a date" in problems[0]
