"""After `make demo`, every command of the README's tour runs as printed and succeeds — the
commands are read from the README text itself, so the tour cannot drift from the tool."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "import sys; from minshi_geo.cli import main; "
       "sys.argv[0] = 'minshi-geo'; main()"]


def tour_commands(readme: str) -> list[str]:
    """The `minshi-geo …` spans of the command column of the tour table."""
    section = readme.split("## A short tour", 1)[1].split("\n## ", 1)[0]
    commands = []
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if len(cells) < 4 or not cells[2].startswith("`minshi-geo"):
            continue
        commands += [c for c in re.findall(r"`([^`]+)`", cells[2]) if c.startswith("minshi-geo ")]
    return commands


def test_the_tour_table_is_read_from_the_readme():
    commands = tour_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) >= 14
    assert all("…" not in c and "[" not in c and "FILE" not in c for c in commands), commands


@pytest.fixture(scope="module")
def after_demo(tmp_path_factory) -> Path:
    """A folder like the repository after `make demo`: data and scenarios, out/ and maps/."""
    work = tmp_path_factory.mktemp("tour")
    for name in ("data", "scenarios"):
        os.symlink(ROOT / name, work / name)
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MINSHI_DB", None)
    run = subprocess.run([*CLI, "demo", "--out", "out"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    return work


def test_every_tour_command_runs_as_printed_after_the_demo(after_demo):
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("MINSHI_DB", None)
    failed = []
    for command in tour_commands((ROOT / "README.md").read_text(encoding="utf-8")):
        args = shlex.split(command)[1:]
        run = subprocess.run([*CLI, *args], cwd=after_demo, env=env, capture_output=True,
                             text=True, timeout=900)
        if run.returncode != 0 or "Traceback" in run.stderr:
            failed.append(f"{command}: exit {run.returncode}: {run.stderr.strip()[-300:]}")
    assert not failed, "\n".join(failed)
    assert not (after_demo / "minshi.db").exists()  # the tour used the demo's own store
