"""The main job on the bundled Jilin 2023 data, one step after another.

catalogue → regions → allocation (baseline + an alternative) → comparison → task sheets →
maps; then the progress loop on 示例 (sample) reports: sample sheets → fresh SQLite store →
status → progress sheets → progress map. Every step calls the same public API a notebook
would use; nothing here re-derives allocation logic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from minshi_geo import atomic, paths
from minshi_geo.escape import csv_frame

ALTERNATIVE_SCENARIO = paths.SCENARIOS_DIR / "jilin-2023-population.yaml"


def baseline_inputs():
    """The bundled baseline, allocated now: (allocation of ``scenarios/jilin-2023-baseline.yaml``,
    its plan, its region set) as an :class:`~minshi_geo.allocation.AllocationInputs` — for the
    demo, notebooks, tests and benchmarks (``progress`` itself never allocates)."""
    from minshi_geo.allocate import allocate
    from minshi_geo.allocation import AllocationInputs
    from minshi_geo.scenario import load_scenario

    scenario = load_scenario(paths.DEFAULT_SCENARIO)
    return AllocationInputs(allocate(scenario), scenario.plan, scenario.regions)


@dataclass(frozen=True)
class DemoProgress:
    """What :func:`demo_progress` did: the sheets written, the import, the status table."""

    reports: list[Path]
    imported: Any  # importer.ImportResult
    status: Any  # the status table (pandas.DataFrame)
    url: str


def demo_progress(
    allocation: Any,
    plan: Any,
    regions: Any,
    out_dir: str | Path,
    db_path: str | Path | None = None,
) -> DemoProgress:
    """The demo's progress step: write the 示例 sheets into ``out_dir/sample-reports``, import
    them into a fresh SQLite file (``db_path``, default ``out_dir/minshi.db`` — the store every
    ``progress`` command finds beside ``out_dir/allocation``; an existing one is replaced) and return the status table for the progress map."""
    from minshi_geo.progress.importer import import_reports
    from minshi_geo.progress.sample import write_sample_reports
    from minshi_geo.progress.status import compute_status

    out_dir = Path(out_dir)
    db = Path(db_path) if db_path is not None else out_dir / "minshi.db"
    reports = write_sample_reports(allocation, plan, regions, out_dir / "sample-reports")
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{db.resolve()}"
    imported = import_reports(
        reports, url, allocation=allocation, plan=plan, regions=regions, imported_by="demo"
    )
    status = compute_status(url, allocation, plan)
    return DemoProgress(reports=reports, imported=imported, status=status, url=url)


@dataclass
class DemoResult:
    """What the demo wrote, by name (for the summary printed at the end and for tests)."""

    files: dict[str, Path] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def run(
    out: Path,
    maps_dir: Path,
    console: Console | None = None,
    *,
    png: bool = False,
) -> DemoResult:
    """Run every step; write tables and sheets under ``out`` and the HTML maps under ``maps_dir``."""
    console = console or Console()
    out, maps_dir = Path(out), Path(maps_dir)
    result = DemoResult()
    state: dict[str, Any] = {}

    steps: list[tuple[str, Callable[[], None]]] = [
        ("目标清单 catalogue", lambda: _catalogue(out, state, result)),
        ("分解单位 regions", lambda: _regions(out, state, result)),
        ("任务分解 allocation (baseline)", lambda: _allocate(out, state, result)),
        ("方案比较 comparison", lambda: _compare(out, state, result)),
        ("任务分解表 task sheets", lambda: _sheets(out, state, result)),
        ("分配地图 allocation + comparison maps", lambda: _maps(maps_dir, out, png, state, result)),
        ("示例进度报告 sample reports → store", lambda: _progress_import(out, state, result)),
        ("进度状态 status, sheets, map", lambda: _progress_outputs(out, maps_dir, state, result)),
    ]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("minshi-geo demo", total=len(steps))
        for name, step in steps:
            bar.update(task, description=name)
            step()
            bar.advance(task)
            console.print(f"[green]✓[/] {name}", highlight=False)

    console.print()
    for name, path in result.files.items():
        console.print(f"  {name:<22} {path}", highlight=False, markup=False)
    for name, value in result.figures.items():
        console.print(f"  {name:<22} {value}", highlight=False, markup=False)
    return result


def _catalogue(out: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.catalogue import load_plan

    plan = load_plan(paths.DEFAULT_PLAN)
    state["plan"] = plan
    path = out / "targets.csv"
    frame = plan.targets_frame()
    atomic.write_text(path, csv_frame(frame).to_csv(index=False), encoding="utf-8-sig")
    result.files["targets"] = path
    result.figures["targets"] = (
        f"{len(plan.items)} items, {len(plan.targets)} targets, "
        f"{sum(t.splittable for t in plan.targets)} splittable"
    )


def _regions(out: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.regions import load_region_set, write_region_table

    regions = load_region_set("jilin")
    state["regions"] = regions
    result.files["regions"] = write_region_table(regions, out / "regions.csv")


def _allocate(out: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.allocate import run_scenario

    # out/allocation is where `minshi-geo sheets/map/progress --allocation` look by default.
    baseline = run_scenario(paths.DEFAULT_SCENARIO, out / "allocation")
    alternative = run_scenario(ALTERNATIVE_SCENARIO, out / "allocation-population")
    state["baseline"], state["alternative"] = baseline, alternative
    result.files["allocation"] = out / "allocation" / "allocation.csv"
    result.files["alternative"] = out / "allocation-population" / "allocation.csv"
    result.figures["allocation rows"] = len(baseline.table)
    result.figures["solver"] = f"{baseline.meta.get('solver')} ({baseline.meta.get('status')})"


def _compare(out: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.allocation import compare

    diff = compare(state["baseline"], state["alternative"])
    path = out / "comparison.csv"
    atomic.write_text(path, csv_frame(diff).to_csv(index=False), encoding="utf-8-sig")
    result.files["comparison"] = path


def _sheets(out: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.sheets.writer import write_all_sheets

    sheets = write_all_sheets(
        state["baseline"], state["plan"], state["regions"], out / "sheets", csv=True
    )
    result.files["task sheets"] = out / "sheets"
    result.figures["task workbooks"] = f"{len(sheets.regions)} regions + summary"


def _maps(maps_dir: Path, out: Path, png: bool, state: dict, result: DemoResult) -> None:
    from minshi_geo.maps.allocation import allocation_map
    from minshi_geo.maps.compare import compare_map

    regions = state["regions"]
    result.files["allocation map"] = allocation_map(
        state["baseline"], regions, maps_dir / "allocation.html"
    )
    result.files["comparison map"] = compare_map(
        state["baseline"], state["alternative"], regions, maps_dir / "compare.html"
    )
    size = result.files["allocation map"].stat().st_size
    result.figures["allocation map size"] = f"{size / 1024:.0f} KiB"
    if png:
        from minshi_geo.maps.png import write_pngs

        write_pngs(state["baseline"], regions, maps_dir / "png")
        result.files["PNG maps"] = maps_dir / "png"


def _progress_import(out: Path, state: dict, result: DemoResult) -> None:
    run = demo_progress(state["baseline"], state["plan"], state["regions"], out)
    state["status"] = run.status
    result.files["sample reports (示例)"] = out / "sample-reports"
    result.files["progress store"] = Path(run.url.removeprefix("sqlite:///"))
    result.figures["reports imported"] = run.imported.count("imported")


def _progress_outputs(out: Path, maps_dir: Path, state: dict, result: DemoResult) -> None:
    from minshi_geo.maps.progress import progress_map
    from minshi_geo.sheets.progress import write_progress_sheets

    baseline, plan, regions, status = (
        state["baseline"], state["plan"], state["regions"], state["status"]
    )
    path = out / "status.csv"
    atomic.write_text(path, csv_frame(status).to_csv(index=False), encoding="utf-8-sig")
    result.files["status"] = path
    write_progress_sheets(status, plan, regions, out / "progress-sheets", baseline.meta)
    result.files["progress sheets"] = out / "progress-sheets"
    result.files["progress map"] = progress_map(
        status, regions, maps_dir / "progress.html", plan=plan
    )
    from minshi_geo.documents.bulletin_docx import docx_name, write_bulletin_docx

    sample = bool(status["sample"].any()) or bool(baseline.meta.get("sample"))
    name = docx_name(plan, max(status["period_end"]), sample)
    result.files["通报 (Word)"] = write_bulletin_docx(status, plan, regions, out / name,
                                                     sample=sample)
    latest = status[status["period_end"] == status["period_end"].max()]
    result.figures["lights (latest)"] = ", ".join(
        f"{k} {v}" for k, v in latest["light"].value_counts().sort_index().items()
    )
