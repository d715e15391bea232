"""GCJ-02 ⇄ WGS-84: the published forward transform, an exact inverse, no shift abroad."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from minshi_geo import coords

# Published pairs (WGS-84 → GCJ-02) from other implementations' test suites:
# wandergis/coordtransform test/app.js and coordtransform_rs tests: (116.404, 39.915) →
# (116.41024449916938, 39.91640428150164); an R package's test (lat 39.90734, lng 116.39089) →
# (39.90874107, 116.39713094).
PUBLISHED = [
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164), 1e-12),
    ((116.39089, 39.90734), (116.39713094, 39.90874107), 1e-8),
]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    lat = np.radians(lat1)
    return np.hypot(
        (np.asarray(lon1) - lon2) * 111_320.0 * np.cos(lat), (np.asarray(lat1) - lat2) * 110_574.0
    )


@pytest.mark.parametrize(("wgs", "gcj", "tol"), PUBLISHED)
def test_forward_transform_matches_published_pairs(wgs, gcj, tol):
    lon, lat = coords.wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=tol)
    assert lat == pytest.approx(gcj[1], abs=tol)


def test_inverse_matches_published_gcj_to_wgs_pair():
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.js: GCJ02 (123, 45) → WGS84 (122.99395597,
    # 44.99804071) checked to 5 decimals there.
    lon, lat = coords.gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=5e-6)
    assert lat == pytest.approx(44.99804071, abs=5e-6)


def test_offset_in_jilin_is_hundreds_of_metres():
    lon, lat = coords.wgs84_to_gcj02(125.3245, 43.8868)  # Changchun
    assert 100 < metres(125.3245, 43.8868, lon, lat) < 1000


@pytest.mark.parametrize(
    "point",
    [
        (2.3522, 48.8566),
        (-74.006, 40.7128),
        (151.2093, -33.8688),
        (139.6917, 35.6895 + 30),
        (0.0, 0.0),
        (-180.0, -90.0),
    ],
    ids=["paris", "new-york", "sydney", "north-pacific", "null-island", "corner"],
)
def test_points_outside_china_are_not_shifted(point):
    assert coords.wgs84_to_gcj02(*point) == point
    assert coords.gcj02_to_wgs84(*point) == point


def test_round_trip_error_is_below_one_centimetre_over_china():
    rng = np.random.default_rng(20230101)
    lon = rng.uniform(73.7, 134.7, 20_000)
    lat = rng.uniform(18.2, 53.5, 20_000)
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = coords.gcj02_to_wgs84(g_lon, g_lat)
    assert metres(lon, lat, b_lon, b_lat).max() < 0.01
    # ... and the usual one-step inverse is measurably worse (metres, not millimetres)
    o_lon, o_lat = coords.gcj02_to_wgs84_one_step(g_lon, g_lat)
    assert metres(lon, lat, o_lon, o_lat).max() > 0.5


@settings(max_examples=300, deadline=None)
@given(st.floats(72.1, 137.7), st.floats(0.9, 55.7))
def test_inverse_is_exact_for_any_point_in_the_china_rectangle(lon, lat):
    g = coords.wgs84_to_gcj02(lon, lat)
    back = coords.gcj02_to_wgs84(*g)
    assert metres(lon, lat, *back) < 0.01


def test_arrays_and_scalars_keep_their_shape():
    lon, lat = coords.wgs84_to_gcj02(np.array([125.0, 2.0]), np.array([43.0, 48.0]))
    assert lon.shape == (2,) and lat.shape == (2,)
    assert isinstance(coords.wgs84_to_gcj02(125.0, 43.0)[0], float)


def test_geometries_shift_and_come_back():
    polygon = shapely.box(125.0, 43.0, 125.5, 43.5)
    shifted = coords.to_gcj02(polygon)
    assert shifted.is_valid and not shifted.equals(polygon)
    back = coords.to_wgs84(shifted)
    assert shapely.hausdorff_distance(back, polygon) < 1e-9


def test_geoseries_and_geodataframes_keep_their_type_index_and_columns():
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"code": ["a", "b"]},
        geometry=[shapely.Point(125.3, 43.9), shapely.box(126, 42, 127, 43)],
        crs="EPSG:4326",
        index=["x", "y"],
    )
    shifted = coords.to_gcj02(frame)
    assert isinstance(shifted, gpd.GeoDataFrame) and list(shifted.index) == ["x", "y"]
    assert list(shifted["code"]) == ["a", "b"] and shifted.crs == frame.crs
    assert shifted.geometry.iloc[0].x == pytest.approx(coords.wgs84_to_gcj02(125.3, 43.9)[0])
    series = coords.to_wgs84(shifted.geometry)
    assert isinstance(series, gpd.GeoSeries) and series.crs == frame.crs
    assert series.geom_equals_exact(frame.geometry, tolerance=1e-9).all()
