"""`minshi-geo map allocation | compare | progress`: files written, errors as one line + exit 2."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from font_fixtures import cjk_font  # noqa: F401  (fixture)
from maps_fixtures import area_split, baseline
from typer.testing import CliRunner

from minshi_geo.allocation import Allocation
from minshi_geo.catalogue import load_plan
from minshi_geo.cli import app
from minshi_geo.progress.store import ProgressStore, StoredReport
from minshi_geo.regions import load_region_set


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("alloc")
    baseline().save(root / "baseline")
    area = area_split("jilin")
    area.save(root / "area")
    few = area.table[area.table["target_id"].isin(area.target_ids[:3])]
    Allocation(table=few, meta=area.meta, factor_values=area.factor_values).save(root / "few")
    counties = area_split("jilin-counties")
    two = counties.table[counties.table["target_id"].isin(counties.target_ids[:2])]
    Allocation(table=two, meta=counties.meta, factor_values=counties.factor_values).save(
        root / "counties"
    )
    return root


def invoke(*args):
    return CliRunner().invoke(app, ["map", *map(str, args)])


def page_data(path) -> dict:
    html = path.read_text(encoding="utf-8")
    call = html[html.index("minshiMap(map_"):]
    return json.JSONDecoder().raw_decode(call[call.index(",") + 1:].lstrip())[0]


def test_map_allocation_writes_one_page_with_every_target(saved, tmp_path):
    out = tmp_path / "maps" / "allocation.html"
    result = invoke("allocation", saved / "baseline", "-o", out)
    assert result.exit_code == 0, result.output
    assert "52 targets" in result.stdout
    data = page_data(out)
    assert [t for g in data["groups"] for t in g["layers"]] == baseline().target_ids


def test_map_allocation_png_writes_a_picture_per_target_and_an_overview(saved, tmp_path,
                                                                       cjk_font):
    result = invoke("allocation", saved / "few", "-o", tmp_path / "a.html",
                    "--png", tmp_path / "png", "--png-mode", "share")
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    ids = area_split("jilin").target_ids[:3]
    assert len(pngs) == 4 and "overview.png" in pngs
    assert all(any(p.startswith(f"{t}_") for p in pngs) for t in ids)


@pytest.mark.parametrize("mode, message", [
    # (per10k no longer fails on the county set: every Jilin county has a census population)
    ("bogus", "error: --png-mode 'bogus': expected one of quantity, per10k, share"),
])
def test_png_mode_the_data_cannot_draw_fails_before_anything_is_written(
    saved, tmp_path, mode, message
):
    result = invoke("allocation", saved / "counties", "-o", tmp_path / "a.html",
                    "--png", tmp_path / "png", "--png-mode", mode)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(message)
    assert not (tmp_path / "a.html").exists() and not (tmp_path / "png").exists()


def test_missing_allocation_folder_is_one_line_and_exit_2(tmp_path):
    result = invoke("allocation", tmp_path / "nowhere", "-o", tmp_path / "a.html")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {tmp_path / 'nowhere' / 'allocation.csv'}: file not found"
    )
    assert "Traceback" not in result.output and not (tmp_path / "a.html").exists()


def test_unknown_tiles_fail_before_anything_is_written(saved, tmp_path):
    result = invoke("allocation", saved / "baseline", "-o", tmp_path / "a.html",
                    "--tiles", "google")
    assert result.exit_code == 2
    assert "--tiles 'google': expected one of none, osm, gaode, tianditu" in result.stderr
    assert not (tmp_path / "a.html").exists()


def test_map_compare_writes_b_minus_a(saved, tmp_path):
    out = tmp_path / "compare.html"
    result = invoke("compare", saved / "baseline", saved / "area", "-o", out)
    assert result.exit_code == 0, result.output
    data = page_data(out)
    assert data["modes"][0]["id"] == "change"
    assert "方案比较" in data["title"]


def _store_with_two_months(url: str, allocation) -> None:
    plan = load_plan()
    regions = load_region_set("jilin")
    store = ProgressStore(url)
    try:
        store.register(plan.id, [(t.id, t.metric, t.unit, t.kind) for t in plan.targets],
                       [(c, regions.name_of(c)) for c in regions.codes])
        reports = []
        for k, period in enumerate([date(2023, 3, 31), date(2023, 6, 30)]):
            for code, rows in allocation.table.groupby("region_code"):
                lines = pd.DataFrame({
                    "target_id": rows["target_id"], "completed": rows["quantity"] * 0.2 * (k + 1),
                    "status": None, "note": None, "sheet": "任务分解表",
                    "row": range(11, 11 + len(rows)),
                })  # fmt: skip
                sha = f"{code}{period:%Y%m%d}".ljust(64, "0")
                reports.append(StoredReport(f"{code}.xlsx", sha, plan.id,
                                            allocation.meta.get("scenario_sha256"), code, period,
                                            False, lines))  # fmt: skip
        store.save_reports(reports, imported_by="test")
    finally:
        store.close()


def test_map_progress_reads_the_store_and_slides_over_its_periods(saved, tmp_path):
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    _store_with_two_months(url, baseline())
    out = tmp_path / "progress.html"
    result = invoke("progress", "--db", url, "--allocation", saved / "baseline", "-o", out)
    assert result.exit_code == 0, result.output
    data = page_data(out)
    assert data["periods"] == ["2023-03-31", "2023-06-30"]
    assert data["initial"]["layer"] == "all"


def test_map_progress_on_an_empty_store_says_so(saved, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    ProgressStore(url).close()
    result = invoke("progress", "--db", url, "--allocation", saved / "baseline",
                    "-o", tmp_path / "p.html")
    assert result.exit_code == 2
    assert "status table: no rows" in result.stderr
