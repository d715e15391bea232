"""The map engine without a browser: offline assets, one simplified layer, escaping, classes,
modes, tiles, errors and the PNG export (real Jilin plan, regions and baseline allocation)."""

from __future__ import annotations

import json
import re
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely
from font_fixtures import cjk_font  # noqa: F401  (fixture)
from maps_fixtures import (
    HOSTILE_HTML,
    HOSTILE_TEMPLATE,
    area_split,
    baseline,
    hostile_regions,
    renamed,
)

from minshi_geo.coords import to_gcj02
from minshi_geo.indicators import load_indicators
from minshi_geo.maps import allocation_map, allocation_page, assets, compare_map, progress_map
from minshi_geo.maps.compare import CompareError
from minshi_geo.maps.geometry import region_shapes
from minshi_geo.maps.legend import (
    DIVERGING,
    diverging_classes,
    format_number,
    format_percent,
    sequential_classes,
)
from minshi_geo.maps.page import MapOptionError, tile_options
from minshi_geo.maps.progress import ProgressMapError, progress_page
from minshi_geo.maps.regions_view import RegionMismatchError
from minshi_geo.regions import load_region_set

CDN_HOSTS = ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn")


@pytest.fixture(scope="module")
def jilin():
    return load_region_set("jilin")


@pytest.fixture(scope="module")
def baseline_html(tmp_path_factory, jilin):
    path = allocation_map(baseline(), jilin, tmp_path_factory.mktemp("m") / "allocation.html")
    return path.read_text(encoding="utf-8")


def embedded(html: str, index: int):
    """The JSON arguments of the page's minshiMap(map, DATA, GEO) call."""
    call = html[html.index("minshiMap(map_"):]
    decoder = json.JSONDecoder()
    start = call.index(",") + 1
    data, end = decoder.raw_decode(call[start:].lstrip())
    if index == 0:
        return data
    rest = call[start:].lstrip()[end:]
    return decoder.raw_decode(rest[rest.index(",") + 1:].lstrip())[0]


# ---------------------------------------------------------------------------- offline
def test_page_inlines_leaflet_and_links_no_script_or_style(baseline_html):
    assert "<script src" not in baseline_html.replace(" ", "")
    assert "<link" not in baseline_html
    for host in CDN_HOSTS:
        assert host not in baseline_html
    assert 't.version="1.9.4"' in baseline_html
    assert "sourceMappingURL" not in baseline_html
    # The stylesheet's images are data: URIs, not files next to the page.
    assert "url(images/" not in baseline_html and "data:image/png;base64," in baseline_html


def test_page_is_marked_chinese_and_fits_small_screens(baseline_html):
    assert baseline_html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in baseline_html


