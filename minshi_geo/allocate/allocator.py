"""The allocator: build each target's problem, diagnose it, solve it, tabulate it.

``allocate(scenario)`` returns an :class:`~minshi_geo.allocation.Allocation`;
``run_scenario(path, out_dir)`` loads, allocates and saves. The engines are described in
:mod:`minshi_geo.allocate`; factor values come from :func:`minshi_geo.indicators.factor_matrix`,
the one factor matrix.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from minshi_geo import rules
from minshi_geo.allocate import diagnose, explain
from minshi_geo.allocate import robustness as robustness_mod
from minshi_geo.allocate.diagnose import InfeasibleAllocationError
from minshi_geo.allocate.problem import Balance, Budget, TargetProblem
from minshi_geo.allocation import Allocation, FileRecord
from minshi_geo.errors import MinshiError
from minshi_geo.indicators import MissingIndicatorError, factor_matrix
from minshi_geo.pace import milestones_to_meta

if TYPE_CHECKING:  # PuLP (model.py, solver.py) is imported only when a model is solved
    from minshi_geo.allocate import solver as solver_mod

ENGINES = rules.ENGINES
Progress = Callable[[int, int, str], None]  # (done, total, what)


def _values(scenario, names: list[str], codes: list[str], label: str,
            locked: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Region × indicator values for ``codes`` (in that order), through the one factor
    matrix: a missing value is an error naming the target, the indicator and the regions —
    never a silent 0; a ``locked`` region needs no factor value (NaN there)."""
    matrix = factor_matrix(scenario.regions, scenario.indicators, names, eligible=codes,
                           locked=locked, label=label)
    return matrix.reindex(index=list(codes))


def _shares(frame: pd.DataFrame, factors: dict[str, float], label: str) -> np.ndarray:
    """s_i = Σ_k w_k · f_ik / Σ_j f_jk (DESIGN.md)."""
    s = np.zeros(len(frame))
    for name, weight in factors.items():
        col = frame[name].to_numpy(dtype=float)
        if (col < 0).any():
            bad = frame.index[col < 0][0]
            raise InfeasibleAllocationError(f"{label}: factor {name} is negative for {bad}")
        if col.sum() <= 0:
            raise InfeasibleAllocationError(
                f"{label}: factor {name} is 0 for every eligible region; nothing to split by"
            )
        s += weight * col / col.sum()
    return s


def basis_text(factors: dict[str, float]) -> str:
    """``population×0.5 + area×0.5`` — the basis column of the allocation table."""
    return " + ".join(f"{k}×{v:g}" for k, v in factors.items())


def build_problems(scenario) -> list[TargetProblem]:
    """One :class:`TargetProblem` per splittable target and coverage rule, diagnosed.

    Regions inside each problem are sorted by region code: that order is the tie-break.
    """
    plan, regions = scenario.plan, scenario.regions
    problems: list[TargetProblem] = []
    for tid, rule in scenario.rules.items():
        target = plan.target(tid)
        label = f"{tid} {target.metric}"
        given = rule.eligible_given
        diagnose.check_eligible(
            label, rule.eligible,
            None if given is None else [regions.name_of(c) for c in given],
            [regions.name_of(c) for c in rule.exclude],
        )
        codes = sorted(rule.eligible)
        # a locked region may lack the factor (长白山管委会 has no area): its number is fixed,
        # so it takes no factor share and the others split the rest by the factors
        frame = _values(scenario, list(rule.factors), codes, label, frozenset(rule.locks))
        weights = _shares(frame.fillna(0.0), rule.factors, label)
        total = float(target.quantity)
        minimum = np.array([rule.minimum.value_for(c, total) or 0.0 for c in codes])
        maximum = np.array(
            [v if (v := rule.maximum.value_for(c, total)) is not None else np.inf for c in codes]
        )
        capacity = np.full(len(codes), np.inf)
        capacity_name = "capacity"
        if isinstance(rule.capacity, str):
            capacity = _values(scenario, [rule.capacity], codes, label)[rule.capacity].to_numpy()
            capacity_name = rule.capacity
        elif isinstance(rule.capacity, dict):
            capacity = np.array([rule.capacity.get(c, np.inf) for c in codes], dtype=float)
        lock = np.array([rule.locks.get(c, np.nan) for c in codes], dtype=float)
        p = TargetProblem(
            target_id=tid, metric=target.metric, unit=target.unit or "", codes=codes,
            names=[regions.name_of(c) for c in codes], weights=weights, total=total,
            step=rule.step, minimum=minimum, maximum=maximum, capacity=capacity, lock=lock,
            capacity_name=capacity_name, objective=rule.objective, method=rule.method,
        )
        p.factors = dict(rule.factors)
        p.factor_frame = frame  # the values behind the shares, for the explanation
        diagnose.check_target(p)
        problems.append(p)
    for cov in scenario.coverage.values():
        problems.append(_coverage_problem(scenario, cov))
    return problems


