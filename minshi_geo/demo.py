"""The main job on the bundled Jilin 2023 data, step by step (each issue adds its step)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def run(out: Path, maps_dir: Path, console: Console | None = None) -> None:
    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"minshi-geo demo → {out}")
