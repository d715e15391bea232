"""Indicators: the bundled Jilin table adds up, user tables are checked cell by cell, and
the factor matrix never fills a gap with 0."""

from __future__ import annotations

import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.cli import app
from minshi_geo.indicators import (
    BUNDLED,
    COLUMNS,
    IndicatorError,
    MissingIndicatorError,
    UnknownIndicatorError,
    factor_matrix,
    load_indicators,
)
from minshi_geo.regions import load_region_set

FIXTURES = Path(__file__).parent / "data" / "indicators"
CENSUS_TOTAL = 24_073_453


@pytest.fixture(scope="module")
def jilin():
    return load_region_set("jilin")


@pytest.fixture(scope="module")
def table(jilin):
    return load_indicators(region_set=jilin)


def values(table: pd.DataFrame, indicator: str) -> pd.Series:
    rows = table[table["indicator"] == indicator]
    return rows.set_index("region_code")["value"]


# --- the bundled Jilin table ---------------------------------------------------------------


def test_long_table_has_the_agreed_columns(table):
    assert list(table.columns) == COLUMNS
    assert str(table["year"].dtype) == "Int64"
    assert not table.duplicated(["region_code", "indicator"]).any()


def test_eleven_census_populations_sum_to_the_province_total_exactly(table, jilin):
    population = values(table, "population")
    assert population[jilin.codes].sum() == CENSUS_TOTAL
    assert population["220000"] == CENSUS_TOTAL
    assert population["220581"] == 509_336 and population["changbaishan"] == 61_146


def test_nine_prefecture_set_uses_the_yearbook_scope_and_covers_the_whole_province():
    # 220500 is 通化 without 梅河口 in the bulletins (and the jilin set) but the whole 通化 polygon
    # in the 9-prefecture set: reusing its 1,302,778 there would under-count 通化 by 28%. The
    # census yearbook counts 梅河口 in 通化 and 长白山 in 白山/延边, which is this set's scope.
    nine = load_region_set("jilin-prefectures")
    table = load_indicators(region_set=nine)
    population = values(table, "population")
    assert population["220500"] == 1_302_778 + 509_336
    row = table[(table["indicator"] == "population") & (table["region_code"] == "220500")]
    assert row["derivation"].item() == "" and "中国人口普查分县资料2020" in row["source_title"].item()
    assert population["220600"] == 968_373 and population["222400"] == 1_986_339  # incl. 长白山
    assert population[nine.codes].sum() == CENSUS_TOTAL
    assert values(table, "rural_population")[nine.codes].sum() == 8_994_439
    assert "220581" not in population and "changbaishan" not in population
    # facts that are not in the census are still re-scoped from set jilin by summing
    assert values(table, "gdp_h1_2022")["220500"] == pytest.approx(254.44 + 96.64)
    gdp = table[(table["indicator"] == "gdp_h1_2022") & (table["region_code"] == "220500")]
    assert gdp["derivation"].item().startswith("sum of set jilin's 通化市 (220500, 254.44)")
    # a non-additive or one-sided value is not carried over under the old code
    assert "220500" not in values(table, "gdp_2022").index


def test_eleven_units_complete_and_exact_for_population_and_rural_population(table, jilin):
    for indicator, total in (("population", CENSUS_TOTAL), ("rural_population", 8_994_439),
                             ("urban_population", 15_079_014), ("villages", 9_324),
                             ("communities", 2_115), ("population_60_plus", 5_551_165),
                             ("population_0_14", 2_818_723)):
        column = values(table, indicator)
        assert set(jilin.codes) <= set(column.index), indicator
        assert column[jilin.codes].sum() == column["220000"] == total, indicator
    rural = table[(table["indicator"] == "rural_population")].set_index("region_code")
    assert rural.at["changbaishan", "value"] == 185
    assert rural.at["changbaishan", "derivation"].startswith("yearbook scope minus bulletin")
    assert rural.at["220500", "derivation"].startswith("yearbook 通化市 (220500, 726,746")
    assert values(table, "villages")["changbaishan"] == 6
    # households and 5–14 cannot be split off 白山/延边: absent, never estimated
    households = values(table, "households")
    assert not {"220600", "222400", "changbaishan"} & set(households.index)