def _coverage_problem(scenario, cov) -> TargetProblem:
    """Coverage rule → count problem: villages to newly cover per region.

    N = ⌈rate·ΣV − Σb⌉ villages in all (V villages, b already covered, over the eligible
    regions); region i needs at least ⌈floor·V_i − b_i⌉ and can take at most V_i − b_i; the
    rest is split by ``factors`` (default: the uncovered villages V_i − b_i).
    """
    target = scenario.plan.target(cov.target_id)
    label = f"{cov.target_id} {target.metric}"
    codes = sorted(cov.eligible)
    diagnose.check_eligible(label, codes, None, None)
    vals = _values(scenario, [cov.villages, cov.covered], codes, label)
    V = vals[cov.villages].to_numpy(float)
    b = vals[cov.covered].to_numpy(float)
    over = np.flatnonzero(b > V)
    if over.size:
        i = over[0]
        raise InfeasibleAllocationError(
            f"{label}: {scenario.regions.name_of(codes[i])} has {b[i]:g} villages covered "
            f"({cov.covered}) but only {V[i]:g} villages ({cov.villages})"
        )
    need = max(0, math.ceil(cov.rate * V.sum() - b.sum() - 1e-9))
    floor_need = np.maximum(0, np.ceil(cov.floor * V - b - 1e-9))
    if cov.factors:
        frame = _values(scenario, list(cov.factors), codes, label)
        weights = _shares(frame, cov.factors, label)
        factors = dict(cov.factors)
        p_frame = frame
    else:
        weights = V - b
        factors = {f"{cov.villages}−{cov.covered}": 1.0}
        p_frame = None
    p = TargetProblem(
        target_id=cov.target_id, metric=target.metric, unit=cov.unit, codes=codes,
        names=[scenario.regions.name_of(c) for c in codes], weights=weights, total=float(need),
        minimum=floor_need, capacity=V - b, capacity_name=f"uncovered villages "
        f"({cov.villages} − {cov.covered})",
    )
    p.factors = factors
    p.factor_frame = p_frame
    p.coverage = cov
    diagnose.check_target(p)
    return p


def _budget(scenario, problems: list[TargetProblem]) -> Budget | None:
    rule = scenario.budget
    if rule is None:
        return None
    per_region = None
    if isinstance(rule.per_region, str):
        codes = list(scenario.regions.codes)
        frame = _values(scenario, [rule.per_region], codes, "budget")
        per_region = {c: float(frame.at[c, rule.per_region]) for c in codes}
    elif isinstance(rule.per_region, dict):
        per_region = dict(rule.per_region)
    b = Budget(costs=dict(rule.costs), per_region=per_region, province=rule.province,
               currency=rule.currency)
    diagnose.check_budget(problems, b)
    return b


def _balance(scenario) -> Balance | None:
    rule = scenario.balance
    if rule is None:
        return None
    codes = list(scenario.regions.codes)
    frame = _values(scenario, [rule.capacity], codes, "balance")
    capacity = {c: float(frame.at[c, rule.capacity]) for c in codes}
    zero = [c for c, v in capacity.items() if v <= 0]
    if zero:
        raise InfeasibleAllocationError(
            f"balance: capacity {rule.capacity} is 0 for {scenario.regions.name_of(zero[0])}"
        )
    return Balance(costs=dict(rule.costs), capacity=capacity, capacity_name=rule.capacity)


