"""Cascade 省 → 市 → 县 on Jilin: scenarios/jilin-2023-cascade.yaml, real allocator, real files.

The 11 regions of set jilin are allocated as in the baseline, then each region's number is
split among its own counties (set jilin-counties) in the same run: counties add up exactly to
their region for every splittable target, every county number has its explanation rows,
梅河口市 is its own only county and 长白山管委会 (no county) keeps its number at its level.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
import yaml
from browser_fixtures import browser_session, open_offline
from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.allocate import run_scenario
from minshi_geo.allocate.cascade import check_sums, counties_of, prefecture_outlines
from minshi_geo.allocation import Allocation, load_allocation_inputs
from minshi_geo.cli import app
from minshi_geo.errors import MinshiError
from minshi_geo.maps.allocation import allocation_map
from minshi_geo.regions import load_region_set
from minshi_geo.scenario import ScenarioError, load_scenario

SCENARIO = paths.PROJECT_ROOT / "scenarios" / "jilin-2023-cascade.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cascade") / "alloc"
    prefectures = run_scenario(SCENARIO, out, robustness=None)
    return prefectures, Allocation.load(out / "counties"), out


def test_counties_add_up_exactly_to_their_region_for_every_splittable_target(run):
    prefectures, counties, _ = run
    assert check_sums(prefectures, counties) == []
    plan = load_scenario(SCENARIO).plan
    split = {t.id for t in plan.targets if t.splittable}
    assert set(counties.table["target_id"]) == split
    with_counties = prefectures.table[prefectures.table["region_code"] != "changbaishan"]
    sums = counties.table.groupby(["target_id", "prefecture_code"])["quantity"].sum()
    for row in with_counties.itertuples():
        assert sums[(row.target_id, row.region_code)] == row.quantity


def test_meihekou_is_its_own_county_and_changbaishan_keeps_its_number(run):
    prefectures, counties, _ = run
    table = counties.table
    mhk = table[table["prefecture_code"] == "220581"]
    assert set(mhk["region_code"]) == {"220581"}
    tonghua = set(table[table["prefecture_code"] == "220500"]["region_code"])
    assert "220581" not in tonghua and len(tonghua) == 6
    assert counties.meta["cascade"]["without_counties"] == {"changbaishan": "长白山保护开发区管理委员会"}
    assert "changbaishan" not in set(table["region_code"])
    assert len(set(table["region_code"])) == 60


def test_every_county_number_is_explained_and_a_county_rule_holds(run):
    _, counties, out = run
    explanation = pd.read_csv(out / "counties" / "explanation.csv",
                              dtype={"region_code": str, "target_id": str})
    final = explanation.drop_duplicates(["target_id", "region_code"])
    merged = counties.table.merge(final, on=["target_id", "region_code"], suffixes=("", "_x"))
    assert len(merged) == len(counties.table)
    assert (merged["quantity"] == merged["quantity_x"]).all()
    roads = counties.table[counties.table["target_id"] == "29.1"]
    assert (roads["quantity"] >= 1).all() and (roads["lower"] == 1).all()  # min: 1 per county


def test_a_county_rounding_note_names_its_prefecture_not_the_province(run):
    """A county's remainder comes from its prefecture's number, so its note says 长春市余 …档
    (a planner in 长春 reading 全省余 would look for a province-wide remainder)."""
    _, counties, out = run
    explanation = pd.read_csv(out / "counties" / "explanation.csv",
                              dtype={"region_code": str, "target_id": str})
    notes = explanation.merge(counties.table[["target_id", "region_code", "prefecture_name"]],
                              on=["target_id", "region_code"])
    with_remainder = notes[notes["rounding_note"].str.contains("按余数从大到小分配")]
    assert len(with_remainder) > 0
    for row in with_remainder.itertuples():
        assert f"{row.prefecture_name}余 {row.units_left} 档" in row.rounding_note
    assert not explanation["rounding_note"].str.contains("全省").any()


def test_shares_are_recomputed_inside_each_prefecture(run):
    _, counties, _ = run
    shares = counties.table.groupby(["target_id", "prefecture_code"])["share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_county_sheets_are_grouped_per_prefecture(run, tmp_path):
    _, counties, out = run
    result = CliRunner().invoke(app, ["sheets", str(out / "counties"), "-o", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert len(folders) == 10 and folders[0] == "01-长春市" and folders[5] == "06-梅河口市"
    changchun = sorted((tmp_path / "s" / "01-长春市").glob("*.xlsx"))
    assert len(changchun) == 11 + 1  # 11 counties and the city's summary
    summary = next(p for p in changchun if "汇总" in p.name)
    workbook = openpyxl.load_workbook(summary)
    text = " ".join(str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value)
    assert "南关区" in text and "四平" not in text
    # its 测算说明 explains 长春's counties only (not 四平's 双辽市 or 通化's 集安市)
    sheet = next(ws for ws in workbook if "测算说明" in ws.title)
    notes = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "农安县" in notes and "双辽市" not in notes and "集安市" not in notes


def test_the_county_map_has_prefecture_outlines_in_a_real_browser(run, tmp_path):
    _, counties, out = run
    regions = load_region_set("jilin-counties")
    html = allocation_map(counties, regions, tmp_path / "county.html",
                          outlines=prefecture_outlines(counties.meta))
    for driver in browser_session():
        page = open_offline(driver, html, ready="return !!window.minshiPage")
        counts = driver.execute_script(
            "return [document.querySelectorAll('path.minshi-region').length,"
            " document.querySelectorAll('.leaflet-minshi-outlines-pane path').length,"
            " getComputedStyle(document.querySelector('.leaflet-minshi-outlines-pane'))"
            ".pointerEvents]")
        assert counts == [60, 10, "none"]  # 60 counties; 10 polygon regions (长白山 is a point)
        assert page.requests == []
        assert not [e for e in page.console if e.get("level") == "SEVERE"]


def test_a_prefecture_allocation_has_no_outlines():
    assert prefecture_outlines({"region_set": "jilin"}) is None


def test_cascade_rules_are_checked_when_the_scenario_loads(tmp_path):
    raw = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    raw["plan"] = str(paths.DEFAULT_PLAN)
    raw["cascade"]["colour"] = "red"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match="cascade"):
        load_scenario(bad)


def test_an_impossible_county_rule_names_the_prefecture_and_target(tmp_path):
    raw = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    raw["plan"] = str(paths.DEFAULT_PLAN)
    raw["cascade"]["targets"]["4.1"] = {"factors": {"population": 1}, "min": 50}
    bad = tmp_path / "min.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MinshiError, match=r"cascade, .*4\.1"):
        run_scenario(bad, None, robustness=None)
    assert not (tmp_path / "out").exists()


def test_counties_of_each_jilin_region():
    children = counties_of(load_region_set("jilin"), load_region_set("jilin-counties"))
    assert children["220581"] == ["220581"] and children["changbaishan"] == []
    assert sum(len(v) for v in children.values()) == 60
    assert len(children["220100"]) == 11


def test_allocation_inputs_of_the_county_folder_load(run):
    _, _, out = run
    allocation, plan, regions = load_allocation_inputs(out / "counties")
    assert regions.name == "jilin-counties" and plan.id == "jilin-2023"
