"""The rules vocabulary: the names a scenario may use for rounding methods, objectives,
solvers and engines — shared by the scenario loader (which validates them) and the allocator
(which runs them), so reading a scenario does not load the solver (PuLP, HiGHS).
"""

from __future__ import annotations

# Rounding methods (`method:`): optimal = the exact L1/fair rounding of the capped quota;
# the others are the classic apportionment methods (allocate/apportion.py implements them).
METHODS = ("optimal", "largest_remainder", "webster", "dhondt", "huntington_hill")
METHOD_ALIASES = {
    "optimal": "optimal",
    "quota": "optimal",
    "largest_remainder": "largest_remainder",
    "largest-remainder": "largest_remainder",
    "hamilton": "largest_remainder",
    "hare": "largest_remainder",
    "webster": "webster",
    "sainte_lague": "webster",
    "sainte-lague": "webster",
    "sainte-laguë": "webster",
    "dhondt": "dhondt",
    "d'hondt": "dhondt",
    "d_hondt": "dhondt",
    "jefferson": "dhondt",
    "huntington_hill": "huntington_hill",
    "huntington-hill": "huntington_hill",
    "hill": "huntington_hill",
}
# Objectives (`objective:`): quota = least total deviation from the capped quota; fair =
# the smallest largest relative shortfall (allocate/apportion.py).
OBJECTIVES = ("quota", "fair")
# Solvers (`solver:` / --solver): allocate/solver.py picks and runs them.
SOLVER_NAMES = ("highs", "cbc", "auto")
# Engines (--engine): auto = fast path + PuLP for coupled targets; pulp; fast (no solver).
ENGINES = ("auto", "pulp", "fast")
