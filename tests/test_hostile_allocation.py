"""A saved allocation folder is user-editable: hand edits of allocation.csv / allocation.json
of every hostile kind are refused by the one reader (``load_allocation_inputs``) with one line
naming the file — through every command that reads a folder — and nothing is written.

(``tests/test_allocation_inputs.py`` holds the reader's own cases: text, empty, negative,
fractional and formula quantities, sums, changed inputs. These are the other kinds.)
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from maps_fixtures import baseline
from typer.testing import CliRunner

from minshi_geo.cli import app


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("alloc") / "alloc"
    baseline().save(folder)
    return folder


def _rows(folder: Path) -> list[dict]:
    with open(folder / "allocation.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(folder: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "allocation.csv").write_text(buf.getvalue(), encoding="utf-8")


def _first(rows: list[dict], target: str = "29.2") -> dict:
    return next(r for r in rows if r["target_id"] == target)


def _set(column: str, value: str, target: str = "29.2") -> Callable[[list[dict]], list[dict]]:
    def edit(rows):
        _first(rows, target)[column] = value
        return rows
    return edit


def _duplicate(rows):
    return [*rows, dict(_first(rows))]


def _unknown_region(rows):
    _first(rows)["region_code"] = "999999"
    return rows


def _unknown_target(rows):
    for r in rows:
        if r["target_id"] == "29.2":
            r["target_id"] = "99.9"
    return rows


def _meta(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "allocation.json"
        meta = json.loads(path.read_text(encoding="utf-8"))
        change(meta)
        path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return edit


CSV_EDITS = {
    "quantity-infinite": (_set("quantity", "1e400"), "column quantity"),
    "quantity-nan": (_set("quantity", "nan"), "column quantity"),
    "quantity-huge": (_set("quantity", "1" + "0" * 30), "allocation.csv"),
    "quantity-hex": (_set("quantity", "0x10"), "column quantity"),
    "quantity-long-text": (_set("quantity", "x" * 100_000), "column quantity"),
    "item-text": (_set("item", "abc"), "allocation.csv"),
    "row-twice": (_duplicate, "allocation.csv"),
    "region-unknown": (_unknown_region, "999999"),
    "target-unknown": (_unknown_target, "99.9"),
}
JSON_EDITS = {
    "catalogue-hash": (_meta(lambda m: m.update(catalogue_sha256="0" * 64)), "catalogue_sha256"),
    "plan-path-missing": (_meta(lambda m: (m.pop("plan_file", None),
                                           m.update(plan_path="/nonexistent/plan.yaml"))),
                          "plan.yaml"),
    "region-set-unknown": (_meta(lambda m: (m.pop("region_set_file", None),
                                            m.update(region_set="no-such-set"))),
                           "no-such-set"),
    "plan-file-not-a-record": (_meta(lambda m: m.update(plan_file="just text")), "plan_file"),
}
COMMANDS = {
    "sheets": lambda d, out: ["sheets", d, "-o", out / "sheets"],
    "map-allocation": lambda d, out: ["map", "allocation", d, "-o", out / "m.html"],
    "progress-sample": lambda d, out: ["progress", "sample", "-o", out / "smp", "--allocation", d],
}


def _check(result, expect: str) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert expect in errors[0], result.output
    assert len(errors[0]) < 1300, "the message must not expand a huge cell"


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(CSV_EDITS) + list(JSON_EDITS))
def test_a_hand_edited_allocation_folder_is_refused_in_one_line(saved, tmp_path, kind, command):
    folder = tmp_path / "alloc"
    shutil.copytree(saved, folder)
    if kind in CSV_EDITS:
        edit, expect = CSV_EDITS[kind]
        _write(folder, edit(_rows(folder)))
    else:
        edit, expect = JSON_EDITS[kind]
        edit(folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [str(a) for a in COMMANDS[command](folder, out)])
    _check(result, expect)
    assert not out.exists(), "nothing is written when the folder is refused"
