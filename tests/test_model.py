"""The PuLP model: same answer as the fast path, plus plan-level rules (budget, balance)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minshi_geo.allocate import diagnose
from minshi_geo.allocate import solver as solver_mod
from minshi_geo.allocate.diagnose import InfeasibleAllocationError
from minshi_geo.allocate.model import AllocationModel
from minshi_geo.allocate.problem import Balance, Budget, TargetProblem

HIGHS = solver_mod.select_solver("highs")


@st.composite
def separable_targets(draw, objective):
    """One target: weights, total, mins/maxs/capacities/locks, step — always feasible."""
    n = draw(st.integers(1, 8))
    weights = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n))
    if sum(weights) == 0:
        weights[draw(st.integers(0, n - 1))] = 1
    step = draw(st.sampled_from([1, 1, 1, 1, 2, 10]))
    units = draw(st.integers(0, 50))
    minimum = np.zeros(n)
    maximum = np.full(n, np.inf)
    capacity = np.full(n, np.inf)
    lock = np.full(n, np.nan)
    for i in range(n):
        kind = draw(st.sampled_from(["none", "none", "min", "max", "cap", "lock"]))
        v = draw(st.integers(0, 15)) * step
        if kind == "min":
            minimum[i] = v
        elif kind == "max":
            maximum[i] = v
        elif kind == "cap":
            capacity[i] = v + draw(st.integers(0, step - 1)) if step > 1 else v
        elif kind == "lock":
            lock[i] = v
    p = TargetProblem("t", "", "", [f"{i:02d}" for i in range(n)], [f"r{i}" for i in range(n)],
                      np.array(weights, float), units * step, step, minimum, maximum, capacity,
                      lock, objective=objective)
    lo, hi = p.step_bounds()
    pos = p.shares > 0
    room = np.where(pos, np.minimum(hi, 10**6), lo).sum()
    if lo.sum() > p.units or room < p.units:
        # move the total into the feasible range instead of discarding the example
        total_units = int(lo.sum()) if room >= lo.sum() else None
        if total_units is None:
            p = TargetProblem("t", "", "", p.codes, p.names, p.weights, units * step, step,
                              objective=objective)
        else:
            p = TargetProblem("t", "", "", p.codes, p.names, p.weights, total_units * step, step,
                              minimum, maximum, capacity, lock, objective=objective)
    return p


# 1,500 quota and 700 fair examples in all, in chunks so that pytest-xdist spreads them over
# the workers (each chunk draws its own random examples; the totals are unchanged).
QUOTA_CHUNKS, FAIR_CHUNKS = 5, 2


@pytest.mark.parametrize("chunk", range(QUOTA_CHUNKS))
@settings(max_examples=1500 // QUOTA_CHUNKS, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(p=separable_targets("quota"))
def test_fast_path_and_pulp_agree_on_random_targets(chunk, p):
    model = AllocationModel([p]).solve(HIGHS)
    assert model.quantities["t"].tolist() == p.fast().tolist()


@pytest.mark.parametrize("chunk", range(FAIR_CHUNKS))
@settings(max_examples=700 // FAIR_CHUNKS, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(p=separable_targets("fair"))
def test_fast_path_and_pulp_agree_on_random_fair_targets(chunk, p):
    model = AllocationModel([p]).solve(HIGHS)
    assert model.quantities["t"].tolist() == p.fast().tolist()


def test_the_capped_quota_keeps_pulp_from_dumping_leftovers_on_one_region():
    """DESIGN.md: with a 35% cap, min Σ|x − q| has many optima and solvers pick extreme ones.
    Against the capped quota the model returns the one explainable answer."""
    rng = np.random.default_rng(7)
    pop = rng.integers(200_000, 9_000_000, size=11).astype(float)
    pop[0] = pop.sum()  # one dominant region, well above 35%
    total = 100_000
    model = AllocationModel.from_arrays(pop, total, upper=np.r_[0.35 * total, np.full(10, np.inf)])
    model.solve(HIGHS)
    x = model.quantities["t"]
    q = total * pop / pop.sum()
    freed = q[0] - 35_000
    expected_extra = freed * pop[1:] / pop[1:].sum()
    assert x[0] == 35_000
    assert np.all(np.abs(x[1:] - (q[1:] + expected_extra)) < 1)


def _cbc():
    try:
        return solver_mod.select_solver("cbc")
    except solver_mod.SolverUnavailableError:
        return None


@pytest.mark.skipif(_cbc() is None, reason="no CBC here (PuLP 4 without pulp[cbc]); "
                                           "PuLP 3.x bundles one")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(separable_targets("quota") | separable_targets("fair"))
def test_the_same_answer_with_cbc_where_cbc_is_available(p):
    assert AllocationModel([p]).solve(_cbc()).quantities["t"].tolist() == p.fast().tolist()


def _pair():
    codes = ["220100", "220200", "220300"]
    names = ["长春市", "吉林市", "四平市"]
    bridges = TargetProblem("29.2", "危桥改造", "座", codes, names, np.array([0.5, 0.3, 0.2]), 150)
    roads = TargetProblem("29.1", "农村公路", "公里", codes, names, np.array([0.2, 0.3, 0.5]), 3000,
                          step=10)
    return bridges, roads


def test_a_budget_that_does_not_bind_changes_nothing():
    bridges, roads = _pair()
    budget = Budget(costs={"29.2": 100.0, "29.1": 50.0},
                    per_region={"220100": 1e9, "220200": 1e9, "220300": 1e9})
    model = AllocationModel([bridges, roads], budget=budget).solve(HIGHS)
    assert model.quantities["29.2"].tolist() == bridges.fast().tolist()
    assert model.quantities["29.1"].tolist() == roads.fast().tolist()


def test_a_binding_regional_budget_is_respected_and_totals_still_hold():
    bridges, roads = _pair()
    # 四平 would need 30 bridges × 100 + 1500 km × 50 = 78,000; give it 60,000
    budget = Budget(costs={"29.2": 100.0, "29.1": 50.0},
                    per_region={"220100": 200_000, "220200": 200_000, "220300": 60_000})
    model = AllocationModel([bridges, roads], budget=budget).solve(HIGHS)
    b, r = model.quantities["29.2"], model.quantities["29.1"]
    assert b.sum() == 150 and r.sum() == 3000 and np.all(r % 10 == 0)
    assert 100 * b[2] + 50 * r[2] <= 60_000
    assert 100 * b[2] + 50 * r[2] > 59_000  # the budget binds, the rest stays near the quota


def test_an_impossible_regional_budget_names_the_budget_rule():
    bridges, roads = _pair()
    budget = Budget(costs={"29.2": 100.0, "29.1": 50.0},
                    per_region={"220100": 60_000, "220200": 60_000, "220300": 60_000})
    # only 四平 may take bridges: 150 × 100 + its 1000 km minimum × 50 = 65,000 > 60,000,
    # although each region's own minimums and the budget total look affordable
    bridges.upper = np.array([0.0, 0.0, np.inf])
    roads.lower = np.array([1000.0, 1000.0, 1000.0])
    diagnose.check_budget([bridges, roads], budget)
    with pytest.raises(InfeasibleAllocationError, match="rule budget conflicts with the bounds"):
        AllocationModel([bridges, roads], budget=budget).solve(HIGHS)


def test_balance_minimises_the_heaviest_relative_burden():
    bridges, roads = _pair()
    capacity = {"220100": 1000.0, "220200": 500.0, "220300": 500.0}
    balance = Balance(costs={"29.2": 100.0, "29.1": 50.0}, capacity=capacity)
    model = AllocationModel([bridges, roads], balance=balance).solve(HIGHS)
    b, r = model.quantities["29.2"], model.quantities["29.1"]
    burden = [(100 * b[i] + 50 * r[i]) / c for i, c in enumerate(capacity.values())]
    # total spend 165,000 over capacity 2000 → the best possible max burden is 82.5
    assert max(burden) == pytest.approx(model.burden)
    assert max(burden) <= 82.5 + 0.5
    assert b.sum() == 150 and r.sum() == 3000


def test_model_reports_solver_and_version():
    model = AllocationModel.from_arrays([1, 2], 3).solve(HIGHS)
    assert model.solver_name == "highs" and "HiGHS" in model.solver_version
    assert model.status == "Optimal" and model.runtime_s > 0


def test_unknown_solver_name_is_a_clear_error():
    with pytest.raises(solver_mod.SolverUnavailableError, match="solver 'gurobi9': unknown"):
        solver_mod.select_solver("gurobi9")


def test_an_unknown_solver_in_minshi_solver_names_the_variable(monkeypatch):
    monkeypatch.setenv("MINSHI_SOLVER", "glpk")
    with pytest.raises(solver_mod.SolverUnavailableError,
                       match=r"^solver 'glpk' \(from \$MINSHI_SOLVER\): unknown; expected one of "
                             r"highs, cbc, auto$") as err:
        solver_mod.select_solver(None)
    assert "MINSHI_SOLVER" in err.value.hint


def test_a_requested_solver_that_is_not_installed_is_a_clear_error():
    # A real interpreter without highspy (import blocked) and without any CBC (PuLP 4 has no
    # bundled PULP_CBC_CMD; nothing named cbc on PATH): each request says what is missing.
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import os, sys
        sys.modules["highspy"] = None
        import pulp
        if hasattr(pulp, "PULP_CBC_CMD"):
            del pulp.PULP_CBC_CMD
        os.environ["PATH"] = "/nonexistent"
        from minshi_geo.allocate import solver
        for name in ("highs", "cbc", "auto"):
            try:
                solver.select_solver(name)
                print(name, "AVAILABLE")
            except solver.SolverUnavailableError as exc:
                print(f"{exc} | {exc.hint}")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == [
        "solver highs: highspy is not importable | pip install highspy",
        "solver cbc: no CBC executable found | pip install 'pulp[cbc]' (PuLP 4) or put cbc on "
        "PATH; or use --solver highs",
        "solver auto: neither HiGHS (highspy) nor a CBC executable is available | pip install "
        "highspy (or 'pulp[cbc]' on PuLP 4, or put cbc on PATH)",
    ]


@pytest.mark.skipif(_cbc() is None, reason="no CBC here (PuLP 4 without pulp[cbc]); "
                                           "PuLP 3.x bundles one")
def test_cbc_reaches_an_exact_fair_tie_like_the_fast_path():
    """Two regions at exactly the same relative deviation (8/8.84 and 7/6.63 of 29): CBC with
    presolve stopped 3e-6 short of the fair optimum and gave the extra unit to the other one."""
    inf = np.inf
    p = TargetProblem("t", "", "", [f"{i:02d}" for i in range(7)], [f"r{i}" for i in range(7)],
                      np.array([0.0, 16, 0, 0, 5, 12, 5]), 29, 1,
                      np.array([0.0, 0, 1, 7, 0, 0, 0]), np.full(7, inf), np.full(7, inf),
                      np.full(7, np.nan), objective="fair")
    assert p.fast().tolist() == [0, 8, 1, 7, 3, 7, 3]
    assert AllocationModel([p]).solve(_cbc()).quantities["t"].tolist() == [0, 8, 1, 7, 3, 7, 3]
