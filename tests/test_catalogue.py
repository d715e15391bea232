"""The Jilin 2023 catalogue matches its plan text, and the loader's API behaves as documented."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from minshi_geo import paths
from minshi_geo.catalogue import (
    BASIS_INDICATORS,
    KINDS,
    TARGET_COLUMNS,
    CatalogueError,
    UnknownTargetError,
    chinese_numeral,
    load_plan,
    numbers_in,
    phrase_states_quantity,
    phrase_states_unit,
)

MINI_DIR = Path(__file__).parent / "data" / "catalogue"
PLAN_TEXT = (paths.TARGETS_DIR / "jilin-2023.txt").read_text(encoding="utf-8")

# Numbers in the plan's items that are not targets, and why.
NOT_TARGETS = {
    1: [0, 0],  # 零就业 and 清零 (a milestone: 动态清零)
    11: [8],  # 8类 names the groups whose information is collected
    22: [65],  # 65岁以上 is an age bound
    40: [24, 24],  # 24小时 is part of the name 24小时供水工程
    42: [5, 5],  # 5G is a name
    48: [96110],  # 96110 is the anti-fraud platform's number
    50: [2],  # 二手房
}


@pytest.fixture(scope="module")
def plan():
    return load_plan()


def headings():
    """(sector name, 项 count) from the plan text's headings, in order."""
    return [
        (m.group(1), int(m.group(2))) for m in re.finditer(r"、(\S+?)方面（(\d+)项）", PLAN_TEXT)
    ]


# ── the plan as a whole ─────────────────────────────────────────────────────────────────────


def test_plan_header(plan):
    assert plan.id == "jilin-2023"
    assert plan.title == "2023年吉林省民生实事"
    assert plan.official_title == PLAN_TEXT.splitlines()[0].strip()
    assert (plan.province_code, plan.year) == ("220000", 2023)
    assert (plan.start, plan.deadline) == (date(2023, 1, 1), date(2023, 12, 31))


def test_plan_text_is_bundled_with_its_origin(plan):
    assert plan.source_text == PLAN_TEXT
    assert hashlib.sha256(PLAN_TEXT.encode("utf-8")).hexdigest() in plan.source_origin


def test_sha256_is_of_the_catalogue_file_bytes(plan):
    assert plan.sha256 == hashlib.sha256(paths.DEFAULT_PLAN.read_bytes()).hexdigest()
    assert plan.path == paths.DEFAULT_PLAN


def test_ten_sectors_with_the_counts_of_the_headings(plan):
    assert [(s.name, s.item_count) for s in plan.sectors] == headings()
    assert len(plan.sectors) == 10
    assert sum(s.item_count for s in plan.sectors) == 50


def test_fifty_items_in_their_sectors(plan):
    assert [i.number for i in plan.items] == list(range(1, 51))
    per_sector = Counter(i.sector for i in plan.items)
    assert [per_sector[s.name] for s in plan.sectors] == [count for _, count in headings()]
    # items follow their heading in the text
    for item in plan.items:
        heading = PLAN_TEXT.index(f"{item.sector}方面")
        assert heading < PLAN_TEXT.index(f"{item.number}. {item.text}")


def test_item_text_is_the_full_text_of_the_plan(plan):
    for item in plan.items:
        assert re.search(
            rf"^\u3000\u3000{item.number}\. {re.escape(item.text)}$", PLAN_TEXT, re.MULTILINE
        )
        assert item.short


def test_every_item_has_a_record(plan):
    assert all(item.targets for item in plan.items)
    assert {t.item for t in plan.targets} == set(range(1, 51))


# ── every record against the text ───────────────────────────────────────────────────────────


def test_every_phrase_is_in_its_item_text(plan):
    for target in plan.targets:
        assert target.source in PLAN_TEXT, target.id
        assert target.source in plan.item(target.item).text, target.id


def test_every_quantity_and_unit_appear_in_the_phrase(plan):
    for t in plan.targets:
        if t.kind == "milestone":
            assert t.quantity is None and t.unit is None, t.id
            continue
        assert phrase_states_quantity(t.source, t.quantity, t.unit), t.id
        assert phrase_states_unit(t.source, t.unit), t.id
        # independently of the helper: the unit is written out (brackets aside) …
        flat = re.sub("[（）]", "", t.source)
        unit_words = {"人": ("人", "居民"), "%": ("%", "全覆盖")}.get(t.unit, (t.unit,))
        assert any(word in flat for word in unit_words), t.id
        # … and the digits of the quantity (or its 万 form) are in the phrase
        if "全覆盖" not in t.source:
            wan = f"{t.quantity / 10000:g}万"
            plain = f"{t.quantity:g}"
            assert plain in t.source or wan in t.source, t.id


