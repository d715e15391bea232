"""Golden outputs (issue #16, "no behaviour change"): what the bundled Jilin 2023 runs produce.

``tests/test_golden.py`` recomputes every output listed by :func:`outputs` with the code under
test and compares it with the file recorded here (``tests/golden/*.xz``). The outputs:

- ``baseline/…``: ``scenarios/jilin-2023-baseline.yaml`` allocated and saved — the allocation
  folder's tables (allocation, explanation, factors, robustness; ``allocation.json`` without its
  clock and machine fields), every task workbook and the summary workbook as cell values (all
  sheets, hidden rows included), the data object and the geometry of the allocation map, and
  the comparison map's data against ``scenarios/jilin-2023-population.yaml`` (the demo's pair);
- ``cascade/…``: ``scenarios/jilin-2023-cascade.yaml`` (省 → 市 → 县: the county-level case) —
  the same tables for the regions and for ``counties/``;
- ``progress/…``: the demo's 示例 reports imported into a fresh SQLite store, the status table
  at a fixed as-of date, the progress workbooks' cell values and the progress map's data.

Normalised so that only behaviour is compared: workbooks are written with a fixed creation
date, the tree's own path is replaced by ``{root}``, the run's clock (``created_at``,
``runtime_s``, seconds, import times) is left out. Everything else is compared exactly: the
same text, the same numbers to the last digit.

Record (from the repository root; ``PYTHONPATH`` picks the tree whose code is recorded)::

    PYTHONPATH=/path/to/tree .venv/bin/python tests/golden/record.py

The files of issue #16 were recorded from a441bc4, the code before the speed work, so the test
proves that the faster code gives the same outputs. Re-recording is legitimate only for an
intended behaviour change that another issue asks for (a new rule, a new column, a corrected
number): re-record from the tree that carries that change, in the same commit, and name the
issue and the outputs that changed in the commit message. Never re-record to make a speed or
tidy-up change pass — there the outputs must not change.
"""

from __future__ import annotations

import dataclasses
import lzma
import os
import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent
CREATED = date(2023, 1, 1)  # the creation date written into every workbook
AS_OF = date(2023, 9, 30)  # the status table's as-of date (the last sample period)
# the run's clock, and a data file's path relative to the output folder (machine-dependent)
MACHINE_KEYS = frozenset({"created_at", "runtime_s", "seconds", "imported_at", "relative"})
_CLOCKS: list[str] = []  # allocation timestamps written into cells, replaced by {created_at}
ALLOCATION_FILES = ("allocation.csv", "explanation.csv", "factors.csv", "robustness.csv")


def _root() -> Path:
    import minshi_geo

    return Path(minshi_geo.__file__).resolve().parent.parent


def _text(value: Any) -> str:
    """Replace the tree's path (it differs between the recorded tree and the tested one) and
    the allocation's timestamp."""
    for clock in _CLOCKS:
        value = value.replace(clock, "{created_at}")
    return value.replace(str(_root()), "{root}")


def _plain(value: Any) -> Any:
    """A JSON-ready copy: dates as ISO text, tree paths as ``{root}``, clock fields dropped."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k not in MACHINE_KEYS}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value)
    return value


def _json(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, indent=0) + "\n"


def _allocation_folder(folder: Path, prefix: str, out: dict[str, str]) -> None:
    for name in ALLOCATION_FILES:
        path = folder / name
        if path.exists():
            out[f"{prefix}/{name}"] = _text(path.read_text(encoding="utf-8-sig"))
    out[f"{prefix}/allocation.json"] = _json(
        json.loads((folder / "allocation.json").read_text(encoding="utf-8"))
    )


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value)
    return value


def workbook_values(folder: Path) -> str:
    """Every workbook under ``folder``: file name → sheet → rows of cell values (trailing
    blanks trimmed), hidden rows and sheets included — values only, no styles."""
    from openpyxl import load_workbook

    books: dict[str, Any] = {}
    for path in sorted(folder.rglob("*.xlsx")):
        wb = load_workbook(path, read_only=True)
        sheets = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                cells = [_cell(v) for v in row]
                while cells and cells[-1] is None:
                    cells.pop()
                rows.append(cells)
            while rows and not rows[-1]:
                rows.pop()
            sheets[ws.title] = rows
        wb.close()
        books[path.relative_to(folder).as_posix()] = sheets
    return json.dumps(books, ensure_ascii=False, sort_keys=True, indent=0) + "\n"


def page_data(html: str) -> tuple[Any, Any]:
    """The DATA and GEO arguments of the page's ``minshiMap(map, DATA, GEO)`` call."""
    call = html[html.index("minshiMap(map_"):]
    decoder = json.JSONDecoder()
    rest = call[call.index(",") + 1:].lstrip()
    data, end = decoder.raw_decode(rest)
    rest = rest[end:].lstrip()
    geo = decoder.raw_decode(rest[1:].lstrip())[0] if rest.startswith(",") else None
    return data, geo


