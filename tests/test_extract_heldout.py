"""Held-out plans: collected after the rules of issue 13 were written, read by hand before
the extractor saw them (``tests/data/extract/heldout/``; SOURCES.md records each address and
the first, blind figures). Precision and recall over the set must stay at 0.95 or above;
``benchmarks/bench_extract_recall.py`` prints them per plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minshi_geo.catalogue import load_plan
from minshi_geo.extract import extract_plan
from minshi_geo.extract.draft import write_draft
from minshi_geo.extract.scoring import Score, score

HELD_OUT = Path(__file__).parent / "data" / "extract" / "heldout"
NAMES = sorted(p.stem for p in HELD_OUT.glob("*.txt"))


def _draft(name: str):
    expected = yaml.safe_load((HELD_OUT / f"{name}.expected.yaml").read_text(encoding="utf-8"))
    text = (HELD_OUT / f"{name}.txt").read_text(encoding="utf-8")
    return extract_plan(text, year=expected.get("year")), expected


def test_held_out_set_is_big_enough_and_sourced():
    assert len(NAMES) >= 8
    sources = (HELD_OUT.parent / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"| {name} |" in sources for name in NAMES)


def test_precision_and_recall_on_the_held_out_set_are_at_least_095():
    total = Score(0, 0, 0)
    for name in NAMES:
        draft, expected = _draft(name)
        total += score(draft.quantified, expected["targets"])
    assert total.wanted >= 100
    assert (round(total.precision, 3) >= 0.95, round(total.recall, 3) >= 0.95) == (True, True), (
        total
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_held_out_draft_loads_against_its_text(name, tmp_path):
    draft, _ = _draft(name)
    plan = load_plan(write_draft(draft, tmp_path / "d.yaml", plan_path=HELD_OUT / f"{name}.txt"))
    assert len(plan.targets) >= len(draft.quantified)