def test_h1_2022_gdp_covers_all_units_and_sums_to_the_province(table, jilin):
    gdp = values(table, "gdp_h1_2022")
    assert set(jilin.codes) <= set(gdp.index)
    assert gdp[jilin.codes].sum() == pytest.approx(gdp["220000"], abs=0.011)  # 5697.16 vs .15


def test_every_sourced_value_names_source_and_address(table):
    sourced = table[table["derivation"] == ""]
    assert (sourced["source_title"] != "").all() and (sourced["source_url"] != "").all()
    bundled = pd.read_csv(BUNDLED, dtype=str, keep_default_na=False)
    units = pd.read_csv(paths.INDICATORS_DIR / "jilin-units.csv", dtype=str)
    from_file = table[~table["derivation"].str.startswith("geometry:")]
    assert len(from_file) == len(bundled) + len(units)  # nothing lost for the 11-unit set
    assert (from_file["source_title"] != "").all()  # derived-from-sources rows cite them too


def test_area_is_derived_for_polygons_and_absent_for_the_changbaishan_point(table, jilin):
    area = table[table["indicator"] == "area"].set_index("region_code")
    assert "changbaishan" not in area.index
    assert set(jilin.codes) - {"changbaishan"} <= set(area.index)
    assert area["derivation"].str.startswith("geometry: equal-area (EPSG:6933)").all()
    assert (area["unit"] == "km2").all()


def test_county_count_is_derived_and_adds_up_to_60(table, jilin):
    counts = values(table, "county_count")
    assert "changbaishan" not in counts
    assert counts[[c for c in jilin.codes if c != "changbaishan"]].sum() == 60
    assert counts["220500"] == 6 and counts["220581"] == 1 and counts["220100"] == 11
    assert values(table, "county_level_divisions")["220000"] == 60  # sourced figure agrees


def test_geometry_areas_agree_with_sourced_land_areas(table):
    area, land = values(table, "area"), values(table, "land_area")
    both = land.index.intersection(area.index)
    assert len(both) >= 9
    ratio = (area[both] / land[both] - 1).abs()
    assert ratio["220000"] < 0.02  # 191,007 vs 18.74万 km²
    assert (ratio < 0.025).all(), ratio.sort_values()


def test_county_set_has_census_values_for_every_county():
    counties = load_region_set("jilin-counties")
    table = load_indicators(region_set=counties)
    in_set = table[table["region_code"].isin(counties.codes)]
    assert len(values(in_set, "area")) == 60
    for indicator in ("population", "rural_population", "villages", "population_60_plus"):
        assert len(values(in_set, indicator)) == 60, indicator
    assert values(in_set, "gdp_h1_2022").index.tolist() == ["220581"]  # 梅河口's own fact
    assert "county_count" not in set(in_set["indicator"])
    # the 60 civil counties leave out the yearbook's development zones (功能区), which hold
    # 2,084,303 residents: the gap is shown, not hidden
    assert values(in_set, "population").sum() == CENSUS_TOTAL - 2_084_303


# --- the factor matrix ---------------------------------------------------------------------


def test_factor_matrix_is_region_by_indicator_in_set_order(table, jilin):
    matrix = factor_matrix(jilin, table, ["population", "gdp_h1_2022"])
    assert list(matrix.index) == jilin.codes and matrix.index.name == "region_code"
    assert list(matrix.columns) == ["population", "gdp_h1_2022"]
    assert matrix.at["220581", "population"] == 509_336


def test_area_for_the_changbaishan_point_fails_clearly(table, jilin):
    with pytest.raises(
        MissingIndicatorError, match=r"area for 长白山保护开发区管理委员会 \(changbaishan\)"
    ) as info:
        factor_matrix(jilin, table, ["population", "area"])
    assert "exclude them from the eligible regions" in info.value.hint


