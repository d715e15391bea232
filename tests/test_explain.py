"""The explanation table: every number of the baseline is reproduced from explanation.csv alone."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from minshi_geo.allocate import allocate, run_scenario
from minshi_geo.allocate.explain import EXPLANATION_COLUMNS
from minshi_geo.scenario import load_scenario

SCENARIOS = Path(__file__).parents[1] / "scenarios"
BASELINE = SCENARIOS / "jilin-2023-baseline.yaml"
EXAMPLE = SCENARIOS / "example-jilin-2023-rules.yaml"
QUANTUM = 10_000


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline")
    run_scenario(BASELINE, out)
    return out


def _regions(expl: pd.DataFrame) -> pd.DataFrame:
    """One row per target × region (region-level columns repeat over factor rows)."""
    return expl.drop_duplicates(["target_id", "region_code"]).set_index(
        ["target_id", "region_code"])


def _recompute_target(rows: pd.DataFrame, factors: pd.DataFrame) -> pd.Series:
    """quota → capped quota → rounding, from the explanation's own columns; returns quantities."""
    total = rows["total"].iloc[0]
    step = rows["step"].iloc[0]
    # shares from the factor rows: Σ weight × value / factor_total
    weighted = (factors["weight"] * factors["value"] / factors["factor_total"]).fillna(0.0)
    share = weighted.groupby(factors["region_code"]).sum().reindex(rows.index)
    assert np.allclose(share, rows["share"], rtol=0, atol=1e-12)
    assert np.allclose(rows["quota"], total * rows["share"], rtol=1e-12, atol=1e-9)
    # capped quota: clip(scale × quota, lower, upper), to 1/QUANTUM of a step
    upper = rows["upper"].fillna(np.inf)
    capped = np.clip(rows["scale"] * rows["quota"], rows["lower"], upper)
    assert np.allclose(capped, rows["capped_quota"], rtol=0, atol=step / QUANTUM + 1e-9)
    assert np.allclose(rows["capped_steps"] * step, rows["capped_quota"], rtol=0, atol=1e-9)
    # largest remainder in step units; ties go to the lower region code
    floor = np.floor(rows["capped_steps"] + 1e-12).astype(int)
    assert (floor == rows["floor_steps"]).all()
    remainder = (rows["capped_steps"] - floor).round(4)
    assert np.allclose(remainder, rows["remainder"], atol=1e-9)
    left = int(round(total / step)) - int(floor.sum())
    assert left == rows["units_left"].iloc[0]
    room = (floor * step < upper - 1e-9) & (remainder > 0)
    order = sorted(rows.index[room], key=lambda code: (-remainder[code], code))
    extra = pd.Series(0, index=rows.index)
    extra[order[:left]] = 1
    assert (extra == rows["extra_steps"]).all(), rows.index[extra != rows["extra_steps"]]
    return (floor + extra) * step


def test_explanation_reproduces_every_baseline_cell(baseline_dir):
    expl = pd.read_csv(baseline_dir / "explanation.csv", dtype={"target_id": str,
                                                                 "region_code": str})
    alloc = pd.read_csv(baseline_dir / "allocation.csv", dtype={"target_id": str,
                                                                "region_code": str})
    assert list(expl.columns) == EXPLANATION_COLUMNS
    regions = _regions(expl)
    assert len(regions) == len(alloc)
    checked = 0
    for tid, rows in regions.groupby(level="target_id"):
        rows = rows.droplevel("target_id")
        x = _recompute_target(rows, expl[expl["target_id"] == tid])
        want = alloc[alloc["target_id"] == tid].set_index("region_code")["quantity"]
        assert (x.reindex(want.index) == want).all(), tid
        assert (rows["quantity"].reindex(want.index) == want).all(), tid
        checked += len(rows)
    assert checked == len(alloc)


def test_changchun_bridges_is_explained(baseline_dir):
    expl = pd.read_csv(baseline_dir / "explanation.csv", dtype={"target_id": str,
                                                                 "region_code": str})
    alloc = pd.read_csv(baseline_dir / "allocation.csv", dtype={"target_id": str,
                                                                "region_code": str})
    rule = load_scenario(BASELINE).rules["29.2"]
    rows = expl[(expl["target_id"] == "29.2") & (expl["region_code"] == "220100")]
    by = rows.set_index("factor")
    assert set(by.index) == set(rule.factors)
    for name, weight in rule.factors.items():
        assert by.at[name, "weight"] == weight
        assert math.isclose(by.at[name, "factor_share"],
                            by.at[name, "value"] / by.at[name, "factor_total"])
    want = alloc[(alloc["target_id"] == "29.2") & (alloc["region_code"] == "220100")]
    assert rows["quantity"].iloc[0] == want["quantity"].iloc[0]
    assert rows["rule"].iloc[0] == "none"
    assert (by["source_title"].fillna("") != "").all()
    assert "equal-area" in by.at["area", "derivation"]
    assert rows["proxy"].iloc[0]
    assert "代理指标" in rows["proxy_caveat"].iloc[0]


