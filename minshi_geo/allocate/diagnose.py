"""Diagnosis before and after solving: say *which* rule makes a target impossible.

Before solving, :func:`check_target` and :func:`check_budget` look for the conflicts a planner
can cause and raise :class:`InfeasibleAllocationError` with one line that names the target,
the regions and the numbers::

    29.2 危桥改造: minimums sum to 165 座 but the total is 150 座 (长春市 40, 吉林市 30, …)

After solving, :func:`check_result` re-checks every allocation against its rules (sum, bounds,
locks, step), whichever path produced it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minshi_geo.allocate.problem import Budget, TargetProblem
from minshi_geo.errors import MinshiError

_SHOW = 4  # regions listed in a message before "…"


class InfeasibleAllocationError(MinshiError):
    """No allocation satisfies the rules; the message names target, regions and numbers."""

    hint = "relax the rule named in the message in the scenario file"


class AllocationCheckError(MinshiError):
    """A computed allocation broke one of its rules (a bug: please report it)."""


def fmt(value: float) -> str:
    """Numbers as a planner writes them: 150, 2.5, 12,500."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    v = float(value)
    if np.isinf(v):
        return "∞"
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v)):,}"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def _q(value: float, unit: str) -> str:
    return f"{fmt(value)} {unit}".rstrip()


def _listing(names: Sequence[str], values: Sequence[float], prefix: str = "") -> str:
    pairs = [f"{n} {prefix}{fmt(v)}" for n, v in zip(names, values, strict=True)]
    if len(pairs) > _SHOW:
        pairs = pairs[:_SHOW] + [f"… {len(names) - _SHOW} more"]
    return ", ".join(pairs)


def check_eligible(label: str, codes: Sequence[str], eligible: object, exclude: object) -> None:
    """At least one region must take part."""
    if len(codes) == 0:
        listed = "all" if eligible is None else (", ".join(map(str, eligible)) or "empty list")
        excluded = ", ".join(map(str, exclude or ())) or "none"
        raise InfeasibleAllocationError(
            f"{label}: no eligible region (eligible: {listed}; exclude: {excluded})"
        )


def check_target(p: TargetProblem) -> None:
    """Pre-solve checks of one target, in the order a planner would fix them."""
    _check_step(p)
    _check_locks(p)
    _check_region_bounds(p)
    lo_u, hi_u = _check_sums(p)
    _check_shares(p, lo_u, hi_u)


def _check_step(p: TargetProblem) -> None:
    """Someone eligible, a positive step the total is a multiple of, no negative bound."""
    label, unit = p.label, p.unit
    names = list(p.names)
    T, h = p.total, p.step
    if p.n == 0:
        check_eligible(label, [], None, None)
    if h <= 0:
        raise InfeasibleAllocationError(f"{label}: step must be > 0, got {fmt(h)}")
    if abs(T / h - round(T / h)) > 1e-9 * max(1.0, abs(T / h)):
        raise InfeasibleAllocationError(
            f"{label}: total {_q(T, unit)} is not a multiple of step {_q(h, unit)}"
        )
    for kind, arr in (("minimum", p.minimum), ("maximum", p.maximum)):
        bad = np.flatnonzero(arr < 0)
        if bad.size:
            i = bad[0]
            raise InfeasibleAllocationError(
                f"{label}: {kind} for {names[i]} is {_q(arr[i], unit)}; expected ≥ 0"
            )


