"""``minshi-geo map …``: offline HTML maps of an allocation, a comparison, and progress."""

from __future__ import annotations

from pathlib import Path

import typer

from minshi_geo.atomic import check_writable
from minshi_geo.cli.app import app, console, friendly
from minshi_geo.cli.progress import DB_HELP

map_app = typer.Typer(
    name="map",
    help="Offline interactive maps (one self-contained HTML file each).",
    no_args_is_help=True,
)
app.add_typer(map_app, name="map")

_TILES_HELP = (
    "Background tiles: none (default, works offline) | osm | gaode (overlay shifted to GCJ-02) "
    "| tianditu (needs MINSHI_TIANDITU_KEY). All but none need a network."
)
_REGIONS_HELP = "Region set (name or YAML path); default: the one the allocation was made for."


def _inputs(folder: Path, regions: str | None):
    """The folder's allocation, plan and region set (another one if --regions names it)."""
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.regions import load_region_set

    inputs = load_allocation_inputs(folder)
    return inputs._replace(regions=load_region_set(regions)) if regions else inputs


@map_app.command("allocation")
@friendly
def allocation_cmd(
    out_dir: Path = typer.Argument(..., help="Allocation folder (from `minshi-geo allocate`)."),
    output: Path = typer.Option(Path("maps/allocation.html"), "-o", "--output",
                                help="HTML file to write."),
    regions: str | None = typer.Option(None, "--regions", help=_REGIONS_HELP),
    tiles: str = typer.Option("none", "--tiles", help=_TILES_HELP),
    png: Path | None = typer.Option(None, "--png", help="Also write a PNG per target and "
                             "overview.png into this folder."),
    png_mode: str = typer.Option("quantity", "--png-mode",
                                 help="What the PNGs show: quantity | per10k | share."),
) -> None:
    """Map every target of an allocation: selector, 数量/每万人/占全省比例, legend, ranking."""
    from minshi_geo.maps.allocation import allocation_map
    from minshi_geo.maps.page import tile_options

    tile_options(tiles)  # a bad --tiles fails before any work
    check_writable(output)  # … and so does an output path that cannot be written
    if png is not None:
        check_writable(png, folder=True)
    allocation, plan, region_set = _inputs(out_dir, regions)
    files = None
    if png is not None:
        # PNGs first: a --png-mode the data cannot draw (每万人 without population) stops
        # the command before it has written anything, not after the HTML.
        from minshi_geo.maps.png import write_pngs

        files = write_pngs(allocation, region_set, png, mode=png_mode, title=plan.title)
    from minshi_geo.allocate.cascade import prefecture_outlines

    outlines = prefecture_outlines(allocation.meta, gcj02=tiles == "gaode")  # county maps
    path = allocation_map(allocation, region_set, output, tiles=tiles, outlines=outlines,
                          title=plan.title)
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, "
                  f"{len(allocation.target_ids)} targets)")
    if files is not None:
        console.print(f"wrote {len(files)} PNG files to {png}")


@map_app.command("compare")
@friendly
def compare_cmd(
    a_dir: Path = typer.Argument(..., help="Allocation folder of scenario A (the reference)."),
    b_dir: Path = typer.Argument(..., help="Allocation folder of scenario B."),
    output: Path = typer.Option(Path("maps/compare.html"), "-o", "--output",
                                help="HTML file to write."),
    regions: str | None = typer.Option(None, "--regions", help=_REGIONS_HELP),
    tiles: str = typer.Option("none", "--tiles", help=_TILES_HELP),
) -> None:
    """Map B − A per target (diverging colours; tooltip with both values)."""
    from minshi_geo.maps.compare import compare_map
    from minshi_geo.maps.page import tile_options

    tile_options(tiles)
    check_writable(output)
    a, plan, region_set = _inputs(a_dir, regions)
    b = _inputs(b_dir, regions).allocation
    path = compare_map(a, b, region_set, output, tiles=tiles, title=plan.title)
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


@map_app.command("progress")
@friendly
def progress_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    allocation_dir: Path = typer.Option(Path("out/allocation"), "--allocation",
                                        help="Allocation folder the reports answer to."),
    output: Path = typer.Option(Path("maps/progress.html"), "-o", "--output",
                                help="HTML file to write."),
    regions: str | None = typer.Option(None, "--regions", help=_REGIONS_HELP),
    tiles: str = typer.Option("none", "--tiles", help=_TILES_HELP),
) -> None:
    """Map progress: lights or completion rate per target and 全部指标, with a period slider."""
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.cli.progress import work_store
    from minshi_geo.maps.page import tile_options
    from minshi_geo.maps.progress import progress_map
    from minshi_geo.progress.status import compute_status

    tile_options(tiles)
    check_writable(output)
    # The same reading of allocation.json (plan file, region set) as `sheets` and `progress`.
    allocation, plan, region_set = load_allocation_inputs(allocation_dir)
    db = work_store(db, allocation_dir, read=True)
    status = compute_status(db, allocation, plan)
    if regions is not None:
        from minshi_geo.regions import load_region_set

        region_set = load_region_set(regions)
    path = progress_map(status, region_set, output, tiles=tiles, plan=plan)
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
