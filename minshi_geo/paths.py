"""Where the bundled data lives (``data/``, ``scenarios/`` at the project root).

The project is installed editable (``pip install -e .``), so the data folders sit next to
the package. ``MINSHI_HOME`` points elsewhere if the data was copied out.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("MINSHI_HOME", Path(__file__).resolve().parents[1]))
DATA_DIR = PROJECT_ROOT / "data"
TARGETS_DIR = DATA_DIR / "targets"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
REGIONS_DIR = DATA_DIR / "regions"
INDICATORS_DIR = DATA_DIR / "indicators"
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"

DEFAULT_PLAN = TARGETS_DIR / "jilin-2023.yaml"
DEFAULT_SCENARIO = SCENARIOS_DIR / "jilin-2023-baseline.yaml"


def cache_dir() -> Path:
    """Where boundaries built on first use are kept: ``MINSHI_GEO_CACHE``, else
    ``$XDG_CACHE_HOME/minshi-geo``, else ``~/.cache/minshi-geo``."""
    if os.environ.get("MINSHI_GEO_CACHE"):
        return Path(os.environ["MINSHI_GEO_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minshi-geo"
