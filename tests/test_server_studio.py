"""Scenario studio: edits → the one validator and allocator; save; publish (immutable versions)."""

from __future__ import annotations

import pandas as pd
import pytest

from server_fixtures import client_for, module_state

from minshi_geo.allocate import allocate
from minshi_geo.server import publish, studio

EDIT = {"29.2": {"factors": {"population": 0.3, "area": 0.7}, "min": "2", "max": "",
                 "locks": {"220100": 20}}}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    yield from module_state(tmp_path_factory, "server-studio")


def test_edited_targets_only_equals_a_full_run(state):
    path, scenario = studio.edited_scenario(state, "b:jilin-2023-baseline", EDIT)
    base = studio._baseline(state, "b:jilin-2023-baseline", path)
    quick = studio.allocate_edited(scenario, base, ["29.2"])
    full = allocate(scenario, robustness=None)
    cols = ["target_id", "region_code", "quantity", "quota", "capped_quota", "lower", "upper",
            "locked"]
    pd.testing.assert_frame_equal(quick.table[cols], full.table[cols])
    ex_cols = ["target_id", "region_code", "factor", "share", "quota", "rule", "quantity"]
    pd.testing.assert_frame_equal(quick.explanation[ex_cols], full.explanation[ex_cols])
    mine = quick.target("29.2").set_index("region_code")
    assert mine.loc["220100", "quantity"] == 20 and bool(mine.loc["220100", "locked"])
    assert (mine["quantity"] >= 2).all() and mine["quantity"].sum() == 150


def test_run_answers_with_allocation_explanation_and_comparison(state):
    client = client_for(state, "planner1")
    client.refresh_csrf("/studio")
    response = client.post_json("/studio/run", {"scenario": "b:jilin-2023-baseline",
                                                "edits": EDIT})
    assert response.status_code == 200, response.text
    body = response.json()
    rows = [r for r in body["rows"] if r["target_id"] == "29.2"]
    assert sum(r["quantity"] for r in rows) == 150
    changchun = next(r for r in rows if r["region_code"] == "220100")
    assert changchun["quantity"] == 20 and changchun["baseline"] == 35  # rural population + area
    assert body["changed_count"] > 0 and all(c["target_id"] == "29.2" for c in body["changes"])
    assert {r["factor_label"] for r in body["explanation"]} >= {"常住人口（2020年人口普查）"}
    page = client.get(f"/studio/map/{body['token']}?target=29.2")
    assert page.status_code == 200 and "改造农村危桥" in page.text
    assert "unsafe-inline" in page.headers["content-security-policy"]


def test_a_bad_edit_is_one_message_naming_the_key(state):
    client = client_for(state, "planner1")
    client.refresh_csrf("/studio")
    bad = {"29.2": {"factors": {"population": 0.3, "area": 0.6}}}
    response = client.post_json("/studio/run", {"scenario": "b:jilin-2023-baseline",
                                                "edits": bad})
    assert response.status_code == 422
    assert "targets.29.2.factors" in response.json()["error"]
    impossible = {"29.2": {"min": "20"}}  # 11 regions × 20 > 150
    response = client.post_json("/studio/run", {"scenario": "b:jilin-2023-baseline",
                                                "edits": impossible})
    assert response.status_code == 422 and "29.2" in response.json()["error"]


def test_save_then_publish_makes_a_new_immutable_version(state):
    client = client_for(state, "planner1")
    client.refresh_csrf("/studio")
    saved = client.post_json("/studio/save", {"scenario": "b:jilin-2023-baseline", "edits": EDIT,
                                              "name": "jilin-adjusted", "title": "调整方案"})
    assert saved.status_code == 200, saved.text
    again = client.post_json("/studio/save", {"scenario": "b:jilin-2023-baseline", "edits": EDIT,
                                              "name": "jilin-adjusted", "title": "调整方案"})
    assert again.status_code == 409  # a saved scenario is never overwritten
    before = publish.latest(state.store, state.published_dir)
    published = client.post_json("/studio/publish", {"scenario": "s:jilin-adjusted"})
    assert published.status_code == 200, published.text
    pub = publish.latest(state.store, state.published_dir)
    assert pub.version == before.version + 1 == published.json()["version"]
    allocation, _plan, _regions = publish.load(pub)
    assert allocation.target("29.2").set_index("region_code").loc["220100", "quantity"] == 20
    assert len(list(pub.sheets_dir.glob("*.xlsx"))) == 12  # 11 regions + summary
    workbook = client.get("/studio/workbook/s:jilin-adjusted")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    from openpyxl import load_workbook
    import io

    assert "规则" in load_workbook(io.BytesIO(workbook.content)).sheetnames
    # the earlier version is untouched and still loads; its files are read-only
    publish.load(before)
    csv = pub.allocation_dir / "allocation.csv"
    assert not csv.stat().st_mode & 0o222
    # regions now report against the new version
    assert state.current().publication.version == pub.version
    # a changed published file is refused, not used
    csv.chmod(0o644)
    csv.write_text(csv.read_text(encoding="utf-8").replace(",20,", ",21,", 1), encoding="utf-8")
    with pytest.raises(publish.PublicationError, match="已被改动"):
        publish.load(pub)
    audit = client_for(state, "admin1").get("/admin/audit").text
    assert "publish" in audit and "save_scenario" in audit
