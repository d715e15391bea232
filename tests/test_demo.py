"""The main job (``minshi-geo demo``) end to end on the bundled Jilin 2023 data."""

import json
import subprocess
import sys

import pandas as pd
from openpyxl import load_workbook

from minshi_geo.catalogue import load_plan
from minshi_geo.sheets import layout
from minshi_geo.sheets.reader import read_report


def _page_data(html: str) -> dict:
    """The DATA argument of the page's minshiMap(map, DATA, GEO) call."""
    call = html[html.index("minshiMap(map_"):]
    return json.JSONDecoder().raw_decode(call[call.index(",") + 1:].lstrip())[0]


def _task_rows(path) -> dict[str, object]:
    """target id → the 本地区任务 cell of a region's task sheet."""
    ws = load_workbook(path, read_only=True)[layout.TASK_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    heading = rows[layout.HEADING_ROW - 1]
    col = {layout.KEY_OF_HEADER[h]: i for i, h in enumerate(heading) if h in layout.KEY_OF_HEADER}
    return {
        str(row[col["target_id"]]): row[col["quantity"]]
        for row in rows[layout.FIRST_DATA_ROW - 1:]
        if row[col["target_id"]] not in (None, "")
    }


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
    data = _page_data(html)  # the page's one data object, decoded
    assert [t for g in data["groups"] for t in g["layers"]] == list(dict.fromkeys(
        allocation["target_id"]))  # every allocated target is a layer, in catalogue order
    assert (maps / "compare.html").exists() and (maps / "progress.html").exists()
    assert "示例" in (maps / "progress.html").read_text(encoding="utf-8")

    workbooks = sorted((out / "sheets").glob("*.xlsx"))
    assert len(workbooks) == 12  # 11 regions + summary
    regional = [p for p in workbooks if layout.SUMMARY_SUFFIX not in p.name]
    assert len(regional) == 11
    # every region's sheet holds exactly its allocated quantities, and every other target
    # of the plan as 全省统一, read back cell by cell
    seen = set()
    for path in regional:
        region_code = read_report(path).identity.region_code
        seen.add(region_code)
        mine = allocation[allocation["region_code"].astype(str) == region_code]
        expected = dict(zip(mine["target_id"], mine["quantity"], strict=True))
        rows = _task_rows(path)
        assert {t for t in rows if t in splittable} == set(expected), path.name
        assert set(rows) == set(expected) | {t.id for t in plan.targets if not t.splittable}
        for target_id, quantity in expected.items():
            assert float(rows[target_id]) == float(quantity), (path.name, target_id)
        for target_id in set(rows) - set(expected):
            assert rows[target_id] == layout.PROVINCE_WIDE, (path.name, target_id)
    assert seen == set(allocation["region_code"].astype(str))
    status = pd.read_csv(out / "status.csv", dtype={"target_id": str})
    assert set(status["light"].dropna()) <= {"done", "green", "yellow", "red", "none"}
    assert len(list((out / "sample-reports").glob("*.xlsx"))) == 33