def test_vendored_leaflet_ships_with_its_bsd_licence():
    licence = (assets.LEAFLET_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "BSD 2-Clause" in licence and "Volodymyr Agafonkin" in licence
    assert "</script" not in assets.leaflet_js().lower()


def test_whole_jilin_plan_map_is_under_one_megabyte(baseline_html):
    assert len(baseline_html.encode("utf-8")) < 1_000_000


def test_one_geometry_layer_serves_every_target(baseline_html):
    assert baseline_html.count('"type": "FeatureCollection"') == 1
    data = embedded(baseline_html, 0)
    targets = baseline().target_ids
    assert len(targets) == 52
    assert [t for g in data["groups"] for t in g["layers"]] == targets
    for t in targets:
        for mode in ("quantity", "per10k", "share"):
            assert len(data["views"][f"{t}|{mode}"]["cls"]) == 11


def test_title_names_plan_scenario_date_and_data_status(baseline_html):
    data = embedded(baseline_html, 0)
    meta = baseline().meta
    assert "2023年吉林省民生实事" in data["title"]
    assert meta["scenario_title"] in data["subtitle"]
    assert meta["created_at"][:10] in data["subtitle"]
    assert ("示例数据" if meta["sample"] else "正式数据") in data["subtitle"]


def test_sample_allocation_carries_the_sample_banner(tmp_path, jilin):
    html = allocation_map(area_split("jilin"), jilin, tmp_path / "a.html").read_text("utf-8")
    assert "示例数据" in embedded(html, 0)["banner"]


# ---------------------------------------------------------------------------- geometry
def test_coverage_simplification_keeps_shared_borders_and_rounds_coordinates():
    counties = load_region_set("jilin-counties")
    shapes = region_shapes(counties.frame, counties.codes)
    geoms = [shapely.geometry.shape(f["geometry"]) for f in shapes.geojson["features"]]
    assert len(geoms) == 60 and all(g.is_valid for g in geoms)
    simplified_vertices = sum(len(shapely.get_coordinates(g)) for g in geoms)
    original_vertices = sum(len(shapely.get_coordinates(g)) for g in counties.frame.geometry)
    assert simplified_vertices < original_vertices / 5
    # Neighbours still meet: no overlaps and no gaps (sum of areas = area of the union).
    total = sum(g.area for g in geoms)
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(total, rel=1e-6)
    assert union.area == pytest.approx(shapely.union_all(counties.frame.geometry).area, rel=0.01)
    coords = shapely.get_coordinates(geoms)
    assert np.allclose(coords, np.round(coords, 4), atol=1e-12)


def test_point_region_stays_a_point(jilin):
    shapes = region_shapes(jilin.frame, jilin.codes)
    last = shapes.geojson["features"][-1]
    assert jilin.codes[-1] == "changbaishan" and last["geometry"]["type"] == "Point"


def test_gaode_tiles_shift_the_overlay_to_gcj02(tmp_path, jilin):
    plain = region_shapes(jilin.frame, jilin.codes)
    shifted = region_shapes(jilin.frame, jilin.codes, gcj02=True)
    a = shapely.geometry.shape(plain.geojson["features"][0]["geometry"])
    b = shapely.geometry.shape(shifted.geojson["features"][0]["geometry"])
    expected = to_gcj02(a)
    assert shapely.get_coordinates(b) == pytest.approx(shapely.get_coordinates(expected), abs=2e-4)
    assert not np.allclose(shapely.get_coordinates(a), shapely.get_coordinates(b), atol=1e-3)
    html = allocation_map(area_split("jilin"), jilin, tmp_path / "g.html", tiles="gaode")
    assert "autonavi.com" in html.read_text("utf-8")


def test_default_tiles_are_none_and_unknown_tiles_are_refused(baseline_html, monkeypatch):
    assert "tile.openstreetmap.org" not in baseline_html and "autonavi" not in baseline_html
    with pytest.raises(MapOptionError, match="--tiles 'google': expected one of none, osm"):
        tile_options("google")
    monkeypatch.delenv("MINSHI_TIANDITU_KEY", raising=False)
    with pytest.raises(MapOptionError, match="MINSHI_TIANDITU_KEY is not set"):
        tile_options("tianditu")
    monkeypatch.setenv("MINSHI_TIANDITU_KEY", "k123")
    assert tile_options("tianditu")["tiles"].endswith("tk=k123")


# ---------------------------------------------------------------------------- escaping
def test_hostile_names_never_reach_the_html_raw(tmp_path):
    alloc = renamed(area_split("jilin"), "220100", HOSTILE_HTML, scenario_title=HOSTILE_TEMPLATE)
    alloc.table["metric"] = alloc.table["metric"].where(
        alloc.table["target_id"] != alloc.target_ids[0], "</script><script>alert(2)</script>"
    )
    html = allocation_map(alloc, hostile_regions("jilin", "220100"), tmp_path / "h.html")
    text = html.read_text("utf-8")
    assert "<img src=x" not in text
    assert "${alert" not in text
    assert "<script>alert" not in text
    data = embedded(text, 0)
    assert data["regions"][0]["name"] == HOSTILE_HTML  # intact, as text, after decoding
    assert HOSTILE_TEMPLATE in data["subtitle"]


def test_template_syntax_in_names_stays_text(tmp_path):
    # the page's data is written as it is, never run through jinja (which would compute
    # {{ 7*7 }} and fail on an unclosed {% …)
    name = "{{ 7*7 }}{% if x %}{#"
    alloc = renamed(area_split("jilin"), "220100", name, scenario_title="{{ 6*7 }}")
    text = allocation_map(alloc, hostile_regions("jilin", "220100", name),
                          tmp_path / "j.html").read_text("utf-8")
    data = embedded(text, 0)
    assert data["regions"][0]["name"] == name
    assert "{{ 6*7 }}" in data["subtitle"] and "42" not in data["subtitle"]


def test_page_title_element_is_escaped(tmp_path):
    alloc = renamed(area_split("jilin"), "220100", "长春市",
                    plan_path="", plan_id="<b>x</b>")  # fmt: skip
    text = allocation_map(alloc, load_region_set("jilin"), tmp_path / "t.html").read_text("utf-8")
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    assert "&lt;b&gt;x&lt;/b&gt;" in title and "<b>" not in title


# ---------------------------------------------------------------------------- values
def test_per_10k_divides_by_the_census_population(jilin):
    data, _ = allocation_page(baseline(), jilin)
    target = baseline().target_ids[0]
    changchun = baseline().target(target).set_index("region_code").loc["220100", "quantity"]
    view = data.views[f"{target}|per10k"]
    assert view["rank"][0] == pytest.approx(changchun / 9_066_906 * 10_000, rel=1e-6)
    assert "/万人" in view["value"][0]


def test_share_mode_sums_to_the_whole_province(jilin):
    data, _ = allocation_page(baseline(), jilin)
    for target in baseline().target_ids:
        ranks = [r for r in data.views[f"{target}|share"]["rank"] if r is not None]
        assert sum(ranks) == pytest.approx(1.0, abs=1e-5)


def test_tooltip_rows_hold_quota_and_the_factor_values_used(jilin):
    data, _ = allocation_page(baseline(), jilin)
    target = baseline().target_ids[0]
    layer = data.layers[target]
    unit = baseline().target(target)["unit"].iloc[0]
    assert [row[0] for row in layer["tips"]][:3] == [
        f"分配数量（{unit}）", "占全省比例", "测算份额（因素法）"
    ]
    assert set(layer["facts"]) == set(baseline().meta["factors"][target])
    assert data.facts["population"]["cells"][0] == "9,066,906 人"


def test_region_codes_outside_the_region_set_are_named(tmp_path):
    with pytest.raises(RegionMismatchError, match="region codes 220581, changbaishan"):
        allocation_map(baseline(), load_region_set("jilin-prefectures"), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


# ---------------------------------------------------------------------------- classes
def test_few_distinct_values_get_one_class_each():
    classes = sequential_classes([0, 5, 5, 10, None])
    assert classes.cls == [0, 1, 1, 2, -1]
    assert [label for _, label in classes.legend] == ["0", "5", "10"]


def test_fisher_jenks_classes_cover_every_value_in_order():
    values = [1, 2, 3, 10, 11, 12, 50, 51, 100, 200, 400]
    classes = sequential_classes(values)
    assert len(classes.legend) == 5
    assert classes.cls == sorted(classes.cls)
    assert classes.cls[-1] == 4 and classes.cls[0] == 0


def test_whole_number_classes_are_named_by_the_counts_they_hold():
    # "0 – 0" and "> 0 – 1" read badly for bridges and stations: say "0" and "1 – 2".
    classes = sequential_classes([0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 9, 9])
    labels = [label for _, label in classes.legend]
    assert labels == ["0", "1 – 2", "3 – 4", "5 – 6", "7 – 9"]  # joined: no gap 7–8
    hundreds = sequential_classes([500, 4400, 8300, 9100, 11900, 13800, 16800, 18100, 30400,
                                   105400])
    joined = [label for _, label in hundreds.legend]
    assert joined[0].startswith("500 – ") and all(
        int(b.split(" – ")[0].replace(",", "")) == int(a.split(" – ")[-1].replace(",", "")) + 100
        for a, b in zip(joined, joined[1:]))
    fractional = sequential_classes([0.1, 0.2, 0.5, 0.7, 1.3, 2.2, 3.1])
    fractions = [label for _, label in fractional.legend]
    assert fractions[0] == "0.1 – 0.2" and fractions[1].startswith("> 0.2 – ")


def test_diverging_classes_are_symmetric_and_zero_is_neutral():
    classes = diverging_classes([-100, -10, 0, 10, 100, None])
    colours = classes.colours()
    assert colours[:5] == [DIVERGING[0], DIVERGING[2], DIVERGING[3], DIVERGING[4], DIVERGING[6]]
    assert diverging_classes([0, 0]).legend == [(DIVERGING[3], "无变化")]


def test_numbers_are_written_the_chinese_report_way():
    assert format_number(230000) == "230,000"
    assert format_number(12.5) == "12.5"
    assert format_number(0.0417) == "0.042"
    assert format_number(float("nan")) == "—"


# ---------------------------------------------------------------------------- compare
def test_compare_writes_no_change_in_each_modes_own_form():
    from minshi_geo.maps.compare import _signed

    assert _signed(0.0, format_percent) == "0.0%"
    assert _signed(0.0, format_number) == "0"
    assert _signed(-0.25, format_percent) == "−25.0%"


def test_compare_refuses_allocations_of_different_region_sets(tmp_path, jilin):
    with pytest.raises(CompareError, match="region set 'jilin'.*'jilin-counties'"):
        compare_map(area_split("jilin"), area_split("jilin-counties"), jilin, tmp_path / "c.html")


def test_compare_tooltip_has_both_scenarios_values(tmp_path, jilin):
    a = baseline()
    html = compare_map(a, area_split("jilin"), jilin, tmp_path / "c.html").read_text("utf-8")
    data = embedded(html, 0)
    target = a.target_ids[0]
    tips = {row[0][:2]: row[1] for row in data["layers"][target]["tips"]}
    qa = a.target(target).set_index("region_code").loc["220100", "quantity"]
    assert tips["A："][0] == f"{qa:,} 人"
    assert data["views"][f"{target}|change"]["legend"][0][0] == DIVERGING[0]


# ---------------------------------------------------------------------------- progress
def _status():
    from minshi_geo.catalogue import load_plan
    from minshi_geo.progress.status import status_from_values

    alloc = baseline()
    rows = []
    for k, period in enumerate([date(2023, 3, 31), date(2023, 6, 30)]):
        for r in alloc.table.itertuples():
            rows.append({"period_end": period, "target_id": r.target_id,
                         "region_code": r.region_code, "region_name": r.region_name,
                         "completed": float(r.quantity) * (0.1 if r.region_code == "220200"
                                                           else 0.3 * (k + 1)),
                         "status": None, "note": None, "sample": False})  # fmt: skip
    return status_from_values(pd.DataFrame(rows), alloc, load_plan())


def test_progress_page_has_a_view_per_target_mode_and_period(jilin):
    status = _status()
    data, _ = progress_page(status, jilin)
    assert data.periods == ["2023-03-31", "2023-06-30"]
    for layer in ["all", *baseline().target_ids]:
        for mode in ("light", "rate"):
            for p in (0, 1):
                assert len(data.views[f"{layer}|{mode}|{p}"]["cls"]) == 11
    # 吉林市 at 10 % by 6-30 is far behind 序时进度: red, and listed in the panel.
    last = data.views["all|light|1"]
    assert last["legend"][last["cls"][1]][1] == "严重滞后"
    assert any(row[0] == 1 for row in data.lists["all|1"]["rows"])


def test_progress_map_needs_the_status_columns_and_some_rows(tmp_path, jilin):
    with pytest.raises(ProgressMapError, match="missing columns .*light"):
        progress_map(pd.DataFrame({"period_end": []}), jilin, tmp_path / "p.html")
    from minshi_geo.progress.status import STATUS_COLUMNS

    with pytest.raises(ProgressMapError, match="no rows"):
        progress_map(pd.DataFrame(columns=STATUS_COLUMNS), jilin, tmp_path / "p.html")


# ---------------------------------------------------------------------------- PNG
def test_png_export_draws_chinese_without_missing_glyphs(tmp_path, jilin, cjk_font):
    from minshi_geo.fonts import family_names
    from minshi_geo.maps.png import write_pngs

    assert cjk_font in family_names()
    targets = baseline().target_ids[:2]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing")
        files = write_pngs(baseline(), jilin, tmp_path / "png", targets=targets)
    assert [p.name for p in files][0] == f"{targets[0]}_城镇新增就业.png"
    assert [p.name for p in files][-1] == "overview.png" and len(files) == 3
    for p in files:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_sample_pngs_say_so_in_their_title_and_name_the_plan(tmp_path, jilin, cjk_font):
    from PIL import Image

    from minshi_geo.maps.png import write_pngs

    split = area_split("jilin")  # 示例 data
    files = write_pngs(split, jilin, tmp_path / "png", targets=split.target_ids[:1])
    for p in files:
        with Image.open(p) as image:
            assert "（示例数据）" in image.text["Title"]
            assert "2023年吉林省民生实事" in image.text["Title"] + image.text["Description"]
    real = write_pngs(baseline(), jilin, tmp_path / "real", targets=baseline().target_ids[:1])
    with Image.open(real[0]) as image:
        assert "示例" not in image.text["Title"]
        assert image.text["Description"].startswith("2023年吉林省民生实事")


def test_png_prints_dollar_signs_in_names_as_written(tmp_path, cjk_font):
    # matplotlib would read "$…$" as mathtext: a name like this stopped the export.
    from PIL import Image

    from minshi_geo.maps.png import write_pngs

    split = area_split("jilin")
    name = "长春$\\frac{1}{$市"
    odd = renamed(split, "220100", name, scenario_title="方案 $x^$ 与 $\\bad{$")
    files = write_pngs(odd, hostile_regions("jilin", "220100", name), tmp_path / "png",
                       targets=split.target_ids[:1])
    with Image.open(files[0]) as image:
        assert "方案 $x^$ 与 $\\bad{$" in image.text["Description"]


def test_png_names_60_counties_without_overlap(cjk_font):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minshi_geo.maps.geometry import region_shapes
    from minshi_geo.maps.png import _Canvas
    from minshi_geo.maps.regions_view import map_regions

    view = map_regions(load_region_set("jilin-counties"))
    shapes = region_shapes(view.frame, view.codes)
    with matplotlib.rc_context({"font.sans-serif": [cjk_font]}):
        fig, ax = plt.subplots(figsize=(8, 7))
        canvas = _Canvas(ax, shapes, view.labels, view.points, 6)
        shown = canvas.declutter(fig)
        renderer = fig.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in canvas.texts if t.get_visible()]
        plt.close(fig)
    assert shown == len(boxes) >= 40  # most county names fit at 6 pt on a report page
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])