def _check_locks(p: TargetProblem) -> None:
    """Locks: inside their own region's bounds, multiples of the step, not past the total."""
    label, unit = p.label, p.unit
    names = list(p.names)
    T, h = p.total, p.step
    for i in np.flatnonzero(p.locked):
        L = p.lock[i]
        if L < 0:
            raise InfeasibleAllocationError(
                f"{label}: lock {names[i]} = {_q(L, unit)}; expected ≥ 0"
            )
        if L < p.minimum[i] - 1e-9:
            raise InfeasibleAllocationError(
                f"{label}: lock {names[i]} = {_q(L, unit)} is below its minimum "
                f"{_q(p.minimum[i], unit)}"
            )
        if L > p.maximum[i] + 1e-9:
            raise InfeasibleAllocationError(
                f"{label}: lock {names[i]} = {_q(L, unit)} is above its maximum "
                f"{_q(p.maximum[i], unit)}"
            )
        if L > p.capacity[i] + 1e-9:
            raise InfeasibleAllocationError(
                f"{label}: lock {names[i]} = {_q(L, unit)} is above its capacity "
                f"{p.capacity_name} = {_q(p.capacity[i], unit)}"
            )
        if abs(L / h - round(L / h)) > 1e-9:
            raise InfeasibleAllocationError(
                f"{label}: lock {names[i]} = {_q(L, unit)} is not a multiple of step "
                f"{_q(h, unit)}"
            )
    locked = np.flatnonzero(p.locked)
    lock_sum = float(p.lock[locked].sum()) if locked.size else 0.0
    if locked.size and lock_sum > T + 1e-9:
        raise InfeasibleAllocationError(
            f"{label}: locks sum to {_q(lock_sum, unit)} but the total is {_q(T, unit)} "
            f"({_listing([names[i] for i in locked], p.lock[locked])})"
        )
    if locked.size == p.n and abs(lock_sum - T) > 1e-9:
        raise InfeasibleAllocationError(
            f"{label}: every region is locked and the locks sum to {_q(lock_sum, unit)}, "
            f"not the total {_q(T, unit)}"
        )


def _check_region_bounds(p: TargetProblem) -> None:
    """No unlocked region's minimum above its own maximum or capacity."""
    label, unit = p.label, p.unit
    names = list(p.names)
    for i in range(p.n):
        if not p.locked[i] and p.minimum[i] > min(p.maximum[i], p.capacity[i]) + 1e-9:
            which = (
                f"maximum {_q(p.maximum[i], unit)}"
                if p.maximum[i] <= p.capacity[i]
                else f"capacity {p.capacity_name} = {_q(p.capacity[i], unit)}"
            )
            raise InfeasibleAllocationError(
                f"{label}: minimum {_q(p.minimum[i], unit)} for {names[i]} exceeds its {which}"
            )


def _check_sums(p: TargetProblem) -> tuple[np.ndarray, np.ndarray]:
    """The regions' lower bounds (in steps, times the step) fit under the total and their
    upper bounds reach it; returns both, in the target's unit."""
    label, unit = p.label, p.unit
    names = list(p.names)
    T, h = p.total, p.step
    locked = np.flatnonzero(p.locked)
    lo, hi = p.step_bounds()
    lo_u, hi_u = lo * h, np.where(hi >= 2**60, np.inf, hi * h)
    rounded = " (rounded up to steps of " + _q(h, unit) + ")" if h != 1 else ""
    if lo_u.sum() > T + 1e-9:
        idx = [i for i in np.argsort(-lo_u, kind="stable") if lo_u[i] > 0]
        what = "minimums and locks" if locked.size else "minimums"
        raise InfeasibleAllocationError(
            f"{label}: {what} sum to {_q(lo_u.sum(), unit)}{rounded} but the total is "
            f"{_q(T, unit)} ({_listing([names[i] for i in idx], lo_u[idx])})"
        )
    if hi_u.sum() < T - 1e-9:
        idx = list(np.argsort(hi_u, kind="stable"))
        parts = []
        for i in idx:
            if p.locked[i]:
                why = "lock"
            elif p.capacity[i] < p.maximum[i]:
                why = f"capacity {p.capacity_name}"
            else:
                why = "max"
            parts.append(f"{names[i]} ≤ {fmt(hi_u[i])} {why}")
        shown = ", ".join(parts[:_SHOW]) + (f", … {len(parts) - _SHOW} more" if len(parts) > _SHOW
                                            else "")
        has_cap = bool(np.isfinite(p.capacity).any())
        what = "maximums and capacities" if has_cap else "maximums"
        raise InfeasibleAllocationError(
            f"{label}: {what} sum to {_q(hi_u.sum(), unit)} but the total is {_q(T, unit)} "
            f"({shown})"
        )
    return lo_u, hi_u


