"""The allocation map: one page for the whole plan, a target selector recolouring one layer.

``allocation_map(allocation, regions, out_html)`` writes a self-contained HTML file (works
offline). Modes: 数量 (the allocated quantity), 每万人 (per 10,000 residents, 2020 census
population) and 占全省比例 (the region's share of the target's total).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo.allocation import Allocation
from minshi_geo.indicators import INDICATOR_LABELS, indicator_label  # noqa: F401 (re-export)
from minshi_geo.maps.explanation import explained_cells, explanation_rows, source_rows
from minshi_geo.maps.geometry import DEFAULT_TOLERANCE, region_shapes
from minshi_geo.maps.labels import (  # noqa: F401 (SAMPLE_BANNER, with_unit re-exported)
    SAMPLE_BANNER,
    plan_title,
    run_date,
    scenario_label,
    status_label,
    with_unit,
)
from minshi_geo.maps.legend import (
    format_number,
    format_percent,
    sequential_classes,
)
from minshi_geo.maps.page import PageData, write_page
from minshi_geo.maps.regions_view import MapRegions, RegionsLike, check_codes, map_regions

MODES = [
    {"id": "quantity", "label": "数量"},
    {"id": "per10k", "label": "每万人"},
    {"id": "share", "label": "占全省比例"},
]

def per10k_digits(values: list[float | None]) -> int:
    """Decimals for every per-10,000 figure of one view, from its largest value: three
    significant figures there (≥ 100 → 1 decimal, ≥ 10 → 1, ≥ 1 → 2, else 3), the same for all
    regions so a column of figures lines up and reads alike."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 1 if top >= 10 else 2 if top >= 1 else 3


def population_for(
    allocation: Allocation, regions: RegionsLike, population: pd.Series | None
) -> pd.Series | None:
    """Residents per region for the 每万人 mode: given, or the allocation's factor values,
    or the bundled indicator table. None when none has it (the mode is then left out)."""
    if population is not None:
        return population.astype(float)
    fv = allocation.factor_values
    if "population" in getattr(fv, "columns", []):
        series = fv["population"].astype(float)
        series.index = series.index.astype(str)
        return series
    try:
        from minshi_geo.indicators import load_indicators
    except ImportError:
        return None
    from minshi_geo.errors import MinshiError

    try:
        table = load_indicators(region_set=regions if hasattr(regions, "frame") else None)
    except MinshiError:
        return None
    rows = table[table["indicator"] == "population"]
    if rows.empty:
        return None
    return rows.set_index(rows["region_code"].astype(str))["value"].astype(float)


def _values(rows: pd.DataFrame, column: str, regions: MapRegions) -> list[float | None]:
    by_code = dict(zip(rows["region_code"].astype(str), rows[column]))
    out: list[float | None] = []
    for code in regions.codes:
        v = by_code.get(code)
        out.append(None if v is None or pd.isna(v) else float(v))
    return out


def _view(heading: str, values: list[float | None], display: list[str], formatter) -> dict:
    classes = sequential_classes(values, formatter=formatter)
    return {
        "heading": heading,
        "cls": classes.cls,
        "legend": [list(e) for e in classes.legend],
        "value": display,
        "rank": [None if v is None else round(v, 6) for v in values],
    }


def factor_facts(
    allocation: Allocation, regions: MapRegions
) -> dict[str, dict[str, Any]]:
    """One tooltip row per indicator the allocation used (value in its own unit)."""
    facts: dict[str, dict[str, Any]] = {}
    fv = allocation.factor_values
    if fv is None or fv.empty:
        return facts
    fv = fv.copy()
    fv.index = fv.index.astype(str)
    for name in fv.columns:
        label, unit = indicator_label(str(name))
        cells = []
        for code in regions.codes:
            v = fv[name].get(code) if code in fv.index else None
            cells.append(with_unit(None if v is None or pd.isna(v) else float(v), unit))
        facts[str(name)] = {"label": label, "cells": cells}
    return facts


def basis_text(weights: dict[str, float] | None) -> str | None:
    if not weights:
        return None
    parts = [
        f"{indicator_label(k)[0].split('（')[0]} {format_number(float(w) * 100, 0)}%"
        for k, w in weights.items()
    ]
    return "分配依据：" + " + ".join(parts)


def _per10k_population(
    table: pd.DataFrame, pop: pd.Series | None, given: pd.Series | None
) -> tuple[pd.Series | None, str | None]:
    """(population for 每万人 or None, the note saying why the mode is left out)."""
    if pop is not None:
        allocated = list(dict.fromkeys(table["region_code"]))
        lacking = [c for c in allocated if pd.isna(pop.get(c)) or not pop.get(c) > 0]
        if lacking:
            # A per-capita ranking with holes misleads: leave the mode out and say why.
            return None, f"{len(lacking)} 个分解单位无常住人口数据：未提供“每万人”视图"
        return pop, None
    if given is None:
        return None, "无常住人口数据：未提供“每万人”视图"
    return None, None


def _tips(qty_heading: str, qty_text: list[str], share: list[float | None],
          quota: list[float | None], capped: list[float | None], unit: str,
          explained: list) -> list:
    # The quantity and share rows stay in the tooltip whatever the mode (the page skips
    # the row that repeats the mode's own heading), so 每万人 never hides the quantity.
    tips = [
        [qty_heading, qty_text],
        ["占全省比例", [format_percent(s) for s in share]],
        ["测算份额（因素法）", [with_unit(q, unit, 1) for q in quota]],
    ]
    if any(
        a is not None and b is not None and not math.isclose(a, b, abs_tol=1e-6)
        for a, b in zip(quota, capped)
    ):
        tips.append(["约束后测算份额", [with_unit(q, unit, 1) for q in capped]])
    return tips + explained