def _map(path: Path, prefix: str, out: dict[str, str], geo: bool = False) -> None:
    data, geometry = page_data(path.read_text(encoding="utf-8"))
    out[f"{prefix}-data.json"] = _json(data)
    if geo:
        out[f"{prefix}-geo.json"] = _json(geometry)


def _baseline(work: Path, out: dict[str, str]) -> tuple[Any, Any, Any]:
    from minshi_geo import paths
    from minshi_geo.allocate import run_scenario
    from minshi_geo.maps.allocation import allocation_map
    from minshi_geo.maps.compare import compare_map
    from minshi_geo.scenario import load_scenario
    from minshi_geo.sheets.writer import write_all_sheets

    scenario = load_scenario(paths.DEFAULT_SCENARIO)
    baseline = run_scenario(paths.DEFAULT_SCENARIO, work / "baseline")
    _CLOCKS[:] = [baseline.meta["created_at"]]
    _allocation_folder(work / "baseline", "baseline", out)
    write_all_sheets(baseline, scenario.plan, scenario.regions, work / "sheets", created=CREATED)
    out["baseline/sheets.json"] = workbook_values(work / "sheets")
    _map(allocation_map(baseline, scenario.regions, work / "allocation.html"),
         "baseline/allocation-map", out, geo=True)
    alternative = run_scenario(paths.SCENARIOS_DIR / "jilin-2023-population.yaml")
    _map(compare_map(baseline, alternative, scenario.regions, work / "compare.html"),
         "baseline/compare-map", out)
    return baseline, scenario.plan, scenario.regions


def _cascade(work: Path, out: dict[str, str]) -> None:
    from minshi_geo import paths
    from minshi_geo.allocate import run_scenario

    run_scenario(paths.SCENARIOS_DIR / "jilin-2023-cascade.yaml", work / "cascade")
    _allocation_folder(work / "cascade", "cascade", out)
    _allocation_folder(work / "cascade" / "counties", "cascade/counties", out)


def _progress(work: Path, out: dict[str, str], baseline, plan, regions) -> None:
    from minshi_geo.maps.progress import progress_map
    try:  # next to the demo since #17; in the progress package before (a441bc4)
        from minshi_geo.demo import demo_progress
    except ImportError:
        from minshi_geo.progress.sample import demo_progress
    from minshi_geo.progress.status import compute_status
    from minshi_geo.sheets.progress import write_progress_sheets

    run = demo_progress(baseline, plan, regions, work / "demo")
    out["progress/imported.json"] = _json({
        "outcomes": [dataclasses.asdict(o) for o in run.imported.outcomes],
        "warnings": list(run.imported.warnings),
    })
    out["progress/sample-reports.json"] = workbook_values(work / "demo" / "sample-reports")
    status = compute_status(run.url, baseline, plan, as_of=AS_OF)
    out["progress/status.csv"] = _text(status.to_csv(index=False))
    write_progress_sheets(status, plan, regions, work / "progress-sheets", baseline.meta,
                          created=CREATED)
    out["progress/sheets.json"] = workbook_values(work / "progress-sheets")
    _map(progress_map(status, regions, work / "progress.html", plan=plan), "progress/map", out)


def outputs(work: Path) -> dict[str, str]:
    """Every golden output computed now, by name (``folder/file``), as normalised text."""
    work = Path(work)
    out: dict[str, str] = {}
    baseline, plan, regions = _baseline(work, out)
    _cascade(work, out)
    _progress(work, out, baseline, plan, regions)
    return out


def file_of(name: str) -> Path:
    return GOLDEN / (name.replace("/", "__") + ".xz")


def recorded_names() -> list[str]:
    """The names of the recorded outputs (file names only: nothing is read)."""
    return sorted(path.name[:-3].replace("__", "/") for path in GOLDEN.glob("*.xz"))


def recorded(name: str) -> str:
    """One recorded output."""
    return lzma.decompress(file_of(name).read_bytes()).decode("utf-8")


def main() -> None:
    os.environ["MINSHI_LANG"] = "en"  # as tests/conftest.py sets it for the test
    with tempfile.TemporaryDirectory(prefix="minshi-golden-") as tmp:
        computed = outputs(Path(tmp))
    for stale in GOLDEN.glob("*.xz"):
        stale.unlink()
    for name, text in computed.items():
        # xz holds no timestamp: the same text gives the same bytes (an unchanged output is
        # no diff); it packs the repetitive workbooks ten times smaller than gzip
        packed = lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)
        file_of(name).write_bytes(packed)
    total = sum(file_of(n).stat().st_size for n in computed)
    print(f"recorded {len(computed)} outputs from {_root()} ({total / 1024:.0f} KiB)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
