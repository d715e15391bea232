"""``minshi-geo allocate`` and ``minshi-geo compare``: thin over minshi_geo.allocate."""

from __future__ import annotations

from pathlib import Path

import typer

from minshi_geo.cli.app import app, console, err_console, friendly
from minshi_geo.errors import MinshiError
from minshi_geo.escape import csv_frame
from minshi_geo.messages import say


class _Bar:
    """rich progress on stderr, shown only once a run takes longer than a blink."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.progress = None  # a rich.progress.Progress once shown
        self.task = None

    def __call__(self, done: int, total: int, what: str) -> None:
        if self.quiet:
            return
        if self.progress is None:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn)

            self.progress = Progress(
                TextColumn("[bold]allocating[/]"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.description}"), TimeElapsedColumn(),
                console=err_console.get(), transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(what, total=total)
        self.progress.update(self.task, completed=done, description=what)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _allocation_from(source: Path, solver: str | None, engine: str, bar: _Bar):
    """A scenario file (.yaml/.yml) is allocated; a folder is read as a saved allocation."""
    from minshi_geo.allocate import allocate
    from minshi_geo.allocation import Allocation
    from minshi_geo.scenario import load_scenario

    if not source.exists():
        raise MinshiError(f"{source}: not found",
                          hint="give a scenario file (.yaml) or a folder written by allocate")
    if source.is_dir():
        return Allocation.load(source)
    if source.suffix.lower() in (".yaml", ".yml", ".xlsx", ".xlsm"):
        return allocate(load_scenario(source), bar, engine=engine, solver=solver)
    raise MinshiError(
        f"{source}: expected a scenario file (.yaml, or .xlsx from `scenario workbook`) or an "
        "allocation folder",
        hint="an allocation folder holds allocation.csv and allocation.json",
    )


@app.command("allocate")
@friendly
def allocate_command(
    scenario: Path = typer.Argument(
        None, help="Scenario file (default: scenarios/jilin-2023-baseline.yaml)."
    ),
    out: Path = typer.Option(Path("out/allocation"), "--out", help="Output folder."),
    solver: str = typer.Option(None, "--solver", help="highs (default) | cbc | auto."),
    engine: str = typer.Option(
        "auto", "--engine",
        help="auto: exact fast path for separable targets, PuLP for coupled ones; "
        "pulp: everything through PuLP; fast: never call a solver.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    draws: int = typer.Option(1000, "--draws", min=0,
                              help="敏感性: weight draws per multi-factor target (0: none)."),
    seed: int = typer.Option(20230101, "--seed", help="敏感性: random seed (recorded)."),
    concentration: float = typer.Option(
        100.0, "--concentration", min=0.001,
        help="敏感性: Dirichlet concentration around the weights (larger = closer)."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="敏感性 on Dask: 'local' or a scheduler address."),
) -> None:
    """Allocate a scenario; write allocation.csv, allocation.json, factors.csv,
    explanation.csv and robustness.csv to --out."""
    from rich.markup import escape

    from minshi_geo import paths
    from minshi_geo.allocate import ENGINES, run_scenario
    from minshi_geo.allocate.robustness import Settings

    if engine not in ENGINES:
        raise MinshiError(say("allocate.engine", engine=engine, choices=", ".join(ENGINES)))
    bar = _Bar(quiet)
    try:
        sweep = Settings(draws=draws, seed=seed, concentration=concentration,
                         scheduler=scheduler) if draws else None
        allocation = run_scenario(scenario or paths.DEFAULT_SCENARIO, out, engine=engine,
                                  solver=solver, progress=bar, robustness=sweep)
    finally:
        bar.close()
    if quiet:
        return
    meta = allocation.meta
    table = allocation.table
    console.print(
        f"[bold]{escape(str(meta['scenario']))}[/] — {escape(str(meta['scenario_title']))}\n"
        + say("allocate.summary", targets=len(allocation.target_ids),
              regions=table["region_code"].nunique(), solver=meta["solver"],
              seconds=meta["runtime_s"], objective=meta["objective"])
    )
    if allocation.is_sample:
        console.print(f"[yellow]{say('allocate.sample')}[/]")
    extra = say("allocate.written_robustness") if draws else ""
    console.print(say("allocate.written", out=escape(str(out)), extra=extra))


@app.command("compare")
@friendly
def compare_command(
    a: Path = typer.Argument(..., help="Scenario file or allocation folder (before)."),
    b: Path = typer.Argument(..., help="Scenario file or allocation folder (after)."),
    out: Path = typer.Option(None, "--out", help="Folder for comparison.csv."),
    top: int = typer.Option(20, "--top", help="Rows to print (largest changes first)."),
    solver: str = typer.Option(None, "--solver", help="highs (default) | cbc | auto."),
    engine: str = typer.Option("auto", "--engine", help="auto | pulp | fast."),
) -> None:
    """Per target × region differences between two allocations, largest changes first."""
    from rich.markup import escape
    from rich.table import Table

    from minshi_geo import atomic
    from minshi_geo.allocation import check_out_dir, compare
    from minshi_geo.change_reasons import change_reasons

    if out is not None:
        check_out_dir(out)
    bar = _Bar(False)
    try:
        left = _allocation_from(a, solver, engine, bar)
        right = _allocation_from(b, solver, engine, bar)
    finally:
        bar.close()
    diff = compare(left, right)
    diff["reason"] = change_reasons(left, right, diff)  # which input changed (explanations)
    if out is not None:
        with atomic.atomic_dir(out) as tmp:
            csv_frame(diff).to_csv(tmp / "comparison.csv", index=False, encoding="utf-8")
    changed = diff[diff["change"] != 0]
    title = say("compare.title", a=left.meta.get("scenario", a), b=right.meta.get("scenario", b),
                changed=len(changed), total=len(diff))
    view = Table(title=escape(title))
    for k, col in enumerate(say("compare.columns").split("|")):
        view.add_column(col, justify="right" if k in (3, 4, 5) else "left")
    for row in changed.head(top).itertuples():
        view.add_row(row.target_id, str(row.metric), str(row.region_name), _num(row.quantity_a),
                     _num(row.quantity_b), _num(row.change, signed=True), str(row.unit),
                     str(row.reason))
    console.print(view)
    if left.is_sample or right.is_sample:
        console.print(f"[yellow]{say('compare.sample')}[/]")
    if out is not None:
        console.print(say("compare.written", out=escape(str(out))))


def _num(value: float, signed: bool = False) -> str:
    import pandas as pd

    if pd.isna(value):  # NaN / <NA>: region not eligible on this side
        return "—"
    value = float(value)
    text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    if abs(value - round(value)) > 1e-9:
        text = f"{value:+,.2f}" if signed else f"{value:,.2f}"
    return text
