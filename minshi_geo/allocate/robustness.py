"""Robustness (敏感性): how far would a region's number move if the weights were somewhat different?

For every target with two or more factors, ``draws`` weight vectors are drawn from a
Dirichlet distribution centred on the scenario's weights, ``Dirichlet(concentration × w)``:
the mean is exactly ``w`` and each weight's standard deviation is
``sqrt(w(1 − w) / (concentration + 1))`` — with the default concentration 100 a weight of
0.5 moves by about ±5 points (1 s.d.), ±8 points for the central 90 % of draws.
Each draw is allocated exactly like the fast path (capped quota by water-filling, quantised
to 1/QUANTUM of a step, largest remainder, ties to the earlier region), vectorised over the
draws in numpy; a draw whose quantisation or remainders come within float noise of a tie is
redone with the scalar fast path, so every draw's answer is the fast path's answer.
Targets rounded by ``fair`` or a divisor method have no vectorised rounding: at most
``SLOW_DRAWS`` of their draws go through the scalar path. Coupled targets (budget /
balance) are swept on their own (the coupling is not re-solved per draw): ``note`` says so.

The table (``robustness.csv``): target_id, region_code, quantity, low (5th percentile),
median, high (95th), min, max, draws, varied (False for single-factor targets: nothing to
vary, the range is the quantity), note. Percentiles are observed values
(``inverted_cdf``), so a range reads in whole units or steps.

Seeds: each target draws from ``numpy.random.default_rng([seed, crc32(target_id)])``, so a
target's range does not depend on which other targets the plan has, and the same seed gives
the same table. Optional Dask (``scheduler="local"`` or an address) spreads chunks of draws.
"""

from __future__ import annotations

import dataclasses
import time
import zlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from minshi_geo.allocate import apportion

ROBUSTNESS_COLUMNS = ["target_id", "region_code", "quantity", "low", "median", "high", "min",
                      "max", "draws", "varied", "note"]
PERCENTILES = (5, 50, 95)
SLOW_DRAWS = 200
_BIG = np.iinfo(np.int64).max // 4


@dataclasses.dataclass(frozen=True)
class Settings:
    """How a sweep is drawn. ``scheduler``: None (numpy in this process), ``"local"`` (a Dask
    local cluster) or a Dask scheduler address (``tcp://host:8786``)."""

    draws: int = 1000
    concentration: float = 100.0
    seed: int = 20230101
    chunk: int = 2000
    scheduler: str | None = None

    def meta(self) -> dict:
        return {"draws": self.draws, "concentration": self.concentration, "seed": self.seed,
                "percentiles": [PERCENTILES[0], PERCENTILES[2]],
                "distribution": "Dirichlet(concentration × weights), numpy PCG64 "
                                "default_rng([seed, crc32(target_id)])"}


# --------------------------------------------------------------------------- draws
def draw_weights(weights: np.ndarray, draws: int, concentration: float, target_id: str,
                 seed: int) -> np.ndarray:
    """(draws × k) weight vectors around ``weights`` (each row sums to 1)."""
    rng = np.random.default_rng([int(seed), zlib.crc32(str(target_id).encode())])
    w = np.asarray(weights, float)
    return rng.dirichlet(concentration * w, size=draws)


def normalised_factors(p) -> np.ndarray:
    """(n × k) factor columns divided by their eligible total (NaN → 0, as the allocator)."""
    frame = p.factor_frame.fillna(0.0)
    cols = [frame[name].to_numpy(dtype=float) for name in p.factors]
    return np.stack([c / c.sum() for c in cols], axis=1)


def shares_for(p, W: np.ndarray) -> np.ndarray:
    """(draws × n) factor shares s = Σ_k w_k f_ik / Σ_j f_jk for each row of ``W``, with the
    allocator's own operation order."""
    frame = p.factor_frame.fillna(0.0)
    s = np.zeros((W.shape[0], p.n))
    for k, name in enumerate(p.factors):
        col = frame[name].to_numpy(dtype=float)
        s += W[:, k:k + 1] * col[None, :] / col.sum()
    return s


