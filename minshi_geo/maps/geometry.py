"""The one geometry layer of a map page: simplified with topology kept, coordinates rounded.

A map draws every region once and restyles it in the browser, so the page carries one small
GeoJSON. Polygons are simplified together as a coverage (``shapely.coverage_simplify``), so
neighbouring regions keep sharing their borders — no slivers or gaps, unlike simplifying each
polygon on its own — and coordinates are rounded to ``decimals`` places (4 ≈ 11 m), well below
what a province-wide map can show.
"""

from __future__ import annotations

import copy
import hashlib
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


def _round_array(coords: Any, decimals: int) -> np.ndarray:
    """A ring/line/point's coordinates rounded as ``_round_nested`` does (Python's correctly
    rounded ``round``, not numpy's), kept as an array that ``tolist()`` turns back into lists."""
    arr = np.asarray(coords, dtype=float)
    flat = [round(v, decimals) for v in arr.ravel().tolist()]
    return np.array(flat, dtype=float).reshape(arr.shape)


# Nesting depth of the coordinate arrays per GeoJSON type (0: one array).
_DEPTH = {"Point": 0, "LineString": 0, "MultiPoint": 0, "Polygon": 1, "MultiLineString": 1,
          "MultiPolygon": 2}


def _template(geom: Any, decimals: int) -> tuple[str, Any]:
    """A geometry's GeoJSON, rounded once, as (type, nested arrays) — or (type, dict) for a
    type without a fixed nesting (a GeometryCollection)."""
    gj = mapping(geom)
    kind = gj["type"]
    depth = _DEPTH.get(kind)
    if depth is None:
        return kind, _round_nested(gj, decimals)
    coords = gj["coordinates"]
    if depth == 0:
        return kind, _round_array(coords, decimals)
    if depth == 1:
        return kind, [_round_array(ring, decimals) for ring in coords]
    return kind, [[_round_array(ring, decimals) for ring in poly] for poly in coords]


def _feature_geometry(template: tuple[str, Any]) -> dict[str, Any]:
    """Fresh GeoJSON geometry dict (new lists every time: callers may mutate theirs)."""
    kind, value = template
    depth = _DEPTH.get(kind)
    if depth is None:
        return copy.deepcopy(value)
    if depth == 0:
        coords = value.tolist()
    elif depth == 1:
        coords = [ring.tolist() for ring in value]
    else:
        coords = [[ring.tolist() for ring in poly] for poly in value]
    return {"type": kind, "coordinates": coords}


@dataclass(frozen=True)
class _Drawn:
    """What :func:`region_shapes` computes once per region set and drawing options."""

    templates: list[tuple[str, Any]]
    labels: list[list[float]]
    bounds: list[list[float]]


#: Simplified, rounded geometry by (content digest, tolerance, decimals, gcj02): a demo or a
#: server draws the same region set on several maps; it is simplified once per process.
_DRAWN_CACHE: dict[tuple[str, float, int, bool], _Drawn] = {}
_DRAWN_CACHE_SIZE = 8


def _digest(codes: list[str], is_point: np.ndarray, geoms: gpd.GeoSeries) -> str:
    """Identity of the shapes to draw: codes in order, point flags and the exact geometry."""
    h = hashlib.sha256()
    h.update("\x1f".join(codes).encode())
    h.update(np.asarray(is_point, dtype=bool).tobytes())
    for wkb in shapely.to_wkb(np.asarray(geoms.values)):
        h.update(len(wkb).to_bytes(8, "little"))
        h.update(wkb)
    return h.hexdigest()


def _draw(geoms: gpd.GeoSeries, is_point: np.ndarray, tolerance: float, decimals: int,
          gcj02: bool) -> _Drawn:
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
    templates = []
    for i, geom in enumerate(drawn):
        if is_point[i] and geom.geom_type != "Point":
            geom = geom.centroid
        templates.append(_template(geom, decimals))
    west, south, east, north = shapely.total_bounds(np.asarray(drawn.values))
    return _Drawn(
        templates=templates,
        labels=[[round(p.y, decimals), round(p.x, decimals)] for p in label_pts],
        bounds=[[round(south, decimals), round(west, decimals)],
                [round(north, decimals), round(east, decimals)]],
    )


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
    The simplified geometry is computed once per process for the same shapes and options
    (keyed by their content); every call returns new dicts and lists.
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
    key = (_digest(codes, is_point, geoms), float(tolerance), int(decimals), bool(gcj02))
    drawn = _DRAWN_CACHE.get(key)
    if drawn is None:
        drawn = _draw(geoms, is_point, tolerance, decimals, gcj02)
        while len(_DRAWN_CACHE) >= _DRAWN_CACHE_SIZE:
            _DRAWN_CACHE.pop(next(iter(_DRAWN_CACHE)))
        _DRAWN_CACHE[key] = drawn
    features = [
        {"type": "Feature", "properties": {"i": i}, "geometry": _feature_geometry(t)}
        for i, t in enumerate(drawn.templates)
    ]
    return RegionShapes(
        codes=codes,
        geojson={"type": "FeatureCollection", "features": features},
        labels=[list(p) for p in drawn.labels],
        bounds=[list(b) for b in drawn.bounds],
    )
