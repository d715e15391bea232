"""Acceptance of issue 13: ``minshi-geo start`` on plans of three other provinces of the corpus,
one at county level, gives catalogue, scenario, allocation, map and sheets with no hand edits
(bundled national region sets, census indicators; real allocator, files opened back)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_start import check_outputs
from typer.testing import CliRunner

from minshi_geo.cli import app
from minshi_geo.regions import load_region_set

PLANS = Path(__file__).parent / "data" / "extract" / "plans"


@pytest.mark.parametrize(
    ("name", "province", "level", "region_set"),
    [
        ("zhejiang-2024", "浙江", "prefecture", "zhejiang"),
        ("yunnan-2025", "云南省", "prefecture", "yunnan"),
        ("hubei-2023", "420000", "county", "hubei-counties"),
    ],
)
def test_start_on_a_plan_of_another_province(name, province, level, region_set, tmp_path):
    text = tmp_path / f"{name}.txt"
    shutil.copyfile(PLANS / f"{name}.txt", text)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["start", str(text), "--province", province, "--level",
                                      level, "--out", str(out), "--draws", "0"])
    assert result.exit_code == 0, result.output
    assert region_set in result.output
    check_outputs(out, len(load_region_set(region_set)))
