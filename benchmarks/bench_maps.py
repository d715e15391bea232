"""Map size and render time: our one-layer offline page vs the naive ``explore()`` per target.

    .venv/bin/python benchmarks/bench_maps.py [--repeat 3] [--skip-naive]

Cases: the Jilin 2023 baseline (11 regions, every target) and the 60-county set (every count
target of the plan split by area — the same split the map tests use). For each case:

- **ours**: ``allocation_map`` — one simplified geometry layer (coverage_simplify, 4 decimals),
  one data object, Leaflet inlined.
- **naive**: ``GeoDataFrame.explore()`` called once per target into one folium map (one full
  GeoJSON layer per target with a tooltip, LayerControl to switch). Written as folium writes
  it, it links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs and shows nothing offline;
  to time it at all, its Leaflet links are replaced by the same inlined Leaflet and the other
  CDN links dropped (legend off, because branca's legend needs d3 from a CDN).

Render time: Debian headless Chromium (offline), median over ``--repeat`` loads of the
navigation's loadEventEnd (the scripts that build the map run before it), plus for ours the
mean time to switch the target (restyle + legend + ranking). Figures are printed, never
asserted (docs/DEVELOPING.md).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_fixtures import find_browser, start_chromium  # noqa: E402
from maps_fixtures import area_split, baseline  # noqa: E402

from minshi_geo.maps import allocation_map, assets, write_pngs  # noqa: E402
from minshi_geo.regions import load_region_set  # noqa: E402


def naive_map(allocation, regions, out: Path) -> Path:
    """One explore() layer per target, as a planner would first write it."""
    import folium

    frame = regions.frame[["name", "geometry"]].copy()
    fmap = None
    for i, target_id in enumerate(allocation.target_ids):
        rows = allocation.target(target_id).set_index("region_code")
        layer = frame.join(rows[["quantity", "unit"]], how="left")
        layer = layer[layer.geometry.geom_type != "Point"]
        fmap = layer.explore(
            column="quantity", m=fmap, name=f"{target_id} {rows['metric'].iloc[0]}",
            tooltip=["name", "quantity", "unit"], legend=False, cmap="YlGnBu", show=i == 0,
            tiles=None,
        )  # fmt: skip
    folium.LayerControl().add_to(fmap)
    fmap.save(out)
    return out


def naive_offline_copy(path: Path, out: Path) -> Path:
    """The naive page with Leaflet inlined and every other CDN link dropped (to time it)."""
    html = path.read_text(encoding="utf-8")
    html = re.sub(r'<script src="[^"]*leaflet[^"]*\.js"></script>',
                  lambda m: f"<script>{assets.leaflet_js()}</script>", html, count=1)
    html = re.sub(r'<link rel="stylesheet" href="[^"]*leaflet(\.min)?\.css"\s*/?>',
                  lambda m: f"<style>{assets.leaflet_css()}</style>", html, count=1)
    html = re.sub(r'<script src="https?://[^"]*"></script>', "", html)
    html = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"\s*/?>', "", html)
    out.write_text(html, encoding="utf-8")
    return out


def load_ms(driver, path: Path, ready: str) -> float:
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + 600
    while not driver.execute_script(ready):
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)
    return driver.execute_script(
        "var n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd;"
    )


def switch_ms(driver, targets: list[str]) -> float:
    return driver.execute_script(
        """var ids = arguments[0], t0 = performance.now();
        ids.forEach(function (id) { minshiPage.setLayer(id);
          document.body.getBoundingClientRect(); });
        return (performance.now() - t0) / ids.length;""",
        targets,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-png", action="store_true", help="skip the --png export timing")
    parser.add_argument("--keep", action="store_true", help="keep the HTML files (naive ones "
                        "are hundreds of MB)")
    args = parser.parse_args()
    if find_browser() is None:
        sys.exit("needs Debian chromium + chromium-driver")
    work = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    cases = [
        ("Jilin baseline, 11 regions", baseline(), load_region_set("jilin")),
        ("60 counties (area split)", area_split("jilin-counties"),
         load_region_set("jilin-counties")),
    ]
    driver = start_chromium(work / "profile")
    rows = []
    png_rows = []
    try:
        for label, alloc, regions in cases:
            n_targets = len(alloc.target_ids)
            t0 = time.perf_counter()
            ours = allocation_map(alloc, regions, work / f"ours-{regions.name}.html")
            build_ours = time.perf_counter() - t0
            ready = ("return !!window.minshiPage && document.querySelectorAll("
                     "'path.minshi-region').length > 0")
            ours_ms = [load_ms(driver, ours, ready) for _ in range(args.repeat)]
            switch = switch_ms(driver, alloc.target_ids)
            rows.append((label, "ours", n_targets, ours.stat().st_size, build_ours,
                         statistics.median(ours_ms), switch))
            if not args.skip_png:
                t0 = time.perf_counter()
                files = write_pngs(alloc, regions, work / f"png-{regions.name}")
                png_rows.append((label, len(files), time.perf_counter() - t0,
                                 sum(f.stat().st_size for f in files)))
            if args.skip_naive:
                continue
            t0 = time.perf_counter()
            naive = naive_map(alloc, regions, work / f"naive-{regions.name}.html")
            build_naive = time.perf_counter() - t0
            offline = naive_offline_copy(naive, work / f"naive-offline-{regions.name}.html")
            ready_naive = ("return document.readyState === 'complete' && "
                           "document.querySelectorAll('path.leaflet-interactive').length > 0")
            naive_ms = [load_ms(driver, offline, ready_naive) for _ in range(args.repeat)]
            rows.append((label, "naive explore()", n_targets, naive.stat().st_size, build_naive,
                         statistics.median(naive_ms), float("nan")))
    finally:
        driver.quit()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{'case':28} {'approach':16} {'targets':>7} {'HTML size':>12} {'build s':>8} "
          f"{'render ms':>10} {'switch ms':>10}")
    for label, approach, n, size, build, render, switch in rows:
        print(f"{label:28} {approach:16} {n:>7} {size / 1e6:>9.2f} MB {build:>8.2f} "
              f"{render:>10.0f} {switch:>10.1f}")
    for label, n, seconds, size in png_rows:
        print(f"{label:28} --png: {n} files ({size / 1e6:.1f} MB) in {seconds:.1f} s")
    print("naive size: the file folium writes (CDN-linked, blank offline); its render time is "
          "for the copy with Leaflet inlined" + (f"; files in {work}" if args.keep else ""))


if __name__ == "__main__":
    main()
