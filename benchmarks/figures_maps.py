"""The maps' figures (issue #16, room maps): import, writing the Jilin and national maps, the
national page's size and render time in headless Chromium, and the PNG export."""

from figures_core import _NATIONAL_SETUP
from speed import Figure

# The allocation folders the maps are drawn from, made by the CLI on each tree.
_JILIN_SETUP = """
    import subprocess, sys
    for scenario, out in (("jilin-2023-baseline", "jilin"), ("jilin-2023-cascade", "cascade")):
        subprocess.run([sys.executable, "-m", "minshi_geo.cli", "allocate",
                        str(ROOT / "scenarios" / f"{scenario}.yaml"), "--out", str(WORK / out),
                        "--quiet"], check=True, cwd=WORK)
"""

_NATIONAL_ALLOCATE = _NATIONAL_SETUP + """
    import subprocess, sys
    subprocess.run([sys.executable, "-m", "minshi_geo.cli", "allocate", str(WORK / "scenario.yaml"),
                    "--out", str(WORK / "national"), "--draws", "0", "--quiet"],
                   check=True, cwd=WORK)
"""

# The folder's allocation and region set read before the clock starts; the map written as
# `map allocation` writes it (prefecture outlines for a county map).
_WRITE = """
    import os, time
    # the national allocation's explanation.csv is ~150 MB, over the 100 MB table limit
    os.environ.setdefault("MINSHI_LIMIT_TABLE", "1GB")
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.allocate.cascade import prefecture_outlines
    from minshi_geo.maps.allocation import allocation_map
    inputs = load_allocation_inputs(WORK / {folder!r})
    t = time.perf_counter()
    outlines = prefecture_outlines(inputs.allocation.meta)
    path = allocation_map(inputs.allocation, inputs.regions, WORK / "map.html", outlines=outlines)
    print("RESULT", time.perf_counter() - t)
"""

_NATIONAL_NOTE = "baseline recorded in #16: 18.5 min, 23 MB (not run: mapclassify's Jenks " \
                 "without numba, ~39 s per view)"

_RENDER = _WRITE.format(folder="national").replace('print("RESULT"', 'print("WRITTEN"') + """
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    from browser_fixtures import start_chromium
    driver = start_chromium(WORK / "profile")
    try:
        for _ in range(3):
            driver.get(path.resolve().as_uri())
            deadline = time.monotonic() + 300
            while not driver.execute_script(
                    "return !!window.minshiPage && "
                    "document.querySelectorAll('path.minshi-region').length > 0"):
                if time.monotonic() > deadline:
                    raise TimeoutError(path)
                time.sleep(0.01)
            # from the navigation's start to the regions drawn (page scripts, layer, legend)
            print("RESULT", driver.execute_script("return performance.now()") / 1000)
    finally:
        driver.quit()
"""

FIGURES = [
    Figure("import minshi_geo.maps", None,
           code="""
               import time
               t = time.perf_counter()
               from minshi_geo.maps import allocation_map, compare_map, progress_map, write_pngs
               print("RESULT", time.perf_counter() - t)
           """,
           note="in-process: the package and the functions a map test imports; "
                "must not import matplotlib or mapclassify (PNG drawing imports them)"),
    Figure("Jilin allocation map write (CLI)", None, setup=_JILIN_SETUP,
           argv=("{python}", "-m", "minshi_geo.cli", "map", "allocation", "jilin",
                 "-o", "map.html"),
           note="`map allocation` on the Jilin baseline (11 regions, every target), cold "
                "process; #16 recorded 13 s"),
    Figure("Jilin county map write", 1.0, setup=_JILIN_SETUP,
           code=_WRITE.format(folder="cascade"),
           note="allocation_map() for the Jilin cascade's 60 counties with prefecture outlines, "
                "inputs read before the timing (first map of the process: simplification "
                "included)"),
    Figure("national county map write", 10.0, setup=_NATIONAL_ALLOCATE, skip_baseline=True,
           code=_WRITE.format(folder="national"),
           note=_NATIONAL_NOTE + "; allocation_map() over ~2,875 counties × 50 targets, inputs "
                "read before the timing"),
    Figure("national county map size", 5.0, unit="MB", setup=_NATIONAL_ALLOCATE,
           skip_baseline=True,
           code=_WRITE.format(folder="national").replace(
               'print("RESULT", time.perf_counter() - t)',
               'print("RESULT", path.stat().st_size / 1e6)'),
           note=_NATIONAL_NOTE),
    Figure("national county map render (chromium)", 2.0, setup=_NATIONAL_ALLOCATE,
           skip_baseline=True, code=_RENDER,
           note="headless Debian chromium, offline: navigation start → regions drawn, 3 loads "
                "per run; " + _NATIONAL_NOTE),
    Figure("PNG export Jilin (CLI --png)", None, setup=_JILIN_SETUP,
           argv=("{python}", "-m", "minshi_geo.cli", "map", "allocation", "jilin",
                 "-o", "map.html", "--png", "png"),
           note="`map allocation --png`: a PNG per target + overview.png, cold process; "
                "#16 recorded 40 s for 53 PNGs"),
]
