"""Unseen plans: whole lists of other provinces and cities, in their own layouts.

河南 numbers items bare (``1开展…``), 广东 uses ``一、`` items with paragraphs under them,
湖北, 上海, 漳州 and 甘肃 do not number at all, 嘉兴 uses ``1.`` with ● bullets, 雄安
puts ``(一)`` items under ``二、主要任务``, 梧州 tallies its projects in brackets, 安徽's
stored copy runs ``一、…(3项)1.…2.…`` together on one line, 杭州 puts each item number
alone on its line, 天津 heads its sectors with unnumbered lines, 甘谷 runs ``(1)…(15)``
together in one paragraph. 安徽, 杭州, 天津, 巨鹿 and 甘谷 were tried blind (before any rule
was written for them), and so were 重庆 2025, 上海 2024, 浙江 2024, 长宁, 奉化 and 宣城 in a
second round; SOURCES.md records how that went. Each text sits in
``tests/data/extract/plans/`` with the targets read by hand; the draft must find exactly
those and load with ``load_plan`` against the text (every phrase found in it).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from minshi_geo.catalogue import load_plan
from minshi_geo.extract import extract_plan
from minshi_geo.extract.draft import write_draft

PLANS = Path(__file__).parent / "data" / "extract" / "plans"
NAMES = sorted(p.name.removesuffix(".expected.yaml") for p in PLANS.glob("*.expected.yaml"))


def key(t) -> str:
    q = t.quantity
    return f"{t.item} {int(q) if float(q).is_integer() else q} {t.unit} {t.kind} {t.qualifier}"


@pytest.mark.parametrize("name", NAMES)
def test_unseen_plan_draft_finds_exactly_the_hand_read_targets(name, tmp_path):
    expected = yaml.safe_load((PLANS / f"{name}.expected.yaml").read_text(encoding="utf-8"))
    text = tmp_path / f"{name}.txt"
    shutil.copyfile(PLANS / f"{name}.txt", text)
    draft = extract_plan(text.read_text(encoding="utf-8"), year=expected.get("year"))
    plan = load_plan(write_draft(draft, tmp_path / "draft.yaml", plan_path=text))
    found = Counter(key(t) for t in plan.targets if t.quantity is not None)
    wanted = Counter(expected["targets"])
    assert (sorted(wanted - found), sorted(found - wanted)) == ([], [])
    assert len(plan.items) == expected["items"]


def test_twenty_plans_of_other_provinces_and_cities_are_covered():
    assert len(NAMES) >= 20


def test_bare_item_numbers_are_markers_only_when_they_count_up():
    draft = extract_plan((PLANS / "henan-2023.txt").read_text(encoding="utf-8"))
    assert [i.number for i in draft.items] == [1, 2, 3, 4, 5, 6]
    assert draft.items[0].text.startswith("开展职业技能培训和评价取证")
    lines = "2023年计划\n3000公里农村公路新改建完成。\n150座危桥改造完成。\n"
    assert [t.quantity for t in extract_plan(lines).targets] == [3000, 150]


def test_unnumbered_list_keeps_only_clauses_with_targets():
    draft = extract_plan((PLANS / "shanghai-2023.txt").read_text(encoding="utf-8"))
    assert len(draft.items) == 1 and len(draft.items[0].targets) == 16
    assert draft.province_code == "310000" and draft.id == "shanghai-2023"


def test_outcomes_follow_the_count_they_come_from():
    draft = extract_plan((PLANS / "jiaxing-2023.txt").read_text(encoding="utf-8"))
    item = next(i for i in draft.items if i.number == 2)
    linked = {t.id: t.linked_to for t in item.targets if t.linked_to}
    assert linked == {"2.4": "2.3", "2.6": "2.5"}  # 惠及2万户 ← 120所; 惠及5万名 ← 35所
    assert "province_code 000000 is a placeholder" in " ".join(draft.notes)  # a city plan


def test_items_run_together_on_one_line_are_split_at_numbers_counting_up():
    draft = extract_plan((PLANS / "anhui-2023.txt").read_text(encoding="utf-8"))
    assert [i.number for i in draft.items] == list(range(1, 12))
    assert [(s.name, s.item_count, s.stated_count) for s in draft.sectors][:2] == [
        ("促进就业", 3, 3),
        ("社会保障", 2, 2),
    ]
    assert draft.items[1].text.startswith("支持毕业生求职创业")


def test_lead_units_are_read_into_the_lead_field():
    draft = extract_plan((PLANS / "anhui-2023.txt").read_text(encoding="utf-8"))
    assert {t.lead for t in draft.items[3].targets} == {"省民政厅、省财政厅"}
    assert all("牵头" not in t.metric for t in draft.targets)


def test_item_numbers_alone_on_their_lines():
    draft = extract_plan((PLANS / "hangzhou-2020.txt").read_text(encoding="utf-8"))
    assert [i.number for i in draft.items] == [1, 2, 3, 4, 5, 6]
    assert not any(t.unit in ("件", "次") for t in draft.targets)  # 五次会议, 12件 in the preamble
    assert not any(t.quantity == 500 for t in draft.targets)  # 五百人口规模以上村


def test_unnumbered_lines_before_items_are_sector_headings():
    draft = extract_plan((PLANS / "tianjin-2023.txt").read_text(encoding="utf-8"))
    assert [(s.name, s.item_count) for s in draft.sectors] == [
        ("落实就业优先政策，缓解群众就业压力", 2),
        ("优化调整教育资源，满足群众教育需求", 2),
        ("强化医疗资源配置，解决群众就医难题", 2),
    ]
    assert draft.items[1].text.endswith("提高失业保险待遇标准。")  # heading not in the item


def test_items_numbered_inside_one_paragraph_are_items():
    text = (PLANS / "gangu-2020.txt").read_text(encoding="utf-8")
    draft = extract_plan(text, year=2020)
    assert [i.number for i in draft.items] == list(range(1, 16))
    assert draft.items[7].text.startswith("新建行政村公共厕所120座")


def test_page_data_lines_are_never_the_title():
    # 索引号 …, 公开方式 …, 发布机构 … head a government page; the plan's title comes after
    draft = extract_plan((PLANS / "fenghua-2024.txt").read_text(encoding="utf-8"))
    assert draft.official_title == "2024年十大民生实事项目出炉"
    draft = extract_plan((PLANS / "xuancheng-2024.txt").read_text(encoding="utf-8"))
    assert draft.official_title.startswith("【保基本民生】宣城市民生工作领导小组办公室")
    # a title line that goes on with 发布时间：… stops before it
    draft = extract_plan((PLANS / "changning-2024.txt").read_text(encoding="utf-8"))
    assert draft.official_title == "2024年长宁区政府为民办实事项目公布"


def test_a_heading_that_lost_the_end_of_its_count_keeps_a_clean_name():
    draft = extract_plan((PLANS / "xuancheng-2024.txt").read_text(encoding="utf-8"))
    assert [(s.name, s.stated_count) for s in draft.sectors] == [("促进就业", 3), ("社会保障", 5)]


def test_an_item_whose_number_was_not_read_is_flagged_not_called_numberless():
    draft = extract_plan((PLANS / "xuancheng-2024.txt").read_text(encoding="utf-8"))
    milestone = draft.items[1].targets[0]
    assert milestone.kind == "milestone" and milestone.review
    assert "1500" in " ".join(milestone.notes)
    numberless = draft.items[3].targets[0]  # 规范确定和调整低保标准: truly no number
    assert numberless.kind == "milestone" and not numberless.review


def test_a_count_with_its_unit_named_before_the_number_is_read():
    draft = extract_plan((PLANS / "fenghua-2024.txt").read_text(encoding="utf-8"))
    served = next(t for t in draft.targets if t.quantity == 2_000_000)
    assert (served.unit, served.qualifier, served.review) == ("人次", "at_least", True)
    ratio = next(t for t in draft.targets if t.quantity == 4.2)
    assert (ratio.kind, ratio.splittable) == ("standard", False)  # per thousand people


def test_a_report_paragraph_enumerated_yi_shi_er_shi_is_a_list_of_items():
    draft = extract_plan((PLANS / "yunnan-2025.txt").read_text(encoding="utf-8"))
    assert [i.number for i in draft.items] == [1, 2, 3, 4, 5]
    assert draft.items[1].text.startswith("深化“一老一小”关爱服务")
    assert draft.official_title == "2025年云南省政府10件惠民实事确定"  # not the date line
    assert not any(t.unit == "次" for t in draft.targets)  # 人大三次会议 names a meeting


def test_a_year_looked_back_on_is_not_the_plan_year_and_1_full_stop_is_a_marker():
    draft = extract_plan((PLANS / "quanzhou-2021.txt").read_text(encoding="utf-8"))
    assert draft.year == 2021  # 刚刚过去的2020年 is the year reported on
    assert [i.number for i in draft.items] == list(range(1, 34))  # 1。 2。 … 33。
    assert draft.items[9].text.startswith("市级重点扶持8个历史文化名镇名村")