def test_every_number_of_the_plan_that_is_a_target_is_catalogued(plan):
    for item in plan.items:
        quantities = Counter(
            Decimal(str(t.quantity))
            for t in item.targets
            if t.quantity is not None and "全覆盖" not in t.source  # 全覆盖 states 100% in words
        )
        stated = Counter(numbers_in(item.text))
        not_targets = Counter(Decimal(n) for n in NOT_TARGETS.get(item.number, []))
        assert stated - not_targets == quantities, item.number


def test_ids_number_the_records_of_an_item_in_text_order(plan):
    for item in plan.items:
        assert [t.id for t in item.targets] == [f"{item.number}.{k}" for k in
                                                 range(1, len(item.targets) + 1)]  # fmt: skip
        positions = [item.text.index(t.source) for t in item.targets]
        assert positions == sorted(positions), item.number


def test_kinds_and_qualifiers(plan):
    assert {t.kind for t in plan.targets} <= set(KINDS)
    for t in plan.targets:
        expected = "exact"
        if re.search(r"(以上|不少于|超)$", t.source):
            expected = "at_least"
        if "左右" in t.source:
            expected = "about"
        assert t.qualifier == expected, t.id
    assert [t.id for t in plan.targets if t.qualifier != "exact"] == ["12.1", "34.1"]


def test_rates_are_percentages_and_not_split(plan):
    rates = {t.id: t.quantity for t in plan.targets if t.kind == "rate"}
    assert rates == {"11.1": 100, "13.2": 100, "14.2": 100, "27.1": 100, "40.3": 35,
                     "42.2": 60, "43.1": 100}  # fmt: skip
    for t in plan.targets:
        if t.kind == "rate":
            assert t.unit == "%" and not t.splittable and t.basis is None


def test_standards(plan):
    standards = {t.id: (t.quantity, t.unit) for t in plan.targets if t.kind == "standard"}
    assert standards == {"3.1": (1.3, "倍"), "6.2": (800, "元"), "13.1": (3000, "元"),
                         "50.1": (3, "工作日"), "50.2": (1, "工作日")}  # fmt: skip
    assert not any(t.splittable for t in plan.targets if t.kind == "standard")


def test_items_without_a_number_are_milestones(plan):
    only_milestones = [
        i.number for i in plan.items if all(t.kind == "milestone" for t in i.targets)
    ]
    assert only_milestones == [2, 5, 22, 25, 26, 35, 41, 48]
    assert plan.target("48.2").source.startswith("优化升级96110反诈预警平台")


def test_linked_outcomes_follow_their_driver(plan):
    linked = {t.id: t.linked_to for t in plan.targets if t.linked_to}
    assert linked == {"37.2": "37.1", "40.2": "40.1"}
    assert (plan.target("37.2").quantity, plan.target("37.2").unit) == (140000, "户")
    assert (plan.target("40.2").quantity, plan.target("40.2").unit) == (700000, "人")
    for target_id in linked:
        derived = plan.target(target_id)
        assert derived.kind == "count" and not derived.splittable and derived.basis is None
        assert "derived outcome" in derived.note


def test_splittable_counts_carry_a_usable_basis(plan):
    for t in plan.targets:
        if t.splittable:
            assert t.kind == "count" and t.linked_to is None
            assert set(t.basis) <= set(BASIS_INDICATORS), t.id
            assert sum(t.basis.values()) == pytest.approx(1.0), t.id
        else:
            assert t.basis is None, t.id
    # every count that is not a derived outcome is handed down to regions
    counts = [t for t in plan.targets if t.kind == "count" and t.linked_to is None]
    assert all(t.splittable for t in counts)
    assert "ideal: rural road length" in plan.target("29.1").basis_note
    # counts tied to existing facilities or listed sites: the allocator locks them
    locked = [t.id for t in plan.targets if t.basis_note and "lock" in t.basis_note]
    assert locked == ["15.2", "19.2", "27.2", "28.1", "44.1"]


def test_deadlines_default_to_the_plan_deadline(plan):
    assert {t.deadline for t in plan.targets} == {date(2023, 12, 31)}


