"""Region sets: names resolve from any reasonable spelling, geometry tiles the province."""

from __future__ import annotations

import csv
import itertools
import json
import math

import pytest
import shapely
from typer.testing import CliRunner

from minshi_geo import boundaries, paths
from minshi_geo.cli import app
from minshi_geo.regions import (
    FRAME_COLUMNS,
    TABLE_COLUMNS,
    RegionSetError,
    UnknownRegionError,
    load_region_set,
    write_region_table,
)

JILIN_11 = [
    "220100",
    "220200",
    "220300",
    "220400",
    "220500",
    "220600",
    "220700",
    "220800",
    "222400",
    "220581",
    "changbaishan",
]


@pytest.fixture(scope="module")
def jilin():
    return load_region_set("jilin")


@pytest.fixture(scope="module")
def prefectures():
    return load_region_set("jilin-prefectures")


@pytest.fixture(scope="module")
def counties():
    return load_region_set("jilin-counties")


# --- name resolution -----------------------------------------------------------------------

SPELLINGS_JILIN = [
    ("长春", "220100"),
    ("长春市", "220100"),
    ("Changchun", "220100"),
    ("changchun", "220100"),
    ("CHANGCHUN", "220100"),
    ("220100", "220100"),
    ("  长 春 ", "220100"),
    ("２２０１００", "220100"),
    ("长春\u3000", "220100"),
    ("Changchun City", "220100"),
    ("changchun-shi", "220100"),
    ("吉林", "220200"),
    ("吉林市", "220200"),
    ("Jilin City", "220200"),
    ("四平", "220300"),
    ("Siping", "220300"),
    ("辽源市", "220400"),
    ("liaoyuan", "220400"),
    ("通化", "220500"),
    ("Tonghua City", "220500"),
    ("220500", "220500"),
    ("白山", "220600"),
    ("Baishan", "220600"),
    ("松原市", "220700"),
    ("白城", "220800"),
    ("Ｂａｉｃｈｅｎｇ", "220800"),
    ("延边州", "222400"),
    ("延边朝鲜族自治州", "222400"),
    ("Yanbian", "222400"),
    ("延边", "222400"),
    ("yanbian zhou", "222400"),
    ("Yanbian Korean Autonomous Prefecture", "222400"),
    ("222400", "222400"),
    ("梅河口", "220581"),
    ("梅河口市", "220581"),
    ("Meihekou", "220581"),
    ("meihekou city", "220581"),
    ("220581", "220581"),
    ("长白山", "changbaishan"),
    ("长白山管委会", "changbaishan"),
    ("长白山保护开发区管理委员会", "changbaishan"),
    ("长白山保护开发区管委会", "changbaishan"),
    ("Changbaishan", "changbaishan"),
    ("changbaishan", "changbaishan"),
    ("Changbai Mountain", "changbaishan"),
]

SPELLINGS_COUNTIES = [
    ("公主岭市", "220184"),
    ("公主岭", "220184"),
    ("Gongzhuling", "220184"),
    ("220184", "220184"),
    ("前郭尔罗斯蒙古族自治县", "220721"),
    ("前郭", "220721"),
    ("前郭县", "220721"),
    ("Qian Gorlos", "220721"),
    ("绿园区", "220106"),
    ("Lvyuan", "220106"),
    ("Lüyuan", "220106"),
    ("Luyuan District", "220106"),
    ("西安区", "220403"),
    ("Xi'an", "220403"),
    ("长白县", "220623"),
    ("长白朝鲜族自治县", "220623"),
    ("延吉", "222401"),
    ("Hunchun", "222404"),
    ("集安市", "220582"),
    ("Ji'an", "220582"),
    ("梅河口", "220581"),
    ("Antu County", "222426"),
    ("安图县", "222426"),
    ("通化县", "220521"),
]


def test_the_spelling_table_is_long_enough():
    assert len(SPELLINGS_JILIN) + len(SPELLINGS_COUNTIES) >= 40


@pytest.mark.parametrize(("text", "code"), SPELLINGS_JILIN)
def test_jilin_set_resolves(jilin, text, code):
    assert jilin.resolve(text) == code


