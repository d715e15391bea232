"""Time the PuLP model against the exact fast path (prints figures; asserts nothing).

1. The whole Jilin 2023 baseline scenario (52 targets × up to 11 regions): the problems are
   built once, then solved (a) by the fast path and (b) by PuLP (one model per target,
   HiGHS), several times each; medians are printed with their ratio. The two answers are
   compared cell by cell.
2. A synthetic county-level problem: one target split among 2,900 regions, about the number
   of county-level divisions of China. The weights are SYNTHETIC (a fixed-seed log-normal
   draw), not statistics of any county; a few regions get caps and minimums so bounds bind.

Run:  .venv/bin/python benchmarks/bench_allocate.py [--runs 5] [--counties 2900] [--solver highs]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minshi_geo import paths  # noqa: E402
from minshi_geo.allocate import build_problems  # noqa: E402
from minshi_geo.allocate import solver as solver_mod  # noqa: E402
from minshi_geo.allocate.model import AllocationModel  # noqa: E402
from minshi_geo.allocate.problem import TargetProblem  # noqa: E402
from minshi_geo.scenario import load_scenario  # noqa: E402


def _median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _fresh(p: TargetProblem) -> TargetProblem:
    """A copy without the cached capped quota, so every run pays for computing it."""
    q = TargetProblem(p.target_id, p.metric, p.unit, list(p.codes), list(p.names), p.weights,
                      p.total, p.step, p.minimum, p.maximum, p.capacity, p.lock,
                      p.capacity_name, p.objective, p.method)
    return q


def bench_baseline(runs: int, solver: solver_mod.Solver) -> None:
    scenario = load_scenario(paths.DEFAULT_SCENARIO)
    problems = build_problems(scenario)
    cells = sum(p.n for p in problems)
    print(f"baseline scenario {scenario.name}: {len(problems)} targets, {cells} target×region "
          f"cells, {runs} runs each")

    def fast():
        return {p.target_id: _fresh(p).fast() for p in problems}

    def pulp_each():
        return {
            p.target_id: AllocationModel([_fresh(p)]).solve(solver).quantities[p.target_id]
            for p in problems
            if p.method == "optimal"
        }

    t_fast, r_fast = _median_time(fast, runs)
    t_pulp, r_pulp = _median_time(pulp_each, runs)
    same = all(np.array_equal(r_fast[k], r_pulp[k]) for k in r_pulp)
    print(f"  fast path      {t_fast * 1e3:10.2f} ms   ({t_fast / len(problems) * 1e6:8.1f} µs per "
          f"target)")
    per_target = t_pulp / len(problems) * 1e3
    print(f"  PuLP/{solver.name:<9} {t_pulp * 1e3:10.2f} ms   ({per_target:8.2f} ms per target)")
    print(f"  ratio PuLP / fast: {t_pulp / t_fast:,.0f}×   identical answers: {same}")


def synthetic_counties(n: int, seed: int = 20230101) -> TargetProblem:
    """SYNTHETIC weights for n county-like regions (log-normal, fixed seed); not real data."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(mean=12.5, sigma=0.8, size=n)
    total = 100_000.0
    share = weights / weights.sum()
    maximum = np.full(n, np.inf)
    minimum = np.zeros(n)
    big = np.argsort(-share)[:20]
    maximum[big] = np.floor(0.6 * total * share[big])  # the 20 largest are capped
    small = np.argsort(share)[:200]
    minimum[small] = 5.0  # the 200 smallest get a floor
    codes = [f"c{i:05d}" for i in range(n)]
    return TargetProblem("synthetic", "synthetic county split", "units", codes, codes, weights,
                         total, minimum=minimum, maximum=maximum)


def bench_counties(n: int, runs: int, solver: solver_mod.Solver, pulp_runs: int) -> None:
    base = synthetic_counties(n)
    print(f"synthetic county-level target: {n} regions, total {base.total:,.0f}, 20 caps and 200 "
          f"minimums (SYNTHETIC weights)")
    t_fast, r_fast = _median_time(lambda: _fresh(base).fast(), runs)
    t_fair, _ = _median_time(
        lambda: TargetProblem(**{**_kwargs(base), "objective": "fair"}).fast(), runs
    )
    t_pulp, r_pulp = _median_time(
        lambda: AllocationModel([_fresh(base)]).solve(solver).quantities["synthetic"], pulp_runs
    )
    print(f"  fast path      {t_fast * 1e3:10.2f} ms   (objective quota, median of {runs})")
    print(f"  fast path fair {t_fair * 1e3:10.2f} ms   (objective fair, median of {runs})")
    print(f"  PuLP/{solver.name:<9} {t_pulp * 1e3:10.2f} ms   (median of {pulp_runs})")
    print(f"  ratio PuLP / fast: {t_pulp / t_fast:,.0f}×   identical answers: "
          f"{np.array_equal(r_fast, r_pulp)}")


def _kwargs(p: TargetProblem) -> dict:
    return dict(target_id=p.target_id, metric=p.metric, unit=p.unit, codes=p.codes,
                names=p.names, weights=p.weights, total=p.total, step=p.step,
                minimum=p.minimum, maximum=p.maximum, capacity=p.capacity, lock=p.lock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pulp-runs", type=int, default=3, help="runs of the county model")
    parser.add_argument("--counties", type=int, default=2900)
    parser.add_argument("--solver", default="highs")
    args = parser.parse_args()
    solver = solver_mod.select_solver(args.solver)
    print(f"solver: {solver.version}")
    bench_baseline(args.runs, solver)
    bench_counties(args.counties, args.runs, solver, args.pulp_runs)


if __name__ == "__main__":
    main()