def test_eligible_regions_by_any_spelling_avoid_the_gap(table, jilin):
    eligible = [c for c in jilin.codes if c != "changbaishan"]
    matrix = factor_matrix(jilin, table, ["area", "county_count"], eligible=eligible)
    assert len(matrix) == 10 and not matrix.isna().any().any()
    two = factor_matrix(jilin, table, "population", eligible=["长春", "Meihekou"])
    assert list(two.index) == ["220100", "220581"]


def test_every_missing_value_is_named_never_zero(table, jilin):
    with pytest.raises(MissingIndicatorError) as info:
        factor_matrix(jilin, table, ["households"])
    message = str(info.value)
    assert "households for 白山市 (220600)" in message
    assert "households for 长白山保护开发区管理委员会 (changbaishan)" in message
    assert "\n" not in message


def test_unknown_indicator_suggests_the_close_name(table, jilin):
    with pytest.raises(UnknownIndicatorError, match=r"'popluation' — did you mean population"):
        factor_matrix(jilin, table, ["popluation"])


# --- user tables ---------------------------------------------------------------------------


def test_a_user_table_with_names_instead_of_codes_joins_the_bundled_one(jilin):
    table = load_indicators([FIXTURES / "sample_good.csv"], region_set=jilin)
    clinics = values(table, "sample_clinics")
    assert list(clinics.index) == jilin.codes and clinics["changbaishan"] == 1
    matrix = factor_matrix(jilin, table, ["population", "sample_clinics"])
    assert matrix.shape == (11, 2)


def test_a_user_row_replaces_the_bundled_value(jilin):
    table = load_indicators([FIXTURES / "override_population.csv"], region_set=jilin)
    row = table[(table["indicator"] == "population") & (table["region_code"] == "220100")]
    assert len(row) == 1 and row["value"].iloc[0] == 9_066_907
    assert row["source_title"].iloc[0].startswith("示例")


def test_an_xlsx_user_table_reads_like_csv(tmp_path, jilin):
    good = pd.read_csv(FIXTURES / "sample_good.csv", dtype=str)
    path = tmp_path / "clinics.xlsx"
    good.to_excel(path, index=False)
    table = load_indicators([path], region_set=jilin)
    assert values(table, "sample_clinics").sum() == 56


BAD_FILES = [
    (
        "unknown_region.csv",
        3,
        "region_code",
        r"unknown region 'Changchn' in region set jilin — did you mean 长春市 \(220100\)",
    ),
    (
        "duplicate.csv",
        4,
        "indicator",
        r"duplicate value of sample_clinics for 长春市 \(220100\); first given in row 2",
    ),
    ("non_numeric.csv", 3, "value", r"expected a number ≥ 0, got '约8'"),
    ("negative.csv", 4, "value", r"expected a number ≥ 0, got '-3'"),
    ("missing_source.csv", 3, "source_title", r"missing source"),
    ("missing_column.csv", 1, "unit", r"missing column"),
    ("bad_year.csv", 3, "year", r"expected a year 1949–2100 .*got '二〇二三'"),
    (
        "unit_conflict.csv",
        2,
        "unit",
        r"population is in 'persons' \(jilin-units.csv row \d+\), got '万人'",
    ),
    ("derived_name.csv", 2, "indicator", r"'area' is derived from the boundaries"),
    ("bad_indicator_name.csv", 2, "indicator", r"expected a snake_case name .*got 'GDP 2022'"),
    ("empty_region.csv", 3, "region_code", r"empty"),
    ("infinite.csv", 2, "value", r"expected a finite number ≥ 0, got 'inf'"),
]


@pytest.mark.parametrize(
    ("name", "row", "column", "message"),
    BAD_FILES,
    ids=[b[0].removesuffix(".csv") for b in BAD_FILES],
)
def test_bad_user_tables_name_file_row_and_column(jilin, name, row, column, message):
    path = FIXTURES / name
    with pytest.raises(IndicatorError) as info:
        load_indicators([path], region_set=jilin)
    text = str(info.value)
    assert text.startswith(f"{path} row {row}, column {column}: "), text
    assert re.search(message, text), text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", r"row 1: the file is empty"),
        ("header_only.csv", r"row 2: no data rows under the header"),
    ],
)
def test_empty_tables_are_named(jilin, name, message):
    with pytest.raises(IndicatorError, match=f"{FIXTURES / name} {message}"):
        load_indicators([FIXTURES / name], region_set=jilin)