@pytest.mark.parametrize(("text", "code"), SPELLINGS_COUNTIES)
def test_county_set_resolves(counties, text, code):
    assert counties.resolve(text) == code


def test_nine_prefecture_set_resolves_tonghua_and_not_meihekou(prefectures):
    assert prefectures.resolve("通化市") == "220500"
    with pytest.raises(UnknownRegionError):
        prefectures.resolve("梅河口")


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("Changchn", "长春市 (220100)"),
        ("长村市", "长春市 (220100)"),
        ("Yanbain", "延边朝鲜族自治州 (222400)"),
        ("梅河", "梅河口市 (220581)"),
        ("吉林省", "吉林市 (220200)"),
        ("Meihekuo", "梅河口市 (220581)"),
        ("长白山管理委员会", "长白山保护开发区管理委员会 (changbaishan)"),
    ],
)
def test_wrong_names_fail_with_the_closest_suggestions(jilin, text, suggested):
    with pytest.raises(UnknownRegionError, match=r"did you mean") as info:
        jilin.resolve(text)
    assert suggested in info.value.suggestions
    assert "\n" not in str(info.value)
    assert "minshi-geo regions --set jilin" in info.value.hint


@pytest.mark.parametrize(
    ("set_fixture", "text", "message", "suggested"),
    [
        # a county named in a coarser set: say which region holds it, never a look-alike
        # (长白县 is in 白山市; a spelling guess offered 长白山管委会, a different body)
        ("jilin", "长白县", "长白朝鲜族自治县 (220623) lies inside 白山市 (220600) in this set",
         ["白山市 (220600)"]),
        ("jilin", "前郭县", "前郭尔罗斯蒙古族自治县 (220721) lies inside 松原市 (220700)",
         ["松原市 (220700)"]),
        ("jilin", "公主岭", "公主岭市 (220184) lies inside 长春市 (220100)", ["长春市 (220100)"]),
        ("jilin", "220184", "公主岭市 (220184) lies inside 长春市 (220100)", ["长春市 (220100)"]),
        ("prefectures", "梅河口", "梅河口市 (220581) lies inside 通化市 (220500)",
         ["通化市 (220500)"]),
        # 长白山管委会 exists only in the 11-unit set
        ("prefectures", "长白山管委会",
         "长白山保护开发区管理委员会 (changbaishan) is a region of set jilin, not of "
         "jilin-prefectures", []),
        ("counties", "长白山", "长白山保护开发区管理委员会 (changbaishan) is a region of set jilin",
         []),
        # a prefecture named in the county set: it is several regions here
        ("counties", "通化", "通化市 (220500) is not one region here but 7: 东昌区, 二道江区, "
         "通化县, 辉南县, … 3 more", None),
        ("counties", "Tonghua", "通化市 (220500) is not one region here but 7", None),
    ],
)
def test_names_from_another_level_say_where_they_belong(request, set_fixture, text, message,
                                                        suggested):
    regions = request.getfixturevalue(set_fixture)
    with pytest.raises(UnknownRegionError) as info:
        regions.resolve(text)
    assert str(info.value).startswith(f"unknown region '{text}' in region set {regions.name}: ")
    assert message in str(info.value)
    assert "did you mean" not in str(info.value)
    if suggested is not None:
        assert info.value.suggestions == suggested


def test_in_the_county_set_tonghua_is_not_silently_tonghua_county(counties):
    # "通化" means 通化市 to a planner; 通化县 is one of its seven counties.
    assert counties.resolve("通化县") == "220521"
    assert counties.resolve("Tonghua County") == "220521"
    assert counties.frame.at["220521", "short_name"] == "通化县"


@pytest.mark.parametrize("text", ["", "沈阳", "999999"])
def test_names_far_from_any_region_fail_without_a_guess(jilin, text):
    with pytest.raises(UnknownRegionError, match=f"unknown region '{text}' in region set jilin"):
        jilin.resolve(text)


def test_province_is_accepted_only_where_asked_for(jilin):
    assert jilin.resolve_or_province("吉林省") == "220000"
    assert jilin.resolve_or_province("220000") == "220000"
    assert jilin.name_of("220000") == "吉林省"


# --- the frame -----------------------------------------------------------------------------


