"""Exact apportionment without a solver: the capped quota q*, its rounding, and named methods.

Everything here works on plain arrays in *step units* (a target of 3000 公里 split in
multiples of 10 公里 is 300 step units) and returns integer arrays. One entry point,
:func:`apportion`, covers every method; :func:`capped_quota` is the continuous split the
``optimal`` methods round.

The maths (DESIGN.md, "Allocation maths")
-----------------------------------------
Capped quota q*
    The unique minimiser of Σ (x_i − q_i)² / q_i subject to l_i ≤ x_i ≤ u_i and Σ x_i = N.
    Its KKT conditions give x_i = clip(θ·q_i, l_i, u_i) for one scalar θ ("water-filling":
    regions at a bound are fixed, the rest are rescaled by their factor shares). θ is found
    exactly by a search over the breakpoints l_i/q_i, u_i/q_i.

Quantisation
    q* is expressed in step units and rounded to 1/QUANTUM (QUANTUM = 10 000), so it is an
    integer ``A_i`` of quanta. Every later comparison is integer arithmetic: ties are exact,
    and the PuLP model (model.py), which sees the same ``A_i``, can separate "optimal" from
    "next best" by half a quantum — far above solver tolerances.

Rounding, objective ``quota`` (the default)
    minimise Σ |x_i − q*_i| over integers in the bounds with Σ x_i = N. This is largest
    remainder on q*: every region gets ⌊q*_i⌋, the R units left go to the largest remainders.

Rounding, objective ``fair``
    minimise t = max_i |x_i − q*_i| / q*_i first (exactly, with fractions), then Σ |x_i − q*_i|
    among the allocations that reach t, then the tie-break below. Regions with q*_i = 0 get 0.

Ties (documented contract, identical in the PuLP model)
    Among allocations with the same objective, the one minimising Σ_i i·x_i is returned,
    where i is the region's position in the input arrays: a unit that could go to either of
    two regions goes to the one that comes first. allocate() passes regions sorted by region
    code, so ties are broken by region code (``220100`` before ``220200`` before
    ``changbaishan``).

Named methods (for planners who must cite one)
    ``largest_remainder`` (Hamilton/Hare) is the ``quota`` rounding above: largest remainder on
    the capped quota. Divisor methods ``dhondt`` (Jefferson), ``webster`` (Sainte-Laguë) and
    ``huntington_hill`` give x_i = clip(round_m(w_i / λ), l_i, u_i) for a common divisor λ
    (Balinski & Young, *Fair Representation*, 2nd ed. 2001, ch. 5 and appendix A);
    round_m rounds w/λ up past the signpost d(k): k+1 (D'Hondt), k+½ (Webster),
    √(k(k+1)) (Huntington-Hill). Implemented as the usual priority sequence (next unit to the
    region with the largest w_i / d(x_i)), started near the answer so it costs O(n log n).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from minshi_geo import rules

QUANTUM = 10_000
"""Quanta per step unit: capped quotas are exact multiples of 1/QUANTUM step units."""

METHODS, METHOD_ALIASES, OBJECTIVES = rules.METHODS, rules.METHOD_ALIASES, rules.OBJECTIVES


class ApportionError(ValueError):
    """The arrays admit no allocation (bounds, total). diagnose.py turns the cases a planner
    can cause into named MinshiErrors before this is ever raised."""


# --------------------------------------------------------------------------- inputs
def _as_bounds(
    n: int, lower: Sequence[float] | np.ndarray | None, upper: Sequence[float] | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    lo = np.zeros(n, dtype=float) if lower is None else np.asarray(lower, dtype=float).copy()
    hi = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float).copy()
    if lo.shape != (n,) or hi.shape != (n,):
        raise ApportionError(f"bounds must have {n} entries")
    hi = np.where(np.isnan(hi), np.inf, hi)
    lo = np.where(np.isnan(lo), 0.0, lo)
    return lo, hi


def step_bounds(
    lower: np.ndarray, upper: np.ndarray, step: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds in units of ``step`` (integers): ⌈l/step⌉ and ⌊u/step⌋ (u = ∞ stays large)."""
    eps = 1e-9
    lo = np.ceil(np.asarray(lower, float) / step - eps)
    up = np.asarray(upper, float) / step
    big = np.iinfo(np.int64).max // 4
    hi = np.where(np.isinf(up), big, np.floor(np.where(np.isinf(up), 0, up) + eps))
    return lo.astype(np.int64), hi.astype(np.int64)


