"""``minshi-geo sheets``: per-region task workbooks and the summary workbook from an allocation."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from minshi_geo.cli.app import app, console, friendly


@app.command()
@friendly
def sheets(
    out_dir: Path = typer.Argument(
        ..., help="Allocation folder written by `minshi-geo allocate --out DIR`."
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="Folder for the workbooks (default: OUT_DIR/sheets)."
    ),
    csv: bool = typer.Option(
        False, "--csv", help="Also write every sheet as CSV (UTF-8 with BOM) into DIR/csv."
    ),
) -> None:
    """Write one task workbook (任务分解表) per region and the summary workbook."""
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.sheets.writer import write_all_sheets

    from minshi_geo.atomic import check_writable

    target = check_writable(output or (out_dir / "sheets"), folder=True)
    allocation, plan, regions = load_allocation_inputs(out_dir)
    started = time.perf_counter()
    if allocation.meta.get("cascade"):  # a county allocation: one folder per prefecture
        from minshi_geo.allocate.cascade import write_county_sheets

        folders = write_county_sheets(allocation, plan, regions, target)
        console.print(f"{len(folders)} prefecture folders of county workbooks + summaries → "
                      f"{target} ({time.perf_counter() - started:.1f} s)")
        return
    written = write_all_sheets(allocation, plan, regions, target, csv=csv)
    elapsed = time.perf_counter() - started
    label = "（示例）" if allocation.is_sample else ""
    console.print(
        f"{len(written.regions)} region workbooks + summary{label} → {target} "
        f"({len(written.csv)} CSV, {elapsed:.1f} s)"
    )
