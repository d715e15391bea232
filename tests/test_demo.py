"""The main job (``minshi-geo demo``) end to end on the bundled Jilin 2023 data."""

import subprocess
import sys

import pandas as pd
from openpyxl import load_workbook

from minshi_geo.catalogue import load_plan


def test_demo_writes_every_output(tmp_path):
    out, maps = tmp_path / "out", tmp_path / "maps"
    run = subprocess.run(
        [sys.executable, "-m", "minshi_geo.cli", "demo", "--out", str(out), "--maps", str(maps)],
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr

    plan = load_plan()
    splittable = {t.id for t in plan.targets if t.splittable}
    allocation = pd.read_csv(out / "allocation" / "allocation.csv", dtype={"target_id": str})
    assert set(allocation["target_id"]) == splittable
    totals = allocation.groupby("target_id")["quantity"].sum()
    for target_id, total in totals.items():
        assert total == plan.target(target_id).quantity, target_id

    html = (maps / "allocation.html").read_text(encoding="utf-8")
    assert "unpkg.com" not in html and "cdn.jsdelivr.net" not in html
    for target_id in splittable:
        assert f'"{target_id}"' in html or f"'{target_id}'" in html, target_id
    assert (maps / "compare.html").exists() and (maps / "progress.html").exists()
    assert "示例" in (maps / "progress.html").read_text(encoding="utf-8")

    workbooks = sorted((out / "sheets").glob("*.xlsx"))
    assert len(workbooks) == 12  # 11 regions + summary
    load_workbook(workbooks[0])  # opens
    status = pd.read_csv(out / "status.csv", dtype={"target_id": str})
    assert set(status["light"].dropna()) <= {"done", "green", "yellow", "red", "none"}
    assert len(list((out / "sample-reports").glob("*.xlsx"))) == 33