def _check_shares(p: TargetProblem, lo_u: np.ndarray, hi_u: np.ndarray) -> None:
    """Regions with a positive factor share exist and can take the total between them."""
    label, unit = p.label, p.unit
    names = list(p.names)
    T = p.total
    positive = p.shares > 0
    if not positive.any():
        raise InfeasibleAllocationError(
            f"{label}: every eligible region has a zero factor share; nothing to split by"
        )
    room = float(np.where(positive, hi_u, lo_u).sum())
    if room < T - 1e-9:
        zero = [names[i] for i in np.flatnonzero(~positive)]
        raise InfeasibleAllocationError(
            f"{label}: regions with a positive factor share can take at most "
            f"{_q(room, unit)} (with the others at their minimums) but the total is "
            f"{_q(T, unit)}; zero share: {', '.join(zero[:_SHOW])}"
        )


def check_budget(problems: Sequence[TargetProblem], budget: Budget | None) -> None:
    """Budgets that cannot pay for the totals (province) or for a region's own minimums."""
    if budget is None:
        return
    by_id = {p.target_id: p for p in problems}
    unknown = [t for t in budget.costs if t not in by_id]
    if unknown:
        raise InfeasibleAllocationError(
            f"budget: unit costs given for {', '.join(unknown)}, which are not allocated here"
        )
    cur = budget.currency
    if budget.province is not None:
        spend = sum(c * by_id[t].total for t, c in budget.costs.items())
        if spend > budget.province + 1e-9:
            terms = " + ".join(
                f"{by_id[t].label} {_q(by_id[t].total, by_id[t].unit)} × {fmt(c)}"
                for t, c in budget.costs.items()
            )
            raise InfeasibleAllocationError(
                f"budget: the totals cost {_q(spend, cur)} ({terms}) but the province budget is "
                f"{_q(budget.province, cur)}"
            )
    for code, limit in sorted((budget.per_region or {}).items()):
        need = 0.0
        parts = []
        name = code
        for t, c in budget.costs.items():
            p = by_id[t]
            if code in p.codes:
                i = p.codes.index(code)
                name = p.names[i]
                lo, _ = p.step_bounds()
                if lo[i] > 0:
                    need += c * lo[i] * p.step
                    parts.append(f"{p.label} {_q(lo[i] * p.step, p.unit)} × {fmt(c)}")
        if need > limit + 1e-9:
            raise InfeasibleAllocationError(
                f"budget: {name} needs at least {_q(need, cur)} for its minimums and locks "
                f"({'; '.join(parts)}) but its budget is {_q(limit, cur)}"
            )
    if budget.per_region and budget.province is None:
        covered = set(budget.per_region)
        for t in budget.costs:
            p = by_id[t]
            outside = [n for c, n in zip(p.codes, p.names, strict=True) if c not in covered]
            if outside:
                raise InfeasibleAllocationError(
                    f"budget: {p.label} is costed but {', '.join(outside[:_SHOW])} "
                    "have no budget"
                )
        spend = sum(c * by_id[t].total for t, c in budget.costs.items())
        available = float(sum(budget.per_region.values()))
        if spend > available + 1e-9:
            raise InfeasibleAllocationError(
                f"budget: the totals cost {_q(spend, cur)} but the regional budgets sum to "
                f"{_q(available, cur)}"
            )


def check_result(p: TargetProblem, x: np.ndarray) -> None:
    """After solving: sum, step, bounds, locks. A failure here is a bug, not bad input."""
    x = np.asarray(x, dtype=float)
    tol = 1e-6 * max(1.0, p.step)
    problems = []
    if abs(x.sum() - p.total) > tol:
        problems.append(f"sums to {fmt(x.sum())}, not {fmt(p.total)}")
    off = np.abs(x / p.step - np.round(x / p.step)) > 1e-6
    if off.any():
        problems.append(f"{p.names[int(np.flatnonzero(off)[0])]} is not a multiple of the step")
    low = np.flatnonzero(x < p.lower - tol)
    high = np.flatnonzero(x > p.upper + tol)
    for i in low:
        problems.append(f"{p.names[i]} {fmt(x[i])} < lower bound {fmt(p.lower[i])}")
    for i in high:
        problems.append(f"{p.names[i]} {fmt(x[i])} > upper bound {fmt(p.upper[i])}")
    if problems:
        raise AllocationCheckError(
            f"{p.label}: allocation breaks its rules: {'; '.join(problems)}",
            hint="this is a bug in minshi-geo; please report the scenario file",
        )
