"""``minshi-geo start``: a plan's text to catalogue, scenario, allocation, map and sheets.

Real parts throughout: the extractor, the census indicators, the allocator, the map page
and the workbooks, each opened back. Plans of other provinces on their own region sets:
test_start_provinces.py; here Jilin's own sets at both levels and a plan text of another
layout (浙江 2024) read as a Jilin plan.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.allocation import load_allocation_inputs
from minshi_geo.catalogue import load_plan
from minshi_geo.cli import app
from minshi_geo.scenario import load_scenario
from minshi_geo.start import StartError, province_of, region_set_name, start, step_of

PLANS = Path(__file__).parent / "data" / "extract" / "plans"


def check_outputs(out: Path, set_size: int) -> None:
    """Everything a planner gets, opened back; every basis marked for review everywhere."""
    plan = load_plan(out / "catalogue.yaml")
    splittable = [t for t in plan.targets if t.splittable]
    assert splittable and all(t.basis_note.startswith("REVIEW 待核对") for t in splittable)
    scenario_text = (out / "scenario.yaml").read_text(encoding="utf-8")
    assert scenario_text.count("REVIEW 待核对") == len(splittable)
    scenario = load_scenario(out / "scenario.yaml")
    assert set(scenario.rules) == {t.id for t in splittable}
    allocation, plan2, regions = load_allocation_inputs(out / "allocation")
    table = allocation.table
    assert table["region_code"].nunique() == set_size
    for t in splittable:
        rows = table[table["target_id"] == t.id]
        assert rows["quantity"].sum() == pytest.approx(t.quantity)
    explanation = pd.read_csv(out / "allocation" / "explanation.csv", dtype=str)
    assert explanation["proxy_caveat"].str.contains("待核对").all()  # 测算说明 says it too
    page = (out / "maps" / "allocation.html").read_text(encoding="utf-8")
    assert "<svg" in page or "L.map" in page or "geojson" in page.lower()
    books = sorted((out / "sheets").glob("*.xlsx"))
    assert len(books) == set_size + 1  # one per region and the summary
    region_book = next(p for p in books if "汇总" not in p.name)
    workbook = openpyxl.load_workbook(region_book)
    notes = workbook["测算说明"]  # the 测算说明 marks every suggested basis too
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert text.count("待核对") >= 1
    record = json.loads((out / "start.json").read_text(encoding="utf-8"))
    assert set(record["suggestions"]) == {t.id for t in splittable}


def test_jilin_plan_text_to_maps_and_sheets_at_prefecture_level(tmp_path):
    text = tmp_path / "jilin.txt"
    shutil.copyfile(paths.TARGETS_DIR / "jilin-2023.txt", text)
    result = start(text, tmp_path / "out", province="吉林", draws=20)
    assert result.region_set == "jilin"
    check_outputs(tmp_path / "out", 11)
    assert result.suggestions["39.1"].rule == "户厕/农户"  # 农村厕所 → rural population


def test_another_layout_at_county_level_through_the_cli(tmp_path):
    text = tmp_path / "plan.txt"
    shutil.copyfile(PLANS / "zhejiang-2024.txt", text)
    result = CliRunner().invoke(app, ["start", str(text), "--province", "220000", "--level",
                                      "county", "--out", str(tmp_path / "out"), "--draws", "0"])
    assert result.exit_code == 0, result.output
    assert "jilin-counties" in result.output and "待核对" in result.output
    check_outputs(tmp_path / "out", 60)


def test_the_steps_one_by_one_give_the_same_scenario(tmp_path):
    text = tmp_path / "plan.txt"
    shutil.copyfile(PLANS / "zhejiang-2024.txt", text)
    runner = CliRunner()
    draft = tmp_path / "draft.yaml"
    r = runner.invoke(app, ["extract", str(text), "-o", str(draft), "--province-code", "220000",
                            "--region-set", "jilin-prefectures"])
    assert r.exit_code == 0, r.output
    assert "REVIEW 待核对" in draft.read_text(encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    r = runner.invoke(app, ["baseline", str(draft), "--region-set", "jilin-prefectures",
                            "-o", str(scenario)])
    assert r.exit_code == 0, r.output
    loaded = load_scenario(scenario)
    assert loaded.regions.name == "jilin-prefectures" and loaded.rules
    r = runner.invoke(app, ["allocate", str(scenario), "--out", str(tmp_path / "alloc"),
                            "--draws", "0", "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "alloc" / "allocation.csv").is_file()


def test_a_folder_start_did_not_make_is_refused_and_nothing_is_written(tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    text = tmp_path / "plan.txt"
    shutil.copyfile(PLANS / "zhejiang-2024.txt", text)
    result = CliRunner().invoke(app, ["start", str(text), "--province", "吉林", "--out", str(out)])
    assert result.exit_code == 2 and "not written by `minshi-geo start`" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_province_spellings_levels_and_steps():
    assert province_of("山东")[1] == province_of("山东省")[1] == province_of("370000")[1] == "370000"
    assert province_of("shandong")[2] == "shandong"
    with pytest.raises(StartError, match="unknown province"):
        province_of("山动")
    jilin = province_of("吉林")
    assert (region_set_name(jilin, "prefecture"), region_set_name(jilin, "county")) == (
        "jilin", "jilin-counties")
    with pytest.raises(StartError, match="--level"):
        region_set_name(jilin, "town")
    assert (step_of(3000), step_of(4.3), step_of(16.66)) == (1, 0.1, 0.01)


def test_a_plan_naming_no_province_asks_for_one(tmp_path):
    text = tmp_path / "plan.txt"
    text.write_text("2023年民生实事\n1、新建公厕60座。\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["start", str(text), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--province" in result.output


def test_the_scenario_a_planner_edits_is_plain_yaml_with_comments(tmp_path):
    text = tmp_path / "plan.txt"
    text.write_text("2023年吉林省民生实事\n1、改造农村户厕3000户。\n2、新增城镇就业5万人。\n",
                    encoding="utf-8")
    start(text, tmp_path / "o", draws=0)
    raw = yaml.safe_load((tmp_path / "o" / "scenario.yaml").read_text(encoding="utf-8"))
    assert raw["region_set"] == "jilin" and raw["plan"] == "catalogue.yaml"
    assert raw["targets"]["1.1"]["factors"] == {"rural_population": 1}
