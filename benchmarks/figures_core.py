"""Imports, the plan and region-set YAML, and the allocation call (issue #16, room core)."""

from speed import Figure

# 50 targets over every county-level region of the mainland (china-counties, ≈2,850), by
# population and area, a few with a minimum or a step. The plan and its numbers are SYNTHETIC
# (示例); the factors are the bundled 2020 census and the boundary areas. The regions without a
# census value are excluded from the population-based targets (a missing value is an error).
_NATIONAL_SETUP = """
    from minshi_geo.indicators import load_indicators
    from minshi_geo.regions import load_region_set

    regions = load_region_set("china-counties")
    table = load_indicators(region_set=regions)
    known = set(table.loc[table["indicator"] == "population", "region_code"])
    missing = ", ".join(repr(c) for c in regions.codes if c not in known)
    n = 50
    plan = ["id: national-sample", "title: 全国示例计划（合成）", 'province_code: "100000"',
            "year: 2023", "start: 2023-01-01", "deadline: 2023-12-31", f"item_total: {n}",
            "source_text: plan.txt", "sectors:", f"  - {{number: 1, name: 示例, item_count: {n}}}",
            "items:"]
    scenario = ["scenario: national-sample", "title: 全国县级示例（合成）", "plan: plan.yaml",
                "region_set: china-counties", "sample: true", "targets:"]
    text = []
    for i in range(1, n + 1):
        quantity = 1000 * (i % 7 + 4) * (10 if i % 3 else 1)
        phrase = f"示例任务{i}完成{quantity}个"
        text.append(phrase + "。")
        basis = "{area: 1.0}" if i % 5 == 0 else "{population: 0.6, area: 0.4}"
        plan += [f"  - number: {i}", "    sector: 示例", f'    text: "{phrase}。"',
                 "    targets:",
                 f'      - {{id: "{i}.1", metric: 示例任务{i}, quantity: {quantity}, unit: 个, '
                 f'kind: count, splittable: true, basis: {basis}, source: "{phrase}"}}']
        scenario.append(f'  "{i}.1":')
        scenario.append("    method: optimal")
        if i % 5:
            scenario.append(f"    exclude: [{missing}]")
        if i % 4 == 0:
            scenario.append("    step: 10")
        if i % 6 == 0 and i % 4:
            scenario.append("    min: 1")
    (WORK / "plan.txt").write_text("\\n".join(text) + "\\n", encoding="utf-8")
    (WORK / "plan.yaml").write_text("\\n".join(plan) + "\\n", encoding="utf-8")
    (WORK / "scenario.yaml").write_text("\\n".join(scenario) + "\\n", encoding="utf-8")
"""

FIGURES = [
    Figure("import minshi_geo.scenario", None,
           code="""
               import time
               t = time.perf_counter()
               import minshi_geo.scenario
               print("RESULT", time.perf_counter() - t)
           """,
           note="in-process import time (the interpreter's own start-up not counted); "
                "must not import pulp"),
    Figure("plan YAML load (jilin-2023, 5 loads)", None,
           code="""
               import time
               from minshi_geo.catalogue import load_plan
               from minshi_geo import paths
               t = time.perf_counter()
               for _ in range(5):
                   load_plan(paths.DEFAULT_PLAN)
               print("RESULT", time.perf_counter() - t)
           """,
           note="what one demo did: the bundled plan loaded five times in one process"),
    Figure("region set china-counties load", None,
           code="""
               import time
               from minshi_geo import regions
               t = time.perf_counter()
               regions.load_region_set("china-counties")
               print("RESULT", time.perf_counter() - t)
           """,
           note="boundaries cached (~/.cache/minshi-geo); the set built from the layers"),
    Figure("allocate 50 targets × all counties of China", 0.3,
           setup=_NATIONAL_SETUP,
           code="""
               import time
               from minshi_geo.allocate import allocate
               from minshi_geo.scenario import load_scenario
               scenario = load_scenario(WORK / "scenario.yaml")
               t = time.perf_counter()
               allocate(scenario, robustness=None)
               print("RESULT", time.perf_counter() - t)
           """,
           note="the allocate() call only (problems built, fast path, tables; no 敏感性 "
                "sweep), scenario loaded before the timing; SYNTHETIC 示例 plan"),
]
