"""Suggested bases: which indicators a splittable target is split by, from its words.

The rule table (:data:`BASIS_RULES`) is read top to bottom; the first rule with a keyword in
the target's own words (metric and source phrase) wins, else the first with a keyword in its
item's text. Each rule lists bases in order of preference; the first whose indicators have a
value for every region of the region set is taken (the 11 Jilin units have no 5–14 band for
three of them, and 长白山 no area). No rule, or no basis with complete values: population,
and the note says so. Every suggestion is a draft for a planner to review: its note starts
``REVIEW 待核对`` and says which rule and which words chose it.

==========================  =================================================================
keywords                    basis (first one the region set has complete values for)
==========================  =================================================================
公路 道路 桥 通村 路网       rural_population 0.5 + area 0.5 · rural_population
户厕 厕所 农户 危房          rural_population
老年 养老 老人 高龄 敬老 …   population_60_plus
托育 托位 婴幼儿 幼儿园 儿童  population_0_14
学生 学校 中小学 校舍 学位 … population_5_14 · population_0_14
社区 小区 街道 城镇 棚户区 … urban_population 0.5 + communities 0.5 · urban_population
农村 乡村 农民 乡镇          rural_population 0.5 + villages 0.5 · rural_population
行政村 村级 村               villages · rural_population
家庭 户                      households · population
(none)                       population (fallback)
==========================  =================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from minshi_geo.extract import Draft

FALLBACK = {"population": 1.0}


@dataclass(frozen=True)
class BasisRule:
    name: str  # what the target is about, in a planner's words
    keywords: tuple[str, ...]
    bases: tuple[dict[str, float], ...]  # in order of preference


BASIS_RULES: tuple[BasisRule, ...] = (
    BasisRule("公路/道路", ("公路", "道路", "桥", "通村", "路网", "村道", "硬化路"),
              ({"rural_population": 0.5, "area": 0.5}, {"rural_population": 1.0})),
    BasisRule("户厕/农户", ("户厕", "厕所", "农户", "危房"), ({"rural_population": 1.0},)),
    BasisRule("老年/养老", ("老年", "养老", "老人", "高龄", "敬老", "失能", "助餐", "银龄"),
              ({"population_60_plus": 1.0},)),
    BasisRule("托育/幼儿", ("托育", "托位", "婴幼儿", "幼儿园", "儿童", "学前"),
              ({"population_0_14": 1.0},)),
    BasisRule("学生/学校", ("学生", "学校", "中小学", "校舍", "学位", "义务教育", "校园", "教师"),
              ({"population_5_14": 1.0}, {"population_0_14": 1.0})),
    BasisRule("社区/小区", ("社区", "小区", "街道", "城镇", "棚户区", "城市", "城区"),
              ({"urban_population": 0.5, "communities": 0.5}, {"urban_population": 1.0})),
    BasisRule("农村/乡村", ("农村", "乡村", "农民", "乡镇", "涉农"),
              ({"rural_population": 0.5, "villages": 0.5}, {"rural_population": 1.0})),
    BasisRule("行政村/村", ("行政村", "村级", "村卫生", "建制村", "村"),
              ({"villages": 1.0}, {"rural_population": 1.0})),
    BasisRule("家庭/户", ("家庭", "户"), ({"households": 1.0},)),
)  # fmt: skip


@dataclass(frozen=True)
class Suggestion:
    factors: dict[str, float]
    rule: str | None  # the rule's name; None for the fallback
    keyword: str | None
    note: str  # basis_note for the catalogue (English, starts REVIEW 待核对)
    note_zh: str  # the same for a planner (scenario comments and notes)


def _basis_text(factors: dict[str, float]) -> str:
    return " + ".join(f"{k}×{v:g}" for k, v in factors.items())


def suggest_basis(own_words: str, item_text: str, available: Iterable[str]) -> Suggestion:
    """The basis the rule table gives for a target whose words are ``own_words`` (metric +
    source) in an item reading ``item_text``; ``available``: indicators with a value for
    every region of the set."""
    have = set(available)
    for words, where in ((own_words, "its words"), (item_text, "its item's text")):
        for rule in BASIS_RULES:
            keyword = next((k for k in rule.keywords if k in words), None)
            if keyword is None:
                continue
            basis = next((b for b in rule.bases if set(b) <= have), None)
            if basis is None:
                continue  # the set lacks these indicators: try the next rule
            text = _basis_text(basis)
            return Suggestion(
                basis, rule.name, keyword,
                f"REVIEW 待核对: basis suggested by rule {rule.name} ({keyword!r} in {where}): "
                f"{text}; a stand-in (替代) until a planner confirms it",
                f"按关键词规则“{rule.name}”（{'目标' if where == 'its words' else '事项'}含"
                f"“{keyword}”）建议按 {text} 测算，规划人员确认前为替代依据",
            )  # fmt: skip
    return Suggestion(
        dict(FALLBACK), None, None,
        "REVIEW 待核对: no rule of the basis table matched: population (fallback); a stand-in "
        "(替代) — choose the indicators that fit this target",
        "关键词规则均未匹配，暂按常住人口（兜底）测算，规划人员确认前为替代依据",
    )


def suggest_bases(draft: Draft, available: Iterable[str]) -> dict[str, Suggestion]:
    """Set ``basis`` and ``basis_note`` of every splittable target of ``draft`` from the rule
    table; returns the suggestion of each target id."""
    have = set(available)
    out: dict[str, Suggestion] = {}
    for item in draft.items:
        for target in item.targets:
            if not target.splittable:
                continue
            suggestion = suggest_basis(f"{target.metric} {target.source}", item.text, have)
            target.basis = dict(suggestion.factors)
            target.basis_note = suggestion.note
            out[target.id] = suggestion
    return out


def complete_indicators(region_set, indicators) -> list[str]:
    """Indicators with a value for every region of ``region_set`` (from ``load_indicators``)."""
    codes = set(region_set.codes)
    in_set = indicators[indicators["region_code"].isin(codes)]
    counts = in_set.groupby("indicator")["region_code"].nunique()
    return sorted(name for name, n in counts.items() if n == len(codes))
