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
from minshi_geo.maps.legend import (
    format_number,
    format_percent,
    sequential_classes,
)
from minshi_geo.maps.page import PageData, write_page
from minshi_geo.maps.regions_view import MapRegions, check_codes, map_regions

MODES = [
    {"id": "quantity", "label": "数量"},
    {"id": "per10k", "label": "每万人"},
    {"id": "share", "label": "占全省比例"},
]

SAMPLE_BANNER = "示例数据：本图使用示例（sample）数据，仅供演示，不是正式分解结果"


def with_unit(value: float | None, unit: str | None, digits: int | None = None) -> str:
    text = format_number(value, digits)
    if text == "—" or not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def per10k_digits(values: list[float | None]) -> int:
    """Decimals for every per-10,000 figure of one view, from its largest value: three
    significant figures there (≥ 100 → 1 decimal, ≥ 10 → 1, ≥ 1 → 2, else 3), the same for all
    regions so a column of figures lines up and reads alike."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 1 if top >= 10 else 2 if top >= 1 else 3


def plan_title(meta: dict[str, Any]) -> str:
    """The plan's title from its catalogue when it can be read, else its id."""
    path = meta.get("plan_path")
    if path and Path(path).is_file():
        from minshi_geo.catalogue import load_plan
        from minshi_geo.errors import MinshiError

        try:
            return load_plan(Path(path)).title
        except MinshiError:
            pass
    return str(meta.get("plan_id") or "民生实事方案")


def scenario_label(meta: dict[str, Any]) -> str:
    title = meta.get("scenario_title") or ""
    key = meta.get("scenario") or ""
    if title and key and title != key:
        return f"{title}（{key}）"
    return str(title or key or "未命名方案")


def status_label(meta: dict[str, Any]) -> str:
    return "示例数据" if meta.get("sample") else "正式数据"


def run_date(meta: dict[str, Any]) -> str:
    created = str(meta.get("created_at") or "")
    return created[:10]


def population_for(
    allocation: Allocation, regions: Any, population: pd.Series | None
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


def allocation_page(
    allocation: Allocation,
    regions: Any,
    *,
    population: pd.Series | None = None,
) -> tuple[PageData, MapRegions]:
    """The page data for one allocation (no file written): every target × every mode."""
    view = map_regions(regions)
    table = allocation.table.copy()
    table["region_code"] = table["region_code"].astype(str)
    check_codes(list(table["region_code"]), view, "allocation table")
    meta = allocation.meta
    pop = population_for(allocation, regions, population)
    note = None
    if pop is not None:
        allocated = list(dict.fromkeys(table["region_code"]))
        lacking = [c for c in allocated if pd.isna(pop.get(c)) or not pop.get(c) > 0]
        if lacking:
            # A per-capita ranking with holes misleads: leave the mode out and say why.
            note = f"{len(lacking)} 个分解单位无常住人口数据：未提供“每万人”视图"
            pop = None
    elif population is None:
        note = "无常住人口数据：未提供“每万人”视图"
    modes = MODES if pop is not None else [m for m in MODES if m["id"] != "per10k"]
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
    for target_id in allocation.target_ids:
        rows = table[table["target_id"] == target_id]
        first = rows.iloc[0]
        unit = str(first["unit"] or "")
        metric = str(first["metric"])
        total = float(pd.to_numeric(rows["quantity"]).sum())
        qty = _values(rows, "quantity", view)
        quota = _values(rows, "quota", view)
        capped = _values(rows, "capped_quota", view)
        share = [None if q is None or total == 0 else q / total for q in qty]
        groups.setdefault(str(first["sector"]), []).append(target_id)
        weights = factors.get(target_id) or {}
        qty_heading = f"分配数量（{unit}）" if unit else "分配数量"
        qty_text = [with_unit(q, unit) if q is not None else "不参与" for q in qty]
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
        tips += explained.get(target_id, {}).get("tips", [])
        layers[target_id] = {
            "label": f"{target_id} {metric}（{with_unit(total, unit)}）",
            "basis": basis_text(weights),
            "tips": tips,
            "facts": [k for k in weights if k in facts],
            "explain": explained.get(target_id, {}).get("detail", []),
            "caveat": explained.get(target_id, {}).get("caveat", ""),
            "sweep": explained.get(target_id, {}).get("sweep", ""),
        }
        views[f"{target_id}|quantity"] = _view(
            qty_heading,
            qty,
            qty_text,
            format_number,
        )
        views[f"{target_id}|share"] = _view(
            "占全省比例",
            share,
            [format_percent(s) if s is not None else "不参与" for s in share],
            lambda v: format_percent(v),
        )
        if pop is not None:
            per = []
            for code, q in zip(view.codes, qty):
                p = pop.get(code)
                per.append(None if q is None or p is None or pd.isna(p) or p <= 0
                           else q / float(p) * 10_000)
            per_unit = f"{unit}/万人" if unit else "每万人"
            digits = per10k_digits(per)  # one decimal rule for the whole view
            views[f"{target_id}|per10k"] = _view(
                f"每万人（{per_unit}）",
                per,
                [f"{v:,.{digits}f} {per_unit}" if v is not None
                 else ("不参与" if q is None else "无人口数据") for v, q in zip(per, qty)],
                lambda v, d=digits: f"{v:,.{d}f}",
            )

    targets = allocation.target_ids
    data = PageData(
        kind="allocation",
        title=f"{plan_title(meta)} · 任务分解图",
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
        modes=modes,
        views=views,
        initial={"layer": targets[0] if targets else None, "mode": "quantity"},
    )
    return data, view


def allocation_map(
    allocation: Allocation,
    regions: Any,
    out_html: str | Path,
    tiles: str = "none",
    *,
    population: pd.Series | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    outlines: dict | None = None,
) -> Path:
    """Write the interactive allocation map for every target of ``allocation``.

    ``outlines``: GeoJSON drawn over the regions (a county map's prefecture borders, see
    :func:`minshi_geo.allocate.cascade.prefecture_outlines`).
    ``regions``: the RegionSet the allocation was made for. ``tiles``: none (default,
    offline) | osm | gaode (overlay shifted to GCJ-02) | tianditu (needs MINSHI_TIANDITU_KEY).
    """
    data, view = allocation_page(allocation, regions, population=population)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance, gcj02=tiles == "gaode")
    return write_page(out_html, data, shapes, view, tiles=tiles, outlines=outlines)

