"""The exact fast path: capped quota, its rounding, and the named apportionment methods."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minshi_geo.allocate import apportion
from minshi_geo.allocate.apportion import ApportionError, capped_quota
from minshi_geo.allocate.apportion import apportion as split


# --------------------------------------------------------------------------- capped quota
def test_capped_quota_is_the_factor_share_when_no_bound_binds():
    q = np.array([50.0, 30.0, 20.0])
    assert capped_quota(q, 100.0).tolist() == pytest.approx([50, 30, 20])


def test_capped_quota_shares_what_a_cap_frees_by_the_same_factors():
    # 长春 capped at 35 of 100: the 15 freed go to the others in proportion 30:15:5
    q = np.array([50.0, 30.0, 15.0, 5.0])
    qs = capped_quota(q, 100.0, upper=[35, np.inf, np.inf, np.inf])
    assert qs.tolist() == pytest.approx([35, 39, 19.5, 6.5])


def test_capped_quota_raises_regions_to_their_minimum_and_rescales_the_rest():
    q = np.array([60.0, 39.0, 1.0])
    qs = capped_quota(q, 100.0, lower=[0, 0, 10])
    assert qs.tolist() == pytest.approx([60 * 90 / 99, 39 * 90 / 99, 10])


def test_capped_quota_with_both_bounds_binding_at_once():
    q = np.array([70.0, 20.0, 9.0, 1.0])
    qs = capped_quota(q, 100.0, lower=[0, 0, 0, 5], upper=[40, np.inf, np.inf, np.inf])
    # 40 and 5 fixed; 55 shared 20:9
    assert qs.tolist() == pytest.approx([40, 55 * 20 / 29, 55 * 9 / 29, 5])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_capped_quota_minimises_the_weighted_squared_distance(data):
    n = data.draw(st.integers(2, 8))
    q = np.array(data.draw(st.lists(st.floats(0.5, 100), min_size=n, max_size=n)))
    total = float(q.sum())
    upper = np.array(data.draw(st.lists(st.floats(1, 100), min_size=n, max_size=n)))
    if upper.sum() < total:
        upper = upper * (total / upper.sum()) * 1.01 + 0.01
    qs = capped_quota(q, total, upper=upper)
    assert qs.sum() == pytest.approx(total)
    assert np.all(qs <= upper + 1e-9)
    # KKT: free regions share one ratio θ = q*/q, and regions at their cap have θ·q ≥ cap
    ratio = qs / q
    free = qs < upper - 1e-7
    if free.any():
        theta = ratio[free].max()
        assert ratio[free] == pytest.approx(np.full(free.sum(), theta))
        assert np.all(theta * q[~free] >= upper[~free] - 1e-6)


# --------------------------------------------------------------------------- rounding
def test_largest_remainder_with_a_cap_gives_the_freed_units_by_factor_share_not_to_one_region():
    # the DESIGN.md case: with 长春 capped at 35%, min Σ|x−q| alone lets a solver dump all
    # leftovers on one city; rounding the capped quota spreads them by the factors
    w = [0.5, 0.3, 0.15, 0.05]
    assert split("optimal", w, 100, upper=[35, 100, 100, 100]).tolist() == [35, 39, 20, 6]


def test_ties_go_to_the_region_that_comes_first():
    assert split("optimal", [1, 1, 1], 4).tolist() == [2, 1, 1]
    assert split("optimal", [1, 1, 1], 5).tolist() == [2, 2, 1]
    assert split("webster", [1, 1, 1], 4).tolist() == [2, 1, 1]


def test_largest_remainder_respects_locked_regions():
    x = split("optimal", [10, 10, 10], 30, lower=[13, 0, 0], upper=[13, np.inf, np.inf])
    assert x.tolist() == [13, 9, 8]


def test_step_gives_multiples_of_the_step():
    x = split("optimal", [0.5, 0.3, 0.2], 3000, step=10)
    assert x.tolist() == [1500, 900, 600]
    x = split("optimal", [0.45, 0.35, 0.2], 100, step=10)
    assert all(v % 10 == 0 for v in x) and x.sum() == 100


def test_fractional_steps_are_allowed():
    x = split("optimal", [1, 1, 1], 2.5, step=0.5)
    assert x.tolist() == [1.0, 1.0, 0.5]


def test_a_total_that_is_not_a_multiple_of_the_step_is_refused():
    with pytest.raises(ApportionError, match="not a multiple of step"):
        split("optimal", [1, 1], 15, step=10)


def test_fair_objective_minimises_the_largest_relative_deviation():
    # quotas 0.6, 0.6, 2.8 of 4: the quota rounding gives (1, 0, 3): 0.6→0 is 100% off;
    # fair gives (1, 1, 2): worst 0.8/2.8 = 29%, then |x−q| and ties decide nothing more
    w = [0.6, 0.6, 2.8]
    assert split("optimal", w, 4).tolist() == [1, 0, 3]
    assert split("optimal", w, 4, objective="fair").tolist() == [1, 1, 2]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # Balinski & Young's classic example: 4 states, 10 seats, populations below
        ("largest_remainder", [4, 3, 2, 1]),
        ("webster", [4, 3, 2, 1]),
        ("dhondt", [5, 3, 2, 0]),
        ("huntington_hill", [4, 3, 2, 1]),
    ],
)
def test_named_methods_on_a_textbook_example(method, expected):
    pops = [4_350, 3_100, 1_800, 750]
    assert split(method, pops, 10).tolist() == expected


def test_huntington_hill_gives_every_region_with_a_weight_a_first_unit():
    assert split("huntington_hill", [1000, 1, 1], 3).tolist() == [1, 1, 1]
    assert split("dhondt", [1000, 1, 1], 3).tolist() == [3, 0, 0]


def test_divisor_methods_respect_bounds():
    x = split("dhondt", [80, 15, 5], 20, lower=[0, 0, 3], upper=[12, 20, 20])
    assert x.tolist()[0] <= 12 and x[2] >= 3 and x.sum() == 20


def test_method_aliases_and_unknown_methods():
    assert split("sainte-laguë", [3, 1], 4).tolist() == split("webster", [3, 1], 4).tolist()
    assert split("hamilton", [3, 1], 4).tolist() == [3, 1]
    with pytest.raises(ApportionError, match="unknown method 'borda'"):
        split("borda", [1], 1)


def _instances(max_regions: int = 9, max_units: int = 60, bound_units: tuple[int, int] = (12, 25)):
    """Random small instances: weights, total, lower/upper bounds (some locks), step.

    ``bound_units``: the largest lower / upper bound drawn, in steps (a lock uses the lower).
    Every instance has at most ``max_regions`` regions and ``max_units`` steps to split, the
    fallback for an infeasible draw included (lower bounds sum to at most max_regions ×
    bound_units[0], so keep that ≤ max_units for tiny instances)."""

    @st.composite
    def build(draw):
        n = draw(st.integers(1, max_regions))
        weights = draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
        if sum(weights) == 0:
            weights[0] = 1
        step = draw(st.sampled_from([1, 1, 1, 2, 5, 10]))
        units = draw(st.integers(0, max_units))
        lower = [0.0] * n
        upper = [np.inf] * n
        for i in range(n):
            kind = draw(st.sampled_from(["none", "none", "min", "max", "both", "lock"]))
            a = draw(st.integers(0, bound_units[0])) * step
            b = draw(st.integers(0, bound_units[1])) * step
            if kind == "min":
                lower[i] = a
            elif kind == "max":
                upper[i] = b
            elif kind == "both":
                lower[i], upper[i] = min(a, b), max(a, b)
            elif kind == "lock":
                lower[i] = upper[i] = a
        # keep only feasible instances (diagnose.py covers the others)
        total = units * step
        lo, hi = np.array(lower), np.array(upper)
        pos = np.array(weights) > 0
        room = np.where(pos, hi, lo).sum()
        if lo.sum() > total or room < total:
            total = int(lo.sum())
            if np.where(pos, hi, lo).sum() < total:
                lower, upper, total = [0.0] * n, [np.inf] * n, units * step
        return weights, total, lower, upper, step

    return build()


@settings(max_examples=500, deadline=None)
@given(_instances(), st.sampled_from(apportion.METHODS), st.sampled_from(["quota", "fair"]))
def test_every_method_sums_to_the_total_within_bounds_in_whole_steps(inst, method, objective):
    weights, total, lower, upper, step = inst
    x = split(method, weights, total, lower, upper, step, objective=objective)
    assert x.sum() == total
    assert np.all(x >= np.array(lower) - 1e-9) and np.all(x <= np.array(upper) + 1e-9)
    assert np.all(x % step == 0)


@settings(max_examples=500, deadline=None)
@given(_instances())
def test_quota_rounding_is_within_one_step_of_the_capped_quota(inst):
    weights, total, lower, upper, step = inst
    x = split("optimal", weights, total, lower, upper, step)
    lo, hi = apportion.step_bounds(np.array(lower, float), np.array(upper, float), step)
    w = np.array(weights, float)
    a = np.array(apportion.capped_quanta(w, total // step, lo, hi), dtype=float) / apportion.QUANTUM
    assert np.all(np.abs(x / step - a) < 1.0 + 1e-9)


@settings(max_examples=300, deadline=None)
@given(_instances(max_regions=4, max_units=12, bound_units=(3, 12)))
def test_rounding_is_the_brute_force_optimum_on_tiny_instances(inst):
    """Exhaustive check: no integer allocation in the bounds is closer to q* (L1), and among
    equally close ones the result has the smallest Σ i·x_i. The instances are drawn tiny
    (≤ 4 regions, ≤ 12 steps), so every example is checked — none is skipped."""
    import itertools

    weights, total, lower, upper, step = inst
    n = len(weights)
    units = total // step
    assert n <= 4 and units <= 12
    lo, hi = apportion.step_bounds(np.array(lower, float), np.array(upper, float), step)
    hi = np.minimum(hi, units)
    A = apportion.capped_quanta(np.array(weights, float), units, lo, hi)
    best = None
    for combo in itertools.product(*[range(int(lo[i]), int(hi[i]) + 1) for i in range(n)]):
        if sum(combo) != units:
            continue
        key = (sum(abs(apportion.QUANTUM * c - a) for c, a in zip(combo, A, strict=True)),
               sum(i * c for i, c in enumerate(combo)))
        if best is None or key < best[0]:
            best = (key, combo)
    got = split("optimal", weights, total, lower, upper, step) // step
    assert tuple(int(v) for v in got) == best[1]


def _divisor_by_definition(method, weights, total, lo, hi):
    """Reference: lower bounds first, then one unit at a time to the highest exact priority."""
    x = list(lo)
    for _ in range(total - sum(x)):
        best = max(
            (i for i in range(len(x)) if x[i] < hi[i]),
            key=lambda i: (apportion._priority(method, weights[i], x[i]), -i),
        )
        x[best] += 1
    return x


@settings(max_examples=400, deadline=None)
@given(_instances(), st.sampled_from(["webster", "dhondt", "huntington_hill"]))
def test_divisor_methods_match_their_one_unit_at_a_time_definition(inst, method):
    weights, total, lower, upper, step = inst
    lo, hi = apportion.step_bounds(np.array(lower, float), np.array(upper, float), step)
    expected = _divisor_by_definition(method, [float(w) for w in weights], total // step,
                                      [int(v) for v in lo], [int(v) for v in hi])
    got = split(method, weights, total, lower, upper, step) // step
    assert got.tolist() == expected
