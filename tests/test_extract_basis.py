"""The basis rule table: keywords of a target's words → the indicators it is split by."""

from __future__ import annotations

import pytest

from minshi_geo.extract import extract_plan
from minshi_geo.extract.basis import BASIS_RULES, suggest_basis, suggest_bases

ALL = ("population", "rural_population", "urban_population", "villages", "communities",
       "population_60_plus", "population_0_14", "population_5_14", "households", "area")  # fmt: skip


@pytest.mark.parametrize(
    ("words", "factors"),
    [
        ("新改建农村公路3000公里", {"rural_population": 0.5, "area": 0.5}),
        ("完成农村户厕改造5万户", {"rural_population": 1.0}),
        ("新建社区老年食堂100个", {"population_60_plus": 1.0}),
        ("新增普惠性托位2万个", {"population_0_14": 1.0}),
        ("为中小学生免费检测视力", {"population_5_14": 1.0}),
        ("改造城镇老旧小区1000个", {"urban_population": 0.5, "communities": 0.5}),
        ("建设行政村综合服务站300个", {"villages": 1.0}),
        ("培训高素质农民2万人", {"rural_population": 0.5, "villages": 0.5}),
        ("为困难家庭发放取暖补助1万户", {"households": 1.0}),
        ("开展职业技能培训10万人次", {"population": 1.0}),  # no rule: the fallback
    ],
)
def test_keywords_choose_the_indicators(words, factors):
    assert suggest_basis(words, "", ALL).factors == factors


def test_a_basis_whose_indicators_the_set_lacks_gives_way_to_the_next():
    # Jilin's 11 units have no area for 长白山 and no 5–14 band for three units
    have = ("population", "rural_population", "population_0_14")
    assert suggest_basis("新改建农村公路3000公里", "", have).factors == {"rural_population": 1.0}
    assert suggest_basis("为中小学生免费检测视力", "", have).factors == {"population_0_14": 1.0}
    assert suggest_basis("建设行政村综合服务站300个", "", have).factors == {"rural_population": 1.0}


def test_the_targets_own_words_win_over_its_items_text():
    s = suggest_basis("新增养老床位2000张", "农村养老服务：新增养老床位2000张", ALL)
    assert s.rule == "老年/养老"  # 养老 in its words before 农村 of the item
    s = suggest_basis("新建站点30个", "农村寄递物流：新建站点30个", ALL)
    assert (s.rule, s.factors) == ("农村/乡村", {"rural_population": 0.5, "villages": 0.5})
    assert "its item's text" in s.note and "事项" in s.note_zh


def test_every_suggestion_is_marked_for_review_and_the_fallback_says_so():
    for words in ("新改建农村公路3000公里", "开展职业技能培训10万人次"):
        s = suggest_basis(words, "", ALL)
        assert s.note.startswith("REVIEW 待核对") and "替代" in s.note and "替代" in s.note_zh
    fallback = suggest_basis("开展职业技能培训10万人次", "", ALL)
    assert fallback.rule is None and "fallback" in fallback.note and "兜底" in fallback.note_zh


def test_every_rule_can_be_met_by_the_census_indicators():
    census = set(ALL) | {"population_65_plus"}
    for rule in BASIS_RULES:
        assert rule.keywords and rule.bases
        assert all(set(b) <= census and abs(sum(b.values()) - 1) < 1e-9 for b in rule.bases)


def test_suggest_bases_fills_every_splittable_target_of_a_draft():
    draft = extract_plan("2023年民生实事\n1、改造农村户厕3000户。\n2、城镇新增就业5万人。\n"
                         "3、农村自来水普及率达到90%。\n")  # fmt: skip
    suggestions = suggest_bases(draft, ALL)
    splittable = [t for t in draft.targets if t.splittable]
    assert set(suggestions) == {t.id for t in splittable} and len(splittable) == 2
    assert all(t.basis_note.startswith("REVIEW 待核对") for t in splittable)
    assert [t.basis for t in splittable] == [{"rural_population": 1.0},
                                             {"urban_population": 0.5, "communities": 0.5}]