def test_jilin_is_the_default_set_of_11_units(jilin):
    default = load_region_set()
    assert default.name == "jilin" and default.codes == JILIN_11
    assert list(jilin.frame.columns) == FRAME_COLUMNS
    assert list(jilin.frame.index) == JILIN_11
    assert jilin.frame.crs.to_epsg() == 4326
    assert jilin.name_of("changbaishan") == "长白山保护开发区管理委员会"
    assert jilin.frame.at["222400", "short_name"] == "延边州"
    assert "Yanbian" in jilin.frame.at["222400", "aliases"]


def test_region_kinds_and_parents(jilin):
    kinds = jilin.frame["kind"].to_dict()
    assert kinds.pop("changbaishan") == "point"
    assert set(kinds.values()) == {"polygon"}
    assert set(jilin.frame["parent_code"]) == {"220000"}  # 梅河口 reports to the province


def test_every_region_of_every_set_has_a_valid_geometry(jilin, prefectures, counties):
    for regions, size in ((jilin, 11), (prefectures, 9), (counties, 60)):
        assert len(regions) == size
        geoms = regions.frame.geometry
        assert geoms.is_valid.all() and not geoms.is_empty.any()


def test_eleven_regions_cover_jilin_without_overlap(jilin):
    polygons = jilin.frame[jilin.frame["kind"] == "polygon"].to_crs(boundaries.EQUAL_AREA_CRS)
    overlap = sum(
        shapely.intersection(a, b).area for a, b in itertools.combinations(polygons.geometry, 2)
    )
    assert overlap < 1.0  # m²
    province = boundaries.read_layer(jilin.boundaries_path, "county").to_crs(
        boundaries.EQUAL_AREA_CRS
    )
    whole = shapely.union_all(province.geometry.values)
    union = shapely.union_all(polygons.geometry.values)
    assert shapely.symmetric_difference(union, whole).area < 1.0
    # 长白山 (a point) lies on the province, inside 安图县 where its seat 二道白河 is
    point = jilin.frame.at["changbaishan", "geometry"]
    antu = load_region_set("jilin-counties").frame.at["222426", "geometry"]
    assert antu.contains(point)
    # ... and inside the published extent of 池北区 (127°53′–128°34′E, 42°01′–42°48′N)
    assert 127 + 53 / 60 <= point.x <= 128 + 34 / 60 and 42 + 1 / 60 <= point.y <= 42 + 48 / 60


def test_tonghua_is_the_prefecture_minus_meihekou(jilin, prefectures):
    area = jilin.frame["area_km2"]
    assert area["220500"] + area["220581"] == pytest.approx(
        prefectures.frame.at["220500", "area_km2"], rel=1e-9
    )
    assert not jilin.frame.at["220500", "geometry"].intersects(
        jilin.frame.at["220581", "geometry"].representative_point()
    )
    assert jilin.recipes["220500"] == "220500 − 220581"


def test_areas_are_equal_area_km2_and_nan_for_the_point(jilin):
    area = jilin.frame["area_km2"]
    assert math.isnan(area["changbaishan"])
    assert area.sum() == pytest.approx(191_007, rel=1e-3)
    assert 2_170 < area["220581"] < 2_185  # sourced: 2,179 km²


def test_county_set_parents_are_the_nine_prefectures(counties, prefectures):
    assert set(counties.frame["parent_code"]) == set(prefectures.codes)
    assert counties.frame.at["220184", "parent_code"] == "220100"


# --- loading errors ------------------------------------------------------------------------


def test_unknown_set_name_suggests_the_close_one():
    with pytest.raises(
        RegionSetError,
        match=r"unknown region set 'jilin-prefecture' — did you "
        r"mean jilin-prefectures\?",
    ):
        load_region_set("jilin-prefecture")


def _write(tmp_path, body: str):
    path = tmp_path / "custom.yaml"
    path.write_text(
        'name: custom\nprovince: {code: "220000", name: 吉林省}\n'
        f"boundaries: {paths.BOUNDARIES_DIR / 'jilin.gpkg'}\nregions:\n{body}",
        encoding="utf-8",
    )
    return path


