"""The comparison map: per target, scenario B minus scenario A in diverging colours."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo.allocation import Allocation, compare
from minshi_geo.errors import MinshiError
from minshi_geo.maps.labels import (
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
from minshi_geo.maps.regions_view import MapRegions, RegionsLike, check_codes, map_regions

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


def _check_same_set(a: Allocation, b: Allocation) -> None:
    set_a, set_b = a.meta.get("region_set"), b.meta.get("region_set")
    if set_a and set_b and set_a != set_b:
        raise CompareError(
            f"scenario A uses region set {set_a!r}, scenario B {set_b!r}",
            hint="compare allocations made for the same region set",
        )


@dataclass(frozen=True)
class _TargetDiff:
    """One target's two sides in region order (None: the region takes no part on that side),
    from :func:`minshi_geo.allocation.compare`."""

    va: list[float | None]
    vb: list[float | None]
    change: list[float | None]  # B − A; None where neither side has the region
    share_change: list[float | None]  # percentage points
    rate: list[str]  # change / A as a signed percentage, "—" without an A quantity


def _target_diff(diff: pd.DataFrame, codes: list[str], total_a: float,
                 total_b: float) -> _TargetDiff:
    """``diff``: one target's rows of ``allocation.compare(a, b)``."""
    by_code = {
        code: (None if pd.isna(x) else float(x), None if pd.isna(y) else float(y), float(d))
        for code, x, y, d in zip(diff["region_code"].astype(str), diff["quantity_a"],
                                 diff["quantity_b"], diff["change"])
    }
    va, vb, change, share_change, rate = [], [], [], [], []
    for code in codes:
        x, y, d = by_code.get(code, (None, None, None))
        va.append(x)
        vb.append(y)
        if x is None and y is None:
            change.append(None)
            share_change.append(None)
            rate.append("—")
            continue
        x0, y0 = x or 0.0, y or 0.0
        change.append(d)
        sa = x0 / total_a if total_a else 0.0
        sb = y0 / total_b if total_b else 0.0
        share_change.append((sb - sa) * 100)
        rate.append(_signed(d / x0, format_percent) if x0 else "—")
    return _TargetDiff(va, vb, change, share_change, rate)


def _compare_layer(target_id: str, metric: str, unit: str, total_a: float, total_b: float,
                   d: _TargetDiff) -> dict[str, Any]:
    return {
        "label": f"{target_id} {metric}",
        "basis": f"A 合计 {with_unit(total_a, unit)} · B 合计 {with_unit(total_b, unit)}",
        "tips": [
            # Short row names: the scenarios' full titles (often 40+ characters) are in
            # the subtitle as A/B; in the tooltip they pushed the values off the screen.
            ["A：分配数量", [with_unit(x, unit) if x is not None else "不参与" for x in d.va]],
            ["B：分配数量", [with_unit(y, unit) if y is not None else "不参与" for y in d.vb]],
            ["变化率", d.rate],
        ],
        "facts": [],
    }


def _compare_views(target_id: str, unit: str, d: _TargetDiff) -> dict[str, dict[str, Any]]:
    views = {}
    for mode, values, fmt, heading in (
        ("change", d.change, format_number, f"数量差 B−A（{unit}）" if unit else "数量差 B−A"),
        ("share", d.share_change, lambda v: format_number(v, 2), "占比差 B−A（百分点）"),
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
    return views


def compare_page(
    a: Allocation, b: Allocation, regions: RegionsLike, *, title: str | None = None
) -> tuple[PageData, MapRegions]:
    """Page data comparing allocation ``b`` against ``a`` (no file written).

    ``title``: the plan's title (default: read from ``a``'s plan file, see
    :func:`minshi_geo.maps.labels.plan_title`)."""
    _check_same_set(a, b)
    view = map_regions(regions)
    for name, alloc in (("scenario A", a), ("scenario B", b)):
        check_codes(list(alloc.table["region_code"].astype(str)), view, f"{name} allocation table")
    target_ids = list(dict.fromkeys(a.target_ids + b.target_ids))
    diff = compare(a, b)
    diffs = dict(tuple(diff.groupby("target_id", sort=False)))
    groups: dict[str, list[str]] = {}
    layers: dict[str, dict[str, Any]] = {}
    views: dict[str, dict[str, Any]] = {}
    for target_id in target_ids:
        rows_a, rows_b = a.target(target_id), b.target(target_id)
        info = (rows_a if len(rows_a) else rows_b).iloc[0]
        unit = str(info["unit"] or "")
        total_a = sum(rows_a["quantity"].astype(float).tolist())
        total_b = sum(rows_b["quantity"].astype(float).tolist())
        groups.setdefault(str(info["sector"]), []).append(target_id)
        d = _target_diff(diffs[target_id], list(view.codes), total_a, total_b)
        layers[target_id] = _compare_layer(target_id, str(info["metric"]), unit, total_a,
                                           total_b, d)
        views.update(_compare_views(target_id, unit, d))
    return _compare_data(a, b, groups, layers, views, target_ids, title), view


def _compare_data(a: Allocation, b: Allocation, groups, layers, views, target_ids,
                  title: str | None) -> PageData:
    sample = bool(a.meta.get("sample") or b.meta.get("sample"))
    label_a, label_b = scenario_label(a.meta), scenario_label(b.meta)
    return PageData(
        kind="compare",
        title=f"{title if title is not None else plan_title(a.meta)} · 方案比较",
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


def compare_map(
    a: Allocation,
    b: Allocation,
    regions: RegionsLike,
    out_html: str | Path,
    tiles: str = "none",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    title: str | None = None,
) -> Path:
    """Write the comparison map (B − A per target) for two allocations of one region set.

    ``title``: the plan's title, from the caller's plan (default: A's plan file read again)."""
    data, view = compare_page(a, b, regions, title=title)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance, gcj02=tiles == "gaode")
    return write_page(out_html, data, shapes, view, tiles=tiles)
