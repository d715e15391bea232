"""The comparison map: per target, scenario B minus scenario A in diverging colours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo.allocation import Allocation
from minshi_geo.errors import MinshiError
from minshi_geo.maps.allocation import (
    SAMPLE_BANNER,
    plan_title,
    run_date,
    scenario_label,
    status_label,
    with_unit,
)
from minshi_geo.maps.geometry import DEFAULT_TOLERANCE, region_shapes
from minshi_geo.maps.legend import diverging_classes, format_number, format_percent
from minshi_geo.maps.page import PageData, write_page
from minshi_geo.maps.regions_view import check_codes, map_regions

MODES = [
    {"id": "change", "label": "数量差（B−A）"},
    {"id": "share", "label": "占比差（百分点）"},
]


class CompareError(MinshiError):
    """The two allocations cannot be compared on one map."""


def _signed(value: float | None, formatter) -> str:
    if value is None:
        return "—"
    text = formatter(abs(value))
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text
    return text  # zero in the mode's own form: "0", "0.0%"


def compare_page(a: Allocation, b: Allocation, regions: Any) -> tuple[PageData, Any]:
    """Page data comparing allocation ``b`` against ``a`` (no file written)."""
    set_a, set_b = a.meta.get("region_set"), b.meta.get("region_set")
    if set_a and set_b and set_a != set_b:
        raise CompareError(
            f"scenario A uses region set {set_a!r}, scenario B {set_b!r}",
            hint="compare allocations made for the same region set",
        )
    view = map_regions(regions)
    for name, alloc in (("scenario A", a), ("scenario B", b)):
        check_codes(list(alloc.table["region_code"].astype(str)), view, f"{name} allocation table")
    label_a, label_b = scenario_label(a.meta), scenario_label(b.meta)
    target_ids = list(dict.fromkeys(a.target_ids + b.target_ids))
    groups: dict[str, list[str]] = {}
    layers: dict[str, dict[str, Any]] = {}
    views: dict[str, dict[str, Any]] = {}

    def by_code(alloc: Allocation, target_id: str) -> tuple[dict[str, float], pd.DataFrame]:
        rows = alloc.target(target_id)
        return dict(zip(rows["region_code"].astype(str), rows["quantity"].astype(float))), rows

    for target_id in target_ids:
        qa, rows_a = by_code(a, target_id)
        qb, rows_b = by_code(b, target_id)
        info = (rows_a if len(rows_a) else rows_b).iloc[0]
        unit = str(info["unit"] or "")
        total_a, total_b = sum(qa.values()), sum(qb.values())
        groups.setdefault(str(info["sector"]), []).append(target_id)
        va = [qa.get(c) for c in view.codes]
        vb = [qb.get(c) for c in view.codes]
        change: list[float | None] = []
        share_change: list[float | None] = []
        rate: list[str] = []
        for x, y in zip(va, vb):
            if x is None and y is None:
                change.append(None)
                share_change.append(None)
                rate.append("—")
                continue
            x0, y0 = x or 0.0, y or 0.0
            change.append(y0 - x0)
            sa = x0 / total_a if total_a else 0.0
            sb = y0 / total_b if total_b else 0.0
            share_change.append((sb - sa) * 100)
            rate.append(_signed((y0 - x0) / x0, format_percent) if x0 else "—")
        layers[target_id] = {
            "label": f"{target_id} {info['metric']}",
            "basis": f"A 合计 {with_unit(total_a, unit)} · B 合计 {with_unit(total_b, unit)}",
            "tips": [
                # Short row names: the scenarios' full titles (often 40+ characters) are in
                # the subtitle as A/B; in the tooltip they pushed the values off the screen.
                ["A：分配数量", [with_unit(x, unit) if x is not None else "不参与" for x in va]],
                ["B：分配数量", [with_unit(y, unit) if y is not None else "不参与" for y in vb]],
                ["变化率", rate],
            ],
            "facts": [],
        }
        for mode, values, fmt, heading in (
            ("change", change, format_number, f"数量差 B−A（{unit}）" if unit else "数量差 B−A"),
            ("share", share_change, lambda v: format_number(v, 2), "占比差 B−A（百分点）"),
        ):
            classes = diverging_classes(values, formatter=fmt)
            views[f"{target_id}|{mode}"] = {
                "heading": heading,
                "cls": classes.cls,
                "legend": [list(e) for e in classes.legend],
                "value": [
                    (_signed(v, fmt) + (f" {unit}" if mode == "change" and unit else "")
                     + (" 个百分点" if mode == "share" else ""))
                    if v is not None else "不参与"
                    for v in values
                ],
                "rank": [None if v is None else round(v, 6) for v in values],
            }

    sample = bool(a.meta.get("sample") or b.meta.get("sample"))
    data = PageData(
        kind="compare",
        title=f"{plan_title(a.meta)} · 方案比较",
        subtitle=" · ".join(
            p for p in (
                f"A：{label_a}（{status_label(a.meta)}，{run_date(a.meta)}）",
                f"B：{label_b}（{status_label(b.meta)}，{run_date(b.meta)}）",
            ) if p
        ),
        banner=SAMPLE_BANNER if sample else None,
        note="红色：B 少于 A；蓝色：B 多于 A",
        groups=[{"label": g, "layers": ids} for g, ids in groups.items()],
        layers=layers,
        facts={},
        modes=MODES,
        views=views,
        initial={"layer": target_ids[0] if target_ids else None, "mode": "change"},
    )
    return data, view


def compare_map(
    a: Allocation,
    b: Allocation,
    regions: Any,
    out_html: str | Path,
    tiles: str = "none",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Path:
    """Write the comparison map (B − A per target) for two allocations of one region set."""
    data, view = compare_page(a, b, regions)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance, gcj02=tiles == "gaode")
    return write_page(out_html, data, shapes, view, tiles=tiles)
