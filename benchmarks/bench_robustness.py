"""Time robustness (敏感性) sweeps: the vectorised fast path next to the scalar one (prints
figures; asserts nothing).

1. The whole Jilin 2023 baseline plan (every multi-factor target × 11 regions): 10,000 weight
   draws per target through ``robustness.sweep``; the baseline is the scalar fast path
   (``TargetProblem.fast`` once per draw), timed on fewer draws and scaled per draw.
2. All 60 counties of Jilin (set ``jilin-counties``, census 2020 county indicators): each
   multi-factor baseline target split province-wide among the counties with the same weights
   and step, 1,000 draws. ``gdp_h1_2022`` and ``county_count`` have no county values: the
   county problems use ``urban_population`` and ``villages`` in their place (said in the
   output) — a timing problem, not a plan.
3. With Dask installed (extra ``dask``), case 1 again on a local cluster.

Run:  .venv/bin/python benchmarks/bench_robustness.py [--draws 10000] [--county-draws 1000]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minshi_geo import paths  # noqa: E402
from minshi_geo.allocate import build_problems  # noqa: E402
from minshi_geo.allocate import robustness as rb  # noqa: E402
from minshi_geo.allocate.problem import TargetProblem  # noqa: E402
from minshi_geo.indicators import factor_matrix, load_indicators  # noqa: E402
from minshi_geo.regions import load_region_set  # noqa: E402
from minshi_geo.scenario import load_scenario  # noqa: E402

COUNTY_STAND_IN = {"gdp_h1_2022": "urban_population", "county_count": "villages"}


def _multi(problems):
    return [p for p in problems if len(p.factors) >= 2 and p.factor_frame is not None]


def _scalar_per_draw(problems, draws: int, settings: rb.Settings) -> float:
    """Seconds per draw of the whole problem set with the scalar fast path."""
    t0 = time.perf_counter()
    for p in problems:
        W = rb.draw_weights(np.array(list(p.factors.values())), draws, settings.concentration,
                            p.target_id, settings.seed)
        for row in rb.shares_for(p, W):
            rb.scalar_fast(p, row)
    return (time.perf_counter() - t0) / draws


def _sweep_seconds(problems, settings: rb.Settings) -> float:
    quantities = {p.target_id: p.fast() for p in problems}
    t0 = time.perf_counter()
    rb.sweep(problems, quantities, settings)
    return time.perf_counter() - t0


def county_problems(base) -> list[TargetProblem]:
    """The baseline's multi-factor targets over Jilin's 60 counties (same weights and step)."""
    counties = load_region_set("jilin-counties")
    indicators = load_indicators(region_set=counties)
    out = []
    for p in base:
        factors = {COUNTY_STAND_IN.get(k, k): w for k, w in p.factors.items()}
        frame = factor_matrix(counties, indicators, list(factors))
        s = np.zeros(len(frame))
        for name, w in factors.items():
            col = frame[name].to_numpy(float)
            s += w * col / col.sum()
        q = TargetProblem(target_id=p.target_id, metric=p.metric, unit=p.unit,
                          codes=list(frame.index), names=list(frame.index), weights=s,
                          total=p.total, step=p.step)
        q.factors = factors
        q.factor_frame = frame
        out.append(q)
    return out


def report(label: str, problems, draws: int, scalar_draws: int) -> None:
    settings = rb.Settings(draws=draws)
    cells = sum(p.n for p in problems)
    vec = _sweep_seconds(problems, settings)
    per = _scalar_per_draw(problems, scalar_draws, settings)
    print(f"{label}: {len(problems)} multi-factor targets, {cells} target × region cells")
    print(f"  vectorised sweep, {draws:,} draws: {vec:8.2f} s "
          f"({vec / draws * 1e3:.3f} ms per draw of the whole set)")
    print(f"  scalar fast path (baseline), {scalar_draws} draws timed: {per * 1e3:.2f} ms per "
          f"draw → {draws:,} draws ≈ {per * draws:8.1f} s  (×{per * draws / vec:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--county-draws", type=int, default=1_000)
    ap.add_argument("--scalar-draws", type=int, default=50)
    args = ap.parse_args()
    base = _multi(build_problems(load_scenario(paths.DEFAULT_SCENARIO)))
    report("Jilin 2023 baseline, 11 regions", base, args.draws, args.scalar_draws)
    counties = county_problems(base)
    print(f"  (counties: {', '.join(f'{k} → {v}' for k, v in COUNTY_STAND_IN.items())} "
          "where the baseline uses a factor with no county values)")
    report("Jilin 2023 plan over the 60 counties of jilin-counties", counties,
           args.county_draws, max(5, args.scalar_draws // 5))
    if importlib.util.find_spec("distributed") is None:
        print("Dask: not installed (pip install 'minshi-geo[dask]'): local-cluster run skipped")
        return
    settings = rb.Settings(draws=args.draws, scheduler="local", chunk=2_500)
    print(f"Dask local cluster, Jilin baseline, {args.draws:,} draws: "
          f"{_sweep_seconds(base, settings):.2f} s")


if __name__ == "__main__":
    main()