def allocate(
    scenario,
    progress: Progress | None = None,
    *,
    engine: str = "auto",
    solver: str | None = None,
    robustness: robustness_mod.Settings | None = robustness_mod.Settings(),
) -> Allocation:
    """Allocate every splittable target of ``scenario`` (a :class:`~minshi_geo.scenario.Scenario`).

    ``engine``: ``auto`` | ``pulp`` | ``fast`` (module docstring). ``solver``: ``highs`` |
    ``cbc`` | ``auto`` (default: the scenario's ``solver`` key, then HiGHS).
    ``robustness``: how the 敏感性 sweep is drawn (allocate/robustness.py); None skips it.
    Raises a MinshiError naming the target, regions and numbers when the rules conflict.
    """
    if engine not in ENGINES:
        raise MinshiError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    try:
        return _allocate(scenario, progress, engine=engine, solver=solver,
                         robustness=robustness)
    except (InfeasibleAllocationError, MissingIndicatorError,
            diagnose.AllocationCheckError) as exc:
        # The rules that conflict live in a file: name it, or `compare a.yaml b.yaml` cannot
        # say which of the two scenarios is impossible.
        if scenario.path is None or str(exc).startswith(f"{scenario.path.name}: "):
            raise
        raise type(exc)(f"{scenario.path.name}: {exc}", hint=exc.hint) from None


@dataclass(frozen=True)
class _Plan:
    """How the problems are solved: which go through PuLP (``groups``), which take the fast
    path, and the plan-level rules that couple targets."""

    problems: list[TargetProblem]
    budget: Budget | None
    balance: Balance | None
    coupled: list[TargetProblem]
    groups: list[list[TargetProblem]]
    in_model: list[TargetProblem]  # in problem order
    on_fast_path: list[TargetProblem]


@dataclass
class _Solved:
    quantities: dict[str, np.ndarray]
    chosen: solver_mod.Solver | None
    burden: float | None


def _allocate(scenario, progress: Progress | None, *, engine: str,
              solver: str | None, robustness=None) -> Allocation:
    started = time.perf_counter()
    plan = _solve_plan(scenario, build_problems(scenario), engine)
    solved = _solve(scenario, plan, progress, solver)
    problems, quantities = plan.problems, solved.quantities
    for p in problems:
        diagnose.check_result(p, quantities[p.target_id])
    meta = _meta(scenario, plan, solved, engine, time.perf_counter() - started)
    table = _table(scenario, problems, quantities)
    factor_values = _factor_values(scenario, problems)
    coupling = {t: name for name, rule in (("balance", plan.balance), ("budget", plan.budget))
                if rule is not None for t in rule.costs}
    explanation = explain.explanation_table(scenario, problems, quantities, coupling)
    ranges = pd.DataFrame()
    if robustness is not None:
        ranges, meta["robustness"] = robustness_mod.timed_sweep(
            problems, quantities, robustness, frozenset(coupling))
    return Allocation(table=table, meta=meta, factor_values=factor_values,
                      explanation=explanation, robustness=ranges)


def _solve_plan(scenario, problems: list[TargetProblem], engine: str) -> _Plan:
    """Group the problems: targets coupled by budget/balance form one PuLP model; under
    engine=pulp every other ``optimal`` target gets its own (same answer as one big model,
    and far smaller MILPs); the rest take the exact fast path."""
    budget = _budget(scenario, problems)
    balance = _balance(scenario)
    coupled_ids: set[str] = set()
    for rule in (budget, balance):
        if rule is not None:
            coupled_ids |= set(rule.costs)
    if coupled_ids and engine == "fast":
        raise MinshiError(
            f"{scenario.name}: plan_rules (budget/balance) couple targets "
            f"{', '.join(sorted(coupled_ids))}; they need the PuLP model",
            hint="use --engine auto or --engine pulp",
        )
    for p in problems:
        if p.target_id in coupled_ids and p.method != "optimal":
            raise MinshiError(
                f"{scenario.name}: {p.label} uses method {p.method}, which cannot be coupled by "
                "a budget or balance rule (named methods have no model)",
                hint="use method: optimal for coupled targets",
            )
    in_model = [
        p for p in problems
        if p.target_id in coupled_ids or (engine == "pulp" and p.method == "optimal")
    ]
    coupled = [p for p in in_model if p.target_id in coupled_ids]
    groups = ([coupled] if coupled else []) + [[p] for p in in_model if p not in coupled]
    return _Plan(problems=problems, budget=budget, balance=balance, coupled=coupled,
                 groups=groups, in_model=in_model,
                 on_fast_path=[p for p in problems if p not in in_model])


