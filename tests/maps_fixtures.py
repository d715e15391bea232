"""Real allocations for the map tests (no mocks): real catalogue, region sets and splits.

- :func:`baseline` — the Jilin 2023 baseline scenario run through ``allocate()``.
- :func:`area_split` — every splittable count target of the real plan split over any region
  set (11 regions, 9 prefectures, 60 counties) by each region's equal-area size, with the
  real apportionment fast path. Point regions (长白山管委会) have no area and are left out,
  which exercises "不参与" on the map. Marked 示例 (sample): the split is for map tests only.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from minshi_geo import paths
from minshi_geo.allocation import Allocation
from minshi_geo.catalogue import load_plan
from minshi_geo.regions import load_region_set

HOSTILE_HTML = "<img src=x onerror=alert(1)>"
HOSTILE_TEMPLATE = "${alert(1)}"


@functools.cache
def baseline() -> Allocation:
    from minshi_geo.allocate import allocate
    from minshi_geo.scenario import load_scenario

    return allocate(load_scenario(paths.DEFAULT_SCENARIO))


@functools.cache
def area_split(region_set: str = "jilin") -> Allocation:
    from minshi_geo.allocate.apportion import apportion

    plan = load_plan()
    regions = load_region_set(region_set)
    area = regions.frame["area_km2"]
    codes = [c for c in regions.codes if pd.notna(area[c])]
    weights = np.array([area[c] for c in codes], dtype=float)
    rows = []
    factors = {}
    for target in plan.targets:
        if not target.splittable or target.kind != "count" or not target.quantity:
            continue
        if float(target.quantity) != int(target.quantity):
            continue
        quantities = apportion("largest_remainder", weights, float(target.quantity))
        shares = weights / weights.sum()
        factors[target.id] = {"area": 1.0}
        for code, q, s in zip(codes, quantities, shares):
            rows.append({
                "target_id": target.id, "item": target.item, "sector": target.sector,
                "metric": target.metric, "region_code": code,
                "region_name": regions.name_of(code), "quantity": round(q),
                "unit": target.unit or "", "quota": float(s * target.quantity),
                "capped_quota": float(s * target.quantity), "share": float(s), "lower": 0.0,
                "upper": np.nan, "locked": False, "basis": "area×1",
            })  # fmt: skip
    meta = {
        "scenario": f"area-split-{region_set}",
        "scenario_title": "按面积分解（地图测试）",
        "plan_id": plan.id,
        "plan_path": str(plan.path),
        "region_set": region_set,
        "sample": True,
        "created_at": "2023-01-15T09:00:00",
        "factors": factors,
    }
    factor_values = pd.DataFrame(
        {"area": weights}, index=pd.Index(codes, name="region_code")
    )
    return Allocation(table=pd.DataFrame(rows), meta=meta, factor_values=factor_values)


def renamed(allocation: Allocation, code: str, name: str, **meta) -> Allocation:
    """A copy of ``allocation`` whose region ``code`` is called ``name`` (and meta updated)."""
    table = allocation.table.copy()
    table.loc[table["region_code"] == code, "region_name"] = name
    return Allocation(table=table, meta={**allocation.meta, **meta},
                      factor_values=allocation.factor_values.copy())


def hostile_regions(region_set: str, code: str, name: str = HOSTILE_HTML):
    """The real region set with one region's official name replaced by ``name``."""
    import dataclasses

    regions = load_region_set(region_set)
    frame = regions.frame.copy()
    frame.loc[code, "name"] = name
    frame.loc[code, "short_name"] = name
    return dataclasses.replace(regions, frame=frame)
