"""The PuLP allocation model: one or several targets, optionally coupled by plan-level rules.

Formulation (all quantities in each target's step units)
--------------------------------------------------------
Sets: targets t, regions i (region-code order, position p_i = 0, 1, …).
Data: capped quota a_ti = A_ti / QUANTUM (apportion.py), integer bounds lo_ti ≤ hi_ti,
total N_t, step h_t; optional unit costs c_t, regional budgets B_i or a province budget B,
burden capacities K_i.

Variables: y_ti integer in [lo_ti, hi_ti]; unit segments y_ti = lo_ti + b_ti + c_ti + e_ti with
b (units up to ⌊a⌋, cost −1 each), c (the unit across a, cost 1 − 2·frac(a)), e (units above
⌈a⌉, cost +1 each), so d_ti = |lo_ti − a_ti| + Σ cost·segment equals |y_ti − a_ti| at every
integer y and the LP relaxation is tight; m_t (``fair`` targets); z (``balance``).

Constraints: Σ_i y_ti = N_t;  budget Σ_t c_t·h_t·y_ti ≤ B_i (or the province-wide sum ≤ B);
balance Σ_t c_t·h_t·y_ti / K_i ≤ z;  fair d_ti ≤ m_t·a_ti.

Objective, lexicographic (each stage fixes what the previous one reached, computed exactly
from the integer solution, so solver tolerances cannot blur it):

A. ``balance`` only: min z.
B. ``fair`` targets: min Σ_t m_t; then y_ti is bounded to the exact box of the reached t.
C. min Σ_t Σ_i d_ti / N_t (deviation from the capped quota); then each target's own
   Σ_i |y_ti − a_ti| is held to what it reached (it is a multiple of 1/QUANTUM, so half a
   quantum separates it from the next value).
D. tie-break: min Σ_t Σ_i p_i·y_ti — a unit that could go to either of two regions goes to
   the one with the smaller region code; the same rule as the fast path. For a target no
   plan-level rule couples, each y_ti is first bounded to the optimal face (the range of
   allocations with the same marginal cost, read exactly off the stage-C solution), which
   makes this stage an easy LP instead of a knapsack.

For one uncoupled target this returns exactly what :meth:`TargetProblem.fast` returns
(checked by property tests over thousands of random instances).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pulp

from minshi_geo.allocate import apportion
from minshi_geo.allocate import solver as solver_mod
from minshi_geo.allocate.diagnose import InfeasibleAllocationError
from minshi_geo.allocate.problem import BIG, Balance, Budget, TargetProblem
from minshi_geo.errors import MinshiError

__all__ = ["AllocationModel", "InfeasibleAllocationError", "SolverFailedError"]


class SolverFailedError(MinshiError):
    """The solver stopped without a proven optimum (time limit, numerical trouble)."""


@dataclass
class _Stage:
    name: str
    seconds: float
    status: str


@dataclass
class _Run:
    """One solve in progress: the PuLP problem, its variables by target, and the solver."""

    model: AllocationModel
    prob: pulp.LpProblem
    chosen: solver_mod.Solver
    y: dict[str, list] = field(default_factory=dict)  # integer quantities (step units)
    d: dict[str, list] = field(default_factory=dict)  # |y − a| expressions
    a: dict[str, list[float]] = field(default_factory=dict)  # capped quotas (step units)

    def go(self, stage: str) -> None:
        """Solve the current objective; a stage without a proven optimum is an error."""
        model, chosen = self.model, self.chosen
        t0 = time.perf_counter()
        outcome = solver_mod.run(self.prob, chosen)
        model.stages.append(_Stage(stage, time.perf_counter() - t0, outcome.status))
        if not outcome.has_solution and outcome.status in ("Infeasible", "Unbounded",
                                                           "InfeasibleOrUnbounded"):
            raise InfeasibleAllocationError(model._explain_infeasible(chosen))
        if not outcome.optimal:
            raise SolverFailedError(
                f"{model.name}: solver {chosen.name} stopped at stage {stage} with status "
                f"{outcome.status} (no proven optimum)",
                hint="try --solver cbc, or report the scenario",
            )

    def values(self, tid: str) -> list[int]:
        return [int(round(v.value() or 0.0)) for v in self.y[tid]]

    def order_objective(self):  # noqa: ANN201 - a PuLP expression
        """Σ_t Σ_i (i + 1)·y_ti: the region-order tie-break."""
        return pulp.lpSum(
            (i + 1) * v for p in self.model.problems for i, v in enumerate(self.y[p.target_id])
        )


class AllocationModel:
    """PuLP model for one or several targets (spopt style: build, ``solve()`` → self).

    Parameters
    ----------
    problems : the targets to allocate (each a :class:`TargetProblem`).
    budget : optional :class:`Budget` coupling targets through unit costs.
    balance : optional :class:`Balance`: minimise the heaviest relative burden first.

    Attributes (after :meth:`solve`)
    --------------------------------
    quantities : dict target_id → array of quantities in the target's unit (region order).
    objective_value : Σ_t Σ_i |x_ti − q*_ti| / T_t (dimensionless; 0 = every region at q*).
    burden : max_i Σ_t c_t x_ti / K_i when ``balance`` is given, else None.
    status : "Optimal".
    solver_name, solver_version, runtime_s, stages.
    """

    def __init__(
        self,
        problems: list[TargetProblem],
        budget: Budget | None = None,
        balance: Balance | None = None,
        name: str = "allocation",
    ):
        if not problems:
            raise ValueError("no targets to allocate")
        self.problems = problems
        self.budget = budget
        self.balance = balance
        self.name = name
        self.quantities: dict[str, np.ndarray] = {}
        self.objective_value: float | None = None
        self.burden: float | None = None
        self.status = "NotSolved"
        self.solver_name = ""
        self.solver_version = ""
        self.runtime_s = 0.0
        self.stages: list[_Stage] = []

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_arrays(
        cls,
        weights: np.ndarray | list[float],
        total: float,
        lower: np.ndarray | list[float] | None = None,
        upper: np.ndarray | list[float] | None = None,
        step: float = 1.0,
        objective: str = "quota",
        codes: list[str] | None = None,
    ) -> AllocationModel:
        """One target from plain arrays (regions in the given order)."""
        n = len(weights)
        codes = codes or [f"r{i:05d}" for i in range(n)]
        problem = TargetProblem(
            target_id="t", metric="", unit="", codes=codes, names=codes,
            weights=np.asarray(weights, float), total=total, step=step,
            lower=None if lower is None else np.asarray(lower, float),
            upper=None if upper is None else np.asarray(upper, float),
            objective=objective,
        )
        return cls([problem])

    # ---------------------------------------------------------------- solve
    def solve(self, solver: str | solver_mod.Solver | None = None) -> AllocationModel:
        """Build and solve the model; results are set as attributes. Returns ``self``.

        The stages A–D of the module docstring, each a method: balance, fair, deviation,
        tie-break.
        """
        chosen = solver if isinstance(solver, solver_mod.Solver) else solver_mod.select_solver(
            solver
        )
        self.solver_name, self.solver_version = chosen.name, chosen.version
        started = time.perf_counter()
        run = _Run(model=self, prob=solver_mod.new_problem(self.name), chosen=chosen)
        for k, p in enumerate(self.problems):
            self._add_target(run, k, p)
        self._add_budget(run.prob, run.y)
        region_burden = self._burden_expressions(run.y)
        if region_burden:
            self._stage_balance(run, region_burden)
        fair_boxes = self._stage_fair(run)
        self._stage_deviation(run, fair_boxes)
        self._stage_tie_break(run)
        if region_burden:
            self.burden = self._max_burden(run.values)
        self.status = "Optimal"
        self.runtime_s = time.perf_counter() - started
        return self

    def _add_target(self, run: _Run, k: int, p: TargetProblem) -> None:
        """Variables y, unit segments and d = |y − a| of one target, and its total."""
        if p.method not in ("optimal", "largest_remainder"):
            raise InfeasibleAllocationError(
                f"{p.label}: method {p.method} is a named apportionment; it has no model"
            )
        prob = run.prob
        lo, hi = p.step_bounds()
        A = p.quanta()
        fair = p.objective == "fair" and p.method == "optimal"
        ys, ds = [], []
        Q = apportion.QUANTUM
        for i in range(p.n):
            low = int(lo[i])
            up = int(hi[i]) if hi[i] < BIG else None
            if fair and A[i] == 0:
                up = low
            yv = solver_mod.new_variable(prob, f"y_{k}_{i}", low, up, True)
            ys.append(yv)
            # |y − a| for integer y as a sum of unit segments of rising cost (−1 below ⌊a⌋,
            # 1 − 2·frac across a, +1 above ⌈a⌉): exact at integers, and its LP relaxation
            # is tight, so the MILP needs no branching to prove the optimum
            fl, ce = A[i] // Q, -(-A[i] // Q)
            top = up if up is not None else None
            below = max(0, min(fl, top if top is not None else fl) - low)
            cross = 1 if (A[i] % Q and low <= fl and (top is None or fl + 1 <= top)) else 0
            start = max(low, ce)
            above = None if top is None else max(0, top - start)
            segs = []
            if below:
                segs.append((solver_mod.new_variable(prob, f"sb_{k}_{i}", 0, below), -1.0))
            if cross:
                segs.append((solver_mod.new_variable(prob, f"sc_{k}_{i}", 0, 1),
                             1.0 - 2.0 * (A[i] % Q) / Q))
            if above is None or above > 0:
                segs.append((solver_mod.new_variable(prob, f"sa_{k}_{i}", 0, above), 1.0))
            prob += yv - pulp.lpSum(v for v, _ in segs) == low, f"seg_{k}_{i}"
            ds.append(abs(low * Q - A[i]) / Q + pulp.lpSum(c * v for v, c in segs))
        run.y[p.target_id], run.d[p.target_id] = ys, ds
        run.a[p.target_id] = [v / apportion.QUANTUM for v in A]
        prob += pulp.lpSum(ys) == p.units, f"total_{k}"

    def _stage_balance(self, run: _Run, region_burden: dict) -> None:
        """A. min z, the heaviest relative burden; then every region is held to it."""
        prob = run.prob
        z = solver_mod.new_variable(prob, "burden", 0, None)
        for code, expr in region_burden.items():
            prob += expr <= z, f"burden_{code}"
        prob.setObjective(z + 0)
        run.go("balance")
        reached = self._max_burden(run.values)
        for code, expr in region_burden.items():
            prob += expr <= reached * (1 + 1e-9) + 1e-12, f"burden_fix_{code}"

    def _coupled_ids(self) -> set[str]:
        """Targets tied to others by a budget or balance rule (not separable)."""
        ids = set(self.budget.costs) if self.budget else set()
        return ids | (set(self.balance.costs) if self.balance else set())

    def _stage_fair(self, run: _Run) -> dict[str, tuple[list[int], list[int]]]:
        """B. ``fair`` targets: min Σ_t m_t; then each y is bounded to the exact box of the
        reached threshold. Returns the boxes by target id."""
        prob = run.prob
        fair = [p for p in self.problems if p.objective == "fair" and p.method == "optimal"]
        fair_boxes: dict[str, tuple[list[int], list[int]]] = {}
        if not fair:
            return fair_boxes
        ms = {}
        for k, p in enumerate(self.problems):
            A = p.quanta()
            if p not in fair or not any(A):
                continue  # nothing to split: every relative deviation is 0
            m = solver_mod.new_variable(prob, f"m_{k}", 0, None)
            ms[p.target_id] = m
            for i in range(p.n):
                if A[i] > 0:
                    prob += run.d[p.target_id][i] - run.a[p.target_id][i] * m <= 0, f"fair_{k}_{i}"
        if ms:
            prob.setObjective(pulp.lpSum(ms.values()))
            run.go("fair")
        coupled_ids = self._coupled_ids()
        for k, p in enumerate(self.problems):
            if p not in fair:
                continue
            lo, hi = p.step_bounds()
            t = _reached_fair(run.values(p.target_id), p.quanta())
            if p.target_id not in coupled_ids:
                # an uncoupled target's threshold is known exactly; a solver's m can stop a
                # few 1e-6 short of it (CBC did), which lets the other side of an exact tie in
                t = min(t, apportion.fair_threshold(p.quanta(), lo, hi, p.units))
            blo, bhi = apportion.fair_box(p.quanta(), lo, hi, t)
            fair_boxes[p.target_id] = (blo, bhi)
            for i, v in enumerate(run.y[p.target_id]):
                prob += v >= blo[i], f"fairlo_{k}_{i}"
                prob += v <= bhi[i], f"fairhi_{k}_{i}"
        return fair_boxes

    def _stage_deviation(self, run: _Run, fair_boxes: dict) -> None:
        """C. min the deviation from the capped quota; then each target's own deviation is
        held, and an uncoupled target's y to its optimal face."""
        prob, y, d = run.prob, run.y, run.d
        # targets weighted by 1/N_t, scaled so the smallest weight is 1 (a quantum of
        # deviation stays far above the MIP gap)
        smallest = min(max(p.units, 1) for p in self.problems)
        deviation_objective = pulp.lpSum(
            pulp.lpSum(d[p.target_id]) * (smallest / max(p.units, 1)) for p in self.problems
        )
        # when every region is pinned nothing can deviate and the objective is a constant;
        # PuLP would add a dummy column for it that CBC's MPS reader rejects
        has_terms = any(True for _ in deviation_objective.keys())
        prob.setObjective(deviation_objective if has_terms else run.order_objective())
        run.go("deviation")
        coupled_ids = self._coupled_ids()
        for k, p in enumerate(self.problems):
            reached = run.values(p.target_id)
            Z = _reached_l1(reached, p.quanta())
            deviation = pulp.lpSum(d[p.target_id])
            if any(True for _ in deviation.keys()):  # no segments: nothing can deviate; and
                # an empty row makes PuLP write a dummy column CBC's MPS reader rejects
                prob += deviation <= (Z + 0.5) / apportion.QUANTUM, f"devfix_{k}"
            if p.target_id not in coupled_ids:
                # the optimal face of a separable L1 problem, read off the stage-C solution:
                # each region may only move between allocations of equal marginal cost
                lo, hi = fair_boxes.get(p.target_id) or p.step_bounds()
                face = _optimal_face(reached, p.quanta(), list(lo), list(hi), p.units)
                for i, (f_lo, f_hi) in enumerate(face):
                    prob += y[p.target_id][i] >= f_lo, f"facelo_{k}_{i}"
                    prob += y[p.target_id][i] <= f_hi, f"facehi_{k}_{i}"

    def _stage_tie_break(self, run: _Run) -> None:
        """D. deterministic tie-break by region order; the quantities are read off."""
        # weights from 1, not 0: Σ_i y_ti is fixed, so this is the same order, and no
        # variable gets a zero coefficient — CBC's MPS reader rejects the dummy column PuLP
        # then writes
        run.prob.setObjective(run.order_objective())
        run.go("tie-break")
        for p in self.problems:
            x = np.array(run.values(p.target_id), dtype=np.int64)
            self.quantities[p.target_id] = apportion._in_unit(x, p.step)
        self.objective_value = float(
            sum(
                _reached_l1(run.values(p.target_id), p.quanta()) / apportion.QUANTUM
                / max(p.units, 1)
                for p in self.problems
            )
        )

    # ---------------------------------------------------------------- coupling rules
    def _unit_cost(self, costs: dict[str, float], p: TargetProblem) -> float:
        return float(costs.get(p.target_id, 0.0)) * p.step

    def _add_budget(self, prob: pulp.LpProblem, y: dict[str, list]) -> None:
        b = self.budget
        if b is None:
            return
        if b.per_region:
            for code, limit in sorted(b.per_region.items()):
                terms = []
                for p in self.problems:
                    c = self._unit_cost(b.costs, p)
                    if c and code in p.codes:
                        terms.append(c * y[p.target_id][p.codes.index(code)])
                if terms:
                    prob += pulp.lpSum(terms) <= float(limit), f"budget_{code}"
        if b.province is not None:
            terms = [
                self._unit_cost(b.costs, p) * v
                for p in self.problems
                for v in y[p.target_id]
                if self._unit_cost(b.costs, p)
            ]
            if terms:
                prob += pulp.lpSum(terms) <= float(b.province), "budget_province"

    def _burden_expressions(self, y: dict[str, list]) -> dict[str, object]:
        bal = self.balance
        if bal is None:
            return {}
        out = {}
        for code, cap in sorted(bal.capacity.items()):
            terms = []
            for p in self.problems:
                c = self._unit_cost(bal.costs, p)
                if c and code in p.codes:
                    terms.append((c / float(cap)) * y[p.target_id][p.codes.index(code)])
            if terms:
                out[code] = pulp.lpSum(terms)
        return out

    def _max_burden(self, values) -> float:
        bal = self.balance
        assert bal is not None
        worst = 0.0
        for code, cap in bal.capacity.items():
            load = 0.0
            for p in self.problems:
                c = self._unit_cost(bal.costs, p)
                if c and code in p.codes:
                    load += c * values(p.target_id)[p.codes.index(code)]
            worst = max(worst, load / float(cap))
        return worst

    def _explain_infeasible(self, chosen: solver_mod.Solver) -> str:
        """Name the rule family in conflict: re-solve without budget to see if it is the cause."""
        labels = ", ".join(p.label for p in self.problems)
        if self.budget is not None:
            relaxed = AllocationModel(self.problems, budget=None, balance=None, name=self.name)
            try:
                relaxed.solve(chosen)
            except InfeasibleAllocationError:
                pass
            else:
                where = (
                    "per-region budgets" if self.budget.per_region else "the province budget"
                )
                return (
                    f"rule budget conflicts with the bounds of {labels}: {where} "
                    f"({self.budget.currency}) cannot pay for the totals within the "
                    "min/max/locks/capacity/coverage floors"
                )
        return (
            f"rules for {labels} cannot all hold: bounds (min/max/locks/capacity/coverage "
            "floors) admit no allocation of the totals"
        )