def _solve(scenario, plan: _Plan, progress: Progress | None, solver: str | None) -> _Solved:
    total_steps = len(plan.on_fast_path) + len(plan.groups)
    done = 0
    solved = _Solved(quantities={}, chosen=None, burden=None)
    if plan.groups:
        from minshi_geo.allocate import solver as solver_mod
        from minshi_geo.allocate.model import AllocationModel
    for group in plan.groups:
        solved.chosen = chosen = solved.chosen or solver_mod.select_solver(solver or scenario.solver)
        is_coupled = group is plan.coupled
        if progress:
            what = (f"PuLP model: {len(group)} coupled targets ({chosen.name})" if is_coupled
                    else f"{group[0].label} (PuLP, {chosen.name})")
            progress(done, total_steps, what)
        ids = {p.target_id for p in group}
        budget = plan.budget
        model = AllocationModel(
            group,
            budget=budget if is_coupled and budget and set(budget.costs) & ids else None,
            balance=plan.balance if is_coupled else None,
            name=f"{scenario.name}",
        ).solve(chosen)
        solved.quantities.update(model.quantities)
        if model.burden is not None:
            solved.burden = model.burden
        done += 1
    for p in plan.on_fast_path:
        if progress:
            progress(done, total_steps, p.label)
        solved.quantities[p.target_id] = p.fast()
        done += 1
    if progress:
        progress(done, total_steps, "done")
    return solved


def _meta(scenario, plan: _Plan, solved: _Solved, engine: str, runtime_s: float) -> dict:
    """allocation.json: the run, its provenance (files by path and sha256) and its figures."""
    problems, quantities, chosen = plan.problems, solved.quantities, solved.chosen
    deviation = {
        p.target_id: float(np.abs(quantities[p.target_id] - p.capped()).sum()) for p in problems
    }
    objective = float(sum(deviation[p.target_id] / p.total for p in problems if p.total > 0))
    if chosen is None:
        solver_name = "fast path (exact, no solver)"
        solver_version = f"minshi-geo {_version()} apportion.py"
    else:
        solver_name = chosen.name if not plan.on_fast_path else f"{chosen.name} + fast path"
        solver_version = chosen.version
    meta = {
        "scenario": scenario.name,
        "scenario_title": scenario.title,
        "scenario_path": str(scenario.path) if scenario.path else None,
        "scenario_sha256": scenario.sha256,
        "plan_id": scenario.plan.id,
        "plan_path": str(scenario.plan.path),
        "catalogue_sha256": scenario.plan.sha256,
        "region_set": scenario.regions.name,
        "sample": bool(scenario.sample),
        "solver": solver_name,
        "solver_version": solver_version,
        "engine": engine,
        "objective": objective,
        "objective_note": "Σ_targets Σ_regions |x − q*| / total (0 = every region at its "
                          "capped quota)",
        "status": "Optimal",
        "runtime_s": runtime_s,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "factors": {p.target_id: dict(p.factors) for p in problems},
        "deviation": deviation,
        "model_targets": [p.target_id for p in plan.in_model],
        "indicator_files": [str(x) for x in scenario.indicator_paths],
        "plan_file": FileRecord.of(scenario.plan.path),
        "region_set_file": FileRecord.of(scenario.regions.path),
        "indicator_sources": [FileRecord.of(x) for x in scenario.indicator_paths],
        "totals": {p.target_id: float(p.total) for p in problems},
        "steps": {p.target_id: float(p.step) for p in problems},
    }
    if scenario.milestones:
        # 序时进度 travels with the allocation: progress.status reads meta["milestones"].
        meta["milestones"] = milestones_to_meta(scenario.milestones)
    if solved.burden is not None:
        meta["max_burden"] = solved.burden
    if plan.budget is not None:
        budget = plan.budget
        meta["budget"] = {"costs": budget.costs, "currency": budget.currency,
                          "province": budget.province, "per_region": budget.per_region}
    return meta


