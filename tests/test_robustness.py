"""Robustness sweeps: the vectorised fast path equals the scalar fast path draw by draw."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from minshi_geo.allocate import allocate, build_problems
from minshi_geo.allocate import robustness as rb
from minshi_geo.scenario import load_scenario

SCENARIOS = Path(__file__).parents[1] / "scenarios"
BASELINE = SCENARIOS / "jilin-2023-baseline.yaml"
EXAMPLE = SCENARIOS / "example-jilin-2023-rules.yaml"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def _multi(problems):
    return [p for p in problems if len(p.factors) >= 2 and p.factor_frame is not None]


@pytest.mark.parametrize("path", [BASELINE, EXAMPLE], ids=["baseline", "example"])
def test_vectorised_equals_scalar_fast_path(path):
    """Every draw of every multi-factor target (bounds, locks, capacity, steps included)."""
    scenario = load_scenario(path)
    problems = _multi(build_problems(scenario))
    assert problems
    for p in problems:
        w = np.array(list(p.factors.values()))
        # a wide spread (concentration 5) reaches the bounds often
        W = rb.draw_weights(w, 300, 5.0, p.target_id, seed=7)
        S = rb.shares_for(p, W)
        fast = rb.quantities_many(p, S)
        slow = np.stack([rb.scalar_fast(p, row) for row in S])
        assert np.array_equal(fast, slow), p.label
        assert (fast.sum(axis=1) == p.total).all()


def test_unchanged_weights_give_the_allocation(baseline):
    problems = _multi(build_problems(baseline))
    for p in problems:
        w = np.array([list(p.factors.values())])
        assert np.array_equal(rb.quantities_many(p, rb.shares_for(p, w))[0], p.fast()), p.label


def test_sweep_table_is_deterministic_and_brackets_the_quantity(baseline):
    settings = rb.Settings(draws=500, seed=11)
    a = allocate(baseline, robustness=settings)
    b = allocate(baseline, robustness=settings)
    assert a.robustness.equals(b.robustness)
    r = a.robustness
    assert list(r.columns) == rb.ROBUSTNESS_COLUMNS
    assert len(r) == len(a.table)
    assert (r["low"] <= r["high"]).all() and (r["min"] <= r["low"]).all()
    single = r[~r["varied"]]
    assert (single["low"] == single["quantity"]).all()
    varied = r[r["varied"]]
    assert (varied["draws"] == 500).all()
    assert (varied["high"] > varied["low"]).any()
    assert a.meta["robustness"]["seed"] == 11
    assert a.meta["robustness"]["concentration"] == 100.0
    other = allocate(baseline, robustness=rb.Settings(draws=500, seed=12)).robustness
    assert not other.equals(r)


def test_wider_concentration_widens_the_range(baseline):
    tight = allocate(baseline, robustness=rb.Settings(draws=400, concentration=1000.0))
    loose = allocate(baseline, robustness=rb.Settings(draws=400, concentration=10.0))
    width = lambda t: (t.robustness["high"] - t.robustness["low"]).sum()  # noqa: E731
    assert width(loose) > width(tight)


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="dask.distributed not installed (optional extra 'dask')")
def test_dask_local_cluster_gives_the_same_table(baseline):
    plain = allocate(baseline, robustness=rb.Settings(draws=300, chunk=100))
    dask = allocate(baseline, robustness=rb.Settings(draws=300, chunk=100, scheduler="local"))
    assert plain.robustness.equals(dask.robustness)
