"""Whole commands, timed from outside (cold: a fresh process, imports included)."""

from speed import Figure

FIGURES = [
    Figure("demo (wall, cold)", 8.0,
           argv=("{python}", "-m", "minshi_geo.cli", "demo", "--out", "out", "--maps", "maps")),
    Figure("minshi-geo --help", 0.5, argv=("{python}", "-m", "minshi_geo.cli", "--help")),
    Figure("minshi-geo progress import --help", 0.5,
           argv=("{python}", "-m", "minshi_geo.cli", "progress", "import", "--help")),
    Figure("allocate + map + sheets (Jilin)", 3.0,
           code="""
               import time
               t = time.perf_counter()
               from minshi_geo.scenario import load_scenario
               from minshi_geo.allocate import allocate
               from minshi_geo.maps import allocation_map
               from minshi_geo.sheets.writer import write_all_sheets
               from minshi_geo.catalogue import load_plan
               scenario = load_scenario(ROOT / "scenarios/jilin-2023-baseline.yaml")
               allocation = allocate(scenario)
               allocation_map(allocation, scenario.regions, WORK / "allocation.html")
               write_all_sheets(allocation, scenario.plan, scenario.regions, WORK / "sheets")
               print("RESULT", time.perf_counter() - t)
           """,
           note="in one process, imports included"),
]
