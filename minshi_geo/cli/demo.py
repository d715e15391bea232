"""``minshi-geo demo``: the main job on the bundled Jilin 2023 data."""

from __future__ import annotations

from pathlib import Path

import typer

from minshi_geo.cli.app import app, console, friendly


@app.command()
@friendly
def demo(
    out: Path = typer.Option(Path("out"), "--out", help="Folder for tables and sheets."),
    maps_dir: Path = typer.Option(Path("maps"), "--maps", help="Folder for the HTML maps."),
    png: bool = typer.Option(False, "--png", help="Also write a static PNG map per target."),
) -> None:
    """Run the main job on the bundled Jilin 2023 data."""
    from minshi_geo import demo as demo_api
    from minshi_geo.atomic import check_writable

    check_writable(out, folder=True)
    check_writable(maps_dir, folder=True)

    demo_api.run(out, maps_dir, console=console.get(), png=png)