def _unit_cost(k: int, A: int) -> int:
    """Marginal L1 cost, in quanta, of a region's k-th unit (from k−1 to k) when a = A/Q."""
    Q = apportion.QUANTUM
    return abs(Q * k - A) - abs(Q * (k - 1) - A)


def _optimal_face(
    x: list[int], quanta: list[int], lo: list[int], hi: list[int], total: int
) -> list[tuple[int, int]]:
    """Per-region ranges that contain every minimiser of Σ|y − a| with Σy = total, lo ≤ y ≤ hi.

    ``x`` is one minimiser (stage C). Separable convex costs with one sum constraint are
    optimal iff a threshold λ separates the units taken (cost ≤ λ) from those not taken
    (cost ≥ λ); the other optima only trade units whose cost is exactly λ. Costs are exact
    integers (quanta), so ties are exact.
    """
    n = len(x)
    last = [_unit_cost(x[i], quanta[i]) for i in range(n) if x[i] > lo[i]]
    nxt = [_unit_cost(x[i] + 1, quanta[i]) for i in range(n) if x[i] < hi[i]]
    if not last or not nxt or max(last) < min(nxt):
        return [(v, v) for v in x]  # unique optimum
    lam = max(last)
    face = []
    for i in range(n):
        a_lo, a_hi = x[i], x[i]
        # give back units that cost exactly λ (never below the bound)
        while a_lo > lo[i] and _unit_cost(a_lo, quanta[i]) == lam:
            a_lo -= 1
        # take more units that cost exactly λ (never beyond the bound or the total)
        while a_hi < min(hi[i], total) and _unit_cost(a_hi + 1, quanta[i]) == lam:
            a_hi += 1
        face.append((a_lo, a_hi))
    return face


def _reached_l1(x: list[int], quanta: list[int]) -> int:
    """Σ|QUANTUM·x_i − A_i| — the L1 deviation in quanta, exact."""
    return sum(abs(apportion.QUANTUM * int(v) - int(A)) for v, A in zip(x, quanta, strict=True))


def _reached_fair(x: list[int], quanta: list[int]) -> Fraction:
    """max_i |x_i − a_i| / a_i over a_i > 0, exact."""
    worst = Fraction(0)
    for v, A in zip(x, quanta, strict=True):
        A = int(A)
        if A > 0:
            worst = max(worst, Fraction(abs(apportion.QUANTUM * int(v) - A), A))
    return worst
