"""The one number reader (minshi_geo.numbers) and every caller reading the same cases alike.

One table of shared cases; each caller is checked against it: the catalogue (numbers_in,
phrase_states_quantity), the extractor (find_numbers through extract.numbers and the target
it drafts), the report reader (parse_completed) and the indicator reader (plain values).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from minshi_geo import catalogue, numbers
from minshi_geo.extract import extract_targets
from minshi_geo.extract import numbers as extract_numbers
from minshi_geo.sheets.reader import parse_completed

# (written, value) — one whole number token; the value is exact, in base units.
TOKENS = [
    ("23万", 230000), ("1.9万", 19000), ("3011万", 30110000), ("2.5亿", 250000000),
    ("10万亿", 10**13), ("3百万", 3000000), ("5千万", 50000000),
    ("5百", 500), ("3千", 3000),
    ("1,200", 1200), ("12,345.5", Decimal("12345.5")), ("3，000", 3000), ("3 000", 3000),
    ("12 345 678", 12345678), ("3 000.5", Decimal("3000.5")), ("3 000 万", 30000000),
    ("１６万", 160000), ("５．７３万", 57300), ("３，０００", 3000),
    ("两万", 20000), ("一百", 100), ("十", 10), ("十五", 15), ("一百零七", 107),
    ("一千二百", 1200), ("三千五百万", 35000000), ("一亿五千万", 150000000),
    ("七十万", 700000), ("二〇二三", 2023),
]  # fmt: skip

# Not a number at all (a whole token).
NOT_NUMBERS = ["十十", "十十五", "三四百", "十百", "万", "千", "abc", "", "1,2", "3，00", "1,200 000"]

# (phrase, numbers it states) — running text, where words and units decide.
PHRASES = [
    ("整治河道30千米", [30]),  # 千 before a unit character is the unit's kilo- prefix
    ("新增装机100千瓦", [100]),
    ("供水管网压力30千帕", [30]),
    ("3千克，220千伏，80千帕，2千字节", [3, 220, 80, 2]),
    ("步道三千米", [3]),
    ("培训护理员5百人", [500]),  # 百 after Arabic digits multiplies
    ("培训3千人", [3000]),
    ("补助提高3百分点", [3]),  # 百分点 is a word
    ("千村示范，百村提升，惠及百姓", []),  # a run starting 百/千/万/亿 is a word
    ("零就业家庭清零", []),
    ("十十", []),  # malformed: states nothing
    ("两千场", [2000]),
    ("改造危桥150座，300个", [150, 300]),
    ("2023 100户", [2023, 100]),
    ("为1.6万人（次）有需求的残疾人", [16000]),
]


@pytest.mark.parametrize("written, value", TOKENS)
def test_every_caller_reads_a_number_token_alike(written, value):
    assert numbers.parse_exact(written) == value
    assert extract_numbers.parse_number(written) == float(value)
    # the catalogue: a phrase stating it states exactly this quantity
    phrase = f"完成{written}户"
    assert catalogue.numbers_in(phrase) == [value]
    assert catalogue.phrase_states_quantity(phrase, float(value), "户")
    # the extractor: the number token it finds in the same phrase
    assert [t.exact for t in extract_numbers.find_numbers(phrase)] == [value]
    # the report reader: the same text typed in a 累计完成 cell of a 户 row
    assert parse_completed(written, "户") == float(value)


@pytest.mark.parametrize("written", NOT_NUMBERS)
def test_every_caller_refuses_a_malformed_number(written):
    with pytest.raises(numbers.NumberFormatError):
        numbers.parse_exact(written)
    with pytest.raises(ValueError):
        parse_completed(written or "x", "个")


@pytest.mark.parametrize("phrase, values", PHRASES)
def test_every_caller_finds_the_same_numbers_in_a_phrase(phrase, values):
    assert catalogue.numbers_in(phrase) == [Decimal(v) for v in values]
    assert [t.exact for t in numbers.find_numbers(phrase)] == values
    assert [t.value for t in extract_numbers.find_numbers(phrase)] == [float(v) for v in values]


def test_the_extractor_drafts_the_quantity_the_catalogue_checks():
    for phrase, quantity, unit in [("培训护理员5百人", 500, "人"), ("整治河道30千米", 30, "千米")]:
        target = extract_targets(phrase)[0]
        assert (target.quantity, target.unit) == (quantity, unit), phrase
        assert catalogue.phrase_states_quantity(phrase, target.quantity, target.unit)


def test_chinese_numerals_are_strict():
    assert numbers.parse_chinese("一百零七") == 107
    assert catalogue.chinese_numeral("一亿二千万") == 120000000
    for bad in ("十十", "十十五", "三四百", "十百", "千"):
        with pytest.raises(numbers.NumberFormatError):
            numbers.parse_chinese(bad)


def test_wan_values_are_exact_not_binary_floats():
    assert numbers.parse_exact("1.9万") == Decimal(19000)
    assert numbers.parse_parts("1.2万") == (Decimal("1.2"), 10000)
    assert numbers.find_numbers("完成5.73万户")[0].exact == Decimal(57300)


@pytest.mark.parametrize("written, value", [
    ("24073453", 24073453), ("24,073,453", 24073453), ("2 407 345.3", Decimal("2407345.3")),
    ("-3", -3), ("1e-05", Decimal("0.00001")), ("0.5", Decimal("0.5")),
])  # fmt: skip
def test_plain_numbers_for_sourced_tables(written, value):
    assert numbers.parse_plain(written) == value


@pytest.mark.parametrize("written", ["2407万", "约320", "一百", "1,2", "", "3，00"])
def test_plain_numbers_refuse_multipliers_and_words(written):
    with pytest.raises(numbers.NumberFormatError):
        numbers.parse_plain(written)


def test_a_report_row_counted_in_wan_reads_a_wan_number_as_its_own_unit():
    assert parse_completed("1.2万", "万元") == 1.2
    assert parse_completed("3亿", "万元") == 30000.0
    assert parse_completed("3千", "万元") == 0.3  # 3千元, the 元 left off