def test_a_gbk_csv_saved_by_chinese_excel_is_read(tmp_path, jilin):
    path = tmp_path / "gbk.csv"
    text = (FIXTURES / "sample_good.csv").read_text(encoding="utf-8")
    path.write_bytes(text.encode("gbk"))
    table = load_indicators([path], region_set=jilin)
    assert values(table, "sample_clinics")["222400"] == 7


def test_a_broken_workbook_is_named(tmp_path, jilin):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(IndicatorError, match=f"{path}: cannot read the workbook"):
        load_indicators([path], region_set=jilin)


def _workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_a_chinese_header_is_refused_at_row_1(tmp_path, jilin):
    path = _workbook(
        tmp_path / "wrong.xlsx",
        [
            ["地区", "指标", "数值", "单位", "年份", "来源", "网址"],
            ["长春", "sample_clinics", 12, "座", 2023, "示例", "https://example.org"],
        ],
    )
    with pytest.raises(IndicatorError, match=rf"{path} row 1, column region_code: missing column"):
        load_indicators([path], region_set=jilin)


def test_xlsx_errors_give_the_spreadsheet_row(tmp_path, jilin):
    header = ["region_code", "indicator", "value", "unit", "year", "source_title", "source_url"]
    good = ["长春", "sample_clinics", 12, "座", 2023, "示例", "https://example.org"]
    path = _workbook(
        tmp_path / "bad.xlsx",
        [
            header,
            good,
            ["吉林市", *good[1:]],
            ["四平", "sample_clinics", "n/a", "座", 2023, "示例", "https://example.org"],
        ],
    )
    with pytest.raises(IndicatorError, match=rf"{path} row 4, column value: .*got 'n/a'"):
        load_indicators([path], region_set=jilin)


def test_not_a_table_file_is_refused(tmp_path, jilin):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(IndicatorError, match=r"expected a .csv or .xlsx file"):
        load_indicators([path], region_set=jilin)


def test_the_same_pair_in_two_user_files_is_an_error(tmp_path, jilin):
    second = tmp_path / "again.csv"
    second.write_text((FIXTURES / "sample_good.csv").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(
        IndicatorError,
        match=r"again.csv row 2, column indicator: duplicate value "
        r"of sample_clinics for 长春市 \(220100\); also given "
        r"in .*sample_good.csv row 2",
    ):
        load_indicators([FIXTURES / "sample_good.csv", second], region_set=jilin)


# --- the command ---------------------------------------------------------------------------


def test_cli_shows_coverage_per_indicator():
    result = CliRunner().invoke(app, ["indicators", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = {line.split(",")[0]: line for line in result.output.splitlines()}
    assert ",11/11," in lines["population"] and ",11/11," in lines["gdp_h1_2022"]
    assert ",10/11," in lines["area"]


@pytest.mark.parametrize("name", [b[0] for b in BAD_FILES] + ["empty.csv", "header_only.csv"])
def test_cli_bad_file_exits_2_with_one_error_line(name):
    result = CliRunner().invoke(app, ["indicators", "--file", str(FIXTURES / name)])
    assert result.exit_code == 2
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and str(FIXTURES / name) in error_lines[0]
    assert "Traceback" not in result.output


def test_bundled_file_lives_in_data_indicators():
    assert BUNDLED == paths.INDICATORS_DIR / "jilin.csv" and BUNDLED.is_file()
    assert not math.isnan(pd.read_csv(BUNDLED)["value"].sum())


def test_values_listing_works_for_every_jilin_set_and_shows_sources():
    for name in ("jilin", "jilin-prefectures", "jilin-counties"):
        result = CliRunner().invoke(app, ["indicators", "--set", name, "--values",
                                          "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert "中国人口普查分县资料2020" in result.output
    result = CliRunner().invoke(app, ["indicators", "--set", "jilin", "--values"])
    assert result.exit_code == 0 and "Traceback" not in result.output
