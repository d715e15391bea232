"""Allocation: the tidy result table, its metadata, and its folder format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from minshi_geo.allocation import COLUMNS, Allocation, AllocationFileError, compare

SCENARIOS = Path(__file__).parents[1] / "scenarios"


def _allocation(quantities: dict[str, int], scenario: str = "s") -> Allocation:
    rows = []
    total = sum(quantities.values())
    for code, q in quantities.items():
        rows.append(
            dict(target_id="29.2", item=29, sector="交通出行", metric="危桥改造",
                 region_code=code, region_name={"220100": "长春市", "changbaishan": "长白山管委会",
                                                "220200": "吉林市"}[code],
                 quantity=q, unit="座", quota=q + 0.25, capped_quota=q + 0.25, share=q / total,
                 lower=0.0, upper=np.nan, locked=code == "changbaishan",
                 basis="population×1"))
    meta = {"scenario": scenario, "sample": False, "objective": 0.5,
            "factors": {"29.2": {"population": 1.0}}}
    factors = pd.DataFrame({"population": [9.0e6, 6.1e4, 3.6e6]},
                           index=pd.Index(["220100", "changbaishan", "220200"], name="region_code"))
    return Allocation(table=pd.DataFrame(rows), meta=meta, factor_values=factors)


def test_save_then_load_gives_back_the_same_table_metadata_and_factors(tmp_path):
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    a.save(tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "allocation.csv", "allocation.json", "factors.csv"]
    b = Allocation.load(tmp_path / "run")
    assert list(b.table.columns) == COLUMNS
    pd.testing.assert_frame_equal(a.table, b.table, check_dtype=False)
    assert b.table["region_code"].tolist() == ["220100", "changbaishan", "220200"]
    assert b.table["target_id"].map(type).eq(str).all()
    assert b.table["quantity"].dtype.kind == "i"
    assert b.table["locked"].tolist() == [False, True, False]
    assert b.meta == a.meta
    assert b.factor_values.loc["changbaishan", "population"] == 6.1e4


def test_metadata_is_plain_json(tmp_path):
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    a = Allocation(table=a.table, meta={**a.meta, "objective": np.float64(1.5)})
    a.save(tmp_path)
    meta = json.loads((tmp_path / "allocation.json").read_text(encoding="utf-8"))
    assert meta["objective"] == 1.5


def test_target_ids_like_29_10_stay_text(tmp_path):
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    a.table["target_id"] = "29.10"
    a.save(tmp_path)
    assert Allocation.load(tmp_path).target_ids == ["29.10"]


def test_loading_a_folder_without_allocation_files_names_the_file(tmp_path):
    with pytest.raises(AllocationFileError, match="allocation.csv: file not found"):
        Allocation.load(tmp_path)


def test_compare_lists_largest_changes_first():
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    b = _allocation({"220100": 80, "changbaishan": 3, "220200": 67})
    diff = compare(a, b)
    assert diff["region_code"].tolist() == ["220100", "220200", "changbaishan"]
    assert diff["change"].tolist() == [-10, 8, 2]
    assert diff.loc[2, "change_pct"] == pytest.approx(200.0)


def test_compare_keeps_whole_numbers_whole_even_where_a_side_has_no_row(tmp_path):
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    b = _allocation({"220100": 80, "220200": 70})  # 长白山 not eligible in b
    diff = compare(a, b)
    assert diff["item"].dtype == "int64"
    only_a = diff.set_index("region_code").loc["changbaishan"]
    assert only_a["quantity_a"] == 1 and pd.isna(only_a["quantity_b"]) and only_a["change"] == -1
    diff.to_csv(tmp_path / "comparison.csv", index=False)
    lines = (tmp_path / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("29.2,29,危桥改造,")
    assert ",1,,-1," in next(line for line in lines if "changbaishan" in line)
    assert ".0," not in "\n".join(lines)


def test_saving_into_a_path_that_is_a_file_is_a_one_line_error(tmp_path):
    a = _allocation({"220100": 90, "changbaishan": 1, "220200": 59})
    taken = tmp_path / "run"
    taken.write_text("not a folder")
    with pytest.raises(AllocationFileError, match=r"run: output folder is a file, not a folder$"):
        a.save(taken)
    with pytest.raises(AllocationFileError,
                       match=r"run/sub: output folder lies under .*run, which is a file"):
        a.save(taken / "sub")
    assert taken.read_text() == "not a folder"


def test_cli_allocate_into_a_file_fails_cleanly_before_allocating(tmp_path):
    from typer.testing import CliRunner

    from minshi_geo.cli import app

    taken = tmp_path / "out"
    taken.write_text("keep me")
    for args in (["allocate", "--out", str(taken)],
                 ["compare", str(SCENARIOS / "jilin-2023-baseline.yaml"),
                  str(SCENARIOS / "jilin-2023-population.yaml"), "--out", str(taken / "cmp")]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "output folder" in result.output and "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert taken.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no stray temp folders