@pytest.mark.parametrize(
    ("target_id", "metric", "quantity", "unit", "kind", "qualifier"),
    [
        ("1.1", "城镇新增就业", 230000, "人", "count", "exact"),
        ("8.1", "残疾人职业技能培训和创业培训", 16000, "人次", "count", "exact"),
        ("12.1", "救助疾病困难患者", 1200, "名", "count", "at_least"),
        ("29.1", "新改建农村公路", 3000, "公里", "count", "exact"),
        ("29.2", "改造农村危桥", 150, "座", "count", "exact"),
        ("34.1", "宜居宜业和美乡村示范村", 200, "个", "count", "about"),
        ("36.1", "改造各类棚户区", 19000, "套", "count", "exact"),
        ("36.2", "住房租赁补贴", 67000, "户", "count", "exact"),
        ("39.1", "农村户用卫生厕所改造", 47000, "户", "count", "exact"),
        ("42.2", "行政村5G网络通达率", 60, "%", "rate", "exact"),
        ("2.1", "根治欠薪", None, None, "milestone", "exact"),
    ],
)
def test_spot_checks(plan, target_id, metric, quantity, unit, kind, qualifier):
    t = plan.target(target_id)
    assert (t.metric, t.quantity, t.unit, t.kind, t.qualifier) == (
        metric, quantity, unit, kind, qualifier,
    )  # fmt: skip


def test_targets_frame_has_one_row_per_target(plan):
    frame = plan.targets_frame()
    assert list(frame.columns) == TARGET_COLUMNS
    assert len(frame) == len(plan.targets) == 80
    row = frame.set_index("id").loc["29.1"]
    assert (row["quantity"], row["unit"], row["sector"], row["item"]) == (
        3000.0,
        "公里",
        "交通出行",
        29,
    )
    assert frame.loc[frame["kind"] == "milestone", "quantity"].isna().all()


def test_confidence_and_review_come_after_the_csv_contract_columns(plan):
    assert TARGET_COLUMNS[:9] == [
        "id", "item", "sector", "metric", "quantity", "unit", "kind", "qualifier", "splittable",
    ]  # fmt: skip
    assert TARGET_COLUMNS[-2:] == ["confidence", "review"]
    frame = plan.targets_frame()  # the curated catalogue states neither: NaN and False
    assert frame["confidence"].isna().all() and not frame["review"].any()
    assert plan.target("29.1").confidence is None and plan.target("29.1").review is False


def test_confidence_and_review_are_read_from_a_target(tmp_path):
    shutil.copy(MINI_DIR / "mini.txt", tmp_path / "mini.txt")
    doc = yaml.safe_load((MINI_DIR / "mini.yaml").read_text(encoding="utf-8"))
    targets = {t["id"]: t for item in doc["items"] for t in item["targets"]}
    targets["29.1"].update(confidence=0.95)
    targets["29.2"].update(confidence=0.6, review=True)
    targets["37.1"].update(confidence=0, review=False)
    targets["37.2"].update(confidence=1)
    (tmp_path / "mini.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    plan = load_plan(tmp_path / "mini.yaml")
    got = {t.id: (t.confidence, t.review) for t in plan.targets}
    assert got == {
        "1.1": (None, False), "1.2": (None, False), "2.1": (None, False),
        "29.1": (0.95, False), "29.2": (0.6, True), "37.1": (0.0, False), "37.2": (1.0, False),
    }  # fmt: skip
    frame = plan.targets_frame().set_index("id")
    assert frame.loc["29.2", "confidence"] == 0.6 and bool(frame.loc["29.2", "review"])
    assert frame["confidence"].isna().sum() == 3
    assert frame["review"].dtype == bool and frame["review"].sum() == 1


def test_unknown_target_id_suggests_close_ones(plan):
    with pytest.raises(
        UnknownTargetError, match=r"no target '29\.9' in plan jilin-2023; did you mean"
    ):
        plan.target("29.9")


def test_sector_by_name_or_number(plan):
    assert plan.sector(7).name == plan.sector("交通出行").name == plan.sector("交通出行方面").name
    with pytest.raises(CatalogueError, match="no sector '交通'"):
        plan.sector("交通")


# ── numbers in phrases ──────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("phrase", "values"),
    [
        ("城镇新增就业23万人", [230000]),
        ("为1.6万人（次）有需求的残疾人", [16000]),
        ("改造各类棚户区1.9万套", [19000]),
        ("新改建农村公路3000公里，改造农村危桥150座", [3000, 150]),
        ("投资1.2亿元", [120000000]),
        ("共1,200家", [1200]),
        ("救助一千二百名", [1200]),
        ("十万户", [100000]),
        ("两千场", [2000]),
        ("二〇二三年", [2023]),
        ("千村示范，百村提升", []),
        # 千 before a unit character is the unit's kilo- prefix, not a multiplier
        ("整治河道30千米", [30]),
        ("装机100千瓦", [100]),
        ("1.5千米步道", [Decimal("1.5")]),
        ("30 千米", [30]),
        ("3千克，220千伏，80千帕，2千字节", [3, 220, 80, 2]),
        ("3千人", [3000]),
        ("3千字", [3000]),
        # thousands separators inside a number: comma, full-width comma, spaces
        ("新改建农村公路 3 000 公里", [3000]),
        ("新改建农村公路3，000公里", [3000]),
        ("新改建农村公路３，０００公里", [3000]),
        ("新改建农村公路　３　０００　公里", [3000]),
        ("3\u2009000公里，3\u202f000座，3\u00a0000户", [3000, 3000, 3000]),
        ("12 345 678人", [12345678]),
        ("3 000.5吨", [Decimal("3000.5")]),
        ("3 000 万元", [30000000]),
        ("改造危桥150座，300个", [150, 300]),  # a clause comma after a unit separates
        ("2023 100户", [2023, 100]),  # a group before the separator has at most three digits
        ("3，00公里", [3, 0]),  # a group after it has exactly three
        ("1,200 000", [1200, 0]),  # one separator throughout a number
    ],
)
def test_numbers_in_a_phrase_are_read_in_base_units(phrase, values):
    assert numbers_in(phrase) == [Decimal(v) for v in values]


