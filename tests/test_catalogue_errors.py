"""A broken catalogue file gives one clear line naming file, item, target and field.

Each case breaks the valid sample catalogue ``tests/data/catalogue/mini.yaml`` in one way;
the loader must raise CatalogueError with that message, and ``minshi-geo targets --plan`` must
print it as one line (plus a hint), exit 2 and show no traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from minshi_geo.catalogue import CatalogueError, load_plan
from minshi_geo.cli import app

FIXTURES = Path(__file__).parent / "data" / "catalogue"
MINI = FIXTURES / "mini.yaml"


def _target(doc: dict, target_id: str) -> dict:
    for item in doc["items"]:
        for target in item["targets"]:
            if target["id"] == target_id:
                return target
    raise AssertionError(f"no target {target_id} in the sample")


def _item(doc: dict, number: int) -> dict:
    return next(i for i in doc["items"] if i["number"] == number)


def _sector(doc: dict, name: str) -> dict:
    return next(s for s in doc["sectors"] if s["name"] == name)


# (case name, change to the parsed sample, expected message as a regex)
STRUCTURE_MISTAKES: list[tuple[str, Callable[[dict], object], str]] = [
    ("missing required target field",
     lambda d: _target(d, "29.1").pop("metric"),
     r"^mini\.yaml: item 29, target 29\.1, field metric: missing required field$"),
    ("missing required plan field",
     lambda d: d.pop("deadline"),
     r"^mini\.yaml: field deadline: missing required field$"),
    ("duplicate target id",
     lambda d: _target(d, "29.2").update(id="29.1"),
     r"^mini\.yaml: item 29, target 29\.1, field id: duplicate target id"),
    ("unknown kind",
     lambda d: _target(d, "29.2").update(kind="counts"),
     r"item 29, target 29\.2, field kind: expected one of count, rate, standard, milestone, "
     r"got 'counts' \(did you mean 'count'\?\)$"),
    ("unknown qualifier",
     lambda d: _target(d, "29.2").update(qualifier="atleast"),
     r"item 29, target 29\.2, field qualifier: expected one of exact, at_least, about, "
     r"got 'atleast'"),
    ("negative quantity",
     lambda d: _target(d, "29.2").update(quantity=-150),
     r"^mini\.yaml: item 29, target 29\.2, field quantity: expected a number ≥ 0, got -150$"),
    ("non-numeric quantity",
     lambda d: _target(d, "29.2").update(quantity="150座"),
     r"item 29, target 29\.2, field quantity: expected a number, got '150座'$"),
    ("phrase without the number",
     lambda d: _target(d, "29.2").update(quantity=160),
     r"item 29, target 29\.2, field source: phrase '改造农村危桥150座' does not contain "
     r"the quantity 160$"),
    ("quantity not in base units (23万 written as 23)",
     lambda d: _target(d, "1.1").update(quantity=23),
     r"item 1, target 1\.1, field source: .* does not contain the quantity 23$"),
    ("phrase without the unit",
     lambda d: _target(d, "29.2").update(unit="个"),
     r"item 29, target 29\.2, field source: .* does not contain the unit '个'$"),
    ("phrase not in the plan text",
     lambda d: _target(d, "29.2").update(source="改造农村危桥151座", quantity=151),
     r"item 29, target 29\.2, field source: phrase '改造农村危桥151座' not found in the plan text"),
    ("id not prefixed by its item number",
     lambda d: _target(d, "29.2").update(id="30.2"),
     r"item 29, target 30\.2, field id: id '30\.2' is not prefixed by its item number 29$"),
    ("id written as a number",
     lambda d: _target(d, "29.2").update(id=29.2),
     r"item 29, target #2, field id: expected a quoted id like \"29\.1\", got 29\.2"),
    ("item in an unknown sector",
     lambda d: _item(d, 29).update(sector="交通"),
     r"^mini\.yaml: item 29, field sector: unknown sector '交通'"),
    ("linked_to an unknown id",
     lambda d: _target(d, "37.2").update(linked_to="37.9"),
     r"item 37, target 37\.2, field linked_to: links to unknown target '37\.9'$"),
    ("derived outcome marked splittable",
     lambda d: _target(d, "37.2").update(splittable=True, basis={"population": 1.0}),
     r"target 37\.2, field splittable: a derived outcome \(linked_to 37\.1\)"),
    ("sector item count does not match the items",
     lambda d: _sector(d, "交通出行").update(item_count=2),
     r"^mini\.yaml: sector 7 交通出行, field item_count: heading says 2 items, "
     r"the catalogue has 1$"),
    ("sector counts do not sum to the plan's total",
     lambda d: d.update(item_total=50),
     r"field item_total: sector item counts sum to 4, not 50$"),
    ("bad plan date",
     lambda d: d.update(start="2023-02-30"),
     r"^mini\.yaml: field start: expected a date YYYY-MM-DD, got '2023-02-30'$"),
    ("bad target deadline",
     lambda d: _target(d, "29.2").update(deadline="年底"),
     r"target 29\.2, field deadline: expected a date YYYY-MM-DD, got '年底'$"),
    ("misspelt field",
     lambda d: _target(d, "29.2").update(quantiy=150),
     r"target 29\.2: unknown field 'quantiy' \(did you mean 'quantity'\?\)"),
    ("milestone with a quantity",
     lambda d: _target(d, "2.1").update(quantity=1),
     r"item 2, target 2\.1, field quantity: a milestone has no quantity"),
    ("rate without its number in the phrase",
     lambda d: _target(d, "29.2").update(kind="rate", unit="%", quantity=100,
                                         source="实现城镇零就业家庭动态清零"),
     r"target 29\.2, field source: .* does not contain the quantity 100$"),
    ("standard marked splittable",
     lambda d: _target(d, "29.2").update(kind="standard"),
     r"target 29\.2, field splittable: only a count can be split among regions, "
     r"this is a standard$"),
    ("basis with an unavailable indicator",
     lambda d: _target(d, "29.1").update(basis={"rural_road_length": 1.0}),
     r"target 29\.1, field basis: unknown indicator 'rural_road_length'"),
    ("basis weights not summing to 1",
     lambda d: _target(d, "29.1").update(basis={"area": 0.5, "population": 0.4}),
     r"target 29\.1, field basis: weights must sum to 1, they sum to 0\.9$"),
    ("splittable count without a basis",
     lambda d: _target(d, "29.1").pop("basis"),
     r"target 29\.1, field basis: a splittable target needs a basis"),
    ("item without targets",
     lambda d: _item(d, 2).update(targets=[]),
     r"^mini\.yaml: item 2, field targets: expected at least one target"),
    ("confidence above 1",
     lambda d: _target(d, "29.2").update(confidence=1.5),
     r"^mini\.yaml: item 29, target 29\.2, field confidence: expected a number from 0 to 1, "
     r"got 1\.5$"),
    ("confidence below 0",
     lambda d: _target(d, "29.2").update(confidence=-0.1),
     r"target 29\.2, field confidence: expected a number from 0 to 1, got -0\.1$"),
    ("confidence as a word",
     lambda d: _target(d, "29.2").update(confidence="high"),
     r"target 29\.2, field confidence: expected a number from 0 to 1, got 'high'$"),
    ("confidence as a boolean",
     lambda d: _target(d, "29.2").update(confidence=True),
     r"target 29\.2, field confidence: expected a number from 0 to 1, got True$"),
    ("review not a boolean",
     lambda d: _target(d, "29.2").update(review="yes please"),
     r"^mini\.yaml: item 29, target 29\.2, field review: expected true or false, "
     r"got 'yes please'$"),
    ("splittable not a boolean",
     lambda d: _target(d, "29.2").update(splittable="yes"),
     r"^mini\.yaml: item 29, target 29\.2, field splittable: expected true or false, "
     r"got 'yes'$"),
    ("review as a number",
     lambda d: _target(d, "29.2").update(review=1),
     r"target 29\.2, field review: expected true or false, got 1$"),
    ("province code not quoted",
     lambda d: d.update(province_code=220000),
     r'field province_code: expected a quoted 6-digit code like "220000", got 220000$'),
]  # fmt: skip

# (case name, change to the sample's text, expected message as a regex)
TEXT_MISTAKES: list[tuple[str, Callable[[str], str], str]] = [
    ("YAML syntax error",
     lambda s: s.replace("title: 示例 catalogue", "title: [示例 catalogue"),
     r"^mini\.yaml line \d+, column \d+: YAML syntax error: "),
    ("duplicate key",
     lambda s: s.replace("        metric: 改造农村危桥\n",
                         "        metric: 改造农村危桥\n        metric: 农村危桥\n"),
     r"^mini\.yaml line 57: duplicate key 'metric'$"),
    ("not a mapping",
     lambda s: "- just\n- a list\n",
     r"^mini\.yaml: expected a mapping of fields, got \['just', 'a list'\]$"),
]  # fmt: skip

ALL_CASES = [(name, "structure") for name, _, _ in STRUCTURE_MISTAKES] + [
    (name, "text") for name, _, _ in TEXT_MISTAKES
]


def write_broken(name: str, folder: Path) -> tuple[Path, str]:
    """Copy the sample next to its plan text, break it as case ``name`` says."""
    shutil.copy(FIXTURES / "mini.txt", folder / "mini.txt")
    target = folder / "mini.yaml"
    for case, change, message in STRUCTURE_MISTAKES:
        if case == name:
            doc = yaml.safe_load(MINI.read_text(encoding="utf-8"))
            change(doc)
            target.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
            return target, message
    for case, change, message in TEXT_MISTAKES:
        if case == name:
            broken = change(MINI.read_text(encoding="utf-8"))
            assert broken != MINI.read_text(encoding="utf-8"), "the change must apply"
            target.write_text(broken, encoding="utf-8")
            return target, message
    raise AssertionError(name)


def test_the_sample_catalogue_is_valid():
    plan = load_plan(MINI)
    assert [t.id for t in plan.targets] == ["1.1", "1.2", "2.1", "29.1", "29.2", "37.1", "37.2"]


def test_the_sample_survives_a_yaml_round_trip(tmp_path):
    # The structural cases rewrite the sample through yaml.safe_dump: unchanged, it must load.
    shutil.copy(FIXTURES / "mini.txt", tmp_path / "mini.txt")
    doc = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    assert len(load_plan(tmp_path / "mini.yaml").targets) == 7


@pytest.mark.parametrize("name", [n for n, _ in ALL_CASES])
def test_loader_names_the_mistake(name, tmp_path):
    path, message = write_broken(name, tmp_path)
    with pytest.raises(CatalogueError, match=message) as caught:
        load_plan(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("name", [n for n, _ in ALL_CASES])
def test_cli_prints_one_line_and_exits_2(name, tmp_path):
    path, message = write_broken(name, tmp_path)
    result = CliRunner().invoke(app, ["targets", "--plan", str(path), "--format", "csv"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing half-written to stdout
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ")
    assert re.search(message.lstrip("^"), lines[0].removeprefix("error: "))
    assert len(lines) == 2 and lines[1].startswith("hint: ")
    assert "Traceback" not in result.output and "Traceback" not in result.stderr


def test_installed_command_exits_2_without_traceback(tmp_path):
    path, _ = write_broken("negative quantity", tmp_path)
    done = subprocess.run(
        [Path(sys.executable).parent / "minshi-geo", "targets", "--plan", str(path)],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "error: mini.yaml: item 29, target 29.2, field quantity: expected a number ≥ 0, got -150"
    )
    assert "Traceback" not in done.stderr


def test_missing_catalogue_file_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["targets", "--plan", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith("nope.yaml: No such file or directory")


def test_missing_plan_text_names_the_field(tmp_path):
    shutil.copy(MINI, tmp_path / "mini.yaml")  # mini.txt deliberately not copied
    with pytest.raises(CatalogueError, match=r"field source_text: cannot read plan text"):
        load_plan(tmp_path / "mini.yaml")