def _per10k_view(qty: list[float | None], pop: pd.Series, unit: str,
                 view: MapRegions) -> dict:
    per = []
    for code, q in zip(view.codes, qty):
        p = pop.get(code)
        per.append(None if q is None or p is None or pd.isna(p) or p <= 0
                   else q / float(p) * 10_000)
    per_unit = f"{unit}/万人" if unit else "每万人"
    digits = per10k_digits(per)  # one decimal rule for the whole view
    return _view(
        f"每万人（{per_unit}）",
        per,
        [f"{v:,.{digits}f} {per_unit}" if v is not None
         else ("不参与" if q is None else "无人口数据") for v, q in zip(per, qty)],
        lambda v, d=digits: f"{v:,.{d}f}",
    )


def _target(target_id: str, rows: pd.DataFrame, view: MapRegions, weights: dict,
            facts: dict, explained: dict, pop: pd.Series | None) -> tuple[dict, dict]:
    """One target's layer and its views (数量, 占全省比例, 每万人 with a population)."""
    first = rows.iloc[0]
    unit = str(first["unit"] or "")
    total = float(pd.to_numeric(rows["quantity"]).sum())
    qty = _values(rows, "quantity", view)
    share = [None if q is None or total == 0 else q / total for q in qty]
    qty_heading = f"分配数量（{unit}）" if unit else "分配数量"
    qty_text = [with_unit(q, unit) if q is not None else "不参与" for q in qty]
    mine = explained.get(target_id, {})
    layer = {
        "label": f"{target_id} {first['metric']}（{with_unit(total, unit)}）",
        "basis": basis_text(weights),
        "tips": _tips(qty_heading, qty_text, share, _values(rows, "quota", view),
                      _values(rows, "capped_quota", view), unit, mine.get("tips", [])),
        "facts": [k for k in weights if k in facts],
        "explain": mine.get("detail", []),
        "caveat": mine.get("caveat", ""),
        "sweep": mine.get("sweep", ""),
    }
    views = {
        f"{target_id}|quantity": _view(qty_heading, qty, qty_text, format_number),
        f"{target_id}|share": _view(
            "占全省比例", share, [format_percent(s) if s is not None else "不参与" for s in share],
            lambda v: format_percent(v)),
    }
    if pop is not None:
        views[f"{target_id}|per10k"] = _per10k_view(qty, pop, unit, view)
    return layer, views


def allocation_page(
    allocation: Allocation,
    regions: RegionsLike,
    *,
    population: pd.Series | None = None,
    title: str | None = None,
) -> tuple[PageData, MapRegions]:
    """The page data for one allocation (no file written): every target × every mode.

    ``title``: the plan's title (default: read from the plan file the allocation names)."""
    view = map_regions(regions)
    table = allocation.table.copy()
    table["region_code"] = table["region_code"].astype(str)
    check_codes(list(table["region_code"]), view, "allocation table")
    meta = allocation.meta
    pop, note = _per10k_population(table, population_for(allocation, regions, population),
                                   population)
    factors = meta.get("factors") or {}
    facts = factor_facts(allocation, view)
    every = explained_cells(allocation)  # 测算说明 (explanation.csv)
    explained = explanation_rows(allocation, list(view.codes), every)
    for name, sources in source_rows(every, list(view.codes)).items():
        if name in facts:
            facts[name]["sources"] = sources
    groups: dict[str, list[str]] = {}
    layers: dict[str, dict[str, Any]] = {}
    views: dict[str, dict[str, Any]] = {}
    by_target = dict(tuple(table.groupby("target_id", sort=False)))
    for target_id in allocation.target_ids:
        rows = by_target[target_id]
        groups.setdefault(str(rows["sector"].iloc[0]), []).append(target_id)
        layers[target_id], mine = _target(target_id, rows, view, factors.get(target_id) or {},
                                          facts, explained, pop)
        views.update(mine)
    targets = allocation.target_ids
    data = PageData(
        kind="allocation",
        title=f"{title if title is not None else plan_title(meta)} · 任务分解图",
        subtitle=" · ".join(
            p for p in (
                f"方案：{scenario_label(meta)}",
                f"日期：{run_date(meta)}" if run_date(meta) else "",
                f"数据：{status_label(meta)}",
                f"{len(targets)} 项可分解指标 · {len(view.codes)} 个分解单位",
            ) if p
        ),
        banner=SAMPLE_BANNER if meta.get("sample") else None,
        note=note,
        groups=[{"label": g, "layers": ids} for g, ids in groups.items()],
        layers=layers,
        facts=facts,
        modes=MODES if pop is not None else [m for m in MODES if m["id"] != "per10k"],
        views=views,
        initial={"layer": targets[0] if targets else None, "mode": "quantity"},
    )
    return data, view


def allocation_map(
    allocation: Allocation,
    regions: RegionsLike,
    out_html: str | Path,
    tiles: str = "none",
    *,
    population: pd.Series | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    outlines: dict | None = None,
    title: str | None = None,
) -> Path:
    """Write the interactive allocation map for every target of ``allocation``.

    ``outlines``: GeoJSON drawn over the regions (a county map's prefecture borders, see
    :func:`minshi_geo.allocate.cascade.prefecture_outlines`).
    ``regions``: the RegionSet the allocation was made for. ``tiles``: none (default,
    offline) | osm | gaode (overlay shifted to GCJ-02) | tianditu (needs MINSHI_TIANDITU_KEY).
    ``title``: the plan's title, from the caller's plan (default: its file read again).
    """
    data, view = allocation_page(allocation, regions, population=population, title=title)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance, gcj02=tiles == "gaode")
    return write_page(out_html, data, shapes, view, tiles=tiles, outlines=outlines)