def test_png_footer_breaks_between_parts_so_lines_never_overlap():
    from minshi_geo.maps.png import footer_lines

    lines = footer_lines("甲" * 40 + " · " + "乙" * 20 + " · " + "丙" * 30, width=70)
    assert lines == ["甲" * 40 + " · " + "乙" * 20, "丙" * 30]


def test_per_10k_is_left_out_when_some_region_has_no_population():
    # every Jilin county has a census population now; one is left out to test the rule
    counties = load_region_set("jilin-counties")
    table = load_indicators(region_set=counties)
    population = table[table["indicator"] == "population"].set_index("region_code")["value"]
    population = population[counties.codes].drop("220102")
    data, _ = allocation_page(area_split("jilin-counties"), counties, population=population)
    assert [m["id"] for m in data.modes] == ["quantity", "share"]
    assert "无常住人口数据" in data.note
    assert not any(key.endswith("|per10k") for key in data.views)


def test_progress_map_works_from_the_contract_columns_alone(tmp_path, jilin):
    from minshi_geo.progress.status import STATUS_COLUMNS

    full = _status()
    data, _ = progress_page(full, jilin)
    bare, _ = progress_page(full[STATUS_COLUMNS], jilin)
    assert bare.views["all|light|1"]["cls"] == data.views["all|light|1"]["cls"]
    assert bare.views["all|rate|0"]["rank"] == data.views["all|rate|0"]["rank"]


