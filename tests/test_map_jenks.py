"""The numpy Fisher–Jenks gives mapclassify's breaks and classes, exactly (issue #16).

mapclassify stays installed as the reference; the maps no longer import it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from maps_fixtures import area_split, baseline

from minshi_geo.maps.allocation import population_for
from minshi_geo.maps.jenks import fisher_jenks
from minshi_geo.regions import load_region_set



def reference(values, k=5):
    # imported by the test that compares, not at collection (scipy + sklearn: ~2 s)
    mapclassify = pytest.importorskip("mapclassify", reason="mapclassify is the reference")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed" and tie warnings
        scheme = mapclassify.FisherJenks(np.asarray(values, dtype=float), k=k)
    return np.asarray(scheme.bins), np.asarray(scheme.yb)


def assert_same(values, k=5):
    want_bins, want_yb = reference(values, k)
    bins, yb = fisher_jenks(np.asarray(values, dtype=float), k=k)
    assert bins.tolist() == want_bins.tolist(), values
    assert yb.tolist() == want_yb.tolist(), values


def _random_inputs(seed: int, count: int):
    rng = np.random.default_rng(seed)
    draws = [
        lambda n: rng.random(n) * 1000,
        lambda n: rng.integers(0, 12, n).astype(float) * 100,  # counts split in hundreds
        lambda n: np.round(rng.lognormal(3, 2, n), 2),  # skewed, like per-capita figures
        lambda n: rng.integers(0, 3000, n) / 7.0,
        lambda n: rng.integers(1, 40, n).astype(float),  # many ties
        lambda n: rng.normal(0, 1e5, n),  # negatives and large magnitudes
        lambda n: np.floor(rng.random(n) * rng.lognormal(8, 1)) / rng.lognormal(8, 1),
    ]
    produced = 0
    while produced < count:
        n = int(rng.integers(6, 120))
        values = draws[produced % len(draws)](n)
        if len(np.unique(values)) > 5:
            produced += 1
            yield values


@pytest.mark.parametrize("seed", range(4))
def test_random_inputs_give_mapclassifys_breaks_and_classes(seed):
    for values in _random_inputs(seed, 60):
        assert_same(values)


def test_other_class_counts_and_a_long_input():
    rng = np.random.default_rng(99)
    for k in (2, 3, 4, 6):
        assert_same(rng.lognormal(2, 1.5, 50), k=k)
    assert_same(np.floor(rng.lognormal(4, 1.2, 700)))  # several cost blocks of 700 rows


def test_fewer_distinct_values_than_classes_is_refused_like_mapclassify():
    with pytest.raises(ValueError, match="Fewer unique values"):
        fisher_jenks(np.array([1.0, 1.0, 2.0, 3.0]), k=5)


def _view_values(allocation, region_set) -> list[np.ndarray]:
    """The value arrays the allocation map classifies: quantity, share, per 10,000."""
    pop = population_for(allocation, region_set, None)
    arrays = []
    for _, rows in allocation.table.groupby("target_id", sort=False):
        qty = pd.to_numeric(rows["quantity"]).astype(float)
        total = float(qty.sum())
        arrays.append(qty.to_numpy())
        if total:
            arrays.append((qty / total).to_numpy())
        if pop is not None:
            p = rows["region_code"].astype(str).map(pop).astype(float).to_numpy()
            arrays.append(qty.to_numpy() / p * 10_000)
    return [a[np.isfinite(a)] for a in arrays if len(np.unique(a[np.isfinite(a)])) > 5]


@pytest.mark.parametrize("region_set", ["jilin", "jilin-counties"])
def test_jilin_allocation_views_give_mapclassifys_classes(region_set):
    regions = load_region_set(region_set)
    allocation = baseline() if region_set == "jilin" else area_split(region_set)
    arrays = _view_values(allocation, regions)
    assert arrays, "the Jilin maps classify at least one view by Fisher–Jenks"
    for values in arrays:
        assert_same(values)
