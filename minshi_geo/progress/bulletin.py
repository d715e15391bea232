"""What a 通报 says, from one period of the status table: the province's overall state, the
state of each plan item (事项), the lagging items and the regions behind on them, and the
sentences built from them. The 综述 sheet of the 通报 workbook and the Word 通报 both read it,
so the two cannot say different things.

Item state (事项状态): the roll-up rule of :func:`minshi_geo.lights.overall` over the item's
targets as judged at province level (:func:`minshi_geo.progress.status.province_rollup`:
count targets on the province totals, others by their worst region) — 已完成 only when every
judged target is, otherwise its worst target, with the same two floors as a region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from minshi_geo import gongwen, lights
from minshi_geo.progress import status as st

LAGGING_REGIONS_SHOWN = 6  # regions named per lagging item before "等N个地区"


@dataclass(frozen=True)
class ItemState:
    """One plan item (事项) in the 通报."""

    number: int
    short: str
    sector: str
    state: str
    target_ids: tuple[str, ...]
    # regions behind on any of its targets, worst first: (region name, state key)
    regions_behind: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bulletin:
    """The content of a 通报 for one period (everything derived from the status table)."""

    plan_title: str
    period_end: date
    sample: bool
    thresholds: lights.Thresholds
    province: dict[str, Any]  # st.province_overall
    items: tuple[ItemState, ...]
    item_counts: dict[str, int]
    targets: pd.DataFrame  # st.province_rollup of the period, one row per target
    regions: pd.DataFrame  # st.region_rollup of the period, one row per region
    rows: pd.DataFrame  # the status rows of the period
    not_reported: tuple[str, ...]  # regions with no value for this period

    @property
    def item_total(self) -> int:
        return len(self.items)


def build_bulletin(status: pd.DataFrame, plan: Any, *, period: date | None = None,
                   thresholds: lights.Thresholds = lights.Thresholds(),
                   sample: bool | None = None) -> Bulletin:
    """The 通报 of one period (default the latest) of ``status``."""
    rows = st.latest(status, period)
    if rows.empty:
        raise st.StatusError("the status table is empty: no progress reports for this plan")
    period_end = rows["period_end"].iloc[0]
    targets = st.province_rollup(rows, thresholds)
    by_target = dict(zip(targets["target_id"].astype(str), targets["state"], strict=True))
    behind = rows[rows["state"].isin(lights.LAGGING)] if "state" in rows.columns else rows[
        [lights.row_state(r) in lights.LAGGING for r in rows.to_dict("records")]]
    items = []
    for item in plan.items:
        ids = tuple(t.id for t in item.targets)
        keys = [by_target[t] for t in ids if t in by_target]
        key = lights.overall(lights.counts(keys), None)[0] if keys else "missing"
        mine = behind[behind["target_id"].astype(str).isin(ids)]
        worst: dict[str, str] = {}
        for name, k in zip(mine["region_name"], mine["state"], strict=True):
            worst[name] = lights.worst([k, worst.get(name, k)]) or k
        ordered = sorted(worst.items(), key=lambda nk: lights.KEYS.index(nk[1]), reverse=True)
        items.append(ItemState(item.number, item.short, item.sector, key, ids, tuple(ordered)))
    if sample is None:
        sample = bool("sample" in rows.columns and rows["sample"].fillna(False).astype(bool).any())
    missing = []
    for name, group in rows.groupby("region_name", sort=False):
        got = [d for d in group.get("value_period_end", []) if isinstance(d, date)]
        if not got or max(got) < period_end:
            missing.append(str(name))
    return Bulletin(
        plan_title=plan.title, period_end=period_end, sample=bool(sample),
        thresholds=thresholds,
        province=st.province_overall(rows, thresholds=thresholds, province=targets),
        items=tuple(items), item_counts=lights.counts(i.state for i in items),
        targets=targets, regions=st.region_rollup(rows, thresholds), rows=rows,
        not_reported=tuple(missing),
    )


_COUNT_WORDS = {"missing": "尚无报送数据", "not_judged": "不按序时进度评价"}


def items_text(n: dict[str, int]) -> str:
    """已完成3项、符合序时进度30项、滞后5项… (states with a count, in vocabulary order)."""
    return "、".join(f"{_COUNT_WORDS.get(k, lights.word(k))}{n[k]}项"
                     for k in lights.KEYS if n.get(k))


def opening_text(b: Bulletin) -> str:
    """截至…，全省50项民生实事中，已完成X项、符合序时进度Y项、滞后Z项……"""
    province = b.province
    text = (f"截至{gongwen.date_text(b.period_end)}，全省{b.item_total}项民生实事中，"
            f"{items_text(b.item_counts)}。全省综合进度{lights.word(province['state'])}"
            f"（{province['reason']}）。")
    by_state = {k: [str(n) for n, s in zip(b.regions["region_name"], b.regions["state"],
                                           strict=True) if s == k] for k in lights.KEYS}
    parts = [f"{lights.word(k)}的有{len(by_state[k])}个（{'、'.join(by_state[k])}）"
             for k in ("far_behind", "behind") if by_state[k]]
    if parts:
        text += f"{len(b.regions)}个地区中，综合进度" + "，".join(parts) + "。"
    else:
        text += f"{len(b.regions)}个地区综合进度均未滞后。"
    if b.not_reported:
        text += f"本期未报送的地区：{'、'.join(b.not_reported)}（沿用此前数据）。"
    return text


def lagging_items(b: Bulletin) -> list[ItemState]:
    """Items lagging at province level, worst first, then in plan order."""
    lag = [i for i in b.items if i.state in lights.LAGGING]
    return sorted(lag, key=lambda i: (lights.LAGGING.index(i.state) * -1, i.number))


def lagging_text(b: Bulletin) -> str:
    """The paragraph naming the lagging items and the regions behind on them."""
    lag = lagging_items(b)
    if not lag:
        text = "全省各项民生实事均未滞后。"
    else:
        parts = []
        for i in lag:
            names = [n for n, _k in i.regions_behind]
            shown = "、".join(names[:LAGGING_REGIONS_SHOWN])
            more = f"等{len(names)}个地区" if len(names) > LAGGING_REGIONS_SHOWN else ""
            where = f"，滞后地区：{shown}{more}" if names else ""
            parts.append(f"{i.short}（{lights.word(i.state)}{where}）")
        text = f"全省滞后的民生实事{len(lag)}项：" + "；".join(parts) + "。"
    others = [i for i in b.items if i.state not in lights.LAGGING and i.regions_behind]
    if others:
        text += (f"另有{len(others)}项全省总体未滞后，但部分地区滞后："
                 + "；".join(f"{i.short}（{'、'.join(n for n, _k in i.regions_behind[:3])}"
                            f"{'等' if len(i.regions_behind) > 3 else ''}）" for i in others[:5])
                 + ("等" if len(others) > 5 else "") + "。")
    return text
