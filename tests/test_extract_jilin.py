"""Acceptance on the Jilin 2023 plan: the draft matches the hand-curated catalogue.

Targets are matched on (item, quantity, unit, kind, qualifier); metrics are free text and
not compared. Milestones have no number, so they are compared as the set of items that
carry no quantified target at all.
"""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from minshi_geo import paths
from minshi_geo.catalogue import load_plan
from minshi_geo.extract import extract_plan
from minshi_geo.extract.draft import write_draft

JILIN_TEXT = paths.TARGETS_DIR / "jilin-2023.txt"
JILIN_CATALOGUE = paths.TARGETS_DIR / "jilin-2023.yaml"


def target_key(t) -> tuple:
    return (t.item, round(float(t.quantity), 6), t.unit, t.kind, t.qualifier)


@pytest.fixture(scope="module")
def hand():
    return load_plan(JILIN_CATALOGUE)


@pytest.fixture(scope="module")
def draft_plan(tmp_path_factory):
    """The draft as written to disk next to a copy of the text, read back by load_plan."""
    folder = tmp_path_factory.mktemp("draft")
    text = folder / "jilin-2023.txt"
    shutil.copyfile(JILIN_TEXT, text)
    draft = extract_plan(text.read_text(encoding="utf-8"))
    out = write_draft(draft, folder / "jilin-2023.draft.yaml", plan_path=text)
    return load_plan(out)


def test_precision_and_recall_are_100_percent_on_jilin(hand, draft_plan):
    expected = Counter(target_key(t) for t in hand.targets if t.quantity is not None)
    found = Counter(target_key(t) for t in draft_plan.targets if t.quantity is not None)
    matched = sum((expected & found).values())
    precision = matched / sum(found.values())
    recall = matched / sum(expected.values())
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    assert (precision, recall) == (1.0, 1.0), f"missing {missing}; false targets {extra}"
    assert sum(expected.values()) == 66  # the hand catalogue's quantified targets


def test_items_without_numbers_are_the_same_milestone_items(hand, draft_plan):
    def milestone_items(plan):
        return {i.number for i in plan.items if all(t.quantity is None for t in i.targets)}

    assert milestone_items(draft_plan) == milestone_items(hand) == {2, 5, 22, 25, 26, 35, 41, 48}


def test_sectors_and_items_follow_the_headings(hand, draft_plan):
    assert [(s.number, s.name, s.item_count) for s in draft_plan.sectors] == [
        (s.number, s.name, s.item_count) for s in hand.sectors
    ]
    assert [(i.number, i.sector, i.text) for i in draft_plan.items] == [
        (i.number, i.sector, i.text) for i in hand.items
    ]


def test_outcomes_are_linked_to_the_target_that_drives_them(hand, draft_plan):
    def links(plan):
        return {t.id: t.linked_to for t in plan.targets if t.linked_to}

    assert links(draft_plan) == links(hand) == {"37.2": "37.1", "40.2": "40.1"}
    assert not draft_plan.target("37.2").splittable


def test_every_source_phrase_is_in_the_plan_text(draft_plan):
    text = JILIN_TEXT.read_text(encoding="utf-8")
    assert all(t.source in text for t in draft_plan.targets)
    assert draft_plan.target("29.4").source == "养护工程5000公里"
