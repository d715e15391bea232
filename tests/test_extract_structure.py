"""The outline of a plan: sectors and items in every numbering style of issue 8."""

from __future__ import annotations

import pytest

from minshi_geo.extract import NotAPlanError, extract_plan


def outline(text: str) -> list[tuple[str, int, list[float]]]:
    draft = extract_plan(text)
    return [(i.sector, i.number, [t.quantity for t in i.targets]) for i in draft.items]


def test_sector_headings_with_item_counts_and_dotted_items():
    text = (
        "2024年某省民生实事\n一、促进就业方面（2项）\n1. 城镇新增就业23万人。\n"
        "2. 根治欠薪。\n二、交通出行方面（1项）\n3. 新改建农村公路3000公里。\n"
    )
    draft = extract_plan(text)
    assert [(s.name, s.item_count, s.stated_count) for s in draft.sectors] == [
        ("促进就业", 2, 2),
        ("交通出行", 1, 1),
    ]
    assert outline(text) == [("促进就业", 1, [230000]), ("促进就业", 2, [None]),
                             ("交通出行", 3, [3000])]  # fmt: skip


@pytest.mark.parametrize(
    "first, second",
    [
        ("1、", "2、"),
        ("1．", "2．"),  # full-width full stop
        ("１.", "２."),  # full-width digits
        ("（一）", "（二）"),
        ("(一)", "(二)"),
        ("(1)", "(2)"),
        ("（1）", "（2）"),
        ("01 ", "02 "),  # zero-padded, then a space
        ("①", "②"),
        ("1)", "2)"),
    ],
)
def test_item_numbering_styles(first, second):
    text = f"2023年民生实事\n{first}新建口袋公园150处。\n{second}改造农村危桥150座。\n"
    assert outline(text) == [("民生实事", 1, [150]), ("民生实事", 2, [150])]


def test_numbering_that_restarts_in_each_sector_is_renumbered():
    text = "2023年\n一、教育\n1.新建学校3所。\n2.改造教室100间。\n二、卫生\n1.新建卫生室20个。\n"
    draft = extract_plan(text)
    assert [i.number for i in draft.items] == [1, 2, 3]
    assert any("renumbered" in n for n in draft.notes)


def test_heading_count_that_disagrees_is_reported():
    text = "2023年\n一、教育方面（3项）\n1.新建学校3所。\n2.改造教室100间。\n"
    assert any("heading says 3 items, found 2" in n for n in extract_plan(text).notes)


def test_unnumbered_clauses_separated_by_semicolons_are_items():
    text = "2023年为民办实事项目：新增托位4万个；改造棚户区住房4.8万套；加强宣传引导。"
    assert outline(text) == [("民生实事", 1, [40000]), ("民生实事", 2, [48000])]


def test_item_continues_over_unmarked_lines_and_sub_items():
    text = (
        "2023年民生实事\n1.普惠托育项目\n●全市新增托育机构100家；\n（1）新增托位3500个。\n"
        "2.健康筛查项目\n●为16万名居民免费开展筛查。\n各地要加强组织领导。\n"
    )
    draft = extract_plan(text)
    assert [[t.quantity for t in i.targets] for i in draft.items] == [[100, 3500], [160000]]
    assert "各地要加强组织领导" not in draft.items[-1].text  # the closing paragraph


def test_stray_spaces_and_ascii_punctuation():
    text = "2023 年 民生实事\n1 .  新改建农村公路 3 000 公里 , 改造危桥 150 座 ;\n"
    assert outline(text) == [("民生实事", 1, [3000, 150])]


def test_heading_with_targets_but_no_items_under_it_is_an_item():
    text = (
        "2023年为民办实事\n一、新增学位5万个，改造教室照明2万间\n（一）新增学位5万个。\n"
        "（二）改造教室照明2万间。\n二、新建、改扩建公办幼儿园150所\n"
    )
    draft = extract_plan(text)
    assert [[t.quantity for t in i.targets] for i in draft.items] == [[50000], [20000], [150]]


def test_preamble_counts_are_not_targets():
    text = (
        "关于2023年全省民生实事安排的意见\n2023年，将重点抓好十个方面、50项民生实事任务：\n"
        "一、就业方面（1项）\n1.城镇新增就业23万人。\n"
    )
    assert [t.quantity for t in extract_plan(text).targets] == [230000]


def test_a_summary_repeating_targets_of_an_unnumbered_list_is_dropped():
    text = (
        "2023年为民办实事\n全年新增托位4万个；改造棚户区住房4.8万套。\n"
        "新增婴幼儿托位4万个，持续优化服务。\n"
    )
    draft = extract_plan(text)
    assert [t.quantity for t in draft.targets] == [40000, 48000]
    assert [r.rule for r in draft.rejected] == ["title", "summary_repeat"]  # 2023 of the title


@pytest.mark.parametrize("text", ["", "   \n\n", "会议纪要。今天讨论了工作安排。"])
def test_non_plan_text_raises_with_what_was_found(text):
    with pytest.raises(NotAPlanError, match="no sector headings, no numbered items"):
        extract_plan(text)
