"""The one geometry layer of a map page: simplified with topology kept, coordinates rounded.

A map draws every region once and restyles it in the browser, so the page carries one small
GeoJSON. Polygons are simplified together as a coverage (``shapely.coverage_simplify``), so
neighbouring regions keep sharing their borders — no slivers or gaps, unlike simplifying each
polygon on its own — and coordinates are rounded to ``decimals`` places (4 ≈ 11 m), well below
what a province-wide map can show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

#: Simplification tolerance in degrees (~0.004° ≈ 400 m at Jilin's latitude): invisible at the
#: zoom that shows a whole province, and it keeps a 60-county map small.
DEFAULT_TOLERANCE = 0.004
DEFAULT_DECIMALS = 4


@dataclass(frozen=True)
class RegionShapes:
    """Drawing data for one region set, in display order.

    ``geojson``: FeatureCollection; feature ``properties.i`` is the region's index in ``codes``.
    ``labels``: one ``[lat, lon]`` per region where its name is written (a point inside it).
    ``bounds``: ``[[south, west], [north, east]]`` for fitting the view.
    """

    codes: list[str]
    geojson: dict[str, Any]
    labels: list[list[float]]
    bounds: list[list[float]]


def _round_nested(value: Any, decimals: int) -> Any:
    if isinstance(value, dict):
        return {k: _round_nested(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return [round(float(v), decimals) for v in value]
        return [_round_nested(v, decimals) for v in value]
    return value


def simplify_coverage(geoms: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """Simplify polygons together so shared borders stay shared (topology kept)."""
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    simplified = shapely.coverage_simplify(np.asarray(geoms.values), tolerance)
    return gpd.GeoSeries(simplified, index=geoms.index, crs=geoms.crs)


def region_shapes(
    frame: gpd.GeoDataFrame,
    codes: list[str] | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    decimals: int = DEFAULT_DECIMALS,
    gcj02: bool = False,
) -> RegionShapes:
    """Build the page's geometry layer from a RegionSet frame (EPSG:4326, index = code).

    ``codes`` picks and orders the regions (default: the frame's order). Point regions
    (``kind == "point"``, e.g. 长白山管委会) stay points and are drawn as circle markers.
    ``gcj02=True`` shifts everything to GCJ-02 for drawing over Gaode tiles.
    """
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    codes = list(frame.index.astype(str)) if codes is None else [str(c) for c in codes]
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    frame = frame.loc[codes]
    geoms = frame.geometry
    is_point = geoms.geom_type.isin(["Point", "MultiPoint"]).to_numpy().copy()
    if "kind" in frame.columns:
        is_point |= (frame["kind"] == "point").to_numpy()
    # Label points from the full geometry, before simplification moves borders.
    label_pts = [g if g.geom_type == "Point" else g.point_on_surface() for g in geoms]
    polygons = geoms[~is_point]
    drawn = geoms.copy()
    if len(polygons):
        drawn[~is_point] = simplify_coverage(polygons, tolerance).to_numpy()
    if gcj02:
        from minshi_geo.coords import to_gcj02

        drawn = gpd.GeoSeries([to_gcj02(g) for g in drawn], index=drawn.index, crs=drawn.crs)
        label_pts = [to_gcj02(p) for p in label_pts]
    features = []
    for i, geom in enumerate(drawn):
        if is_point[i] and geom.geom_type != "Point":
            geom = geom.centroid
        features.append(
            {
                "type": "Feature",
                "properties": {"i": i},
                "geometry": _round_nested(mapping(geom), decimals),
            }
        )
    west, south, east, north = shapely.total_bounds(np.asarray(drawn.values))
    return RegionShapes(
        codes=codes,
        geojson={"type": "FeatureCollection", "features": features},
        labels=[[round(p.y, decimals), round(p.x, decimals)] for p in label_pts],
        bounds=[[round(south, decimals), round(west, decimals)],
                [round(north, decimals), round(east, decimals)]],
    )
