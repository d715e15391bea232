"""Provenance of an allocation folder (AllocationMeta, load_allocation_inputs) and its checks.

The folder records plan, region set and indicator files by path and sha256, so ``sheets``,
``map`` and ``progress`` find them again from any working directory, including a region set
given to the scenario as a path; a hand-edited allocation.csv is checked row by row.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.allocation import (
    Allocation,
    AllocationFileError,
    AllocationMeta,
    FileRecord,
    load_allocation_inputs,
)
from minshi_geo.cli import app


def cli(*args: str):
    result = CliRunner().invoke(app, list(args))
    return result


@pytest.fixture(scope="module")
def by_path(tmp_path_factory) -> Path:
    """A scenario whose region set is a YAML file next to it (a set no name finds), allocated."""
    root = tmp_path_factory.mktemp("by-path")
    inputs = root / "inputs"
    inputs.mkdir()
    text = (paths.REGIONS_DIR / "jilin.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^name: jilin$", "name: my-jilin", text)
    (inputs / "my-jilin.yaml").write_text(text, encoding="utf-8")
    scenario = (paths.SCENARIOS_DIR / "jilin-2023-baseline.yaml").read_text(encoding="utf-8")
    scenario = scenario.replace("region_set: jilin\n", "region_set: my-jilin.yaml\n")
    scenario = scenario.replace("scenario: jilin-2023-baseline\n", "scenario: my-jilin-2023\n")
    (inputs / "scenario.yaml").write_text(scenario, encoding="utf-8")
    result = cli("allocate", str(inputs / "scenario.yaml"), "--out", str(root / "alloc"))
    assert result.exit_code == 0, result.output
    return root


def test_a_region_set_given_by_path_runs_through_sheets_map_and_progress(
    by_path, tmp_path, monkeypatch
):
    alloc = by_path / "alloc"
    meta = json.loads((alloc / "allocation.json").read_text(encoding="utf-8"))
    assert meta["region_set"] == "my-jilin"
    record = meta["region_set_file"]
    assert Path(record["path"]) == (by_path / "inputs" / "my-jilin.yaml").resolve()
    assert record["relative"] == "../inputs/my-jilin.yaml"
    # another working directory, relative paths to the folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rel = Path(os.path.relpath(alloc, elsewhere))
    result = cli("sheets", str(rel), "-o", "sheets")
    assert result.exit_code == 0, result.output
    assert len(list(Path("sheets").glob("*.xlsx"))) == 12  # 11 regions + summary
    result = cli("map", "allocation", str(rel), "-o", "map.html")
    assert result.exit_code == 0, result.output
    assert "长白山管委会" in Path("map.html").read_text(encoding="utf-8")
    result = cli("progress", "sample", "--allocation", str(rel), "-o", "reports")
    assert result.exit_code == 0, result.output
    db = f"sqlite:///{elsewhere / 'p.db'}"
    files = sorted(str(p) for p in Path("reports").glob("*2023-03-31.xlsx"))
    assert len(files) == 11
    result = cli("progress", "import", *files, "--db", db, "--allocation", str(rel))
    assert result.exit_code == 0, result.output
    result = cli("progress", "status", "--db", db, "--allocation", str(rel), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "220100" in result.output and "changbaishan" in result.output
    result = cli("map", "progress", "--db", db, "--allocation", str(rel), "-o", "progress.html")
    assert result.exit_code == 0, result.output


def test_a_folder_moved_with_its_inputs_finds_them_by_relative_path(by_path, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(by_path, moved)
    # the absolute path recorded no longer exists; the relative one does
    shutil.move(str(by_path / "inputs"), str(by_path / "inputs-away"))
    try:
        inputs = load_allocation_inputs(moved / "alloc")
        assert inputs.regions.name == "my-jilin"
        assert inputs.regions.path == (moved / "inputs" / "my-jilin.yaml").resolve()
    finally:
        shutil.move(str(by_path / "inputs-away"), str(by_path / "inputs"))


def test_a_changed_region_set_file_is_refused_by_hash(by_path, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(by_path, copy)
    meta_path = copy / "alloc" / "allocation.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["region_set_file"]["path"] = str(copy / "inputs" / "my-jilin.yaml")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    yaml_path = copy / "inputs" / "my-jilin.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(AllocationFileError, match=r"key region_set_file: .*has changed"):
        load_allocation_inputs(copy / "alloc")


def test_metadata_keeps_every_earlier_key_and_round_trips(by_path):
    meta = Allocation.load(by_path / "alloc").meta
    earlier = ["scenario", "scenario_title", "scenario_path", "scenario_sha256", "plan_id",
               "plan_path", "catalogue_sha256", "region_set", "sample", "solver",
               "solver_version", "objective", "status", "runtime_s", "created_at", "factors",
               "engine", "objective_note", "deviation", "model_targets", "indicator_files"]  # fmt: skip
    assert set(earlier) <= set(meta)
    assert isinstance(meta.plan_file, FileRecord) and meta.plan_file.sha256 == meta["catalogue_sha256"]
    assert AllocationMeta.from_json(meta.to_json()) == meta
    assert meta.totals["29.2"] == 150 and meta.steps["29.2"] == 1
    with pytest.raises(Exception):  # frozen
        meta.scenario = "x"  # type: ignore[misc]
    # keys a later version adds are kept through a load and a save
    again = AllocationMeta.from_json({**meta, "later_key": {"a": 1}})
    assert again["later_key"] == {"a": 1} and again.to_json()["later_key"] == {"a": 1}


def _edited(by_path: Path, tmp_path: Path, edit) -> Path:
    folder = tmp_path / "edited"
    shutil.copytree(by_path / "alloc", folder)
    csv = folder / "allocation.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    edit(lines)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _row_of(lines: list[str], target_id: str) -> int:
    """CSV row (header = row 1) of the first line of ``target_id`` (a step-1 target)."""
    return next(i + 1 for i, line in enumerate(lines) if line.startswith(f"{target_id},"))


def _set_quantity(lines: list[str], row: int, value: str) -> None:
    """Set the quantity cell of CSV row ``row`` (header = row 1)."""
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index("quantity")] = value
    lines[row - 1] = ",".join(cells)


@pytest.mark.parametrize("value, expected", [
    ("abc", "a whole number ≥ 0, got 'abc'"),
    ("", "a whole number ≥ 0, got ''"),
    ("-3", "a whole number ≥ 0, got '-3'"),
    ("2.5", "a whole number ≥ 0, got '2.5'"),
    ("=1+1", "a whole number ≥ 0, got '=1+1'"),
])  # fmt: skip
def test_a_hand_edited_quantity_is_checked_cell_by_cell(by_path, tmp_path, value, expected):
    rows = []

    def edit(lines):
        rows.append(_row_of(lines, "29.2"))
        _set_quantity(lines, rows[0], value)

    folder = _edited(by_path, tmp_path, edit)
    message = rf"allocation\.csv row {rows[0]}, column quantity: expected {re.escape(expected)}"
    with pytest.raises(AllocationFileError, match=message):
        load_allocation_inputs(folder)
    result = cli("sheets", str(folder), "-o", str(tmp_path / "s"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_an_edited_split_must_still_add_up_to_the_total(by_path, tmp_path):
    def edit(lines):
        row = _row_of(lines, "29.2")
        q = lines[0].split(",").index("quantity")
        _set_quantity(lines, row, str(int(lines[row - 1].split(",")[q]) + 1))

    folder = _edited(by_path, tmp_path, edit)
    pattern = r"allocation\.csv rows \d+–\d+, column quantity: target 29\.2 sums to 151 座, expected 150"
    with pytest.raises(AllocationFileError, match=pattern):
        load_allocation_inputs(folder)


def test_a_missing_allocation_folder_names_the_command(tmp_path):
    with pytest.raises(AllocationFileError, match="allocation.csv: file not found") as caught:
        load_allocation_inputs(tmp_path)
    assert "minshi-geo allocate" in caught.value.hint
