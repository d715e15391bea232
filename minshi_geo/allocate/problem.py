"""One target's allocation problem in plain arrays, and the plan-level couplings.

A :class:`TargetProblem` is what both the fast path (apportion.py) and the PuLP model
(model.py) consume, so both see exactly the same bounds and the same capped quota.
Regions are kept in region-code order: that order is the documented tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minshi_geo.allocate import apportion

BIG = np.iinfo(np.int64).max // 4


@dataclass
class TargetProblem:
    """Split ``total`` of one target among ``codes``.

    Quantities are in the target's unit (座, 公里 …); ``step`` is the granularity.
    The rule parts are kept apart (``minimum``, ``maximum``, ``capacity``, ``lock``; NaN /
    ∞ where a region has none) so diagnose.py can say which one conflicts; ``lower`` and
    ``upper`` fold them together (a lock is lower = upper) unless given directly.
    """

    target_id: str
    metric: str
    unit: str
    codes: list[str]
    names: list[str]
    weights: np.ndarray  # factor shares s_i (sum 1) — or any positive scale
    total: float
    step: float = 1.0
    minimum: np.ndarray | None = None
    maximum: np.ndarray | None = None
    capacity: np.ndarray | None = None
    lock: np.ndarray | None = None
    capacity_name: str = "capacity"
    objective: str = "quota"  # quota | fair
    method: str = "optimal"
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    factors: dict[str, float] = field(default_factory=dict)  # indicator → weight (for output)
    coverage: Any = None  # the CoverageRule this problem came from, if any

    def __post_init__(self) -> None:
        n = len(self.codes)
        self.weights = np.asarray(self.weights, dtype=float)
        s = self.weights.sum()
        self.shares = self.weights / s if s > 0 else self.weights.copy()

        def arr(v, fill):
            return np.full(n, fill, dtype=float) if v is None else np.asarray(v, dtype=float)

        self.minimum = arr(self.minimum, 0.0)
        self.maximum = arr(self.maximum, np.inf)
        self.capacity = arr(self.capacity, np.inf)
        self.lock = arr(self.lock, np.nan)
        self.locked = ~np.isnan(self.lock)
        if self.lower is None:
            self.lower = np.where(self.locked, self.lock, self.minimum)
        else:
            self.lower = np.asarray(self.lower, float)
        if self.upper is None:
            cap = np.minimum(self.maximum, self.capacity)
            self.upper = np.where(self.locked, self.lock, cap)
        else:
            self.upper = np.asarray(self.upper, float)

    @property
    def label(self) -> str:
        """``29.2 危桥改造`` — how errors name the target."""
        return f"{self.target_id} {self.metric}".strip()

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def units(self) -> int:
        """Total in step units."""
        return int(round(self.total / self.step))

    @property
    def quota(self) -> np.ndarray:
        """Ideal factor quota T·s_i in the target's unit."""
        return self.total * self.shares

    def step_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return apportion.step_bounds(self.lower, self.upper, self.step)

    def capped(self) -> np.ndarray:
        """Capped quota q* in the target's unit (to 1/QUANTUM of a step; apportion.py)."""
        return np.array(self.quanta(), dtype=float) / apportion.QUANTUM * self.step

    def quanta(self) -> list[int]:
        """q* in integer quanta of step units (cached; both solvers use these numbers)."""
        cached = getattr(self, "_quanta", None)
        if cached is None:
            lo, hi = self.step_bounds()
            cached = apportion.capped_quanta(self.shares, self.units, lo, hi)
            self._quanta = cached
        return cached

    def fast(self) -> np.ndarray:
        """The exact answer without a solver (quantities in the target's unit)."""
        lo, hi = self.step_bounds()
        if self.method in ("optimal", "largest_remainder"):
            objective = "quota" if self.method == "largest_remainder" else self.objective
            A = self.quanta()
            x = (
                apportion.round_fair(A, lo, hi, self.units)
                if objective == "fair"
                else apportion.round_l1(A, lo, hi, self.units)
            )
            return apportion._in_unit(np.asarray(x), self.step)
        return apportion.apportion(self.method, self.shares, self.total, self.lower,
                                   self.upper, self.step)


@dataclass
class Budget:
    """Σ_t cost_t·x_ti ≤ budget_i per region (``per_region``) and/or ≤ ``province`` overall.

    ``costs``: target_id → cost per unit of the target (in ``currency``, e.g. 万元 per 座).
    """

    costs: dict[str, float]
    per_region: dict[str, float] | None = None
    province: float | None = None
    currency: str = "万元"
    source: str = ""  # where the numbers come from (a 示例 indicator file …)


@dataclass
class Balance:
    """Minimise max_i Σ_t cost_t·x_ti / capacity_i (the heaviest relative burden)."""

    costs: dict[str, float]
    capacity: dict[str, float]
    capacity_name: str = "capacity"
