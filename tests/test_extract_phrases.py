"""The phrase corpus: every format of issue 8, quoted from other provinces' and cities' lists.

``tests/data/extract/phrases.yaml`` holds the phrases with the targets each contains (or
none); ``SOURCES.md`` says where each phrase is from. The rules are the same for every plan:
nothing here names a province.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minshi_geo.extract import extract_targets

CORPUS = Path(__file__).parent / "data" / "extract" / "phrases.yaml"
PHRASES = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
SOURCES = (CORPUS.parent / "SOURCES.md").read_text(encoding="utf-8")


def as_text(target) -> str:
    q = target.quantity
    value = int(q) if float(q).is_integer() else q
    return f"{value} {target.unit} {target.kind} {target.qualifier}"


def test_the_corpus_is_large_and_every_phrase_names_a_known_source():
    assert len(PHRASES) >= 60
    assert all(f"| {p['from']} |" in SOURCES for p in PHRASES)
    assert len({p["from"] for p in PHRASES}) >= 12  # not one document's style


@pytest.mark.parametrize("entry", PHRASES, ids=[p["text"][:24] for p in PHRASES])
def test_phrase_yields_exactly_its_targets(entry):
    found = [as_text(t) for t in extract_targets(entry["text"])]
    assert found == entry["expect"]
