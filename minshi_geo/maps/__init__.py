"""Offline interactive maps: allocation, comparison and progress (one engine, one layer).

- :func:`allocation_map` — every target of an allocation on one page (``map allocation``)
- :func:`compare_map` — per target, scenario B minus scenario A (``map compare``)
- :func:`progress_map` — lights / completion rate over reporting periods (``map progress``)
- :func:`write_pngs` — static PNGs per target and an overview grid (``--png DIR``)
- :func:`write_plan_maps` — ``maps/allocation.html`` + ``maps/compare.html`` for the demo
"""

from __future__ import annotations

from minshi_geo.lazy import lazy_exports

# Imported on first use: ``import minshi_geo.maps`` (or one submodule) loads neither folium,
# geopandas nor the PNG writer until a map is drawn.
__getattr__, __all__ = lazy_exports(__name__, {
    "allocation_map": "allocation",
    "allocation_page": "allocation",
    "compare_map": "compare",
    "compare_page": "compare",
    "progress_map": "progress",
    "progress_page": "progress",
    "write_plan_maps": "plan_maps",
    "write_pngs": "png",
})