def _version() -> str:
    from minshi_geo import __version__

    return __version__


def _table(scenario, problems: list[TargetProblem], quantities) -> pd.DataFrame:
    """Tidy rows: targets in catalogue order (coverage last), regions in region-set order."""
    order = {c: i for i, c in enumerate(scenario.regions.codes)}
    rows = []
    for p in problems:
        target = scenario.plan.target(p.target_id)
        x = quantities[p.target_id]
        capped = p.capped()
        quota = p.quota
        # effective bounds: rounded to the step (a min of 5 公里 in steps of 10 is 10)
        lo_steps, hi_steps = p.step_bounds()
        lower = lo_steps * p.step
        upper = np.where(np.isfinite(p.upper), np.minimum(hi_steps, 2**52) * p.step, np.nan)
        for i in sorted(range(p.n), key=lambda k: order[p.codes[k]]):
            q = x[i]
            rows.append({
                "target_id": p.target_id,
                "item": int(target.item),
                "sector": target.sector,
                "metric": p.metric,
                "region_code": p.codes[i],
                "region_name": p.names[i],
                "quantity": int(q) if float(q).is_integer() else float(q),
                "unit": p.unit,
                "quota": float(quota[i]),
                "capped_quota": float(capped[i]),
                "share": float(p.shares[i]),
                "lower": float(lower[i]),
                "upper": float(upper[i]),
                "locked": bool(p.locked[i]),
                "basis": basis_text(p.factors),
            })
    table = pd.DataFrame(rows)
    if all(float(v).is_integer() for v in table["quantity"]):
        table["quantity"] = table["quantity"].astype("int64")
    return table


def _factor_values(scenario, problems: list[TargetProblem]) -> pd.DataFrame:
    names: list[str] = []
    known = set(scenario.indicators["indicator"].unique())
    for p in problems:
        for name in p.factors:
            if name in known and name not in names:
                names.append(name)
        if p.capacity_name in known and p.capacity_name not in names:
            names.append(p.capacity_name)
    for extra in (scenario.budget, scenario.balance):
        if extra is not None:
            cap = getattr(extra, "capacity", None) or getattr(extra, "per_region", None)
            if isinstance(cap, str) and cap not in names:
                names.append(cap)
    for cov in scenario.coverage.values():
        for name in (cov.villages, cov.covered):
            if name not in names:
                names.append(name)
    ind = scenario.indicators
    sub = ind[ind["indicator"].isin(names) & ind["region_code"].isin(scenario.regions.codes)]
    frame = sub.pivot(index="region_code", columns="indicator", values="value")
    frame = frame.reindex(index=scenario.regions.codes, columns=names)
    frame.index.name = "region_code"
    frame.columns.name = None
    return frame


def run_scenario(
    path: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    engine: str = "auto",
    solver: str | None = None,
    progress: Progress | None = None,
    robustness: robustness_mod.Settings | None = robustness_mod.Settings(),
) -> Allocation:
    """Load ``path`` (default: the bundled baseline), allocate, and save into ``out_dir``.

    Returns the Allocation. On any error nothing is written.
    """
    from minshi_geo import paths
    from minshi_geo.allocation import check_out_dir
    from minshi_geo.scenario import load_scenario

    if out_dir is not None:
        check_out_dir(out_dir)  # fail before the work, not after it
    scenario = load_scenario(path or paths.DEFAULT_SCENARIO)
    allocation = allocate(scenario, progress, engine=engine, solver=solver,
                          robustness=robustness)
    counties = None
    if scenario.cascade is not None:  # 省 → 市 → 县: counties of each region, same run
        from minshi_geo.allocate import cascade

        counties = cascade.cascade(allocation, scenario)
    if out_dir is not None:
        allocation.save(out_dir)
        if counties is not None:
            counties.save(Path(out_dir) / cascade.FOLDER)
    return allocation
