"""Progress status (进度状态): completion against 序时进度 and a traffic light per target × region.

Maths (see ``shared/DESIGN.md`` "Progress maths")
-------------------------------------------------
pace(d)    share of the year's work that should be done by day ``d`` (0–1). Linear in days
           from the plan's start to the target's deadline, counting both ends: with start
           2023-01-01 and deadline 2023-12-31, pace(2023-06-30) = 181/365 = 49.6 %. When the
           scenario sets milestones (``{"2023-06-30": 0.5}``), pace is piecewise linear through
           (start − 1 day, 0), the milestones, and (deadline, 1) instead.
expected   序时进度 in the target's unit: pace(period_end) · allocated.
rate       completed / allocated (1.0 = 100 %; NaN when not reported or nothing allocated).
gap        (rate − pace) · 100, in percentage points; negative = behind schedule.
light      ``done``    rate ≥ 100 %;
           ``green``   on or ahead of 序时进度, or less than ``yellow`` points behind;
           ``yellow``  ``yellow`` to ``red`` points behind (both ends included);
           ``red``     more than ``red`` points behind;
           ``none``    no report yet for this target × region (未报送), or a value reported
                       for a target with no regional quantity, e.g. a province-wide rate: shown,
                       not judged (不适用, see :func:`light_label`). A task of 0 (不承担) is
                       不适用 too (state ``not_judged``), reported or not: never 未报送 (it
                       is not late) and never 已完成 (a region that carries nothing has
                       completed nothing; counted as done it would swell its 已完成 count).
state      the light refined into the seven words of :mod:`minshi_geo.lights` (提前 when
           green and ahead of 序时进度; 不适用 when ``none`` but reported) — the words and
           colours every output shows.
           Defaults: yellow = 10, red = 30 (the issue's "10–30 points behind" / "more than 30").
           DESIGN.md calls green "completion ≥ expected" and leaves 0–10 points behind open; we
           count that band as green (基本符合序时进度) because monthly 调度 figures lag by days
           and a 2-point shortfall is not a warning a planner acts on. ``Thresholds(yellow=0)``
           gives the strict reading: any shortfall is yellow.
Status targets (milestone / standard kinds, reported as 未启动/推进中/已完成):
           已完成 → done; 推进中 → not judged (none, 不适用) until the deadline — a
           qualitative item has no share done to set beside 序时进度 — and red after it (overdue); 未启动 → treated as
           rate 0, i.e. the lights above with gap = −pace·100 (green early in the year, red once
           more than 30 % of the time has passed).

Periods
-------
The status table has one block of rows per reporting period (every distinct period end stored
for the plan, up to ``as_of``): the time slider of the progress map. In the block for period
``p`` a target × region shows its latest value reported for a period ≤ ``p`` (cumulative values
carry forward when a region skipped a month); ``value_period_end`` says which period that was.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from minshi_geo import lights
from minshi_geo import pace as pace_mod
from minshi_geo.messages import say
from minshi_geo.lights import LightRuleError, Thresholds, is_reported  # noqa: F401 (re-export)
from minshi_geo.pace import MilestoneError, pace
from minshi_geo.progress.store import ProgressStore

LIGHTS: tuple[str, ...] = ("done", "green", "yellow", "red", "none")
# The words are the light vocabulary's (minshi_geo.lights), one per light; ``green`` is refined
# into 提前 / 符合序时进度 and ``none`` into 未报送 / 不适用 by ``lights.state_of``.
LIGHT_LABELS: dict[str, str] = {
    "done": lights.word("done"),
    "green": lights.word("on_track"),
    "yellow": lights.word("behind"),
    "red": lights.word("far_behind"),
    "none": lights.word("missing"),
}
# A ``none`` light covers two cases a 调度 meeting must not confuse: nothing reported yet
# (未报送), and a value reported for a target that is not judged — a province-wide rate such as
# 信息采集率 has no regional quantity to measure 序时进度 against, and a qualitative item
# reported 推进中 before its deadline (不适用: not judged against 序时进度).
REPORTED_NOT_JUDGED = lights.word("not_judged")


def light_label(light: str, reported: bool = False) -> str:
    """The Chinese label of a light; ``none`` reads 已报送 when the region did report."""
    if light == "none" and reported:
        return REPORTED_NOT_JUDGED
    return LIGHT_LABELS.get(light, light)


def cell_number(value: Any) -> float | None:
    """A status-table cell as a finite float; None when missing, NaN, infinite or not a number.

    The one reading of numeric cells shared by everything that draws the status table
    (progress map, 通报 workbooks).
    """
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# Worst first: a roll-up of status targets shows its worst region.
_SEVERITY = {"red": 0, "yellow": 1, "green": 2, "done": 3, "none": 4}

STATUS_COLUMNS: list[str] = [
    "period_end",
    "target_id",
    "metric",
    "unit",
    "region_code",
    "region_name",
    "allocated",
    "completed",
    "rate",
    "expected",
    "gap",
    "light",
]
EXTRA_COLUMNS: list[str] = [
    "kind", "pace", "status", "note", "value_period_end", "sample", "state",
]  # fmt: skip


class StatusError(LightRuleError):
    """Bad status settings (thresholds, milestones) or an empty store."""


# ---------------------------------------------------------------------- pace (序时进度)
# pace() and the milestone reader live in minshi_geo.pace, shared with the scenario reader.
def parse_milestones(
    raw: Mapping[Any, Any] | None, year: int, where: str = "milestones"
) -> dict[str, dict[date, float]]:
    """Milestones as ``{target_id or "*": {date: share}}`` (see :func:`minshi_geo.pace.
    parse_milestones`); a bad one raises :class:`StatusError` prefixed with ``where``."""
    try:
        return pace_mod.parse_milestones(raw, year)
    except MilestoneError as exc:
        raise StatusError(f"{where}.{exc.key}: {exc.problem}" if exc.key
                          else f"{where}: {exc.problem}") from None


# ---------------------------------------------------------------------- the status table
def compute_status(
    store_or_url: ProgressStore | str | None,
    allocation: Any,
    plan: Any,
    as_of: date | None = None,
    thresholds: Thresholds = Thresholds(),
    milestones: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """Status per reporting period × target × region.

    ``allocation``: an :class:`~minshi_geo.allocation.Allocation` (its table gives allocated
    quantities; ``meta["milestones"]`` is used when ``milestones`` is not given).
    ``plan``: the :class:`~minshi_geo.catalogue.Plan` (start, deadlines, kinds, metrics).

    Columns :data:`STATUS_COLUMNS` (period_end is a ``datetime.date``; allocated, completed,
    expected in the target's unit; rate 0–1+; gap in points; light ∈ done/green/yellow/red/none)
    then :data:`EXTRA_COLUMNS`: kind, pace (0–1), status (未启动/推进中/已完成 for status
    targets), note, value_period_end (the period the value was reported for), sample (the value
    comes from a 示例 file). Rows: every allocated target × region, plus every status-kind or
    non-splittable target × region that has a report; sorted by period, catalogue order, region.
    An empty store gives an empty table with these columns.
    """
    store = store_or_url if isinstance(store_or_url, ProgressStore) else ProgressStore(store_or_url)
    try:
        values = store.current_values(plan.id, as_of=as_of)
    finally:
        if store is not store_or_url:
            store.close()
    _check_scenario(values, allocation)
    return status_from_values(
        values, allocation, plan, thresholds=thresholds, milestones=milestones
    )


def _check_scenario(values: pd.DataFrame, allocation: Any) -> None:
    """Reports made from another allocation would be measured against the wrong quantities."""
    expected = str((getattr(allocation, "meta", None) or {}).get("scenario_sha256") or "")
    if not expected or values.empty or "scenario_sha256" not in values.columns:
        return
    other = values[values["scenario_sha256"].notna() & (values["scenario_sha256"] != expected)]
    if other.empty:
        return
    theirs = sorted(set(other["scenario_sha256"]))
    raise StatusError(
        say("status.other_allocation", files=other["file_id"].nunique(),
            theirs=", ".join(t[:12] + "…" for t in theirs), example=other["filename"].iloc[0],
            ours=expected[:12] + "…"),
        hint=say("status.hint_other_allocation"),
    )


def status_from_values(
    values: pd.DataFrame,
    allocation: Any,
    plan: Any,
    thresholds: Thresholds = Thresholds(),
    milestones: Mapping[Any, Any] | None = None,
) -> pd.DataFrame:
    """:func:`compute_status` on a table of current values (``ProgressStore.current_values``)."""
    if milestones is None:
        milestones = (getattr(allocation, "meta", None) or {}).get("milestones")
    plan_milestones = parse_milestones(milestones, plan.year)
    columns = STATUS_COLUMNS + EXTRA_COLUMNS
    if values.empty:
        return pd.DataFrame(columns=columns)
    frame_of = _Frame(values, allocation, plan)
    values = values.sort_values("period_end", kind="mergesort")
    rows = []
    for period in sorted(set(values["period_end"])):
        # The whole latest row per target × region (groupby.last() would mix columns: it
        # takes the last non-null value of each column separately).
        latest = values[values["period_end"] <= period].drop_duplicates(
            ["target_id", "region_code"], keep="last"
        )
        known = {(r["target_id"], r["region_code"]): r for r in latest.to_dict("records")}
        paces: dict[str, float] = {}
        for target_id, region_code in frame_of.pairs:
            target = frame_of.targets.get(target_id)
            if target is None:
                continue  # a target that left the catalogue; the importer never stores these
            if target_id not in paces:
                share_table = plan_milestones.get(target_id, plan_milestones.get("*"))
                paces[target_id] = pace(period, plan.start, target.deadline or plan.deadline,
                                        share_table)
            rows.append(frame_of.row(period, target, region_code, paces[target_id],
                                     known.get((target_id, region_code)), thresholds))
    return frame_of.sorted(pd.DataFrame(rows, columns=columns))


class _Frame:
    """What every row of one status table needs: targets, allocated quantities, region names
    and orders, and the target × region pairs shown."""

    def __init__(self, values: pd.DataFrame, allocation: Any, plan: Any):
        self.plan = plan
        self.order = {t.id: i for i, t in enumerate(plan.targets)}
        self.targets = {t.id: t for t in plan.targets}
        table = allocation.table
        self.region_names = dict(zip(table["region_code"], table["region_name"], strict=False))
        self.region_order = {c: i for i, c in enumerate(dict.fromkeys(table["region_code"]))}
        self.allocated = {
            (str(t), str(r)): float(q)
            for t, r, q in zip(
                table["target_id"], table["region_code"], table["quantity"], strict=False
            )
        }
        # Targets that are not split (rates, standards, milestones) appear where a region
        # reported.
        reported = zip(values["target_id"], values["region_code"], strict=True)
        self.pairs = list(dict.fromkeys([*self.allocated, *reported]))
        for code, name in zip(values["region_code"], values["region_name"], strict=False):
            self.region_names.setdefault(code, name)

    def row(self, period: date, target: Any, region_code: str, p: float, rec: dict | None,
            thresholds: Thresholds) -> dict[str, Any]:
        qty = self.allocated.get((target.id, region_code), np.nan)
        status = rec["status"] if rec is not None else None
        row = {
            "period_end": period,
            "target_id": target.id,
            "metric": target.metric,
            "unit": target.unit,
            "region_code": region_code,
            "region_name": self.region_names.get(region_code, region_code),
            "allocated": qty,
            "completed": float(rec["completed"]) if rec is not None else np.nan,
            "kind": target.kind,
            "pace": p,
            "status": status if isinstance(status, str) else None,
            "note": rec["note"] if rec is not None and isinstance(rec["note"], str) else None,
            "value_period_end": rec["period_end"] if rec is not None else None,
            "sample": bool(rec["sample"]) if rec is not None else False,
        }
        row.update(_assess(row, p, period, target.deadline or self.plan.deadline, thresholds))
        # A task of 0 (不承担) that was never reported is not late: 不适用, not 未报送.
        not_carried = qty == 0
        row["state"] = lights.state_of(
            row["light"], row["gap"],
            not_carried or is_reported(row["completed"], row["status"]),
        )
        return row

    def sorted(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame["_t"] = frame["target_id"].map(self.order)
        frame["_r"] = frame["region_code"].map(self.region_order).fillna(len(self.region_order))
        frame = frame.sort_values(["period_end", "_t", "_r", "region_code"], kind="mergesort")
        return frame.drop(columns=["_t", "_r"]).reset_index(drop=True)


def _assess(row: dict, p: float, period: date, deadline: date, thresholds: Thresholds) -> dict:
    qty, completed, status = row["allocated"], row["completed"], row["status"]
    expected = p * qty if not math.isnan(qty) else np.nan
    if not math.isnan(qty) and not math.isnan(completed):
        if qty > 0:
            rate = completed / qty
            gap = (rate - p) * 100
            light = "done" if rate >= 1 - 1e-12 else thresholds.light_for_gap(gap)
        else:  # a task of 0 (不承担): shown as reported, not judged
            rate, gap, light = np.nan, np.nan, "none"
        return {"expected": expected, "rate": rate, "gap": gap, "light": light}
    if status == "已完成":
        return {"expected": expected, "rate": np.nan, "gap": np.nan, "light": "done"}
    if status == "推进中":
        # Not judged against 序时进度 until the deadline (a qualitative item has no share done);
        # still 推进中 after it: overdue.
        light = "none" if period <= deadline else "red"
        return {"expected": expected, "rate": np.nan, "gap": np.nan, "light": light}
    if status == "未启动":
        gap = -p * 100
        return {
            "expected": expected,
            "rate": np.nan,
            "gap": gap,
            "light": thresholds.light_for_gap(gap),
        }
    # No report, or a number for a target with no allocation (a province-wide rate such as
    # 通达率): shown, not judged.
    return {"expected": expected, "rate": np.nan, "gap": np.nan, "light": "none"}


# ---------------------------------------------------------------------- views and roll-ups
def periods(status: pd.DataFrame) -> list[date]:
    """The reporting periods in a status table, oldest first (the map's time slider)."""
    return sorted(set(status["period_end"]))


def latest(status: pd.DataFrame, period: date | None = None) -> pd.DataFrame:
    """The rows of one period (default: the latest)."""
    if status.empty:
        return status
    period = period or max(status["period_end"])
    return status[status["period_end"] == period].reset_index(drop=True)


def _state_counts(keys) -> dict[str, int]:
    """Counts per state, without the ``done`` key the light counts already carry."""
    n = lights.counts(keys)
    return {k: v for k, v in n.items() if k != "done"}


def _overall(rates: pd.Series, paces: pd.Series, keys: list[str],
             thresholds: Thresholds) -> dict[str, Any]:
    """rate / expected / gap / state / reason / light of a whole (region or province) under
    the roll-up rule of :func:`minshi_geo.lights.overall`: ``rates`` and ``paces`` of its
    count items with a value, ``keys`` the states of all its items."""
    rate = expected = gap = np.nan
    base, note = None, ""
    if len(rates):
        rate = float(rates.clip(upper=1.0).mean())
        expected = float(paces.mean())
        gap = (rate - expected) * 100
        base = lights.state_of(thresholds.light_for_gap(gap), gap)
        note = (f"平均完成率{rate * 100:.1f}%，平均序时进度{expected * 100:.1f}%，"
                f"差距{gap:+.1f}个百分点")
    key, reason = lights.overall(lights.counts(keys), base, note)
    return {"rate": rate, "expected": expected, "gap": gap, "state": key, "reason": reason,
            "light": lights.state(key).light}


def _row_states(group: pd.DataFrame) -> list[str]:
    if "state" in group.columns and group["state"].isin(lights.KEYS).all():
        return [str(k) for k in group["state"]]
    return [lights.row_state(r) for r in group.to_dict("records")]


def province_rollup(status: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Province totals per period × target (全省汇总).

    Columns: period_end, target_id, metric, unit, allocated (sum), completed (sum over regions
    that reported; NaN for rates and status targets, which do not add up), rate, expected
    (pace · allocated), gap, light, regions, reported (regions with a value), done, green,
    yellow, red, none (region counts per light), pace, state (the province's state of the
    target, :mod:`minshi_geo.lights`) and region counts per state (ahead, on_track, behind,
    far_behind, missing, not_judged). Count targets are judged on the totals with the same
    thresholds; status targets show their worst region.
    """
    cols = ["period_end", "target_id", "metric", "unit", "allocated", "completed", "rate",
            "expected", "gap", "light", "regions", "reported", *LIGHTS, "pace", "state",
            *[k for k in lights.KEYS if k != "done"]]  # fmt: skip
    if status.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (period, target_id), group in status.groupby(["period_end", "target_id"], sort=False):
        first = group.iloc[0]
        counts = group["light"].value_counts()
        states = _row_states(group)
        reported = int((group["completed"].notna() | group["status"].notna()).sum())
        allocated = group["allocated"].sum(min_count=1)
        # Only counts add up across regions; a rate (each region's own %) does not.
        is_count = first["kind"] == "count"
        completed = group["completed"].sum(min_count=1) if is_count else np.nan
        p = float(first["pace"])
        row = {
            "period_end": period, "target_id": target_id, "metric": first["metric"],
            "unit": first["unit"], "allocated": allocated, "completed": completed,
            "regions": len(group), "reported": reported, "pace": p,
            **{light: int(counts.get(light, 0)) for light in LIGHTS},
            **_state_counts(states),
        }  # fmt: skip
        if not math.isnan(allocated) and allocated > 0 and not math.isnan(completed):
            rate = completed / allocated
            gap = (rate - p) * 100
            light = "done" if rate >= 1 - 1e-12 else thresholds.light_for_gap(gap)
            row.update(rate=rate, expected=p * allocated, gap=gap, light=light,
                       state=lights.state_of(light, gap))
        else:
            key = lights.worst(states)
            if key is None:
                key = "not_judged" if reported else "missing"
            expected = p * allocated if not math.isnan(allocated) else np.nan
            row.update(rate=np.nan, expected=expected, gap=np.nan,
                       light=lights.state(key).light, state=key)
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def region_rollup(status: pd.DataFrame, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Per period × region over all its targets (各地区综合进度), by the roll-up rule of
    :func:`minshi_geo.lights.overall`.

    Targets of different units cannot be summed, so ``rate`` is the mean completion rate over
    the region's count targets with a value, each capped at 100 % (over-fulfilling one target
    must not hide another that lags); ``expected`` the mean pace of the same targets; ``gap``
    their difference in points; ``state`` the overall state (any 严重滞后 target makes it at
    least 滞后; more than half of the judged targets lagging makes it 严重滞后), ``reason`` why
    in words, ``light`` the state's light. Columns: period_end, region_code, region_name,
    targets (judged targets), rate, expected, gap, light, done, green, yellow, red, none (target
    counts per light), state, reason, ahead, on_track, behind, far_behind, missing, not_judged
    (target counts per state).
    """
    cols = ["period_end", "region_code", "region_name", "targets", "rate", "expected", "gap",
            "light", *LIGHTS, "state", "reason",
            *[k for k in lights.KEYS if k != "done"]]  # fmt: skip
    if status.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (period, region_code), group in status.groupby(["period_end", "region_code"], sort=False):
        counts = group["light"].value_counts()
        numeric = group[group["rate"].notna()]
        judged = group[group["light"] != "none"]
        states = _row_states(group)
        row = {
            "period_end": period, "region_code": region_code,
            "region_name": group.iloc[0]["region_name"], "targets": len(judged),
            **{light: int(counts.get(light, 0)) for light in LIGHTS},
            **_state_counts(states),
        }  # fmt: skip
        row.update(_overall(numeric["rate"], numeric["pace"], states, thresholds))
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def province_overall(status: pd.DataFrame, period: date | None = None,
                     thresholds: Thresholds = Thresholds(),
                     province: pd.DataFrame | None = None) -> dict[str, Any]:
    """The province's overall state for one period (default the latest), by the same roll-up
    rule as a region's, over the province totals per target (:func:`province_rollup`; pass
    ``province`` when it is at hand).

    Keys: period_end, targets (rows of the province roll-up), rate, expected, gap, state, reason, light, counts ({state: targets}).
    """
    if province is None:
        province = province_rollup(latest(status, period), thresholds)
    if province.empty:
        raise StatusError(say("status.empty"))
    numeric = province[province["rate"].notna()]
    keys = [str(k) for k in province["state"]]
    out = _overall(numeric["rate"], numeric["pace"], keys, thresholds)
    out.update(period_end=province["period_end"].iloc[0], targets=len(province),
               counts=lights.counts(keys))
    return out


def falling(status: pd.DataFrame, period: date | None = None) -> pd.DataFrame:
    """累计数减少: the rows of one period (default the latest) whose value, as last reported,
    is lower than an earlier report of the same target × region. The status keeps the value as
    reported (a region correcting an earlier over-count must be able to); these rows are
    flagged. Status columns plus ``before`` (the highest earlier value) and ``before_period``
    (the period it was reported for)."""
    rows = latest(status, period)
    extra = {"before": pd.Series(dtype=float), "before_period": pd.Series(dtype=object)}
    if rows.empty:
        return rows.assign(**extra)
    reports = status[status["completed"].notna()].drop_duplicates(
        ["target_id", "region_code", "value_period_end"])
    highest: dict[tuple, list[tuple[date, float]]] = {}
    for rec in reports.itertuples(index=False):
        highest.setdefault((rec.target_id, rec.region_code), []).append(
            (rec.value_period_end, float(rec.completed)))
    found = []
    for i, rec in enumerate(rows.itertuples(index=False)):
        if pd.isna(rec.completed):
            continue
        earlier = [(v, d) for d, v in highest.get((rec.target_id, rec.region_code), [])
                   if d < rec.value_period_end]
        if earlier and max(earlier)[0] > float(rec.completed) + 1e-9:
            value, when = max(earlier)
            found.append((i, value, when))
    out = rows.iloc[[i for i, _, _ in found]].copy()
    out["before"] = [v for _, v, _ in found]
    out["before_period"] = [d for _, _, d in found]
    return out.reset_index(drop=True) if found else rows.iloc[0:0].assign(**extra)


def outside_period(status: pd.DataFrame, plan: Any, period: date | None = None) -> pd.DataFrame:
    """The rows of one period (default the latest) whose value was reported for a period end
    outside the plan's period (a late year-end report, an early one; stored with a warning at
    import, :mod:`minshi_geo.progress.period`), shown as reported and flagged."""
    from minshi_geo.progress.period import date_kind

    rows = latest(status, period)
    if rows.empty:
        return rows
    outside = [isinstance(d, date) and date_kind(d, plan) != "inside"
               for d in rows["value_period_end"]]
    return rows[outside].reset_index(drop=True)


def lagging(status: pd.DataFrame, period: date | None = None) -> pd.DataFrame:
    """推进缓慢: the target × region rows of one period (default the latest) whose light is
    yellow or red, red first, then furthest behind first. Status columns plus ``behind``
    (points behind 序时进度) and ``label`` (滞后 / 严重滞后)."""
    rows = latest(status, period)
    if rows.empty:
        return rows.assign(behind=pd.Series(dtype=float), label=pd.Series(dtype=str))
    rows = rows[rows["light"].isin(["yellow", "red"])].copy()
    rows["behind"] = -rows["gap"]
    rows["label"] = rows["light"].map(LIGHT_LABELS)
    rows["_sev"] = rows["light"].map(_SEVERITY)
    rows = rows.sort_values(["_sev", "behind", "target_id", "region_code"],
                            ascending=[True, False, True, True], kind="mergesort")  # fmt: skip
    return rows.drop(columns="_sev").reset_index(drop=True)