def test_a_wan_number_does_not_state_its_coefficient():
    assert phrase_states_quantity("城镇新增就业23万人", 230000)
    assert not phrase_states_quantity("城镇新增就业23万人", 23)


def test_kilo_units_state_their_own_number():
    assert phrase_states_quantity("整治河道30千米", 30, "千米")
    assert not phrase_states_quantity("整治河道30千米", 30000, "千米")
    assert phrase_states_quantity("新增装机100千瓦", 100, "千瓦")
    assert not phrase_states_quantity("新增装机100千瓦", 100000, "千瓦")
    assert phrase_states_quantity("培训3千人", 3000, "人")


def test_numbers_with_spaced_or_full_width_thousands_state_their_quantity():
    for phrase in ("新改建农村公路 3 000 公里", "新改建农村公路3，000公里", "公路3\u2009000公里"):
        assert phrase_states_quantity(phrase, 3000, "公里"), phrase
        assert not phrase_states_quantity(phrase, 3, "公里"), phrase
        assert phrase_states_unit(phrase, "公里"), phrase


def test_full_coverage_states_one_hundred_percent():
    assert phrase_states_quantity("实现妇女刑事法律援助全覆盖", 100, "%")
    assert phrase_states_unit("实现妇女刑事法律援助全覆盖", "%")
    assert not phrase_states_quantity("实现妇女刑事法律援助全覆盖", 100, "个")


def test_units_are_found_through_brackets():
    assert phrase_states_unit("为1.6万人（次）有需求的残疾人", "人次")
    assert not phrase_states_unit("改造农村危桥150座", "个")


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十二", 12),
        ("一百零七", 107),
        ("三千五百", 3500),
        ("七十万", 700000),
        ("一亿二千万", 120000000),
    ],
)
def test_chinese_numerals(numeral, value):
    assert chinese_numeral(numeral) == value


@given(st.integers(min_value=1, max_value=10**9))
def test_any_count_is_found_plainly_and_in_wan_form(n):
    assert phrase_states_quantity(f"完成{n}户", n)
    if n % 1000 == 0:
        wan = f"{Decimal(n) / 10000:f}"
        wan = wan.rstrip("0").rstrip(".") if "." in wan else wan
        assert phrase_states_quantity(f"完成{wan}万户", n)


def test_a_plan_built_by_hand_finds_its_targets(plan):
    small = dataclasses.replace(plan, targets=plan.targets[:3], _by_id={})
    assert small.target("2.1").metric == "根治欠薪"
    with pytest.raises(UnknownTargetError):
        small.target("29.1")


@pytest.mark.parametrize(
    "phrase, named",
    [
        ("惠及70万农村居民", True),
        ("为200万中小学生开展心理健康测评", True),
        ("为10万农村妇女开展两癌筛查", True),
        ("新增城镇就业23万人", True),
        ("建设100所学校", False),  # 学校 is not a people noun
        ("改造农村危桥150座", False),
    ],
)
def test_people_nouns_name_the_unit_person(phrase, named):
    assert phrase_states_unit(phrase, "人") is named
