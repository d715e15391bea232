"""``minshi-geo start`` (plan text → maps and sheets) and ``minshi-geo baseline`` (a catalogue →
its baseline scenario): thin over :mod:`minshi_geo.start`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from minshi_geo.cli.app import app, console, friendly


@app.command("start")
@friendly
def start_command(
    plan: Annotated[Path, typer.Argument(help="The plan text (UTF-8 or GB18030).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for every output.")],
    province: Annotated[
        str | None, typer.Option(help="Province: 山东, 山东省, 370000 or shandong "
                                      "(default: the one the text names).")] = None,
    level: Annotated[str, typer.Option(help="prefecture (市州) | county (县级).")] = "prefecture",
    year: Annotated[int | None, typer.Option(help="Plan year, when the text names none.")] = None,
    draws: Annotated[int, typer.Option(min=0, help="敏感性 weight draws (0: none).")] = 1000,
    force: Annotated[bool, typer.Option(help="Write into a folder start did not make.")] = False,
) -> None:
    """From a plan's text to catalogue, baseline scenario, allocation, map and task sheets.

    Every basis is suggested by a keyword rule table and marked 待核对 (REVIEW): edit
    DIR/scenario.yaml, then run `minshi-geo allocate DIR/scenario.yaml --out DIR/allocation`."""
    from minshi_geo.start import start

    result = start(plan, out, province=province, level=level, year=year, draws=draws,
                   force=force)
    fallback = sum(1 for s in result.suggestions.values() if s.rule is None)
    console.print(
        f"{result.region_set}: {len(result.suggestions)} splittable targets, each basis "
        f"suggested and marked 待核对 ({fallback} by the population fallback)\n"
        f"  catalogue  {result.catalogue}\n  scenario   {result.scenario}\n"
        f"  allocation {result.allocation}\n  map        {result.map}\n"
        f"  sheets     {result.sheets}",
        soft_wrap=True,
    )


@app.command("baseline")
@friendly
def baseline_command(
    catalogue: Annotated[Path, typer.Argument(help="A catalogue (e.g. a draft from extract).")],
    region_set: Annotated[str, typer.Option("--region-set", help="Region set name or YAML.")],
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Scenario to write (default: CATALOGUE.scenario.yaml).")] = None,
) -> None:
    """Write a baseline scenario for a catalogue: every splittable target with the basis the
    keyword rule table suggests, each marked 待核对 (REVIEW)."""
    from minshi_geo.start import write_baseline

    path, suggestions = write_baseline(catalogue, region_set, output)
    console.print(f"wrote {path}: {len(suggestions)} targets, every basis marked 待核对")
