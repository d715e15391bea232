"""`minshi-geo targets`: list the plan's targets as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from enum import Enum
from pathlib import Path

import typer
from rich.table import Table

from minshi_geo import paths
from minshi_geo.catalogue import KINDS, TARGET_COLUMNS, Plan, Target, format_quantity, load_plan
from minshi_geo.cli.app import app, console, friendly
from minshi_geo.escape import csv_cell

#: The CSV contract of the issue: these columns first, in this order.
CSV_COLUMNS = ["id", "item", "sector", "metric", "quantity", "unit", "kind", "qualifier",
               "splittable"]  # fmt: skip
CSV_EXTRA = [c for c in TARGET_COLUMNS if c not in CSV_COLUMNS]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


Kind = Enum("Kind", {k: k for k in KINDS}, type=str)  # count, rate, standard, milestone


def select_targets(plan: Plan, sector: str | None = None, kind: str | None = None) -> list[Target]:
    """The plan's targets, optionally only one sector's (name or number) and one kind."""
    chosen = plan.targets
    if sector is not None:
        name = plan.sector(sector).name
        chosen = [t for t in chosen if t.sector == name]
    if kind is not None:
        chosen = [t for t in chosen if t.kind == kind]
    return list(chosen)


def _csv_value(target: Target, column: str) -> str:
    value = getattr(target, column)
    if column == "quantity":
        return format_quantity(value)
    if column in ("splittable", "review"):
        return "true" if value else "false"
    if column == "basis":
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if value is None:
        return ""
    return value.isoformat() if column == "deadline" else str(value)


def targets_csv(targets: list[Target]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + CSV_EXTRA)
    for t in targets:
        writer.writerow([csv_cell(_csv_value(t, c)) for c in CSV_COLUMNS + CSV_EXTRA])
    return out.getvalue()


def targets_json(plan: Plan, targets: list[Target]) -> str:
    def record(t: Target) -> dict:
        row = {c: getattr(t, c) for c in TARGET_COLUMNS}
        if row["quantity"] is not None and float(row["quantity"]).is_integer():
            row["quantity"] = int(row["quantity"])
        row["deadline"] = t.deadline.isoformat()
        return row

    doc = {"plan": plan.id, "title": plan.title, "catalogue_sha256": plan.sha256,
           "targets": [record(t) for t in targets]}  # fmt: skip
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def targets_table(plan: Plan, targets: list[Target]) -> Table:
    table = Table(title=f"{plan.title} — {len(targets)} targets", show_lines=False)
    for column in CSV_COLUMNS:
        table.add_column(
            column,
            justify="right" if column in ("item", "quantity") else "left",
            # wrap long Chinese metrics on narrow terminals instead of cutting them off
            overflow="fold" if column == "metric" else "ellipsis",
        )
    for t in targets:
        table.add_row(*[_csv_value(t, c) for c in CSV_COLUMNS])
    return table


@app.command("targets")
@friendly
def targets_command(
    plan: Path = typer.Option(paths.DEFAULT_PLAN, "--plan", help="Catalogue file (YAML)."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.table, "--format", help="table (default), csv or json."
    ),
    sector: str | None = typer.Option(None, "--sector", help="Only this sector (name or number)."),
    kind: Kind | None = typer.Option(None, "--kind", help="Only this kind of target."),
) -> None:
    """List the plan's targets (validates the catalogue on the way)."""
    loaded = load_plan(plan)
    chosen = select_targets(loaded, sector, kind.value if kind else None)
    if output_format is OutputFormat.csv:
        typer.echo(targets_csv(chosen), nl=False)
    elif output_format is OutputFormat.json:
        typer.echo(targets_json(loaded, chosen), nl=False)
    else:
        console.print(targets_table(loaded, chosen))
