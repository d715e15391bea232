"""Numbers as plans write them, and the review marks of the draft."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minshi_geo.catalogue import load_plan
from minshi_geo.extract import extract_plan, extract_targets
from minshi_geo.extract.draft import draft_yaml
from minshi_geo.extract.filters import RULES
from minshi_geo.extract.numbers import NumberFormatError, find_numbers, parse_chinese, parse_number
from minshi_geo.extract.targets import REVIEW_BELOW
from minshi_geo.extract.text import PlanText, fold


@pytest.mark.parametrize(
    "text, value",
    [
        ("23万", 230000), ("1.9万", 19000), ("3011万", 30110000), ("2.5亿", 250000000),
        ("1,200", 1200), ("12,345.5", 12345.5), ("１６万", 160000), ("５．７３万", 57300),
        ("两万", 20000), ("一百", 100), ("十", 10), ("十五", 15), ("一千二百", 1200),
        ("三千五百万", 35000000), ("一亿五千万", 150000000), ("二〇二三", 2023),
    ],
)  # fmt: skip
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("bad", ["万", "十十五", "abc", ""])
def test_parse_number_rejects_non_numbers(bad):
    with pytest.raises(NumberFormatError):
        parse_number(bad)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_wan_form_reads_back_exactly(n):
    # plans write 1.9万 for 19000; no binary rounding may leak into the quantity
    assert parse_number(f"{n / 10_000:.4f}".rstrip("0").rstrip(".") + "万") == n


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_below_ten_thousand(n):
    digits = "零一二三四五六七八九"
    parts = []
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d:
            parts.append(digits[d] + name)
        elif parts and n % power:
            parts.append("零")
    text = "".join(parts).replace("零零", "零")
    assert parse_chinese(text) == n


def test_units_of_measure_before_multipliers_are_not_multipliers():
    assert [t.value for t in find_numbers("装机100千瓦，步道3千米")] == [100, 3]
    assert extract_targets("新增光伏装机100千瓦")[0].unit == "千瓦"


def test_folding_keeps_positions_so_sources_are_exact():
    text = "新改建农村公路　３０００　公里，改造危桥150座"
    plan_text = PlanText.of(text)
    assert plan_text.folded == "新改建农村公路3000公里，改造危桥150座"
    assert plan_text.source(0, 13) == "新改建农村公路　３０００　公里"
    assert fold("1,200名，150座,3000公里") == "1,200名，150座，3000公里"


def test_every_rule_has_a_name_and_a_reason():
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(r.reason and r.reason[0].islower() or r.reason[0] in "一二在" for r in RULES)


def test_uncertain_targets_are_marked_review_in_the_draft(tmp_path):
    draft = extract_plan("2023年\n1.新增供水工程1200处，惠及70万农村居民。\n2.建成一个示范区。\n")
    inferred = draft.items[0].targets[1]
    assert (inferred.quantity, inferred.unit, inferred.review) == (700000, "人", True)
    single = draft.items[1].targets[0]
    assert (single.quantity, single.unit, single.review) == (1, "个", True)
    assert not draft.items[0].targets[0].review
    text = draft_yaml(draft)
    assert "REVIEW (confidence 0.60)" in text and "# review" not in text
    # confidence and review are catalogue fields: the loader reads them back
    (tmp_path / "draft.yaml").write_text(text, encoding="utf-8")
    plan = load_plan(tmp_path / "draft.yaml")
    marks = {t.id: (t.confidence, t.review) for t in plan.targets}
    drafted = {t.id: (t.confidence, t.review) for t in draft.targets}
    assert marks == drafted and sum(review for _, review in marks.values()) == 2


def test_rejected_numbers_are_listed_with_their_rule():
    draft = extract_plan("2023年\n1.为65岁以上老人建设5G基站500个，开通96110热线。\n")
    rules = {r.rule for r in draft.rejected}
    assert {"age", "code_or_name", "phone_or_platform"} <= rules
    assert "age: an age bound" in draft_yaml(draft)


def test_a_part_named_by_qizhong_is_kept_but_flagged_as_not_in_addition():
    whole, part = extract_targets("完成2000户农村危房改造，其中D级危房500户")
    assert (whole.quantity, whole.confidence >= REVIEW_BELOW) == (2000, True)
    assert (part.quantity, part.confidence < REVIEW_BELOW) == (500, True)
    assert "not in addition" in " ".join(part.notes)
