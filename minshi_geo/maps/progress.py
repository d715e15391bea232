"""The progress map: lights or completion rate per target and region, with a time slider.

Reads the status table (docs/ARCHITECTURE.md, built by ``minshi_geo.progress.status``):
``period_end, target_id, metric, unit, region_code, region_name, allocated, completed, rate,
expected, gap, light`` — rate 0–1+, expected (序时进度) in the target's unit, gap in
percentage points (negative = behind), light ∈ done/green/yellow/red/none.

"全部指标" (all targets) uses the status module's region roll-up: the mean completion rate
over a region's count targets (each capped at 100 %) against their mean 序时进度, judged with
the same thresholds; its red panel lists each red region with its red targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from minshi_geo.errors import MinshiError
from minshi_geo.maps.labels import SAMPLE_BANNER, with_unit
from minshi_geo.maps.geometry import DEFAULT_TOLERANCE, region_shapes
from minshi_geo.maps.legend import fixed_classes, format_number, format_percent
from minshi_geo.maps.page import PageData, write_page
from minshi_geo.maps.regions_view import MapRegions, RegionsLike, check_codes, map_regions
from minshi_geo import lights
from minshi_geo.progress.status import STATUS_COLUMNS, cell_number

if TYPE_CHECKING:
    from minshi_geo.catalogue import Plan

ALL_TARGETS = "all"

# The light vocabulary's states, words and colours (minshi_geo.lights): the map's classes.
LIGHT_ORDER = list(lights.KEYS)
LIGHT_COLOURS = {s.key: s.colour for s in lights.STATES}
RATE_EDGES = [0.3, 0.6, 0.9, 1.0]
RATE_LEGEND = [
    ("#d73027", "< 30%"),
    ("#fc8d59", "30% – 60%"),
    ("#fee08b", "60% – 90%"),
    ("#a6d96a", "90% – 100%"),
    ("#1a9850", "≥ 100%"),
]
RED_LIST_SHOWN = 3  # targets named per region in the 全部指标 red panel

MODES = [{"id": "light", "label": "红绿灯"}, {"id": "rate", "label": "完成率"}]

class ProgressMapError(MinshiError):
    """The status table cannot be drawn."""


def _points(gap: float | None) -> str:
    if gap is None:
        return "—"
    sign = "+" if gap > 0 else ("−" if gap < 0 else "")
    return f"{sign}{format_number(abs(gap), 1)} 个百分点"


def _rollup(status: pd.DataFrame, thresholds: lights.Thresholds) -> pd.DataFrame:
    """Per period × region over all targets (the status module's definition)."""
    from minshi_geo.progress.status import region_rollup

    if "pace" not in status.columns:
        # A table with only the contract columns: pace is 序时进度 over the allocation.
        allocated = pd.to_numeric(status["allocated"], errors="coerce")
        expected = pd.to_numeric(status["expected"], errors="coerce")
        status = status.assign(pace=(expected / allocated.where(allocated > 0)))
    return region_rollup(status, thresholds)


def _check_status(status: pd.DataFrame) -> None:
    missing = [c for c in STATUS_COLUMNS if c not in status.columns]
    if missing:
        raise ProgressMapError(
            f"status table: missing columns {', '.join(missing)}",
            hint="build it with minshi_geo.progress.status.compute_status",
        )
    if status.empty:
        raise ProgressMapError(
            "status table: no rows (no report has been imported yet)",
            hint="import the regions' returned sheets first: minshi-geo progress import …",
        )


_LIGHT_LEGEND = [[s.colour, s.word] for s in lights.STATES]


def _period_views(layer: str, p: int, states: list[str | None], rates: list[float | None],
                  light_text: list[str]) -> dict[str, dict[str, Any]]:
    """The 红绿灯 and 完成率 views of one layer in period ``p``."""
    rate_text = [format_percent(r) if r is not None else "—" for r in rates]
    has_row = [lt is not None for lt in states]
    rank = [None if r is None else round(r, 6) for r in rates]
    rate_classes = fixed_classes(rates, RATE_EDGES, RATE_LEGEND)
    return {
        f"{layer}|light|{p}": {
            "heading": "进度状态",
            "cls": [LIGHT_ORDER.index(lt) if lt is not None else -1 for lt in states],
            "legend": _LIGHT_LEGEND,
            "value": light_text,
            "rank": rank,
            # The ranking is by completion rate: show it next to the light, or the order
            # of two "符合序时进度" regions cannot be read.
            "rank_heading": "进度状态 · 完成率",
            "rank_value": [
                f"{lt} · {rt}" if has else lt
                for lt, rt, has in zip(light_text, rate_text, has_row)
            ],
        },
        f"{layer}|rate|{p}": {
            "heading": "完成率",
            "cls": [c if has else -1 for c, has in zip(rate_classes.cls, has_row)],
            "legend": [list(e) for e in RATE_LEGEND],
            "value": rate_text,
            "rank": rank,
        },
    }


_TARGET_TIPS = ("分配任务", "累计完成", "完成率", "序时进度", "差距", "备注")
_ALL_TIPS = ("综合依据", "平均完成率", "平均序时进度", "差距", "各状态指标数")


@dataclass
class _Period:
    """One layer's cells in one period, in region order."""

    n: int
    tips: tuple[str, ...]
    blank: str  # the light text of a region without a row

    def __post_init__(self) -> None:
        self.cells = {k: ["—"] * self.n for k in self.tips}
        self.states: list[str | None] = [None] * self.n
        self.rates: list[float | None] = [None] * self.n
        self.light_text = [self.blank] * self.n


def _target_period(group: pd.DataFrame | None, index: dict[str, int], n: int,
                   unit: str) -> tuple[_Period, list]:
    """One target's cells in one period and its red (严重滞后) rows."""
    out = _Period(n, _TARGET_TIPS, "不参与")
    red_rows = []
    if group is None:
        return out, red_rows
    cells = out.cells
    for r in group.itertuples(index=False):
        i = index[str(r.region_code)]
        key = lights.row_state(r._asdict())
        rate = cell_number(r.rate)
        out.states[i] = key
        out.rates[i] = rate
        out.light_text[i] = lights.word(key)
        cells["分配任务"][i] = with_unit(cell_number(r.allocated), unit)
        cells["累计完成"][i] = with_unit(cell_number(r.completed), unit)
        cells["完成率"][i] = format_percent(rate)
        pace = cell_number(getattr(r, "pace", None))
        expected = with_unit(cell_number(r.expected), unit, 1)
        if pace is not None and expected != "—":
            expected += f"（{format_percent(pace)}）"
        cells["序时进度"][i] = expected
        cells["差距"][i] = _points(cell_number(r.gap))
        note = getattr(r, "note", None)
        cells["备注"][i] = note if isinstance(note, str) and note else "—"
        if key == "far_behind":
            red_rows.append([i, f"完成率 {format_percent(rate)}，差距 {_points(cell_number(r.gap))}"])
    red_rows.sort(key=lambda row: row[0])
    return out, red_rows


def _target_layer(target_id: str, status: pd.DataFrame, grouped: dict, periods: list,
                  index: dict[str, int], n: int, page: dict[str, dict]) -> None:
    """One target's layer, views and red lists for every period, into ``page``."""
    rows_any = status[status["target_id"] == target_id].iloc[0]
    unit = "" if pd.isna(rows_any["unit"]) else str(rows_any["unit"] or "")
    tip_cells: dict[str, list[list[str]]] = {k: [] for k in _TARGET_TIPS}
    for p, period in enumerate(periods):
        cells, red_rows = _target_period(grouped.get((target_id, period)), index, n, unit)
        for k in tip_cells:
            tip_cells[k].append(cells.cells[k])
        page["views"].update(_period_views(target_id, p, cells.states, cells.rates,
                                           cells.light_text))
        page["lists"][f"{target_id}|{p}"] = {"title": f"严重滞后（{len(red_rows)}）",
                                             "rows": red_rows}
    page["layers"][target_id] = {
        "label": f"{target_id} {rows_any['metric']}",
        "basis": None,
        "tips": [[k, v] for k, v in tip_cells.items()],
        "facts": [],
    }


def _all_targets_period(roll: pd.DataFrame, index: dict[str, int], n: int) -> _Period:
    out = _Period(n, _ALL_TIPS, "—")
    cells = out.cells
    for r in roll.itertuples(index=False):
        i = index[str(r.region_code)]
        out.states[i] = str(r.state)
        out.rates[i] = cell_number(r.rate)
        out.light_text[i] = lights.word(str(r.state))
        cells["综合依据"][i] = str(r.reason)
        cells["平均完成率"][i] = format_percent(cell_number(r.rate))
        cells["平均序时进度"][i] = format_percent(cell_number(r.expected))
        cells["差距"][i] = _points(cell_number(r.gap))
        cells["各状态指标数"][i] = lights.counts_text({k: getattr(r, k) for k in lights.KEYS})
    return out


def _red_regions(reds: pd.DataFrame, index: dict[str, int]) -> list:
    """Each region with a red target in one period, naming its first red targets."""
    rows = []
    for code, g in reds.groupby("region_code", sort=False):
        named = list(dict.fromkeys(f"{t} {m}" for t, m in zip(g["target_id"], g["metric"])))
        shown = "、".join(named[:RED_LIST_SHOWN])
        more = f" 等 {len(named)} 项" if len(named) > RED_LIST_SHOWN else ""
        rows.append([index[str(code)], f"严重滞后：{shown}{more}"])
    rows.sort(key=lambda row: row[0])
    return rows


def _all_targets_layer(status: pd.DataFrame, periods: list, index: dict[str, int], n: int,
                       thresholds: lights.Thresholds, page: dict[str, dict]) -> None:
    """全部指标: the status module's roll-up per region and period, into ``page``."""
    roll = _rollup(status, thresholds)
    red_targets = status[[lights.row_state(r) == "far_behind"
                          for r in status.to_dict("records")]]
    tips_all: dict[str, list[list[str]]] = {k: [] for k in _ALL_TIPS}
    for p, period in enumerate(periods):
        cells = _all_targets_period(roll[roll["period_end"] == period], index, n)
        for k in tips_all:
            tips_all[k].append(cells.cells[k])
        page["views"].update(_period_views(ALL_TARGETS, p, cells.states, cells.rates,
                                           cells.light_text))
        rows = _red_regions(red_targets[red_targets["period_end"] == period], index)
        page["lists"][f"{ALL_TARGETS}|{p}"] = {
            "title": f"有严重滞后指标的地区（{len(rows)}）",
            "rows": rows,
        }
    page["layers"][ALL_TARGETS] = {
        "label": "全部指标（综合）",
        "basis": lights.ROLLUP_RULE,
        "tips": [[k, v] for k, v in tips_all.items()],
        "facts": [],
    }


def progress_page(
    status: pd.DataFrame,
    regions: RegionsLike,
    *,
    plan: Plan | None = None,
    title: str | None = None,
    sample: bool | None = None,
    thresholds: lights.Thresholds = lights.Thresholds(),
) -> tuple[PageData, MapRegions]:
    """Page data for a status table (no file written)."""
    _check_status(status)
    view = map_regions(regions)
    status = status.copy()
    status["region_code"] = status["region_code"].astype(str)
    status["target_id"] = status["target_id"].astype(str)
    check_codes(list(status["region_code"]), view, "status table")
    index = view.index_of()
    n = len(view.codes)
    periods = sorted(set(status["period_end"]))
    period_labels = [str(p)[:10] for p in periods]
    target_ids = list(dict.fromkeys(status["target_id"]))
    sector_of = {str(t.id): str(t.sector) for t in plan.targets} if plan is not None else {}
    groups: dict[str, list[str]] = {"综合": [ALL_TARGETS]}
    page: dict[str, dict[str, Any]] = {"layers": {}, "views": {}, "lists": {}}
    grouped = {k: g for k, g in status.groupby(["target_id", "period_end"], sort=False)}
    for target_id in target_ids:
        groups.setdefault(sector_of.get(target_id, "指标"), []).append(target_id)
        _target_layer(target_id, status, grouped, periods, index, n, page)
    _all_targets_layer(status, periods, index, n, thresholds, page)

    if sample is None:
        sample = bool(status["sample"].astype(bool).any()) if "sample" in status.columns else False
    plan_name = title or (getattr(plan, "title", None) if plan is not None else None) or "民生实事"
    data = PageData(
        kind="progress",
        title=f"{plan_name} · 进度图",
        subtitle=f"报告期 {period_labels[0]} 至 {period_labels[-1]} · 数据："
        f"{'示例数据' if sample else '正式数据'} · {len(target_ids)} 项指标",
        banner=SAMPLE_BANNER if sample else None,
        note=f"拖动“报告期”滑块查看各期进度。评价规则：{lights.rule_text(thresholds)}",
        groups=[{"label": g, "layers": ids} for g, ids in groups.items()],
        layers=page["layers"],
        facts={},
        modes=MODES,
        periods=period_labels,
        views=page["views"],
        lists=page["lists"],
        initial={"layer": ALL_TARGETS, "mode": "light", "period": len(periods) - 1},
    )
    return data, view


def progress_map(
    status_table: pd.DataFrame,
    regions: RegionsLike,
    out_html: str | Path,
    tiles: str = "none",
    *,
    plan: Plan | None = None,
    title: str | None = None,
    sample: bool | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    thresholds: lights.Thresholds = lights.Thresholds(),
) -> Path:
    """Write the progress map for a status table (all its reporting periods on one slider).

    ``plan`` (optional) groups targets by sector and names the plan in the title.
    """
    data, view = progress_page(status_table, regions, plan=plan, title=title, sample=sample,
                               thresholds=thresholds)
    shapes = region_shapes(view.frame, view.codes, tolerance=tolerance, gcj02=tiles == "gaode")
    return write_page(out_html, data, shapes, view, tiles=tiles)
