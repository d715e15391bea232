"""The maps a run of the whole plan produces (used by ``minshi-geo demo``)."""

from __future__ import annotations

from pathlib import Path
from minshi_geo.allocation import Allocation
from minshi_geo.maps.allocation import allocation_map
from minshi_geo.maps.compare import compare_map
from minshi_geo.regions import RegionSet

ALLOCATION_FILE = "allocation.html"
COMPARE_FILE = "compare.html"


def write_plan_maps(
    baseline: Allocation,
    maps_dir: str | Path,
    *,
    alternative: Allocation | None = None,
    regions: RegionSet,
    tiles: str = "none",
    title: str | None = None,
) -> dict[str, Path]:
    """Write ``maps_dir/allocation.html`` for ``baseline`` and, given an ``alternative``
    scenario's allocation, ``maps_dir/compare.html`` (alternative − baseline).

    ``regions``: the region set the allocations were made for; ``title``: the plan's title
    (default: read from the plan file the allocation names).
    Returns ``{"allocation": path, "compare": path}`` (compare only with an alternative).
    """
    maps_dir = Path(maps_dir)
    written = {"allocation": allocation_map(baseline, regions, maps_dir / ALLOCATION_FILE,
                                            tiles=tiles, title=title)}
    if alternative is not None:
        written["compare"] = compare_map(baseline, alternative, regions,
                                         maps_dir / COMPARE_FILE, tiles=tiles, title=title)
    return written
