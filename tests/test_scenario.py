"""Scenario files: what they may say, and a one-line error naming file and key for each mistake."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from minshi_geo.cli import app
from minshi_geo.limits import InputTooLargeError
from minshi_geo.scenario import ScenarioError, load_scenario

SMALL = Path(__file__).parent / "data" / "scenarios" / "small.yaml"
SCENARIOS = Path(__file__).parents[1] / "scenarios"


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _variant(tmp_path: Path, edit) -> Path:
    raw = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    edit(raw)
    return _write(tmp_path, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))


def test_the_small_scenario_resolves_defaults_regions_and_rules():
    s = load_scenario(SMALL)
    assert s.name == "small" and not s.sample
    assert len(s.rules) == 52  # every splittable target, defaults for the unlisted ones
    bridges = s.rules["29.2"]
    assert bridges.factors == {"population": 0.5, "area": 0.5}
    assert "changbaishan" not in bridges.eligible and len(bridges.eligible) == 10
    assert bridges.maximum.value_for("220100", 150) == pytest.approx(52.5)
    assert bridges.minimum.value_for("220100", 150) == 1
    assert s.rules["33.2"].method == "webster"
    assert s.rules["28.1"].locks == {"220100": 3.0} and s.rules["28.1"].objective == "fair"
    assert s.rules["4.1"].factors == {"population": 1.0}
    assert s.rules["4.1"].factors_from == "defaults"


def test_milestones_plan_wide_and_per_target(tmp_path):
    def edit(r):
        r["milestones"] = {"3-31": "15%", "6-30": 0.5, "2023-09-30": "80%"}
        r["targets"]["29.2"]["milestones"] = {"6-30": "35%"}
        r["targets"]["37.1"] = {"milestones": {"9-30": "90%"}}
    s = load_scenario(_variant(tmp_path, edit))
    assert s.milestones["*"] == {date(2023, 3, 31): 0.15, date(2023, 6, 30): 0.5,
                                 date(2023, 9, 30): 0.8}
    assert s.milestones["29.2"] == {date(2023, 6, 30): 0.35}  # replaces the plan-wide table
    # 37.2 惠及居民14万户 follows 37.1's split, so it follows 37.1's schedule too.
    assert s.milestones["37.2"] == s.milestones["37.1"] == {date(2023, 9, 30): 0.9}
    assert "4.1" not in s.milestones  # takes "*"


def test_without_milestones_pace_stays_linear():
    assert load_scenario(SMALL).milestones == {}
    assert load_scenario(SCENARIOS / "jilin-2023-baseline.yaml").milestones == {}


def test_without_factors_a_target_uses_the_catalogue_basis(tmp_path):
    path = _variant(tmp_path, lambda r: r.pop("defaults"))
    rule = load_scenario(path).rules["1.1"]
    assert rule.factors == {"population": 0.5, "gdp_h1_2022": 0.5}
    assert rule.factors_from == "catalogue"


def test_bundled_scenarios_all_load():
    names = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert "jilin-2023-baseline.yaml" in names and len(names) >= 4
    for path in SCENARIOS.glob("*.yaml"):
        s = load_scenario(path)
        assert s.sample == path.name.startswith("example-")


def test_scenarios_reading_sample_files_are_marked_sample(tmp_path):
    def edit(r):
        r["indicators"] = [str(Path(__file__).parents[1] / "data" / "indicators"
                               / "sample-jilin-2023-example.csv")]
    assert load_scenario(_variant(tmp_path, edit)).sample is True

    def edit_false(r):
        edit(r)
        r["sample"] = False
    with pytest.raises(ScenarioError, match=r"bad.yaml: sample: the scenario reads 示例/sample"):
        load_scenario(_variant(tmp_path, edit_false))


MISTAKES = [
    ("unknown target id",
     lambda r: r["targets"].update({"99.9": {"min": 1}}),
     r"^bad.yaml: targets.99.9: .*99.9"),
    ("target that is not splittable",
     lambda r: r["targets"].update({"42.2": {"min": 1}}),
     r"^bad.yaml: targets.42.2: 42.2 行政村5G网络通达率 is a rate target; only splittable"),
    ("unknown region",
     lambda r: r["targets"]["29.2"].update({"exclude": ["长白"]}),
     r"^bad.yaml: targets.29.2.exclude\[0\]: unknown region '长白'"),
    ("weights that do not sum to 1",
     lambda r: r["targets"]["29.2"].update({"factors": {"population": 0.6, "area": 0.6}}),
     r"^bad.yaml: targets.29.2.factors: weights must sum to 1, got 1.2 \(0.6 \+ 0.6\)$"),
    ("weights written as percentages",
     lambda r: r["targets"]["29.2"].update({"factors": {"population": 60, "area": 40}}),
     r"^bad.yaml: targets.29.2.factors: weights must sum to 1, got 100 \(60 \+ 40\) — weights "
     r"are fractions: write 0.6, not 60$"),
    ("negative bound",
     lambda r: r["targets"]["29.2"].update({"min": -3}),
     r"^bad.yaml: targets.29.2.min: expected a number ≥ 0 or a share like '35%', got -3$"),
    ("share above 100%",
     lambda r: r["targets"]["29.2"].update({"max": "135%"}),
     r"^bad.yaml: targets.29.2.max: a share cannot exceed 100%, got '135%'$"),
    ("unknown indicator",
     lambda r: r["defaults"].update({"factors": {"populaton": 1.0}}),
     r"^bad.yaml: defaults.factors.populaton: unknown indicator 'populaton' — did you mean "
     r"population"),
    ("unknown rule key",
     lambda r: r["targets"]["29.2"].update({"maximum": 40}),
     r"^bad.yaml: targets.29.2.maximum: unknown key — did you mean max\?"),
    ("unknown top-level key",
     lambda r: r.update({"regions": "jilin"}),
     r"^bad.yaml: regions: unknown key — did you mean region_set\?"),
    ("bad objective",
     lambda r: r["targets"]["29.2"].update({"objective": "fairest"}),
     r"^bad.yaml: targets.29.2.objective: expected one of quota, fair, got 'fairest'$"),
    ("unknown method",
     lambda r: r["targets"]["33.2"].update({"method": "borda"}),
     r"^bad.yaml: targets.33.2.method: unknown method 'borda'"),
    ("zero step",
     lambda r: r["targets"]["29.2"].update({"step": 0}),
     r"^bad.yaml: targets.29.2.step: expected a number > 0, got 0$"),
    ("lock that is not a number",
     lambda r: r["targets"]["28.1"].update({"locks": {"长春市": "three"}}),
     r"^bad.yaml: targets.28.1.locks.长春市: expected a number ≥ 0, got 'three'$"),
    ("lock on an excluded region",
     lambda r: r["targets"]["29.2"].update({"locks": {"长白山管委会": 1}}),
     r"^bad.yaml: targets.29.2.locks: locked region 长白山保护开发区管理委员会 is not eligible"),
    ("missing title",
     lambda r: r.pop("title"),
     r"^bad.yaml: title: required text is missing$"),
    ("unknown solver",
     lambda r: r.update({"solver": "gurobi"}),
     r"^bad.yaml: solver: expected one of highs, cbc, auto, got 'gurobi'$"),
    ("budget cost for a target not allocated",
     lambda r: r.update({"plan_rules": {"budget": {"costs": {"27.1": 5}, "province": 10}}}),
     r"^bad.yaml: plan_rules.budget.costs.27.1: not an allocated target"),
    ("coverage rate above 100%",
     lambda r: r.update({"plan_rules": {"coverage": {"42.2": {
         "villages": "population", "covered": "population", "rate": "160%"}}}}),
     r"^bad.yaml: plan_rules.coverage.42.2.rate: expected a rate between 0% and 100%"),
    ("missing indicator file",
     lambda r: r.update({"indicators": ["nowhere.csv"]}),
     r"^bad.yaml: indicators\[0\]: file 'nowhere.csv' not found"),
    ("unknown region set",
     lambda r: r.update({"region_set": "jilin-villages"}),
     r"^bad.yaml: region_set: "),
    # 序时进度 milestones: plan-wide at the top level, a target's own in its rule.
    ("milestone date outside the plan year",
     lambda r: r.update({"milestones": {"2024-06-30": "50%"}}),
     r"^bad.yaml: milestones.2024-06-30: expected a date in the plan year 2023, got 2024-06-30$"),
    ("milestone date that does not exist",
     lambda r: r.update({"milestones": {"6-31": "50%"}}),
     r"^bad.yaml: milestones.6-31: expected a date like 6-30 or 2023-06-30, got '6-31'$"),
    ("milestone share above 100%",
     lambda r: r.update({"milestones": {"6-30": "150%"}}),
     r"^bad.yaml: milestones.6-30: expected a share between 0 and 1 \(0–100%\), got '150%'$"),
    ("milestone share that is not a number",
     lambda r: r.update({"milestones": {"6-30": "half"}}),
     r"^bad.yaml: milestones.6-30: expected a share like 0.5 or 50%, got 'half'$"),
    ("milestone shares falling as the date rises",
     lambda r: r.update({"milestones": {"6-30": "60%", "9-30": 0.4}}),
     r"^bad.yaml: milestones.9-30: shares must not fall as dates rise: 6-30 is 60%, "
     r"9-30 is 40%$"),
    ("the same milestone date written twice",
     lambda r: r.update({"milestones": {"6-30": 0.5, "2023-06-30": 0.5}}),
     r"^bad.yaml: milestones.2023-06-30: the same date as 6-30 \(2023-06-30\)$"),
    ("milestone on the deadline below 100%",
     lambda r: r.update({"milestones": {"12-31": "90%"}}),
     r"^bad.yaml: milestones.12-31: the deadline 2023-12-31 is 100% by definition, got '90%'$"),
    ("milestones that are not a mapping",
     lambda r: r.update({"milestones": "50%"}),
     r"^bad.yaml: milestones: expected a mapping of date → share such as \{6-30: 50%\}, "
     r"got '50%'$"),
    ("per-target milestones at the top level",
     lambda r: r.update({"milestones": {"29.2": {"6-30": "50%"}}}),
     r"^bad.yaml: milestones.29.2: milestones take dates, not target ids: write this target's "
     r"own under targets.29.2.milestones$"),
    ("a target's own milestones falling",
     lambda r: r["targets"]["29.2"].update({"milestones": {"6-30": "60%", "9-30": "40%"}}),
     r"^bad.yaml: targets.29.2.milestones.9-30: shares must not fall as dates rise"),
    # Two spellings of one thing: YAML keeps both keys and the later would silently win.
    ("one region locked twice under two spellings",
     lambda r: r["targets"]["28.1"].update({"locks": {"长春市": 3, "长春": 4}}),
     r"^bad.yaml: targets.28.1.locks.长春: '长春' and '长春市' are the same region \(长春市\); "
     r"give it once$"),
    ("one region bounded twice, by name and by code",
     lambda r: r["targets"]["29.2"].update({"min": {"长春市": 5, "220100": 6}}),
     r"^bad.yaml: targets.29.2.min.220100: '220100' and '长春市' are the same region"),
    ("default and others in one bound",
     lambda r: r["targets"]["29.2"].update({"max": {"default": "30%", "others": "35%"}}),
     r"^bad.yaml: targets.29.2.max.others: default and others both set the value for the "
     r"other regions; keep one$"),
    ("one target listed twice, once with a stray space",
     lambda r: r["targets"].update({"29.2 ": {"min": 2}}),
     r"^bad.yaml: targets.29.2: target 29.2 has two rules \(keys '29.2' and '29.2 '\); "
     r"merge them into one$"),
    ("one target costed twice",
     lambda r: r.update({"plan_rules": {"budget": {"costs": {"29.2": 5, " 29.2": 6},
                                                   "province": 10000}}}),
     r"^bad.yaml: plan_rules.budget.costs.29.2: target 29.2 is costed twice; give it once$"),
    ("milestones in defaults",
     lambda r: r["defaults"].update({"milestones": {"6-30": "50%"}}),
     r"^bad.yaml: defaults.milestones: milestones for every target go at the top level"),
]


@pytest.mark.parametrize(("kind", "edit", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_kind_of_mistake_gives_one_line_naming_file_and_key(tmp_path, kind, edit, message):
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(_variant(tmp_path, edit))
    assert "\n" not in str(err.value)


def test_unquoted_target_ids_are_refused_because_yaml_reads_29_10_as_29_1(tmp_path):
    text = SMALL.read_text(encoding="utf-8").replace('"29.2":', "29.2:")
    with pytest.raises(ScenarioError, match=r'^bad.yaml: targets.29.2: write target ids in quotes'):
        load_scenario(_write(tmp_path, text))


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line(tmp_path):
    with pytest.raises(ScenarioError, match=r"^bad.yaml: line \d+, column \d+: YAML syntax error"):
        load_scenario(_write(tmp_path, "scenario: x\ntitle: [unclosed\n"))
    dup = SMALL.read_text(encoding="utf-8") + '  "29.2":\n    min: 2\n'
    with pytest.raises(ScenarioError, match=r"^bad.yaml: 29.2: duplicate key \(line \d+\)$"):
        load_scenario(_write(tmp_path, dup))


def test_a_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="nothing.yaml: scenario file not found"):
        load_scenario(tmp_path / "nothing.yaml")


def test_cli_reports_a_bad_scenario_in_one_line_and_writes_nothing(tmp_path):
    bad = _variant(tmp_path, lambda r: r["targets"]["29.2"].update({"min": -3}))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["allocate", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("error: bad.yaml: targets.29.2.min: expected a number ≥ 0")
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_reports_an_infeasible_rule_and_writes_nothing(tmp_path):
    bad = _variant(tmp_path, lambda r: r["targets"]["29.2"].update({"min": 20}))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")
    result = CliRunner().invoke(app, ["allocate", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "error: bad.yaml: 29.2 改造农村危桥: minimums sum to 200 座 but the total is 150 座" \
        in result.output.replace("\n", "")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_cli_compare_names_the_scenario_whose_rules_conflict(tmp_path):
    # Two scenarios side by side: the error must say which file cannot be allocated.
    good = _write(tmp_path, SMALL.read_text(encoding="utf-8"), name="base.yaml")
    bad = _write(tmp_path, _variant(tmp_path, lambda r: r["targets"]["29.2"].update(
        {"step": 20})).read_text(encoding="utf-8"), name="variant.yaml")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", str(good), str(bad), "--out", str(out)])
    assert result.exit_code == 2
    first = result.output.replace("\n", "")
    assert "error: variant.yaml: 29.2 改造农村危桥: total 150 座 is not a multiple of step 20 座" \
        in first
    assert "Traceback" not in result.output
    assert not out.exists()


def test_yaml_aliases_list_keys_and_huge_files_are_refused_in_one_line(tmp_path):
    # Nine nested aliases expand to 387 million strings: reading such a note hung for minutes.
    bomb = "scenario: t\ntitle: t\ndefaults:\n  note:\n    - &a0 [x, x, x, x, x, x, x, x, x]\n"
    bomb += "".join(f"    - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    with pytest.raises(ScenarioError, match=r"^bad.yaml: YAML alias \*a0 \(line 6\): aliases "
                                            r"are not read in scenario files"):
        load_scenario(_write(tmp_path, bomb))
    listed = SMALL.read_text(encoding="utf-8").replace("locks: {长春市: 3}", "locks: {[长春市]: 3}")
    with pytest.raises(ScenarioError, match=r"^bad.yaml: line \d+: a key must be a name, a "
                                            r"target id or a date, not a list$"):
        load_scenario(_write(tmp_path, listed))
    huge = _write(tmp_path, SMALL.read_text(encoding="utf-8") + "# " + "x" * (11 << 20) + "\n")
    with pytest.raises(InputTooLargeError, match=r"bad.yaml: 11 MB is too large for a "
                                                 r"scenario file \(limit 10 MB\)"):
        load_scenario(huge)
