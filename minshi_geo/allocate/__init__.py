"""Allocate a scenario: build each target's problem, diagnose it, solve it, tabulate it.

This package face only re-exports; the orchestration is :mod:`minshi_geo.allocate.allocator`.

``allocate(scenario)`` returns an :class:`~minshi_geo.allocation.Allocation`.
``run_scenario(path, out_dir)`` loads, allocates and saves in one call (what ``minshi-geo
allocate`` and the demo do); nothing is written when anything fails.

Engines
-------
``auto`` (default)  separable targets (one target: bounds, locks, capacity, step, either
                    objective, any method) take the exact fast path (apportion.py); targets
                    coupled by ``budget`` / ``balance`` are solved together as one PuLP model.
``pulp``            every ``optimal`` target goes through the PuLP model (one model for the
                    whole plan); the answer is identical — that is tested.
``fast``            never call a solver; a scenario with plan-level rules is refused.
"""

from minshi_geo.allocate.allocator import (
    ENGINES,
    Progress,
    allocate,
    basis_text,
    build_problems,
    run_scenario,
)
from minshi_geo.allocate.diagnose import InfeasibleAllocationError

__all__ = ["allocate", "run_scenario", "build_problems", "basis_text", "ENGINES", "Progress",
           "InfeasibleAllocationError"]
