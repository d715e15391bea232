"""Offline interactive maps: allocation, comparison and progress (one engine, one layer).

- :func:`allocation_map` — every target of an allocation on one page (``map allocation``)
- :func:`compare_map` — per target, scenario B minus scenario A (``map compare``)
- :func:`progress_map` — lights / completion rate over reporting periods (``map progress``)
- :func:`write_pngs` — static PNGs per target and an overview grid (``--png DIR``)
- :func:`write_plan_maps` — ``maps/allocation.html`` + ``maps/compare.html`` for the demo
"""

from __future__ import annotations

from minshi_geo.maps.allocation import allocation_map, allocation_page
from minshi_geo.maps.compare import compare_map, compare_page
from minshi_geo.maps.plan_maps import write_plan_maps
from minshi_geo.maps.png import write_pngs
from minshi_geo.maps.progress import progress_map, progress_page

__all__ = [
    "allocation_map",
    "allocation_page",
    "compare_map",
    "compare_page",
    "progress_map",
    "progress_page",
    "write_plan_maps",
    "write_pngs",
]