def test_a_custom_set_with_a_union_recipe_loads(tmp_path):
    path = _write(
        tmp_path,
        '  - {code: east, name: 东部, geometry: {union: ["220600", "222400"]}}\n'
        '  - {code: "220100", name: 长春市, geometry: {feature: "220100"}}\n',
    )
    regions = load_region_set(path)
    assert regions.codes == ["east", "220100"]
    assert regions.recipes["east"] == "220600 + 222400"
    assert regions.resolve("东部") == "east"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '  - {code: x, name: X, geometry: {feature: "229999"}}\n',
            r"custom.yaml: region x, geometry: adcode '229999' is not in jilin.gpkg",
        ),
        ("  - {code: x, name: X}\n", r"custom.yaml: regions\[0\]: missing key 'geometry'"),
        (
            '  - {code: x, name: X, geometry: {feature: "220100", point: [1, 2]}}\n',
            r"region x, geometry: a geometry needs exactly one of",
        ),
        (
            "  - {code: x, name: X, geometry: {point: [128.1]}}\n",
            r"region x, geometry: point must be \[lon, lat\]",
        ),
        (
            (
                '  - {code: a, name: 甲, aliases: [same], geometry: {feature: "220100"}}\n'
                '  - {code: b, name: 乙, aliases: [Same], geometry: {feature: "220200"}}\n'
            ),
            r"region b: spelling 'Same' also names region a",
        ),
        (
            (
                '  - {code: a, name: 甲, geometry: {feature: "220100"}}\n'
                '  - {code: a, name: 乙, geometry: {feature: "220200"}}\n'
            ),
            r"region a: code listed twice",
        ),
        (
            '  - {code: x, name: X, geometry: {difference: ["220581", "220500"]}}\n',
            r"region x: geometry recipe 220581 − 220500 gives an empty shape",
        ),
    ],
    ids=[
        "unknown-adcode",
        "no-geometry",
        "two-recipes",
        "bad-point",
        "shared-alias",
        "duplicate-code",
        "empty-difference",
    ],
)
def test_malformed_region_sets_name_file_region_and_key(tmp_path, body, message):
    with pytest.raises(RegionSetError, match=message):
        load_region_set(_write(tmp_path, body))


# --- outputs -------------------------------------------------------------------------------


def test_write_region_table_writes_the_csv(tmp_path, jilin):
    out = write_region_table(jilin, tmp_path / "regions.csv")
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == TABLE_COLUMNS
    assert [r["code"] for r in rows] == JILIN_11
    assert rows[4]["recipe"] == "220500 − 220581"
    assert rows[10]["kind"] == "point" and rows[10]["area_km2"] == ""
    assert [p.name for p in tmp_path.iterdir()] == ["regions.csv"]  # no temp file left


def test_cli_regions_table_csv_and_geojson():
    runner = CliRunner()
    table = runner.invoke(app, ["regions"])
    assert table.exit_code == 0 and "220581" in table.output
    counties = runner.invoke(app, ["regions", "--set", "jilin-counties", "--format", "csv"])
    assert counties.exit_code == 0
    assert len(counties.output.strip().splitlines()) == 61
    geo = runner.invoke(app, ["regions", "--format", "geojson"])
    features = json.loads(geo.output)["features"]
    assert [f["properties"]["code"] for f in features] == JILIN_11
    assert features[-1]["geometry"]["type"] == "Point"


def test_cli_geojson_is_valid_and_follows_the_right_hand_rule():
    # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
    geo = CliRunner().invoke(app, ["regions", "--set", "jilin-counties", "--format", "geojson"])
    assert geo.exit_code == 0
    features = json.loads(geo.output)["features"]
    assert len(features) == 60 and len({f["properties"]["code"] for f in features}) == 60
    rings = 0
    for f in features:
        geom = shapely.geometry.shape(f["geometry"])
        assert geom.is_valid, f["properties"]["code"]
        for polygon in getattr(geom, "geoms", [geom]):
            assert polygon.exterior.is_ccw
            assert not any(hole.is_ccw for hole in polygon.interiors)
            rings += 1
    assert rings >= 60


def test_cli_unknown_set_exits_2_with_one_line():
    result = CliRunner().invoke(app, ["regions", "--set", "nowhere"])
    assert result.exit_code == 2
    assert "error: unknown region set 'nowhere'" in result.output
    assert "Traceback" not in result.output