# --------------------------------------------------------------------------- capped quota
def capped_quota(
    quota: Sequence[float] | np.ndarray,
    total: float,
    lower: Sequence[float] | np.ndarray | None = None,
    upper: Sequence[float] | np.ndarray | None = None,
) -> np.ndarray:
    """The capped quota q*: clip(θ·q_i, l_i, u_i) with Σ = total (exact water-filling).

    Parameters
    ----------
    quota : the uncapped quotas q_i = T·s_i (≥ 0), in the target's unit.
    total : T, in the same unit.
    lower, upper : bounds per region (locks are lower = upper; capacity is folded into upper).

    Raises ApportionError when Σl > T, Σu < T, or the regions with a positive quota cannot
    absorb what the others' lower bounds leave.
    """
    q = np.asarray(quota, dtype=float)
    n = q.size
    lo, hi = _as_bounds(n, lower, upper)
    if np.any(q < 0) or not np.all(np.isfinite(q)):
        raise ApportionError("quotas must be finite and ≥ 0")
    if np.any(lo > hi + 1e-12):
        raise ApportionError("a lower bound exceeds its upper bound")
    tol = 1e-9 * max(1.0, abs(total))
    if lo.sum() > total + tol:
        raise ApportionError(f"lower bounds sum to {lo.sum():g} > total {total:g}")
    if hi.sum() < total - tol:
        raise ApportionError(f"upper bounds sum to {hi.sum():g} < total {total:g}")
    pos = q > 0

    def filled(theta: float) -> float:
        return float(np.clip(theta * q, lo, hi).sum())

    bps = np.concatenate([lo[pos] / q[pos], hi[pos] / q[pos]])
    bps = np.unique(bps[np.isfinite(bps)])
    bps = np.concatenate([[0.0], bps[bps > 0]])
    # largest breakpoint index k with filled(bps[k]) <= total
    left, right = 0, len(bps) - 1
    if filled(bps[right]) < total - tol:
        # beyond the last breakpoint only regions without an upper bound still grow
        k = right
    else:
        while left < right:
            mid = (left + right + 1) // 2
            if filled(bps[mid]) <= total + 0.0:
                left = mid
            else:
                right = mid - 1
        k = left
    theta0 = bps[k]
    x0 = np.clip(theta0 * q, lo, hi)
    # regions that still grow just above theta0
    growing = pos & (theta0 * q >= lo - 1e-15) & (theta0 * q < hi)
    rest = total - x0.sum()
    if abs(rest) <= tol:
        x = x0
    else:
        qs = q[growing].sum()
        if qs <= 0:
            raise ApportionError(
                "the regions with a positive share cannot absorb the total within their bounds"
            )
        theta = theta0 + rest / qs
        x = np.clip(theta * q, lo, hi)
    # keep the exact total despite float noise: put the residue on the free regions
    free = (x > lo + 1e-12) & (x < hi - 1e-12)
    resid = total - x.sum()
    if free.any() and resid != 0:
        x[free] += resid * q[free] / q[free].sum()
    return x


