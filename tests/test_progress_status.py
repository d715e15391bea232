"""序时进度, lights and roll-ups: the status maths on small hand-checked cases.

The allocation here is a hand-written table (three regions, two targets of the real Jilin 2023
catalogue) so every expected number can be checked by hand; the import round trip on the real
baseline allocation is in test_progress_import.py.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from progress_db import BACKENDS, fresh_database_url

from minshi_geo.allocation import Allocation
from minshi_geo.catalogue import load_plan
from minshi_geo.progress import status as st
from minshi_geo.lights import LightRuleError
from minshi_geo.progress.status import StatusError, Thresholds, compute_status, pace
from minshi_geo.progress.store import ProgressStore, StoredReport

PLAN = load_plan()
START, END = date(2023, 1, 1), date(2023, 12, 31)
MAR, JUN, SEP = date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30)
REGIONS = [("220100", "长春市"), ("220200", "吉林市"), ("220300", "四平市")]
# 改造农村危桥 150 座 and 综合嵌入式社区居家养老服务中心 100 个, split by hand.
QUANTITIES = {"29.2": (60, 50, 40), "4.1": (40, 35, 25)}


def hand_allocation(milestones=None) -> Allocation:
    rows = []
    for target_id, quantities in QUANTITIES.items():
        target = PLAN.target(target_id)
        for (code, name), qty in zip(REGIONS, quantities, strict=True):
            rows.append(
                {"target_id": target_id, "item": target.item, "sector": target.sector,
                 "metric": target.metric, "region_code": code, "region_name": name,
                 "quantity": qty, "unit": target.unit, "quota": float(qty),
                 "capped_quota": float(qty), "share": qty / sum(quantities), "lower": 0.0,
                 "upper": float("nan"), "locked": False, "basis": "by hand"}
            )  # fmt: skip
    meta = {"plan_id": PLAN.id, "scenario_sha256": "5" * 64}
    if milestones:
        meta["milestones"] = milestones
    return Allocation(table=pd.DataFrame(rows), meta=meta)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    for url in fresh_database_url(request.param, tmp_path):
        s = ProgressStore(url)
        s.register(PLAN.id, [(t.id, t.metric, t.unit, t.kind) for t in PLAN.targets], REGIONS)
        yield s
        s.close()


def put(store: ProgressStore, region: str, period: date, values: dict, notes=None) -> None:
    notes = notes or {}
    lines = pd.DataFrame(
        [{"target_id": t, "completed": float("nan") if isinstance(v, str) else float(v),
          "status": v if isinstance(v, str) else None, "note": notes.get(t),
          "sheet": "任务分解表", "row": 11 + i} for i, (t, v) in enumerate(values.items())]
    )  # fmt: skip
    sha = f"{region}{period:%Y%m%d}{abs(hash(str(values))):x}".ljust(64, "0")[:64]
    store.save_reports(
        [StoredReport(f"{region}-{period}.xlsx", sha, PLAN.id, "5" * 64, region, period, False,
                      lines)],
        imported_by="test",
    )  # fmt: skip


# ---------------------------------------------------------------------- pace
def test_pace_is_linear_in_days_counting_both_ends():
    assert pace(date(2023, 1, 1), START, END) == pytest.approx(1 / 365)
    assert pace(JUN, START, END) == pytest.approx(181 / 365)
    assert pace(END, START, END) == 1.0
    assert pace(date(2022, 12, 1), START, END) == 0.0
    assert pace(date(2024, 3, 1), START, END) == 1.0


def test_pace_follows_scenario_milestones_piecewise():
    milestones = {JUN: 0.5}
    assert pace(JUN, START, END, milestones) == 0.5
    # Halfway between 6-30 (50 %) and 12-31 (100 %) by days.
    middle = date.fromordinal((JUN.toordinal() + END.toordinal()) // 2)
    assert pace(middle, START, END, milestones) == pytest.approx(0.75, abs=0.003)
    assert pace(MAR, START, END, {JUN: 0.2}) == pytest.approx(0.2 * 90 / 181)


def test_milestones_accept_month_day_and_percent_forms():
    parsed = st.parse_milestones({"6-30": "50%", "9-30": 0.8}, 2023)
    assert parsed == {"*": {JUN: 0.5, SEP: 0.8}}
    per_target = st.parse_milestones({"29.2": {"2023-06-30": 0.3}}, 2023)
    assert per_target == {"29.2": {JUN: 0.3}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"6-30": "150%"}, "between 0 and 1"),
        ({"6-30": 0.6, "9-30": 0.4}, "must not fall"),
        ({"6-31": 0.5}, "expected a date"),
        ({"29.2": 0.5}, "expected a mapping"),
        ({"6-30": "half"}, "expected a share"),
        ({"2024-06-30": 0.5}, r"milestones\.\*\.2024-06-30: expected a date in the plan year 2023"),
        ({"6-30": 0.5, "06-30": 0.5}, "the same date as 6-30"),
    ],
)
def test_bad_milestones_are_named(raw, message):
    with pytest.raises(StatusError, match=message):
        st.parse_milestones(raw, 2023)


# ---------------------------------------------------------------------- lights
@pytest.mark.parametrize(
    ("gap", "light"),
    [
        (5.0, "green"),
        (0.0, "green"),
        (-9.99, "green"),
        (-10.0, "yellow"),
        (-30.0, "yellow"),
        (-30.01, "red"),
        (float("nan"), "none"),
    ],
)
def test_light_thresholds_default_to_10_and_30_points(gap, light):
    assert Thresholds().light_for_gap(gap) == light


def test_strict_thresholds_make_any_shortfall_yellow():
    strict = Thresholds(yellow=0, red=30)
    assert strict.light_for_gap(0.0) == "green"
    assert strict.light_for_gap(-0.5) == "yellow"


def test_thresholds_must_be_ordered():
    with pytest.raises(LightRuleError, match="0 ≤ yellow ≤ red"):
        Thresholds(yellow=40, red=30)


# ---------------------------------------------------------------------- the status table
def test_status_rows_per_period_target_and_region(store):
    put(store, "220100", MAR, {"29.2": 15, "4.1": 5})
    put(store, "220200", MAR, {"29.2": 2, "4.1": 10})
    put(store, "220100", JUN, {"29.2": 60, "4.1": 12})
    status = compute_status(store, hand_allocation(), PLAN)
    assert list(status.columns[:12]) == st.STATUS_COLUMNS
    assert st.periods(status) == [MAR, JUN]
    assert len(status) == 2 * 2 * 3  # periods × targets × regions (unreported rows too)

    row = status.set_index(["period_end", "target_id", "region_code"]).loc[(MAR, "29.2", "220200")]
    p = 90 / 365
    assert row["allocated"] == 50 and row["completed"] == 2
    assert row["rate"] == pytest.approx(0.04)
    assert row["expected"] == pytest.approx(50 * p)
    assert row["gap"] == pytest.approx((0.04 - p) * 100)  # −20.7 points
    assert row["light"] == "yellow"
    assert row["metric"] == "改造农村危桥" and row["unit"] == "座"
    assert row["region_name"] == "吉林市"


def test_lights_done_green_red_and_none(store):
    put(store, "220100", MAR, {"29.2": 15, "4.1": 5})
    put(store, "220200", MAR, {"29.2": 2, "4.1": 10})
    put(store, "220100", JUN, {"29.2": 60, "4.1": 12})
    status = compute_status(store, hand_allocation(), PLAN).set_index(
        ["period_end", "target_id", "region_code"]
    )
    assert status.loc[(JUN, "29.2", "220100"), "light"] == "done"  # 60 of 60
    assert status.loc[(MAR, "29.2", "220100"), "light"] == "green"  # 25 % vs 24.7 %
    assert status.loc[(JUN, "29.2", "220300"), "light"] == "none"  # 四平 never reported
    # 吉林 did not report in June: its March figure carries forward and now lags > 30 points.
    june = status.loc[(JUN, "29.2", "220200")]
    assert june["completed"] == 2 and june["value_period_end"] == MAR
    assert june["light"] == "red"


def test_a_later_report_replaces_the_whole_row_not_column_by_column(store):
    put(store, "220100", MAR, {"29.2": 15}, notes={"29.2": "汛期停工"})
    put(store, "220100", JUN, {"29.2": 40})
    june = (
        compute_status(store, hand_allocation(), PLAN)
        .set_index(["period_end", "target_id", "region_code"])
        .loc[(JUN, "29.2", "220100")]
    )
    assert june["completed"] == 40
    assert pd.isna(june["note"])  # March's note does not leak into June


def test_status_targets_map_to_lights(store):
    put(store, "220100", MAR, {"1.2": "推进中", "2.1": "已完成", "3.2": "未启动"})
    put(store, "220100", SEP, {"1.2": "推进中", "2.1": "已完成", "3.2": "未启动"})
    status = compute_status(store, hand_allocation(), PLAN).set_index(
        ["period_end", "target_id", "region_code"]
    )
    assert status.loc[(MAR, "2.1", "220100"), "light"] == "done"
    # 推进中 is not judged against 序时进度 before the deadline (no share done to compare):
    # 不适用, not a green beside a 序时进度.
    assert status.loc[(MAR, "1.2", "220100"), "light"] == "none"
    assert status.loc[(MAR, "1.2", "220100"), "state"] == "not_judged"
    assert status.loc[(MAR, "2.1", "220100"), "state"] == "done"
    assert status.loc[(SEP, "3.2", "220100"), "state"] == "far_behind"
    # 未启动 after a quarter of the year: 24.7 points behind → yellow; in September → red.
    assert status.loc[(MAR, "3.2", "220100"), "light"] == "yellow"
    assert status.loc[(SEP, "3.2", "220100"), "light"] == "red"
    assert status.loc[(SEP, "1.2", "220100"), "status"] == "推进中"


def test_milestones_from_the_scenario_change_expected(store):
    put(store, "220100", JUN, {"29.2": 27})
    linear = compute_status(store, hand_allocation(), PLAN)
    halfway = compute_status(store, hand_allocation(milestones={"6-30": 0.5}), PLAN)

    def row(frame):
        return frame.set_index(["target_id", "region_code"]).loc[("29.2", "220100")]

    assert row(linear)["expected"] == pytest.approx(60 * 181 / 365)
    assert row(halfway)["expected"] == pytest.approx(30.0)
    assert row(halfway)["gap"] == pytest.approx(-5.0)


def test_as_of_keeps_only_periods_up_to_that_date(store):
    put(store, "220100", MAR, {"29.2": 15})
    put(store, "220100", JUN, {"29.2": 30})
    status = compute_status(store, hand_allocation(), PLAN, as_of=date(2023, 5, 15))
    assert st.periods(status) == [MAR]


def test_empty_store_gives_an_empty_table_with_the_columns(store):
    status = compute_status(store, hand_allocation(), PLAN)
    assert status.empty and list(status.columns[:12]) == st.STATUS_COLUMNS


# ---------------------------------------------------------------------- roll-ups and lagging
def test_province_rollup_sums_regions_per_target(store):
    put(store, "220100", MAR, {"29.2": 15, "4.1": 5})
    put(store, "220200", MAR, {"29.2": 2, "4.1": 10})
    status = compute_status(store, hand_allocation(), PLAN)
    province = st.province_rollup(status).set_index("target_id")
    bridges = province.loc["29.2"]
    assert bridges["allocated"] == 150 and bridges["completed"] == 17
    assert bridges["rate"] == pytest.approx(17 / 150)
    assert bridges["regions"] == 3 and bridges["reported"] == 2
    assert (bridges["green"], bridges["yellow"], bridges["none"]) == (1, 1, 1)
    assert bridges["light"] == "yellow"  # 11.3 % against 24.7 %


def test_province_rollup_does_not_add_up_rates(store):
    put(store, "220100", MAR, {"42.2": 55.0})  # 行政村5G网络通达率, each region's own %
    put(store, "220200", MAR, {"42.2": 65.0})
    province = st.province_rollup(compute_status(store, hand_allocation(), PLAN))
    rate_row = province.set_index("target_id").loc["42.2"]
    assert pd.isna(rate_row["completed"]) and rate_row["light"] == "none"
    assert rate_row["reported"] == 2 and rate_row["none"] == 2


def test_region_rollup_caps_each_target_at_100_percent(store):
    put(store, "220100", MAR, {"29.2": 120, "4.1": 0})  # 200 % of bridges, nothing of 4.1
    status = compute_status(store, hand_allocation(), PLAN)
    changchun = st.region_rollup(status).set_index("region_code").loc["220100"]
    assert changchun["rate"] == pytest.approx(0.5)  # (100 % + 0 %) / 2, not (200 % + 0 %) / 2
    assert changchun["targets"] == 2 and changchun["done"] == 1 and changchun["red"] == 0
    assert changchun["expected"] == pytest.approx(90 / 365)


def test_lagging_lists_red_before_yellow_furthest_behind_first(store):
    put(store, "220100", JUN, {"29.2": 10, "4.1": 15})  # 16.7 % → red, 37.5 % → yellow
    put(store, "220200", JUN, {"29.2": 5, "4.1": 30})  # 10 % → red, 85.7 % → green
    lagging = st.lagging(compute_status(store, hand_allocation(), PLAN))
    assert lagging[["target_id", "region_code", "light"]].values.tolist() == [
        ["29.2", "220200", "red"],
        ["29.2", "220100", "red"],
        ["4.1", "220100", "yellow"],
    ]
    assert list(lagging["label"]) == ["严重滞后", "严重滞后", "滞后"]
    assert lagging.loc[0, "behind"] == pytest.approx((181 / 365 - 0.1) * 100)


def test_status_refuses_an_allocation_the_reports_were_not_made_from(store):
    put(store, "220100", MAR, {"29.2": 15})
    hand = hand_allocation()
    other = Allocation(table=hand.table, meta={**hand.meta, "scenario_sha256": "6" * 64})
    with pytest.raises(
        StatusError,
        match=r"1 report file\(s\) made from another allocation "
        r"\(scenario sha256 555555555555…; e\.g\. 220100-2023-03-31\.xlsx\)",
    ):
        compute_status(store, other, PLAN)


def test_none_light_reads_reported_when_a_value_came_in_and_unreported_otherwise():
    # A province-wide rate is shown, not judged: its light is none, but the region did report —
    # calling it 未报送 in a 调度 meeting would blame a region that sent its figure.
    assert st.light_label("none", reported=True) == "不适用"
    assert st.light_label("none") == "未报送"
    assert st.light_label("red", reported=True) == "严重滞后"
    assert st.is_reported(85.0, None) and st.is_reported(float("nan"), "推进中")
    assert not st.is_reported(float("nan"), None)


def test_a_task_of_zero_never_reported_reads_not_applicable_not_missing(store):
    """不承担 (task 0) and no report: 不适用 with no light, never 未报送, never a laggard; the
    same region's other target with a task still reads 未报送 when it did not report."""
    allocation = hand_allocation()
    table = allocation.table
    table.loc[(table["target_id"] == "29.2") & (table["region_code"] == "220300"), "quantity"] = 0
    put(store, "220100", JUN, {"29.2": 10, "4.1": 5})
    status = compute_status(store, allocation, PLAN).set_index(["target_id", "region_code"])
    zero = status.loc[("29.2", "220300")]
    assert zero["allocated"] == 0 and zero["light"] == "none"
    assert zero["state"] == "not_judged" and st.lights.word(zero["state"]) == "不适用"
    assert status.loc[("4.1", "220300"), "state"] == "missing"  # a task, not reported: 未报送
    full = compute_status(store, allocation, PLAN)
    assert "220300" not in set(st.lagging(full)["region_code"])
    siping = st.region_rollup(full).set_index("region_code").loc["220300"]
    assert siping["missing"] == 1 and siping["not_judged"] == 1


def test_a_task_of_zero_reported_is_not_applicable_not_done(store):
    """不承担 (task 0) with a reported 0 (the blank sheet's row filled in): still 不适用 — a
    region that carries nothing has completed nothing, and counting it 已完成 would swell its
    已完成 count in the 通报 and the roll-up."""
    allocation = hand_allocation()
    table = allocation.table
    table.loc[(table["target_id"] == "29.2") & (table["region_code"] == "220300"), "quantity"] = 0
    put(store, "220300", JUN, {"29.2": 0, "4.1": 5})
    full = compute_status(store, allocation, PLAN)
    zero = full.set_index(["target_id", "region_code"]).loc[("29.2", "220300")]
    assert zero["completed"] == 0 and zero["light"] == "none"
    assert zero["state"] == "not_judged" and st.lights.word(zero["state"]) == "不适用"
    siping = st.region_rollup(full).set_index("region_code").loc["220300"]
    assert siping["done"] == 0 and siping["not_judged"] == 1
