"""``minshi-geo explain``: the derivation of a target's numbers, read from the allocation folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from minshi_geo.cli.app import app, console, friendly
from minshi_geo.errors import MinshiError


@app.command("explain")
@friendly
def explain_command(
    allocation_dir: Path = typer.Argument(
        ..., help="Allocation folder written by `minshi-geo allocate --out DIR`."),
    target: str = typer.Argument(..., help="Target id, e.g. 29.2."),
    region: str = typer.Option(None, "--region", "-r",
                               help="One region (name, short name or code): the whole derivation."),
) -> None:
    """Why each region got its number: basis, shares, formula, rule, rounding, sources, range."""
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.derivation import cells, sweep_note

    allocation, plan, regions = load_allocation_inputs(allocation_dir)
    tid = str(target).strip()
    chosen = [c for c in cells(allocation) if c.target_id == tid]
    if not chosen:
        plan.target(tid)  # an unknown id: UnknownTargetError with suggestions
        raise MinshiError(f"{tid}: not split among regions in {allocation_dir} "
                          "(not splittable, or not in this scenario)",
                          hint="`minshi-geo targets` lists the splittable targets")
    note = sweep_note(allocation.meta)
    if region:
        code = regions.resolve(region)
        cell = next((c for c in chosen if c.region_code == code), None)
        if cell is None:
            raise MinshiError(f"{tid}: {regions.name_of(code)} takes no part in this target",
                              hint="the rule excludes it (exclude / eligible)")
        for line in cell.lines(note):
            console.print(escape(line), soft_wrap=True)
        return
    _print_target(chosen, note, allocation.is_sample)


def _print_target(chosen, note: str, sample: bool) -> None:
    first = chosen[0]
    console.print(escape(f"{first.target_id} {first.metric}：{_n(first.total)} {first.unit}，"
                         f"测算依据 {first.basis}"), soft_wrap=True)
    if first.total_note:
        console.print(escape(first.total_note), soft_wrap=True)
    view = Table(show_lines=False)
    for col in ("地区", "公式", "规则", "敏感性"):
        view.add_column(col)
    for c in chosen:
        view.add_row(escape(c.region_name), escape(c.formula), escape(c.rule_note),
                     escape(c.range_text))
    console.print(view)
    if first.proxy_caveat:
        console.print(escape(f"说明：{first.proxy_caveat}"), soft_wrap=True)
    if note:
        console.print(escape(f"敏感性：{note}"), soft_wrap=True)
    console.print("逐地区的来源与取整：加 --region 地区名")
    if sample:
        console.print("[yellow]示例数据：本分解使用示例数据，仅供演示[/]")


def _n(v: float) -> str:
    from minshi_geo.derivation import num

    return num(v)
