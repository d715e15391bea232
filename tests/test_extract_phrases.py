"""The phrase corpus: every format of issue 8, quoted from other provinces' and cities' lists.

``tests/data/extract/phrases.yaml`` holds the phrases with the targets each contains (or
none); ``SOURCES.md`` says where each phrase is from. The rules are the same for every plan:
nothing here names a province.
"""

from __future__ import annotations

import re
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


# Every format issue 8 names, as a pattern a phrase of the corpus must show, with whether the
# phrase holds targets (True), holds none (False) or either (None).
FORMATS = {
    "decimal with 万": (r"\d\.\d+万", True),
    "thousands separator": (r"\d,\d{3}", True),
    "full-width digits": (r"[０-９]", True),
    "Chinese numeral with 万": (r"[两一二三四五六七八九]万[户个人]", True),
    "Chinese numeral 一百": (r"一百个", True),
    "万 multiplier on 平方米": (r"\d万平方米", True),
    "亿": (r"\d亿元", None),
    "以上 after the unit": (r"[名个户家]以上", True),
    "以上 before a noun": (r"个以上[\u4e00-\u9fff]", True),
    "不少于 before": (r"不少于\d", True),
    "超 before": (r"超\d", True),
    "左右": (r"左右", True),
    "% 以上的": (r"%以上的", True),
    "range": (r"\d[—~-]\d", None),
    "人次": (r"人次", True),
    "人（次）": (r"人[（(]次[）)]", True),
    "rate with 率": (r"率\d+%", True),
    "全覆盖": (r"全覆盖", True),
    "increase 提高N%": (r"提高\d+(\.\d+)?%", True),
    "ratio 倍": (r"\d倍", True),
    "户均 money": (r"户均\d+元", True),
    "每名…元标准": (r"每名\d+元标准", True),
    "每人每年…元": (r"每人每年\d+元", True),
    "time limit": (r"\d个工作日(以)?内", True),
    "no measure word": (r"\d万农村居民", True),
    "several targets in one clause": (r"\d[\u4e00-\u9fff]+，[\u4e00-\u9fff]+\d", True),
    "吨/日": (r"吨/日", True),
    "age": (r"\d+岁", None),
    "5G": (r"5G", None),
    "24小时": (r"24小时", False),
    "96110": (r"96110", False),
    "G6PD": (r"G6PD", False),
    "22号线": (r"22号线", False),
    "year": (r"20\d\d年", None),
    "十件 / 50项 / （10项）": (r"十件|50项|（10项）", False),
    "8类": (r"8类", None),
    "离校2年内": (r"离校2年内", False),
    "stray spaces": (r"\d \d|\d\u3000| \d", True),
    "ASCII punctuation": (r"[,;]", True),
}


@pytest.mark.parametrize("name", FORMATS)
def test_the_corpus_covers_every_format_of_the_issue(name):
    pattern, has_targets = FORMATS[name]
    matching = [p for p in PHRASES if re.search(pattern, p["text"])]
    assert matching, f"no phrase shows {name}"
    if has_targets is not None:
        assert any(bool(p["expect"]) == has_targets for p in matching)
