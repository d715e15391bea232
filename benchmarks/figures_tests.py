"""The test suite's collection (issue #16: "collection ≤ 5 s"), timed from outside.

pytest is given the tree's ``tests`` folder from an empty working directory: the rootdir and
the ``[tool.pytest.ini_options]`` come from that tree's ``pyproject.toml``, so each tree's own
tests are collected with its own code (``PYTHONPATH``). The whole suite's run time is too long
for a repeated figure: it is measured with ``make test`` and reported (docs/DEVELOPING.md).
"""

from speed import Figure

FIGURES = [
    Figure("pytest collection", 5.0,
           argv=("{python}", "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                 "{root}/tests"),
           note="wall of `pytest --collect-only -q tests`, interpreter start-up included"),
]