def test_rules_name_what_moved_the_number():
    """The example scenario has locks, minimums, capacity and a budget: each is named."""
    allocation = allocate(load_scenario(EXAMPLE), robustness=None)
    expl = _regions(allocation.explanation)
    rules = set(expl["rule"])
    assert "lock" in rules
    table = allocation.table.set_index(["target_id", "region_code"])
    locked = expl[expl["rule"] == "lock"]
    assert table.loc[locked.index, "locked"].all()
    # a region raised to its minimum names the minimum
    raised = expl[expl["rule"] == "minimum"]
    assert (raised["capped_quota"] >= raised["quota"]).all()
    # the coupled targets: the final quantity is the allocation's, whatever moved it
    assert (expl["quantity"] == table.loc[expl.index, "quantity"]).all()
    moved = expl[expl["rounded"] != expl["quantity"]]
    assert set(moved["rule"]) <= {"budget", "balance"}


def test_explanation_round_trips_through_the_folder(tmp_path):
    allocation = run_scenario(BASELINE, tmp_path / "out", robustness=None)
    from minshi_geo.allocation import Allocation

    back = Allocation.load(tmp_path / "out")
    assert len(back.explanation) == len(allocation.explanation)
    assert back.explanation["target_id"].tolist() == allocation.explanation["target_id"].tolist()
    assert back.robustness.empty


def _run(*args):
    from typer.testing import CliRunner

    from minshi_geo.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_explain_command_prints_the_derivation(baseline_dir):
    result = _run("explain", baseline_dir, "29.2", "--region", "长春")
    assert result.exit_code == 0, result.output
    out = result.output
    assert ("150 × (0.5 × 3,087,837 / 8,994,254 + 0.5 × 24,729.8 / 191,007.4) = 35.46 → 35 座"
            in out)
    assert "来源：乡村人口" in out and "equal-area" in out
    assert "代理指标" in out
    assert "敏感性：区间" in out
    whole = _run("explain", baseline_dir, "29.2")
    assert whole.exit_code == 0, whole.output
    assert "梅河口市" in whole.output and "区间" in whole.output


def test_explain_command_errors_are_one_line(baseline_dir, tmp_path):
    bad = _run("explain", baseline_dir, "99.9")
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    excluded = _run("explain", baseline_dir, "29.2", "--region", "长白山管委会")
    assert excluded.exit_code == 2 and "takes no part" in excluded.output
    old = tmp_path / "old"
    import shutil

    shutil.copytree(baseline_dir, old)
    (old / "explanation.csv").unlink()
    missing = _run("explain", old, "29.2")
    assert missing.exit_code == 2 and "explanation.csv" in missing.output


def test_compare_names_the_input_that_changed(tmp_path):
    from minshi_geo.allocation import compare
    from minshi_geo.change_reasons import change_reasons

    text, n = re.subn(r'("29\.2":\n    factors: \{)(\w+): 0\.5, (\w+): 0\.5\}',
                      r"\1\2: 0.6, \3: 0.4}", BASELINE.read_text(encoding="utf-8"))
    assert n == 1
    text = text.replace("scenario: jilin-2023-baseline", "scenario: jilin-2023-variant")
    variant = tmp_path / "variant.yaml"
    variant.write_text(text, encoding="utf-8")
    a = allocate(load_scenario(BASELINE), robustness=None)
    b = allocate(load_scenario(variant), robustness=None)
    diff = compare(a, b)
    diff["reason"] = change_reasons(a, b, diff)
    changed = diff[diff["change"] != 0]
    assert set(changed["target_id"]) == {"29.2"}
    assert changed["reason"].str.fullmatch(r"权重 \S+ 0\.5→0\.6、\S+ 0\.5→0\.4").all()
    assert (diff.loc[diff["change"] == 0, "reason"] == "").all()
    # locks and a coupled budget (the example scenario) are named as such
    c = allocate(load_scenario(EXAMPLE), robustness=None)
    diff = compare(a, c)
    diff["reason"] = change_reasons(a, c, diff)
    reasons = diff.set_index(["target_id", "region_code"])["reason"]
    assert reasons[("28.1", "220100")].startswith("锁定为 3 家")
    assert re.search("耦合规则|权重", reasons[("29.1", "222400")])
    result = _run("compare", BASELINE, variant, "--out", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    saved = pd.read_csv(tmp_path / "cmp" / "comparison.csv", dtype={"target_id": str})
    assert "reason" in saved.columns
    assert "权重" in " ".join(saved["reason"].dropna())
