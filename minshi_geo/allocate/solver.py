"""The one place that picks and runs a MILP solver through PuLP (3.3 and 4.x).

PuLP 4 removed ``PULP_CBC_CMD`` and the bundled CBC, changed ``solve()`` to return an
``LpSolveStats`` object and moved variable creation onto the problem. Everything
version-dependent lives here: :func:`select_solver`, :func:`new_variable`,
:func:`run` (status and objective read the same way on both versions).

Names accepted (scenario ``solver:`` key or ``--solver``): ``highs`` (default; the HiGHS
library through highspy, in-process), ``cbc`` (``COIN_CMD`` on a ``cbc`` executable; on
PuLP 3.x also the bundled CBC), ``auto`` (HiGHS if importable, else CBC).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import pulp

from minshi_geo import rules
from minshi_geo.errors import MinshiError

SOLVER_NAMES = rules.SOLVER_NAMES


class SolverUnavailableError(MinshiError):
    """The requested solver is not installed."""


@dataclass(frozen=True)
class Solver:
    """A configured PuLP solver plus what the allocation metadata records about it."""

    name: str  # "highs" | "cbc"
    version: str  # e.g. "HiGHS 1.16.0 via PuLP 3.3.2"
    backend: Any  # the pulp solver object


@dataclass(frozen=True)
class SolveOutcome:
    """What a solve gave, read the same way on PuLP 3.3 and 4.x."""

    optimal: bool
    has_solution: bool
    status: str  # "Optimal", "Infeasible", "Unbounded", "NotSolved", "TimeLimit", …


def _highs_version() -> str:
    try:
        from importlib.metadata import version

        return version("highspy")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return "unknown"


_BANNER_SILENCED = False


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner to fd 1 the first time a model is created in a process,
    whatever output_flag says; create that first model with fd 1 pointed at /dev/null so the
    CLI's stdout stays clean (tables, JSON)."""
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        return
    _BANNER_SILENCED = True
    try:
        import highspy
    except ImportError:
        return
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                highspy.Highs()
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def _highs_available() -> bool:
    try:
        return bool(pulp.HiGHS(msg=False).available())
    except Exception:
        return False


def _cbc_backend(msg: bool, time_limit: float | None) -> Any | None:
    # presolve off: CBC's presolve stopped a fair (min-max relative deviation) stage 3e-6 short
    # of its optimum, so two exact ties of the fast path came out the other way
    kwargs: dict[str, Any] = {"msg": msg, "gapRel": 0.0, "gapAbs": 1e-9,
                              "options": ["presolve off"]}
    if time_limit is not None:
        kwargs["timeLimit"] = time_limit
    coin = getattr(pulp, "COIN_CMD", None)
    if coin is not None:
        backend = coin(**kwargs)
        if backend.available():
            return backend
    legacy = getattr(pulp, "PULP_CBC_CMD", None)  # PuLP 3.x only: bundled CBC
    if legacy is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            backend = legacy(**kwargs)
        if backend.available():
            return backend
    return None


def select_solver(
    name: str | None = None, *, msg: bool = False, time_limit: float | None = None
) -> Solver:
    """Return the solver to use. ``name`` None → ``$MINSHI_SOLVER`` or ``highs``.

    Raises SolverUnavailableError naming what to install.
    """
    from_env = not name and bool(os.environ.get("MINSHI_SOLVER"))
    given = name or os.environ.get("MINSHI_SOLVER") or "highs"
    chosen = given.strip().lower()
    if chosen not in SOLVER_NAMES:
        where = " (from $MINSHI_SOLVER)" if from_env else ""
        raise SolverUnavailableError(
            f"solver {given!r}{where}: unknown; expected one of {', '.join(SOLVER_NAMES)}",
            hint=("unset MINSHI_SOLVER or set it to highs, cbc or auto" if from_env
                  else "use --solver highs, cbc or auto"),
        )
    pulp_version = getattr(pulp, "__version__", "?")
    if chosen in ("highs", "auto") and _highs_available():
        _silence_highs_banner()
        kwargs: dict[str, Any] = {"msg": msg, "gapRel": 0.0, "gapAbs": 1e-9}
        if time_limit is not None:
            kwargs["timeLimit"] = time_limit
        backend = pulp.HiGHS(**kwargs)
        return Solver("highs", f"HiGHS {_highs_version()} (highspy) via PuLP {pulp_version}",
                      backend)
    if chosen == "highs":
        raise SolverUnavailableError(
            "solver highs: highspy is not importable", hint="pip install highspy"
        )
    backend = _cbc_backend(msg, time_limit)
    if backend is None:
        if chosen == "auto":
            raise SolverUnavailableError(
                "solver auto: neither HiGHS (highspy) nor a CBC executable is available",
                hint="pip install highspy (or 'pulp[cbc]' on PuLP 4, or put cbc on PATH)",
            )
        raise SolverUnavailableError(
            "solver cbc: no CBC executable found",
            hint="pip install 'pulp[cbc]' (PuLP 4) or put cbc on PATH; or use --solver highs",
        )
    return Solver("cbc", f"CBC ({type(backend).__name__}) via PuLP {pulp_version}", backend)


def new_problem(name: str) -> pulp.LpProblem:
    return pulp.LpProblem(name, pulp.LpMinimize)


def new_variable(
    problem: pulp.LpProblem,
    name: str,
    low: float | None = None,
    up: float | None = None,
    integer: bool = False,
) -> Any:
    """A variable owned by ``problem`` (PuLP ≥ 3.3.1 and 4.x: ``add_variable``)."""
    cat = pulp.LpInteger if integer else pulp.LpContinuous
    adder = getattr(problem, "add_variable", None)
    if adder is not None:
        return adder(name, lowBound=low, upBound=up, cat=cat)
    return pulp.LpVariable(name, lowBound=low, upBound=up, cat=cat)  # pragma: no cover


def run(problem: pulp.LpProblem, solver: Solver) -> SolveOutcome:
    """Solve and read the status without the 3.x/4.x differences leaking out."""
    result = problem.solve(solver.backend)
    if hasattr(result, "status") and not isinstance(result, int):  # PuLP 4: LpSolveStats
        status = result.status
        name = getattr(status, "name", str(status))
        has = bool(getattr(result, "has_solution", int(status) == 1))
        return SolveOutcome(optimal=int(status) == 1 and has, has_solution=has, status=name)
    code = problem.status  # PuLP 3.x: status on the problem, sol_status says "proven"
    text = pulp.LpStatus.get(code, str(code)).replace(" ", "")
    sol = getattr(problem, "sol_status", None)
    optimal_sol = getattr(pulp, "LpSolutionOptimal", 1)
    has = code == 1
    proven = has and (sol is None or sol == optimal_sol)
    if has and not proven:
        text = "Feasible"
    return SolveOutcome(optimal=proven, has_solution=has, status=text)