def quantise(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Values in step units → integer quanta (1/QUANTUM), kept inside the integer bounds."""
    a = np.rint(np.asarray(values, float) * QUANTUM)
    a = np.clip(a, np.asarray(lower, float) * QUANTUM, np.asarray(upper, float) * QUANTUM)
    return np.array([int(v) for v in a], dtype=object)


# --------------------------------------------------------------------------- L1 rounding
def round_l1(quanta: Sequence[int], lo: Sequence[int], hi: Sequence[int], total: int) -> np.ndarray:
    """Integer x minimising Σ|x_i − A_i/QUANTUM| with lo ≤ x ≤ hi, Σx = total; ties → Σ i·x_i min.

    Greedy on exact marginal costs (in quanta): a unit below ⌊a_i⌋ costs −QUANTUM, the unit
    crossing a_i costs QUANTUM − 2·frac_i, any unit above ⌈a_i⌉ (or above an integer a_i)
    costs +QUANTUM. Units are taken cheapest first, equal costs to the earliest region.
    """
    A = [int(v) for v in quanta]
    lo = [int(v) for v in lo]
    hi = [int(v) for v in hi]
    n = len(A)
    if sum(lo) > total or sum(min(h, total) for h in hi) < total:
        raise ApportionError("bounds do not admit the total")
    x = list(lo)
    left = total - sum(x)
    Q = QUANTUM
    # cost −Q: units up to floor(a_i)
    below = [max(0, min(hi[i], A[i] // Q) - x[i]) for i in range(n)]
    if sum(below) <= left:
        for i in range(n):
            x[i] += below[i]
        left -= sum(below)
    else:
        for i in range(n):
            take = min(below[i], left)
            x[i] += take
            left -= take
            if left == 0:
                break
        return np.array(x, dtype=np.int64)
    if left == 0:
        return np.array(x, dtype=np.int64)
    # cost Q − 2·frac: the unit that crosses a_i (only regions sitting at floor(a_i))
    crossing = [
        (Q - 2 * (A[i] % Q), i)
        for i in range(n)
        if A[i] % Q and x[i] == A[i] // Q and x[i] < hi[i]
    ]
    crossing.sort()
    for _, i in crossing[:left]:
        x[i] += 1
    left -= min(left, len(crossing))
    # cost +Q: anything else, earliest region first, filled to its bound
    for i in range(n):
        if left == 0:
            break
        take = min(hi[i] - x[i], left)
        x[i] += take
        left -= take
    return np.array(x, dtype=np.int64)


# --------------------------------------------------------------------------- fair rounding
def _fair_threshold(A: list[int], lo: list[int], hi: list[int], total: int) -> Fraction:
    """Smallest t with an integer x in [lo,hi], Σx = total, |x_i − a_i| ≤ t·a_i (a_i > 0)."""
    Q = QUANTUM
    n = len(A)
    ts: list[Fraction] = [Fraction(0)]
    # every region must be able to sit somewhere in its box
    for i in range(n):
        if A[i] == 0:
            continue
        fl, ce = A[i] // Q, -(-A[i] // Q)
        cands = []
        if lo[i] <= fl <= hi[i]:
            cands.append(Fraction(A[i] - fl * Q, A[i]))
        if lo[i] <= ce <= hi[i]:
            cands.append(Fraction(ce * Q - A[i], A[i]))
        ts.append(min(cands))

    # units above floor (for Σhi ≥ total) and releases below ceil (for Σlo ≤ total)
    def hi_at(i: int, t: Fraction) -> int:
        if A[i] == 0:
            return max(lo[i], 0)
        return min(hi[i], math.floor(Fraction(A[i], Q) * (1 + t)))

    def lo_at(i: int, t: Fraction) -> int:
        if A[i] == 0:
            return max(lo[i], 0)
        return max(lo[i], math.ceil(Fraction(A[i], Q) * (1 - t)))

    t_box = max(ts)
    # raise t to the next unit unlock until Σhi ≥ total (heap of unlock times)
    need_up = total - sum(hi_at(i, t_box) for i in range(n))
    t_up = t_box
    if need_up > 0:
        heap = []
        for i in range(n):
            if A[i] > 0:
                k = hi_at(i, t_box) + 1
                if k <= hi[i]:
                    heap.append((Fraction(k * Q - A[i], A[i]), i, k))
        heapq.heapify(heap)
        while need_up > 0:
            t, i, k = heapq.heappop(heap)
            t_up = t
            need_up -= 1
            if k + 1 <= hi[i]:
                heapq.heappush(heap, (Fraction((k + 1) * Q - A[i], A[i]), i, k + 1))
    need_down = sum(lo_at(i, t_box) for i in range(n)) - total
    t_down = t_box
    if need_down > 0:
        heap = []
        for i in range(n):
            if A[i] > 0:
                k = lo_at(i, t_box) - 1
                if k >= lo[i]:
                    heap.append((Fraction(A[i] - k * Q, A[i]), i, k))
        heapq.heapify(heap)
        while need_down > 0:
            t, i, k = heapq.heappop(heap)
            t_down = t
            need_down -= 1
            if k - 1 >= lo[i]:
                heapq.heappush(heap, (Fraction(A[i] - (k - 1) * Q, A[i]), i, k - 1))
    return max(t_box, t_up, t_down)


def fair_box(
    quanta: Sequence[int], lo: Sequence[int], hi: Sequence[int], t: Fraction
) -> tuple[list[int], list[int]]:
    """Integer bounds implied by |x_i − a_i| ≤ t·a_i (x_i = 0 where a_i = 0), within lo..hi."""
    Q = QUANTUM
    blo, bhi = [], []
    for a, lower, upper in zip(quanta, lo, hi, strict=True):
        a, lower, upper = int(a), int(lower), int(upper)
        if a == 0:
            blo.append(max(lower, 0))
            bhi.append(max(lower, 0))
            continue
        blo.append(max(lower, math.ceil(Fraction(a, Q) * (1 - t))))
        bhi.append(min(upper, math.floor(Fraction(a, Q) * (1 + t))))
    return blo, bhi


def fair_threshold(
    quanta: Sequence[int], lo: Sequence[int], hi: Sequence[int], total: int
) -> Fraction:
    """The smallest reachable max relative deviation t* (exact fraction)."""
    return _fair_threshold([int(a) for a in quanta], [int(v) for v in lo],
                           [int(v) for v in hi], int(total))


def round_fair(
    quanta: Sequence[int], lo: Sequence[int], hi: Sequence[int], total: int
) -> np.ndarray:
    """min max|x−a|/a, then min Σ|x−a|, then min Σ i·x_i (see module docstring)."""
    t = fair_threshold(quanta, lo, hi, total)
    blo, bhi = fair_box(quanta, lo, hi, t)
    return round_l1(quanta, blo, bhi, total)


# --------------------------------------------------------------------------- divisor methods
def _signpost(method: str, k: np.ndarray) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    if method == "dhondt":
        return k + 1.0
    if method == "webster":
        return k + 0.5
    if method == "huntington_hill":
        return np.sqrt(k * (k + 1.0))
    raise ApportionError(f"unknown divisor method {method!r}")


_INFINITE = Fraction(10**30)


def _priority(method: str, weight: float, k: int) -> Fraction:
    """Exact priority of a region's (k+1)-th unit: w/d(k); Huntington-Hill as w²/(k(k+1))."""
    w = Fraction(float(weight))
    if w == 0:
        return Fraction(0)
    if method == "dhondt":
        return w / (k + 1)
    if method == "webster":
        return 2 * w / (2 * k + 1)
    if k == 0:
        return _INFINITE + w  # every region with a weight gets its first unit first
    return w * w / (k * (k + 1))


def _is_top_set(method: str, w: np.ndarray, est: np.ndarray, lo: np.ndarray,
                hi: np.ndarray) -> bool:
    """Every unit given above a lower bound outranks every unit not given (exactly)."""
    given = [_priority(method, w[i], int(est[i]) - 1) for i in range(w.size) if est[i] > lo[i]]
    nxt = [_priority(method, w[i], int(est[i])) for i in range(w.size) if est[i] < hi[i]]
    return not given or not nxt or min(given) > max(nxt)


def _divisor(
    method: str, weights: np.ndarray, total: int, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    n = w.size
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if lo.sum() > total or np.minimum(hi, total).sum() < total:
        raise ApportionError("bounds do not admit the total")
    x = lo.copy()
    free = total - int(x.sum())
    if free > 0 and w.sum() > 0:
        # Warm start: every unit whose priority w_i/d(k) exceeds a threshold a little above
        # the final divisor is in the answer (the answer is the lower bounds plus the
        # highest-priority units), as long as there are no more of them than the total.
        # The float count is then verified exactly, so the start never changes the result.
        v = w / (w.sum() / max(total, 1) * 1.05)
        if method == "dhondt":
            count = np.ceil(v) - 1
        elif method == "webster":
            count = np.ceil(v - 0.5)
        else:
            count = np.ceil((np.sqrt(1.0 + 4.0 * v * v) - 1.0) / 2.0)
        est = np.clip(np.maximum(count, 0).astype(np.int64), lo, hi)
        if est.sum() <= total and _is_top_set(method, w, est, lo, hi):
            x = est
    # priority of the next unit for region i: w_i / d(x_i), compared exactly (fractions of
    # the given floats; Huntington-Hill squared to stay rational); ties → earliest region
    left = total - int(x.sum())
    if left:
        heap = [(-_priority(method, w[i], int(x[i])), i) for i in range(n) if x[i] < hi[i]]
        heapq.heapify(heap)
        while left > 0:
            if not heap:
                raise ApportionError("bounds do not admit the total")
            _, i = heapq.heappop(heap)
            x[i] += 1
            left -= 1
            if x[i] < hi[i]:
                heapq.heappush(heap, (-_priority(method, w[i], int(x[i])), i))
    return x


# --------------------------------------------------------------------------- entry point
def apportion(
    method: str,
    weights: Sequence[float] | np.ndarray,
    total: float,
    lower: Sequence[float] | np.ndarray | None = None,
    upper: Sequence[float] | np.ndarray | None = None,
    step: float = 1.0,
    objective: str = "quota",
) -> np.ndarray:
    """Split ``total`` among regions by ``method``; returns quantities in the target's unit.

    Parameters
    ----------
    method : ``optimal`` (capped quota rounded by ``objective``), ``largest_remainder``
        (= ``optimal`` with objective ``quota``), ``webster``, ``dhondt``, ``huntington_hill``
        (aliases: hamilton, sainte_lague, jefferson, hill …).
    weights : factor shares or quotas (any positive scale; only proportions matter).
    total : T in the target's unit; must be a multiple of ``step``.
    lower, upper : per-region bounds in the target's unit (locks: lower = upper).
    step : allocations are multiples of ``step`` (1 = whole units, 10 = 10 公里 …).
    objective : ``quota`` (min Σ|x − q*|) or ``fair`` (min max |x − q*|/q*); ``optimal`` only.

    Ties go to the region that comes first in the arrays (see module docstring).
    """
    name = METHOD_ALIASES.get(str(method).strip().lower())
    if name is None:
        raise ApportionError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    w = np.asarray(weights, dtype=float)
    n = w.size
    if n == 0:
        raise ApportionError("no regions")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ApportionError("weights must be finite and ≥ 0")
    units = total / step
    N = int(round(units))
    if abs(units - N) > 1e-9 * max(1.0, abs(units)):
        raise ApportionError(f"total {total:g} is not a multiple of step {step:g}")
    lo_f, hi_f = _as_bounds(n, lower, upper)
    lo, hi = step_bounds(lo_f, hi_f, step)
    if name in ("optimal", "largest_remainder"):
        if objective not in OBJECTIVES:
            raise ApportionError(f"unknown objective {objective!r}; use quota or fair")
        if name == "largest_remainder":
            objective = "quota"
        A = capped_quanta(w, N, lo, hi)
        if objective == "fair":
            x = round_fair(A, lo, hi, N)
        else:
            x = round_l1(A, lo, hi, N)
    else:
        x = _divisor(name, w, N, lo, hi)
    return _in_unit(x, step)


def capped_quanta(weights: np.ndarray, units: int, lo: np.ndarray, hi: np.ndarray) -> list[int]:
    """Capped quota in integer quanta of step units, for integer step bounds lo..hi."""
    w = np.asarray(weights, dtype=float)
    s = w / w.sum() if w.sum() > 0 else w
    hi_f = np.where(hi >= np.iinfo(np.int64).max // 4, np.inf, hi.astype(float))
    qstar = capped_quota(s * units, float(units), lo.astype(float), hi_f)
    return list(quantise(qstar, lo, np.where(np.isinf(hi_f), 1e300, hi_f)))


def _in_unit(x: np.ndarray, step: float) -> np.ndarray:
    if float(step).is_integer():
        return x.astype(np.int64) * int(step)
    return np.round(x.astype(float) * step, 10)
