"""What a map needs from a region set: codes in display order, official names, geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import geopandas as gpd

from minshi_geo.errors import MinshiError

if TYPE_CHECKING:
    from minshi_geo.regions import RegionSet


class RegionMismatchError(MinshiError):
    """The data names a region that the chosen region set does not have."""


LONG_NAME = 6  # characters; longer official names are labelled with their short name


@dataclass(frozen=True)
class MapRegions:
    codes: list[str]
    names: list[str]  # official names (tooltips, tables)
    labels: list[str]  # names written on the map (short form of long official names)
    points: list[bool]  # drawn as a circle marker (e.g. 长白山管委会)
    frame: gpd.GeoDataFrame  # index = code, columns name, kind, geometry
    set_name: str

    def index_of(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}


#: What a map is drawn over: a region set, or a GeoDataFrame indexed by code with ``name``.
RegionsLike = Union["RegionSet", gpd.GeoDataFrame]


def map_regions(regions: RegionsLike) -> MapRegions:
    """Accept a RegionSet (``.frame``, ``.codes``) or a GeoDataFrame indexed by code with
    ``name`` (and optionally ``kind``) columns."""
    frame = regions.frame if hasattr(regions, "frame") else regions
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    codes = list(regions.codes) if hasattr(regions, "codes") else list(frame.index)
    names = [str(frame.loc[c, "name"]) for c in codes]
    labels = []
    for code, name in zip(codes, names):
        short = frame.loc[code, "short_name"] if "short_name" in frame.columns else None
        # Long official names (延边朝鲜族自治州, 长白山保护开发区管理委员会) crowd the map.
        use_short = len(name) > LONG_NAME and isinstance(short, str) and short.strip()
        labels.append(short.strip() if use_short else name)
    if "kind" in frame.columns:
        points = [str(frame.loc[c, "kind"]) == "point" for c in codes]
    else:
        points = [frame.loc[c, "geometry"].geom_type == "Point" for c in codes]
    set_name = str(getattr(regions, "name", "") or "")
    return MapRegions(codes=codes, names=names, labels=labels, points=points, frame=frame,
                      set_name=set_name)


def check_codes(codes: list[str], regions: MapRegions, source: str) -> None:
    """Every region code in the data must be in the region set (else a clear error)."""
    known = set(regions.codes)
    unknown = [c for c in dict.fromkeys(codes) if c not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise RegionMismatchError(
            f"{source}: region codes {shown} are not in region set "
            f"{regions.set_name or '(given)'}",
            hint="draw the map with the region set the allocation was made for "
            "(allocation.json: region_set)",
        )
