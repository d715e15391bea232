"""``minshi-geo scenario …``: a scenario as a workbook planners edit in Excel/WPS."""

from __future__ import annotations

from pathlib import Path

import typer

from minshi_geo.cli.app import app, console, friendly

scenario_app = typer.Typer(
    name="scenario",
    help="Scenarios as Excel workbooks: write one to edit, then `allocate FILE.xlsx`.",
    no_args_is_help=True,
)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("workbook")
@friendly
def workbook_cmd(
    scenario: Path = typer.Argument(
        None, help="Scenario file (default: scenarios/jilin-2023-baseline.yaml)."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Workbook to write (.xlsx)."),
) -> None:
    """Write a scenario as a workbook (规则, 方案, 说明 sheets) to edit in Excel/WPS."""
    from minshi_geo import paths
    from minshi_geo.errors import MinshiError
    from minshi_geo.scenario_workbook import write_scenario_workbook

    if output.suffix.lower() != ".xlsx":
        raise MinshiError(f"-o {output}: expected a file name ending in .xlsx")
    path = write_scenario_workbook(scenario or paths.DEFAULT_SCENARIO, output)
    console.print(f"wrote {path} — edit the 规则 sheet, then: minshi-geo allocate {path} "
                  "--out out/allocation", highlight=False)


@scenario_app.command("yaml")
@friendly
def yaml_cmd(
    workbook: Path = typer.Argument(..., help="Scenario workbook (.xlsx)."),
    output: Path = typer.Option(..., "-o", "--output", help="YAML file to write."),
) -> None:
    """Write a scenario workbook back as a scenario YAML file."""
    from minshi_geo.scenario_workbook import workbook_to_yaml

    console.print(f"wrote {workbook_to_yaml(workbook, output)}", highlight=False)
