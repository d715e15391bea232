"""`minshi-geo targets` lists the catalogue as a table, CSV or JSON, filtered by sector and kind."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from minshi_geo.catalogue import load_plan
from minshi_geo.cli import app

CSV_HEAD = ["id", "item", "sector", "metric", "quantity", "unit", "kind", "qualifier", "splittable"]


def run(*args: str):
    result = CliRunner().invoke(app, ["targets", *args])
    assert result.exit_code == 0, result.output
    return result


def csv_rows(*args: str) -> list[dict[str, str]]:
    out = run("--format", "csv", *args).stdout
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames[: len(CSV_HEAD)] == CSV_HEAD
    return list(reader)


def test_csv_has_one_row_per_target_with_the_contract_columns():
    rows = csv_rows()
    plan = load_plan()
    assert [r["id"] for r in rows] == [t.id for t in plan.targets]
    assert len(rows) == 80


def test_csv_prints_integral_quantities_as_integers():
    rows = {r["id"]: r for r in csv_rows()}
    assert rows["29.1"]["quantity"] == "3000"
    assert rows["1.1"]["quantity"] == "230000"
    assert rows["3.1"]["quantity"] == "1.3"
    assert rows["2.1"]["quantity"] == ""  # milestone
    assert (rows["29.1"]["sector"], rows["29.1"]["item"], rows["29.1"]["splittable"]) == (
        "交通出行",
        "29",
        "true",
    )
    assert json.loads(rows["29.1"]["basis"]) == {"area": 0.5, "population": 0.5}
    assert rows["37.2"]["linked_to"] == "37.1"


def test_csv_ends_with_confidence_and_review(tmp_path):
    fixtures = Path(__file__).parent / "data" / "catalogue"
    shutil.copy(fixtures / "mini.txt", tmp_path / "mini.txt")
    text = (fixtures / "mini.yaml").read_text(encoding="utf-8")
    marked = text.replace('        source: "改造农村危桥150座"\n',
                          '        source: "改造农村危桥150座"\n        confidence: 0.6\n'
                          "        review: true\n")  # fmt: skip
    assert marked != text
    (tmp_path / "mini.yaml").write_text(marked, encoding="utf-8")
    out = run("--format", "csv", "--plan", str(tmp_path / "mini.yaml")).stdout
    assert out.splitlines()[0].endswith(",note,confidence,review")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows["29.2"]["confidence"], rows["29.2"]["review"]) == ("0.6", "true")
    assert (rows["29.1"]["confidence"], rows["29.1"]["review"]) == ("", "false")


def test_sector_filter_takes_a_name_or_a_number():
    by_name = [r["id"] for r in csv_rows("--sector", "交通出行")]
    assert by_name == ["29.1", "29.2", "29.3", "29.4", "30.1"]
    assert [r["id"] for r in csv_rows("--sector", "7")] == by_name


def test_kind_filter():
    rows = csv_rows("--kind", "rate")
    assert {r["kind"] for r in rows} == {"rate"}
    assert [r["id"] for r in rows] == ["11.1", "13.2", "14.2", "27.1", "40.3", "42.2", "43.1"]
    both = csv_rows("--kind", "count", "--sector", "城乡建设")
    assert {r["item"] for r in both} == {"34", "36", "37", "38", "39", "40", "42"}


def test_json_lists_targets_with_the_catalogue_hash():
    doc = json.loads(run("--format", "json", "--kind", "standard").stdout)
    plan = load_plan()
    assert doc["plan"] == "jilin-2023" and doc["catalogue_sha256"] == plan.sha256
    by_id = {t["id"]: t for t in doc["targets"]}
    assert set(by_id) == {"3.1", "6.2", "13.1", "50.1", "50.2"}
    assert by_id["13.1"]["quantity"] == 3000 and isinstance(by_id["13.1"]["quantity"], int)
    assert by_id["3.1"]["quantity"] == 1.3
    assert by_id["50.1"]["deadline"] == "2023-12-31"


def test_table_is_the_default():
    out = CliRunner().invoke(app, ["targets", "--sector", "交通出行"], env={"COLUMNS": "160"})
    assert out.exit_code == 0
    assert "新改建农村公路" in out.stdout and "3000" in out.stdout and "公里" in out.stdout
    assert "5 targets" in out.stdout


def test_plan_option_reads_another_catalogue(tmp_path):
    fixtures = Path(__file__).parent / "data" / "catalogue"
    shutil.copy(fixtures / "mini.yaml", tmp_path / "mini.yaml")
    shutil.copy(fixtures / "mini.txt", tmp_path / "mini.txt")
    rows = csv_rows("--plan", str(tmp_path / "mini.yaml"))
    assert [r["id"] for r in rows] == ["1.1", "1.2", "2.1", "29.1", "29.2", "37.1", "37.2"]


def test_unknown_sector_is_one_line_with_the_sectors_in_the_hint():
    result = CliRunner().invoke(app, ["targets", "--sector", "交通"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "error: jilin-2023.yaml: no sector '交通' in plan jilin-2023"
    assert lines[1].startswith("hint: sectors are: 1 促进就业") and "7 交通出行" in lines[1]


def test_unknown_kind_is_a_usage_error():
    result = CliRunner().invoke(app, ["targets", "--kind", "counts"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
