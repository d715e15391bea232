"""Colour classes and their legends, computed in Python so the browser only looks them up.

Why in Python: Fisher–Jenks breaks (mapclassify's, the standard for choropleths, computed by
:mod:`minshi_geo.maps.jenks` to the same numbers without importing mapclassify) are computed
once; per target and mode the page gets a class index per region plus the legend entries,
which also keeps the PNG export and the HTML map identical.

Palettes are ColorBrewer (Cynthia Brewer, Apache-2.0 style licence): YlGnBu for amounts,
RdBu for differences (red = B below A, blue = B above A).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from minshi_geo.maps.jenks import fisher_jenks

SEQUENTIAL: dict[int, list[str]] = {
    1: ["#41b6c4"],
    2: ["#a1dab4", "#2c7fb8"],
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
}
DIVERGING = ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"]
NO_DATA = "#d9d9d9"

MAX_CLASSES = 5


@dataclass(frozen=True)
class Classes:
    """Class index per value (−1 = no value) and the legend as ``(colour, label)`` pairs."""

    cls: list[int]
    legend: list[tuple[str, str]]

    def colours(self) -> list[str]:
        return [self.legend[c][0] if c >= 0 else NO_DATA for c in self.cls]


def format_number(value: float | None, digits: int | None = None) -> str:
    """Chinese-report style number: thousands separators, trailing zeros dropped.

    ``digits`` None picks by size: integers as integers, else 2 significant decimals
    for small values and 1 decimal otherwise.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    v = float(value)
    if digits is None:
        if abs(v - round(v)) < 1e-9:
            digits = 0
        elif abs(v) >= 100:
            digits = 1
        elif abs(v) >= 1:
            digits = 2
        else:
            digits = 3
    text = f"{v:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_percent(fraction: float | None, digits: int = 1) -> str:
    if fraction is None or not math.isfinite(fraction):
        return "—"
    return f"{fraction * 100:.{digits}f}%"


def _finite(values: Sequence[float | None]) -> np.ndarray:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    return arr


def sequential_classes(
    values: Sequence[float | None],
    *,
    formatter=format_number,
    k: int = MAX_CLASSES,
) -> Classes:
    """Fisher–Jenks classes (mapclassify's breaks) for amounts; few distinct values: one each."""
    arr = _finite(values)
    ok = np.isfinite(arr)
    cls = [-1] * len(arr)
    if not ok.any():
        return Classes(cls, [])
    data = arr[ok]
    distinct = np.unique(data)
    if len(distinct) <= k:
        legend = [(c, formatter(v)) for c, v in zip(SEQUENTIAL[len(distinct)], distinct)]
        lookup = {v: i for i, v in enumerate(distinct)}
        for i in np.flatnonzero(ok):
            cls[i] = lookup[arr[i]]
        return Classes(cls, legend)
    bins_array, yb = fisher_jenks(data, k=k)
    bins = list(bins_array)
    colours = SEQUENTIAL[len(bins)]
    legend = []
    if np.all(data == np.round(data)):
        # Whole numbers (allocated counts): "> 0 – 1" would mean just 1, so each class is
        # named by whole values, and the classes join up: a class starts one step (the
        # values' common divisor: 1, or 100 for counts split in hundreds) after the last
        # one ends — "500 – 4,400", "4,500 – 11,900", never a gap a reader must explain.
        step = float(np.gcd.reduce(np.abs(data).astype(np.int64))) or 1.0
        previous = None
        for j in range(len(bins)):
            members = data[yb == j]
            hi = float(members.max())
            lo = float(members.min()) if previous is None else previous + step
            label = formatter(lo) if lo == hi else f"{formatter(lo)} – {formatter(hi)}"
            legend.append((colours[j], label))
            previous = hi
    else:
        lows = [float(data.min())] + bins[:-1]
        for j, (lo, hi) in enumerate(zip(lows, bins)):
            span = f"{formatter(lo)} – {formatter(hi)}"
            legend.append((colours[j], span if j == 0 else f"> {span}"))
    for i, y in zip(np.flatnonzero(ok), yb):
        cls[i] = int(y)
    return Classes(cls, legend)


def _two_significant(x: float) -> float:
    """Round to two significant digits so legend edges read well (33.3 → 33, 0.0417 → 0.042)."""
    if x <= 0:
        return 0.0
    return round(x, 1 - math.floor(math.log10(x)))


def diverging_classes(
    values: Sequence[float | None], *, formatter=format_number
) -> Classes:
    """Seven classes symmetric about zero; exactly zero is its own neutral class (无变化)."""
    arr = _finite(values)
    ok = np.isfinite(arr)
    cls = [-1] * len(arr)
    m = float(np.abs(arr[ok]).max()) if ok.any() else 0.0
    if m == 0:
        legend = [(DIVERGING[3], "无变化")]
        for i in np.flatnonzero(ok):
            cls[i] = 0
        return Classes(cls, legend)
    # Edges at a third and two thirds of the largest change: the largest change always lands
    # in the darkest class.
    e1, e2 = _two_significant(m / 3), _two_significant(2 * m / 3)
    legend = [
        (DIVERGING[0], f"< −{formatter(e2)}"),
        (DIVERGING[1], f"−{formatter(e2)} – −{formatter(e1)}"),
        (DIVERGING[2], f"−{formatter(e1)} – 0"),
        (DIVERGING[3], "无变化"),
        (DIVERGING[4], f"0 – +{formatter(e1)}"),
        (DIVERGING[5], f"+{formatter(e1)} – +{formatter(e2)}"),
        (DIVERGING[6], f"> +{formatter(e2)}"),
    ]
    for i in np.flatnonzero(ok):
        d = arr[i]
        if d == 0:
            c = 3
        elif d < 0:
            c = 0 if -d > e2 else (1 if -d > e1 else 2)
        else:
            c = 6 if d > e2 else (5 if d > e1 else 4)
        cls[i] = c
    return Classes(cls, legend)


def fixed_classes(
    values: Sequence[float | None], edges: Sequence[float], legend: Sequence[tuple[str, str]]
) -> Classes:
    """Classes by fixed upper edges (value < edges[j] → class j; the last class is open)."""
    arr = _finite(values)
    cls = []
    for v in arr:
        if not math.isfinite(v):
            cls.append(-1)
            continue
        j = 0
        while j < len(edges) and v >= edges[j]:
            j += 1
        cls.append(j)
    return Classes(cls, list(legend))