# --------------------------------------------------------------------------- vectorised fast path
def capped_quota_many(q: np.ndarray, total: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Row-wise :func:`apportion.capped_quota` (same breakpoint search, same residue fix)."""
    D, n = q.shape
    tol = 1e-9 * max(1.0, abs(total))
    pos = q > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        bps = np.concatenate([np.where(pos, lo / q, np.nan), np.where(pos, hi / q, np.nan)], 1)
    bps = np.where(np.isfinite(bps) & (bps > 0), bps, np.inf)
    bps = np.sort(np.concatenate([np.zeros((D, 1)), bps], axis=1), axis=1)
    finite = np.isfinite(bps)
    safe = np.where(finite, bps, 0.0)
    filled = np.clip(safe[:, :, None] * q[:, None, :], lo, hi).sum(axis=2)
    filled = np.where(finite, filled, np.inf)
    k = np.maximum((filled <= total).sum(axis=1) - 1, 0)
    theta0 = bps[np.arange(D), k][:, None]
    x0 = np.clip(theta0 * q, lo, hi)
    growing = pos & (theta0 * q >= lo - 1e-15) & (theta0 * q < hi)
    rest = total - x0.sum(axis=1, keepdims=True)
    qs = np.where(growing, q, 0.0).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = theta0 + rest / qs
    x = np.where(np.abs(rest) <= tol, x0, np.clip(theta * q, lo, hi))
    free = (x > lo + 1e-12) & (x < hi - 1e-12)
    resid = total - x.sum(axis=1, keepdims=True)
    qf = np.where(free, q, 0.0)
    qfs = qf.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        fix = np.where(free & (qfs > 0), resid * qf / qfs, 0.0)
    return x + fix


def round_l1_many(A: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: int) -> np.ndarray:
    """Row-wise :func:`apportion.round_l1` (largest remainder; ties → earlier region)."""
    Q = apportion.QUANTUM
    D, n = A.shape
    hi = np.minimum(hi, total)
    x = np.broadcast_to(lo, (D, n)).copy()
    left = total - x.sum(axis=1)
    below = np.maximum(0, np.minimum(hi, A // Q) - x)
    enough = below.sum(axis=1) <= left
    before = np.cumsum(below, axis=1) - below
    take = np.where(enough[:, None], below,
                    np.clip(left[:, None] - before, 0, below))
    x += take
    left = np.where(enough, left - below.sum(axis=1), 0)
    frac = A % Q
    cand = (frac != 0) & (x == A // Q) & (x < hi) & (left[:, None] > 0)
    key = np.where(cand, (Q - 2 * frac) * n + np.arange(n), _BIG)
    rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1, kind="stable")
    got = cand & (rank < left[:, None])
    x += got
    left = left - got.sum(axis=1)
    room = hi - x
    before = np.cumsum(room, axis=1) - room
    x += np.clip(left[:, None] - before, 0, room)
    return x


def _quantise_many(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """Quanta like :func:`apportion.quantise`, and the rows where float noise could matter
    (a value within 1e-6 of a half quantum)."""
    Q = apportion.QUANTUM
    scaled = values * Q
    a = np.clip(np.rint(scaled), lo * Q, np.where(np.isinf(hi), 1e300, hi * Q))
    # the scalar path's own float noise is ~1e-15 of the value: allow a thousand times that
    tol = 1e-9 + 1e-12 * np.abs(scaled)
    near = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) < tol
    return a.astype(np.int64), near.any(axis=1)


def quantities_many(p, S: np.ndarray) -> np.ndarray:
    """(draws × n) quantities in the target's unit for share rows ``S`` — each row equal to
    ``dataclasses.replace(p, weights=row).fast()`` (tested)."""
    lo_i, hi_i = p.step_bounds()
    units = p.units
    shares = S / S.sum(axis=1, keepdims=True)          # TargetProblem.__post_init__
    s = shares / shares.sum(axis=1, keepdims=True)     # apportion.capped_quanta
    hi_f = np.where(hi_i >= _BIG, np.inf, hi_i.astype(float))
    q = s * units
    qstar = q.copy()  # no bound broken: θ = 1 (the scalar's θ differs by float noise only)
    bound = ~((q >= lo_i) & (q <= hi_f)).all(axis=1)
    if bound.any():
        qstar[bound] = capped_quota_many(q[bound], float(units), lo_i.astype(float), hi_f)
    A, unsure = _quantise_many(qstar, lo_i.astype(float), hi_f)
    x = round_l1_many(A, lo_i, hi_i, units)
    for d in np.flatnonzero(unsure):
        x[d] = np.rint(np.asarray(scalar_fast(p, S[d])) / p.step).astype(np.int64)
    if float(p.step).is_integer():
        return x * int(p.step)
    return np.round(x.astype(float) * p.step, 10)


def scalar_fast(p, shares_row: np.ndarray) -> np.ndarray:
    """The fast path's answer for one share vector (the reference the vectorised path meets)."""
    q = dataclasses.replace(p, weights=np.asarray(shares_row, float))
    q.factors = p.factors
    return q.fast()


def _vectorisable(p) -> bool:
    return p.method == "largest_remainder" or (p.method == "optimal" and p.objective == "quota")


# --------------------------------------------------------------------------- sweep
def sweep_problem(p, settings: Settings) -> np.ndarray:
    """(draws × n) quantities of one target under ``settings.draws`` weight draws."""
    w = np.array(list(p.factors.values()), float)
    draws = settings.draws if _vectorisable(p) else min(settings.draws, SLOW_DRAWS)
    W = draw_weights(w, draws, settings.concentration, p.target_id, settings.seed)
    S = shares_for(p, W)
    if not _vectorisable(p):
        return np.stack([scalar_fast(p, row) for row in S])
    chunks = [S[i:i + settings.chunk] for i in range(0, draws, settings.chunk)]
    if settings.scheduler:
        return np.concatenate(_dask_map(p, chunks, settings.scheduler))
    return np.concatenate([quantities_many(p, c) for c in chunks])


def _dask_map(p, chunks, scheduler: str) -> list[np.ndarray]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from minshi_geo.errors import MinshiError

        raise MinshiError("robustness: --scheduler needs Dask (dask[distributed]), which is "
                          "not installed", hint="pip install 'minshi-geo[dask]'") from None
    if scheduler == "local":
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            return client.gather(client.map(quantities_many, [p] * len(chunks), chunks))
    with Client(scheduler) as client:
        return client.gather(client.map(quantities_many, [p] * len(chunks), chunks))


def sweep(problems, quantities: dict[str, np.ndarray], settings: Settings,
          coupled: frozenset[str] = frozenset(),
          progress: Callable[[int, int, str], None] | None = None) -> pd.DataFrame:
    """The robustness table of every problem (see module docstring)."""
    frames = []
    for done, p in enumerate(problems):
        if progress:
            progress(done, len(problems), f"敏感性 {p.label}")
        frames.append(_problem_range(p, np.asarray(quantities[p.target_id]), settings,
                                     p.target_id in coupled))
    if not frames:
        return pd.DataFrame(columns=ROBUSTNESS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[ROBUSTNESS_COLUMNS]


def _problem_range(p, x: np.ndarray, settings: Settings, coupled: bool) -> pd.DataFrame:
    varied = len(p.factors) >= 2 and getattr(p, "factor_frame", None) is not None \
        and settings.draws > 0
    if varied:
        X = sweep_problem(p, settings)
        lo, med, hi = np.percentile(X, PERCENTILES, axis=0, method="inverted_cdf")
        mn, mx, n_draws = X.min(axis=0), X.max(axis=0), X.shape[0]
        note = "耦合规则（预算/均衡）未逐次重解，区间按本任务单独测算" if coupled else ""
    else:
        lo = med = hi = mn = mx = x
        n_draws = 0
        note = "单一因素，权重无可变动"
    return pd.DataFrame({
        "target_id": p.target_id, "region_code": p.codes, "quantity": x,
        "low": lo, "median": med, "high": hi, "min": mn, "max": mx, "draws": n_draws,
        "varied": bool(varied), "note": note,
    })


def timed_sweep(problems, quantities, settings: Settings, coupled=frozenset(),
                progress=None) -> tuple[pd.DataFrame, dict]:
    """:func:`sweep` and the metadata to record (settings + seconds)."""
    started = time.perf_counter()
    table = sweep(problems, quantities, settings, coupled, progress)
    meta = settings.meta() | {"seconds": round(time.perf_counter() - started, 3)}
    return table, meta
