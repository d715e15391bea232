"""Diagnosis: every impossible rule is named with its target, regions and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from minshi_geo.allocate import diagnose
from minshi_geo.allocate.diagnose import InfeasibleAllocationError
from minshi_geo.allocate.model import AllocationModel
from minshi_geo.allocate.problem import Budget, TargetProblem
from minshi_geo.errors import MinshiError

CODES = ["220100", "220200", "220300"]
NAMES = ["长春市", "吉林市", "四平市"]


def bridges(**rules) -> TargetProblem:
    kw = dict(target_id="29.2", metric="危桥改造", unit="座", codes=CODES, names=NAMES,
              weights=np.array([0.5, 0.3, 0.2]), total=150.0)
    kw.update(rules)
    return TargetProblem(**kw)


def test_minimums_above_the_total_are_named_with_their_regions():
    p = bridges(minimum=np.array([80.0, 50.0, 35.0]))
    with pytest.raises(InfeasibleAllocationError) as err:
        diagnose.check_target(p)
    assert str(err.value) == (
        "29.2 危桥改造: minimums sum to 165 座 but the total is 150 座 "
        "(长春市 80, 吉林市 50, 四平市 35)"
    )
    assert isinstance(err.value, MinshiError)


def test_maximums_below_the_total_are_named():
    p = bridges(maximum=np.array([40.0, 40.0, 40.0]))
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^29.2 危桥改造: maximums sum to 120 座 but the total is 150 座 "
                             r"\(长春市 ≤ 40 max, 吉林市 ≤ 40 max, 四平市 ≤ 40 max\)$"):
        diagnose.check_target(p)


def test_capacity_below_the_total_names_the_capacity_indicator():
    p = bridges(capacity=np.array([60.0, 30.0, 20.0]), capacity_name="bridge_stock")
    with pytest.raises(InfeasibleAllocationError,
                       match=r"maximums and capacities sum to 110 座 but the total is 150 座 "
                             r"\(四平市 ≤ 20 capacity bridge_stock, 吉林市 ≤ 30 capacity "
                             r"bridge_stock, 长春市 ≤ 60 capacity bridge_stock\)"):
        diagnose.check_target(p)


def test_a_lock_above_its_maximum():
    p = bridges(lock=np.array([50.0, np.nan, np.nan]), maximum=np.array([40.0, np.inf, np.inf]))
    with pytest.raises(InfeasibleAllocationError,
                       match="^29.2 危桥改造: lock 长春市 = 50 座 is above its maximum 40 座$"):
        diagnose.check_target(p)


def test_a_lock_below_its_minimum():
    p = bridges(lock=np.array([np.nan, 5.0, np.nan]), minimum=np.array([0.0, 10.0, 0.0]))
    with pytest.raises(InfeasibleAllocationError,
                       match="lock 吉林市 = 5 座 is below its minimum 10 座"):
        diagnose.check_target(p)


def test_a_lock_above_its_capacity():
    p = bridges(lock=np.array([np.nan, np.nan, 30.0]), capacity=np.array([np.inf, np.inf, 25.0]),
                capacity_name="bridge_stock")
    with pytest.raises(InfeasibleAllocationError,
                       match="lock 四平市 = 30 座 is above its capacity bridge_stock = 25 座"):
        diagnose.check_target(p)


def test_locks_summing_past_the_total():
    p = bridges(lock=np.array([100.0, 60.0, np.nan]))
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^29.2 危桥改造: locks sum to 160 座 but the total is 150 座 "
                             r"\(长春市 100, 吉林市 60\)$"):
        diagnose.check_target(p)


def test_every_region_locked_but_short_of_the_total():
    p = bridges(lock=np.array([100.0, 30.0, 10.0]))
    with pytest.raises(InfeasibleAllocationError,
                       match="every region is locked and the locks sum to 140 座, not the total "
                             "150 座"):
        diagnose.check_target(p)


def test_no_eligible_region():
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^49.1 抓拍卡口监控点位: no eligible region \(eligible: all; "
                             r"exclude: 220100\)$"):
        diagnose.check_eligible("49.1 抓拍卡口监控点位", [], None, ("220100",))


def test_a_total_that_is_not_a_multiple_of_the_step():
    p = bridges(total=155.0, step=10.0)
    with pytest.raises(InfeasibleAllocationError,
                       match="total 155 座 is not a multiple of step 10 座"):
        diagnose.check_target(p)


def test_minimums_rounded_up_to_the_step_can_exceed_the_total():
    roads = TargetProblem("29.1", "农村公路", "公里", CODES, NAMES, np.array([1.0, 1.0, 1.0]),
                          30.0, step=10.0, minimum=np.array([11.0, 11.0, 0.0]))
    with pytest.raises(InfeasibleAllocationError,
                       match=r"minimums sum to 40 公里 \(rounded up to steps of 10 公里\) but "
                             r"the total is 30 公里"):
        diagnose.check_target(roads)


def test_negative_bounds_are_refused():
    p = bridges(minimum=np.array([-3.0, 0.0, 0.0]))
    with pytest.raises(InfeasibleAllocationError,
                       match="minimum for 长春市 is -3 座; expected ≥ 0"):
        diagnose.check_target(p)


def test_a_minimum_above_the_maximum_of_the_same_region():
    p = bridges(minimum=np.array([0.0, 30.0, 0.0]), maximum=np.array([np.inf, 20.0, np.inf]))
    with pytest.raises(InfeasibleAllocationError,
                       match="minimum 30 座 for 吉林市 exceeds its maximum 20 座"):
        diagnose.check_target(p)


def test_regions_with_zero_share_cannot_absorb_the_rest():
    p = bridges(weights=np.array([1.0, 0.0, 0.0]), maximum=np.array([100.0, np.inf, np.inf]))
    with pytest.raises(InfeasibleAllocationError,
                       match="regions with a positive factor share can take at most 100 座 .* "
                             "but the total is 150 座; zero share: 吉林市, 四平市"):
        diagnose.check_target(p)


def test_a_province_budget_too_small_for_the_totals():
    p = bridges()
    budget = Budget(costs={"29.2": 100.0}, province=10_000.0)
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^budget: the totals cost 15,000 万元 \(29.2 危桥改造 150 座 × 100\) "
                             r"but the province budget is 10,000 万元$"):
        diagnose.check_budget([p], budget)


def test_a_regional_budget_too_small_for_its_own_minimums():
    p = bridges(minimum=np.array([0.0, 0.0, 20.0]))
    budget = Budget(costs={"29.2": 100.0},
                    per_region={"220100": 1e6, "220200": 1e6, "220300": 1_500.0})
    with pytest.raises(InfeasibleAllocationError,
                       match=r"budget: 四平市 needs at least 2,000 万元 for its minimums and locks "
                             r"\(29.2 危桥改造 20 座 × 100\) but its budget is 1,500 万元"):
        diagnose.check_budget([p], budget)


def test_regional_budgets_that_sum_below_the_cost_of_the_totals():
    p = bridges()
    budget = Budget(costs={"29.2": 100.0},
                    per_region={"220100": 5_000.0, "220200": 5_000.0, "220300": 4_000.0})
    with pytest.raises(InfeasibleAllocationError,
                       match="budget: the totals cost 15,000 万元 but the regional budgets sum to "
                             "14,000 万元"):
        diagnose.check_budget([p], budget)


def test_a_coupled_model_that_is_infeasible_names_the_rule_family():
    p = bridges(maximum=np.array([0.0, 0.0, np.inf]))
    budget = Budget(costs={"29.2": 100.0},
                    per_region={"220100": 10_000.0, "220200": 10_000.0, "220300": 10_000.0})
    diagnose.check_target(p)
    diagnose.check_budget([p], budget)  # passes: each check alone is satisfiable
    with pytest.raises(InfeasibleAllocationError,
                       match=r"^rule budget conflicts with the bounds of 29.2 危桥改造: "
                             r"per-region budgets \(万元\) cannot pay"):
        AllocationModel([p], budget=budget).solve("highs")


def test_check_result_catches_an_allocation_that_breaks_its_rules():
    p = bridges(maximum=np.array([70.0, np.inf, np.inf]))
    diagnose.check_result(p, np.array([70, 50, 30]))
    with pytest.raises(diagnose.AllocationCheckError,
                       match=r"29.2 危桥改造: allocation breaks its rules: 长春市 80 > upper "
                             r"bound 70"):
        diagnose.check_result(p, np.array([80, 40, 30]))
    with pytest.raises(diagnose.AllocationCheckError, match="sums to 149, not 150"):
        diagnose.check_result(p, np.array([70, 49, 30]))
