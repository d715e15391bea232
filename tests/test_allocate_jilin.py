"""Acceptance on the real Jilin 2023 data: every splittable target, every rule respected."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from minshi_geo.allocate import allocate, build_problems, run_scenario
from minshi_geo.allocation import COLUMNS, Allocation
from minshi_geo.catalogue import BASIS_INDICATORS
from minshi_geo.cli import app
from minshi_geo.indicators import MissingIndicatorError
from minshi_geo.scenario import load_scenario

SCENARIOS = Path(__file__).parents[1] / "scenarios"
BASELINE = SCENARIOS / "jilin-2023-baseline.yaml"
EXAMPLE = SCENARIOS / "example-jilin-2023-rules.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def baseline_allocation(baseline):
    return allocate(baseline)


@pytest.fixture(scope="module")
def example():
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def example_allocation(example):
    return allocate(example)


def _assert_rules_hold(scenario, allocation):
    """Integer/step quantities, exact totals, bounds, locks, eligibility, capacity."""
    table = allocation.table
    plan = scenario.plan
    for tid, rule in scenario.rules.items():
        rows = table[table["target_id"] == tid].set_index("region_code")
        target = plan.target(tid)
        assert rows["quantity"].sum() == target.quantity, tid
        assert set(rows.index) == set(rule.eligible), tid
        q = rows["quantity"].to_numpy(dtype=float)
        assert np.all(np.isclose(q / rule.step, np.round(q / rule.step))), tid
        assert np.all(q >= 0), tid
        for code, row in rows.iterrows():
            low = rule.minimum.value_for(code, target.quantity)
            high = rule.maximum.value_for(code, target.quantity)
            if code in rule.locks:
                assert row["quantity"] == rule.locks[code] and row["locked"], (tid, code)
                continue
            if low is not None:
                assert row["quantity"] >= low - 1e-9, (tid, code)
            if high is not None:
                assert row["quantity"] <= high + 1e-9, (tid, code)
            if isinstance(rule.capacity, str):
                cap = allocation.factor_values.at[code, rule.capacity]
                assert row["quantity"] <= cap + 1e-9, (tid, code)


def test_baseline_covers_every_splittable_target_of_the_catalogue(baseline, baseline_allocation):
    splittable = [t.id for t in baseline.plan.targets if t.splittable]
    assert len(splittable) == 52
    assert baseline_allocation.target_ids == splittable
    assert not baseline_allocation.is_sample


def test_baseline_respects_every_rule_on_the_real_data(baseline, baseline_allocation):
    _assert_rules_hold(baseline, baseline_allocation)


def test_baseline_uses_only_sourced_or_geometry_derived_indicators(baseline):
    used = {name for rule in baseline.rules.values() for name in rule.factors}
    assert used <= set(BASIS_INDICATORS) - {"households", "population_5_14"}  # all 11 have them
    assert baseline.indicator_paths == []
    ind = baseline.indicators
    rows = ind[ind["indicator"].isin(used)]
    assert (rows["source_title"].str.len() > 0).all()
    assert not rows["note"].str.contains("示例|sample", case=False).any()


def test_shares_follow_the_indicator_values_region_by_region(baseline, baseline_allocation):
    """The share column is Σ w_k f_ik / Σ_j f_jk computed from the indicator table itself."""
    ind = baseline.indicators
    pop = ind[ind["indicator"] == "population"].set_index("region_code")["value"]
    rows = baseline_allocation.target("33.1").set_index("region_code")
    codes = list(rows.index)
    expected = pop[codes] / pop[codes].sum()
    assert rows["share"].to_numpy() == pytest.approx(expected.to_numpy())
    # 长春市 has 9,066,906 of 24,073,453 residents → 37.66 of 100 centres before rounding
    assert rows.at["220100", "quota"] == pytest.approx(100 * 9_066_906 / 24_073_453)
    assert rows.at["220100", "quantity"] == 37


def test_rural_and_village_targets_follow_rural_population_and_villages(baseline,
                                                                        baseline_allocation):
    """39.1 农村户用卫生厕所 by rural population: 长春 holds 34.3% of rural residents (37.7% of
    all residents), so it gets about 16,100 of 47,000, not the 17,700 of a population split."""
    ind = baseline.indicators
    rural = ind[ind["indicator"] == "rural_population"].set_index("region_code")["value"]
    toilets = baseline_allocation.target("39.1").set_index("region_code")
    assert toilets.at["220100", "quota"] == pytest.approx(
        47_000 * rural["220100"] / rural["220000"])
    assert 16_000 <= toilets.at["220100", "quantity"] <= 16_300
    villages = baseline_allocation.target("34.1").set_index("region_code")
    assert "changbaishan" in villages.index  # 6 村委会: villages need no polygon
    assert baseline.rules["34.1"].factors == {"villages": 1.0}


def test_area_based_targets_leave_out_the_point_region(baseline_allocation):
    bridges = baseline_allocation.target("29.2")
    assert "changbaishan" not in set(bridges["region_code"])
    assert len(bridges) == 10 and (bridges["quantity"] >= 1).all()


def test_the_pulp_model_gives_the_same_baseline_as_the_fast_path(baseline, baseline_allocation):
    via_pulp = allocate(baseline, engine="pulp")
    assert via_pulp.meta["solver"] == "highs"
    assert via_pulp.meta["model_targets"] == baseline_allocation.target_ids
    pd.testing.assert_series_equal(via_pulp.table["quantity"],
                                   baseline_allocation.table["quantity"])


def test_fair_scenario_caps_every_region_at_40_percent():
    fair = load_scenario(SCENARIOS / "jilin-2023-fair.yaml")
    allocation = allocate(fair)
    _assert_rules_hold(fair, allocation)
    jobs = allocation.target("1.1").set_index("region_code")
    assert jobs.at["220100", "quota"] > 0.40 * 230_000  # the cap binds for 长春市
    assert jobs.at["220100", "quantity"] == 92_000


def test_example_scenario_is_sample_and_respects_locks_capacity_and_budget(
        example, example_allocation):
    a = example_allocation
    assert a.is_sample and a.meta["sample"] is True
    _assert_rules_hold(example, a)
    # locks: the 13 medical-waste units stay where they are
    waste = a.target("28.1").set_index("region_code")["quantity"]
    assert waste.sum() == 13 and waste["220100"] == 3 and waste["222400"] == 2
    # budget: Σ cost·x ≤ the region's sample budget, and it binds somewhere
    q = a.table.set_index(["target_id", "region_code"])["quantity"]
    budget = a.meta["budget"]
    slack = []
    for code, limit in budget["per_region"].items():
        spend = sum(q.get((tid, code), 0) * cost for tid, cost in budget["costs"].items())
        assert spend <= limit + 1e-6
        slack.append(limit - spend)
    assert min(slack) < 1.0
    assert a.meta["model_targets"] == ["29.1", "29.2", "42.1"]


def test_example_coverage_reaches_the_rate_with_every_region_above_its_floor(
        example, example_allocation):
    rows = example_allocation.target("42.2").set_index("region_code")
    f = example_allocation.factor_values
    villages = f["sample_villages"]
    covered = f["sample_villages_5g"] + rows["quantity"]
    assert covered.sum() >= 0.60 * villages.sum()
    assert covered.sum() < 0.60 * villages.sum() + 1
    assert (covered >= 0.45 * villages - 1e-9).all()
    assert (covered <= villages).all()


def test_named_method_in_the_example_is_webster(example_allocation):
    from minshi_geo.allocate.apportion import apportion

    rows = example_allocation.target("33.2")
    expected = apportion("webster", rows["share"].to_numpy(), 20)
    assert rows["quantity"].tolist() == expected.tolist()


def test_run_scenario_saves_a_folder_that_loads_back(tmp_path):
    out = tmp_path / "baseline"
    allocation = run_scenario(BASELINE, out)
    assert sorted(p.name for p in out.iterdir()) == ["allocation.csv", "allocation.json",
                                                     "explanation.csv", "factors.csv",
                                                     "robustness.csv"]
    back = Allocation.load(out)
    assert list(back.table.columns) == COLUMNS
    pd.testing.assert_frame_equal(back.table, allocation.table, check_dtype=False)
    meta = json.loads((out / "allocation.json").read_text(encoding="utf-8"))
    for key in ("scenario", "scenario_title", "scenario_path", "scenario_sha256", "plan_id",
                "plan_path", "catalogue_sha256", "region_set", "sample", "solver",
                "solver_version", "objective", "status", "runtime_s", "created_at", "factors"):
        assert key in meta, key
    assert meta["status"] == "Optimal" and meta["region_set"] == "jilin"
    assert len(meta["scenario_sha256"]) == 64
    assert back.factor_values.loc["220100", "population"] == 9_066_906


def test_cli_allocate_and_compare(tmp_path):
    runner = CliRunner()
    a, b, diff = tmp_path / "a", tmp_path / "b", tmp_path / "diff"
    r1 = runner.invoke(app, ["allocate", str(BASELINE), "--out", str(a), "--quiet"])
    assert r1.exit_code == 0, r1.output
    r2 = runner.invoke(app, ["allocate", str(SCENARIOS / "jilin-2023-population.yaml"),
                             "--out", str(b)])
    assert r2.exit_code == 0, r2.output
    assert "52 targets × 11 regions" in r2.output
    r3 = runner.invoke(app, ["compare", str(a), str(b), "--out", str(diff), "--top", "5"])
    assert r3.exit_code == 0, r3.output
    table = pd.read_csv(diff / "comparison.csv", dtype={"target_id": str, "region_code": str})
    assert list(table.columns[:6]) == ["target_id", "item", "metric", "region_code",
                                      "region_name", "unit"]
    rel = table["change"].abs() / table.groupby("target_id")["quantity_a"].transform("sum")
    assert rel.is_monotonic_decreasing or (rel.diff().dropna() <= 1e-12).all()
    # the point region takes part only in the population scenario's area-based targets
    bridge = table[(table["target_id"] == "29.2") & (table["region_code"] == "changbaishan")]
    assert bridge["quantity_a"].isna().all() and (bridge["quantity_b"] >= 0).all()


def test_cli_allocate_and_compare_speak_chinese_by_default(tmp_path):
    """What a planner reads after allocate / compare is Chinese unless --lang en is asked."""
    runner = CliRunner()
    zh = {"MINSHI_LANG": "zh", "COLUMNS": "200"}
    a, b = tmp_path / "a", tmp_path / "b"
    r1 = runner.invoke(app, ["allocate", str(BASELINE), "--out", str(a), "--draws", "0"], env=zh)
    assert r1.exit_code == 0, r1.output
    assert "52 个指标 × 11 个地区" in r1.output and f"已写出：{a}/allocation.csv" in r1.output
    assert "robustness.csv" not in r1.output  # --draws 0 writes none
    r2 = runner.invoke(app, ["allocate", str(SCENARIOS / "jilin-2023-population.yaml"),
                             "--out", str(b), "--quiet"], env=zh)
    assert r2.exit_code == 0, r2.output
    r3 = runner.invoke(app, ["compare", str(a), str(b), "--top", "3"], env=zh)
    assert r3.exit_code == 0, r3.output
    assert "个有变化" in r3.output and "指标编号" in r3.output and "原因" in r3.output
    bad = runner.invoke(app, ["allocate", str(BASELINE), "--out", str(tmp_path / "c"),
                              "--engine", "x"], env=zh)
    assert bad.exit_code == 2 and "--engine 'x'：应为 auto, pulp, fast 之一" in bad.output
    assert not (tmp_path / "c").exists()


def test_build_problems_orders_regions_by_code_for_the_tie_break(baseline):
    for p in build_problems(baseline):
        assert p.codes == sorted(p.codes)


def test_fair_scenario_gives_the_same_answer_through_pulp():
    fair = load_scenario(SCENARIOS / "jilin-2023-fair.yaml")
    a, b = allocate(fair), allocate(fair, engine="pulp")
    pd.testing.assert_series_equal(a.table["quantity"], b.table["quantity"])


def test_example_scenario_gives_the_same_answer_through_pulp(example, example_allocation):
    via_pulp = allocate(example, engine="pulp")
    pd.testing.assert_series_equal(via_pulp.table["quantity"],
                                   example_allocation.table["quantity"])


def test_balance_rule_lowers_the_heaviest_burden_relative_to_gdp():
    scenario = load_scenario(Path(__file__).parent / "data" / "scenarios" / "balance.yaml")
    balanced = allocate(scenario)
    assert balanced.is_sample and balanced.meta["model_targets"] == ["29.1", "29.2", "39.1"]
    _assert_rules_hold(scenario, balanced)
    costs = {"29.1": 50, "29.2": 200, "39.1": 0.5}
    gdp = balanced.factor_values["gdp_h1_2022"]

    def worst(allocation):
        q = allocation.table.set_index(["target_id", "region_code"])["quantity"]
        return max(sum(q.get((t, c), 0) * k for t, k in costs.items()) / gdp[c]
                   for c in gdp.index)

    plain = allocate(load_scenario(SCENARIOS / "jilin-2023-population.yaml"))
    assert worst(balanced) == pytest.approx(balanced.meta["max_burden"])
    # the best any split can do is every region at the same burden: total cost / total GDP
    floor = (3000 * 50 + 150 * 200 + 47_000 * 0.5) / gdp.sum()
    assert floor <= worst(balanced) <= floor * 1.01
    assert worst(balanced) < 0.7 * worst(plain)  # population shares load GDP-poor regions


def test_area_factor_for_the_point_region_is_a_named_error_with_a_hint(tmp_path):
    text = (
        "scenario: t\ntitle: t\ndefaults:\n  factors: {population: 1.0}\n"
        'targets:\n  "29.2":\n    factors: {population: 0.5, area: 0.5}\n'
    )
    path = tmp_path / "area.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MissingIndicatorError,
                       match=r"^area.yaml: 29.2 改造农村危桥: factor area has no value for "
                             r"长白山保护开发区管理委员会 \(changbaishan\)$") as err:
        allocate(load_scenario(path))
    assert "exclude: [长白山管委会]" in err.value.hint


def test_the_point_region_can_be_locked_on_an_area_target(tmp_path):
    # 长白山管委会 has no area, but a planner can still give it a fixed number of forest
    # monitoring points; the other ten split the rest by area. A locked region needs no factor.
    text = ("scenario: t\ntitle: t\ndefaults:\n  exclude: [长白山管委会]\n"
            'targets:\n  "49.2":\n    exclude: []\n    locks: {长白山管委会: 20}\n')
    path = tmp_path / "lock.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    fast = allocate(scenario).target("49.2").set_index("region_code")
    pulp = allocate(scenario, engine="pulp").target("49.2").set_index("region_code")
    pd.testing.assert_series_equal(fast["quantity"], pulp["quantity"])
    assert fast.loc["changbaishan", "quantity"] == 20 and fast.loc["changbaishan", "locked"]
    assert fast.loc["changbaishan", "share"] == 0.0
    assert fast["quantity"].sum() == 218
    others = fast.drop(index="changbaishan")
    area = scenario.indicators.query("indicator == 'area'").set_index("region_code")["value"]
    expected = 198 * area[others.index] / area[others.index].sum()
    assert np.allclose(others["capped_quota"], expected, atol=1e-3)
    # without the lock the missing area is still an error, never a silent 0
    path.write_text(text.replace("    locks: {长白山管委会: 20}\n", ""), encoding="utf-8")
    with pytest.raises(MissingIndicatorError,
                       match="factor area has no value for 长白山保护开发区管理委员会"):
        allocate(load_scenario(path))


def test_an_empty_eligible_list_is_a_named_error(tmp_path):
    from minshi_geo.allocate.diagnose import InfeasibleAllocationError

    text = ("scenario: t\ntitle: t\ndefaults:\n  factors: {population: 1.0}\n"
            'targets:\n  "33.3":\n    eligible: []\n')
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^empty.yaml: 33.3 多功能运动场: no eligible region "
                             r"\(eligible: empty list; exclude: none\)$"):
        allocate(load_scenario(path))


def test_excluding_every_eligible_region_names_them(tmp_path):
    from minshi_geo.allocate.diagnose import InfeasibleAllocationError

    text = ("scenario: t\ntitle: t\ndefaults:\n  factors: {population: 1.0}\n"
            'targets:\n  "33.3":\n    eligible: [长春市]\n    exclude: [长春市]\n')
    path = tmp_path / "none.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^none.yaml: 33.3 多功能运动场: no eligible region "
                             r"\(eligible: 长春市; exclude: 长春市\)$"):
        allocate(load_scenario(path))


def test_lower_and_upper_columns_are_the_effective_step_bounds(tmp_path):
    text = ("scenario: t\ntitle: t\ndefaults:\n  factors: {population: 1.0}\n"
            'targets:\n  "29.1":\n    step: 10\n    min: 15\n    max: 25%\n')
    path = tmp_path / "steps.yaml"
    path.write_text(text, encoding="utf-8")
    rows = allocate(load_scenario(path)).target("29.1")
    assert (rows["lower"] == 20).all()  # 15 公里 rounded up to a whole step of 10
    assert (rows["upper"] == 750).all()  # 25% of 3000
    assert (rows["quantity"] % 10 == 0).all() and (rows["quantity"] >= 20).all()


def test_scenario_milestones_travel_with_the_allocation_into_progress_status(
    example, example_allocation, tmp_path
):
    from datetime import date

    from minshi_geo.progress.status import compute_status
    from minshi_geo.progress.store import ProgressStore, StoredReport

    # The example scenario: 3-31 15%, 6-30 50%, 9-30 80% for all; 29.2 has its own table.
    meta = example_allocation.meta["milestones"]
    assert meta["*"] == {"2023-03-31": 0.15, "2023-06-30": 0.5, "2023-09-30": 0.8}
    assert meta["29.2"] == {"2023-04-30": 0.05, "2023-06-30": 0.35, "2023-09-30": 0.85}
    example_allocation.save(tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "allocation.json").read_text(encoding="utf-8"))
    assert saved["milestones"] == meta
    loaded = Allocation.load(tmp_path / "run")
    assert loaded.meta["milestones"] == meta

    plan = example.plan
    table = loaded.table
    jun = date(2023, 6, 30)
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.db'}")
    try:
        store.register(plan.id, [(t.id, t.metric, t.unit, t.kind) for t in plan.targets],
                       dict.fromkeys(zip(table["region_code"], table["region_name"],
                                         strict=True)))
        lines = pd.DataFrame([
            {"target_id": "4.1", "completed": 1.0, "status": None, "note": None,
             "sheet": "任务分解表", "row": 11},
            {"target_id": "29.2", "completed": 1.0, "status": None, "note": None,
             "sheet": "任务分解表", "row": 12},
        ])  # fmt: skip
        store.save_reports(
            [StoredReport("长春市-2023-06.xlsx", "a" * 64, plan.id,
                          loaded.meta["scenario_sha256"], "220100", jun, True, lines)],
            imported_by="test",
        )  # fmt: skip
        status = compute_status(store, loaded, plan)
    finally:
        store.close()
    rows = status[status["region_code"] == "220100"].set_index("target_id")
    allocated_41 = loaded.target("4.1").set_index("region_code").at["220100", "quantity"]
    assert rows.at["4.1", "pace"] == pytest.approx(0.5)  # not the linear 181/365
    assert rows.at["4.1", "expected"] == pytest.approx(0.5 * allocated_41)
    assert rows.at["29.2", "pace"] == pytest.approx(0.35)  # its own table wins
    # Without milestones (the baseline) the same date is linear.
    linear = compute_status(f"sqlite:///{tmp_path / 'progress.db'}",
                            Allocation(table=loaded.table,
                                       meta={k: v for k, v in loaded.meta.items()
                                             if k != "milestones"}), plan)
    assert linear.set_index(["target_id", "region_code"]).at[("4.1", "220100"), "pace"] == \
        pytest.approx(181 / 365)


def test_the_baseline_keeps_a_linear_pace(baseline_allocation):
    # 时间过半、任务过半: no milestones in the baseline, so progress status paces linearly.
    assert "milestones" not in baseline_allocation.meta