def test_progress_map_says_a_reported_province_wide_rate_was_reported(jilin):
    """11.1 信息采集率 is not split (no light), but 长春 did report it: 不适用 (reported, not judged), not 未报送."""
    from minshi_geo.catalogue import load_plan
    from minshi_geo.progress.status import status_from_values

    period = date(2023, 6, 30)
    rows = [{"period_end": period, "target_id": "11.1", "region_code": "220100",
             "region_name": "长春市", "completed": 91.5, "status": None, "note": None,
             "sample": False}]  # fmt: skip
    status = status_from_values(pd.DataFrame(rows), baseline(), load_plan())
    data, _ = progress_page(status, jilin)
    view = data.views["11.1|light|0"]
    changchun = jilin.codes.index("220100")
    assert view["value"][changchun].startswith("不适用")
    others = [v for i, v in enumerate(view["value"]) if i != changchun]
    assert "不适用" not in " ".join(str(v) for v in others)


def test_per_10k_figures_of_one_target_share_one_decimal_rule():
    from minshi_geo.maps.allocation import allocation_page

    data, _ = allocation_page(baseline(), load_region_set("jilin"))
    for key, view in data.views.items():
        if not key.endswith("|per10k"):
            continue
        shown = [t.split(" ")[0] for t, r in zip(view["value"], view["rank"]) if r is not None]
        decimals = {len(t.split(".")[1]) if "." in t else 0 for t in shown}
        assert len(decimals) == 1, (key, shown)


def test_shapes_are_simplified_once_per_region_set_and_each_map_gets_its_own_copy(jilin):
    from minshi_geo.maps import geometry

    geometry._DRAWN_CACHE.clear()
    first = region_shapes(jilin.frame, jilin.codes)
    assert len(geometry._DRAWN_CACHE) == 1
    first.geojson["features"][0]["properties"]["style"] = {"color": "red"}  # folium may do so
    first.geojson["features"][0]["geometry"]["coordinates"].clear()
    again = region_shapes(jilin.frame, jilin.codes)
    assert len(geometry._DRAWN_CACHE) == 1, "the same shapes are not simplified again"
    geometry._DRAWN_CACHE.clear()
    fresh = region_shapes(jilin.frame, jilin.codes)
    assert again.geojson == fresh.geojson and again.labels == fresh.labels
    assert "style" not in again.geojson["features"][0]["properties"]
    region_shapes(jilin.frame, jilin.codes, gcj02=True)
    assert len(geometry._DRAWN_CACHE) == 2, "other drawing options are another entry"
