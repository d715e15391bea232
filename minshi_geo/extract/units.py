"""The words around a number: units of measure, qualifiers, per-unit and increase markers.

Everything here is a table a planner can read and extend; the rules that use the tables
live in :mod:`minshi_geo.extract.targets` and :mod:`minshi_geo.extract.filters`.
Units are matched longest first, so ``人（次）`` wins over ``人`` and ``平方米`` over ``米``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minshi_geo.catalogue import PEOPLE_NOUNS

# Units of measure a count target is stated in, as written → as the catalogue records it.
# The catalogue checks that the source phrase names the unit, so a unit is kept as written;
# only 人（次） becomes 人次 (data/targets/jilin-2023.yaml; the loader ignores brackets).
COUNT_UNITS: dict[str, str] = {
    "人（次）": "人次", "人/次": "人/次", "人·次": "人·次", "人次": "人次",
    "平方公里": "平方公里", "平方米": "平方米", "立方米": "立方米", "公里": "公里",
    "千米": "千米", "公顷": "公顷", "千瓦": "千瓦", "吨/日": "吨/日", "吨/天": "吨/天",
    "吨": "吨", "亩": "亩", "米": "米",
    "批次": "批次", "场次": "场次", "车次": "车次", "课时": "课时",
    "人": "人", "名": "名", "户": "户", "位": "位", "个": "个", "座": "座", "所": "所",
    "间": "间", "处": "处", "家": "家", "套": "套", "张": "张", "场": "场", "条": "条",
    "台": "台", "辆": "辆", "栋": "栋", "幢": "幢", "盏": "盏", "块": "块", "支": "支",
    "只": "只", "艘": "艘", "架": "架", "部": "部", "根": "根", "眼": "眼", "口": "口",
    "棵": "棵", "株": "株", "册": "册", "本": "本", "份": "份", "件": "件", "次": "次",
    "期": "期", "班": "班", "对": "对", "组": "组", "床": "床", "批": "批", "节": "节",
    "箱": "箱", "堂": "堂", "标台": "标台", "片": "片", "段": "段", "条次": "条次", "单": "单", "例": "例",
}  # fmt: skip

# Units that also have other meanings (次 a time, 件 an item, 批 a batch): targets stated in
# them get a lower confidence and a review mark.
AMBIGUOUS_UNITS = frozenset("件次批期只部本口对段片节单例位组班米床箱")

# Time limits: 3个工作日内 is a service standard, not a count.
TIME_UNITS: dict[str, str] = {
    "个工作日": "工作日", "工作日": "工作日", "个小时": "小时", "小时": "小时",
    "分钟": "分钟", "天": "天", "日": "日", "个月": "个月",
}  # fmt: skip
TIME_LIMIT_AFTER = ("以内", "之内", "内")  # a time unit is a standard only when it is a limit

MONEY_UNITS: dict[str, str] = {"元": "元"}
PERCENT_UNITS: dict[str, str] = {"%": "%", "个百分点": "个百分点", "百分点": "百分点"}
RATIO_UNITS: dict[str, str] = {"倍": "倍"}

# Qualifiers. After the unit (1200名以上, 200个左右) or between number and unit (1200余名).
QUALIFIER_AFTER: dict[str, str] = {
    "及以上": "at_least",
    "以上": "at_least",
    "有余": "at_least",
    "左右": "about",
    "上下": "about",
}
QUALIFIER_BETWEEN: dict[str, str] = {"余": "at_least", "多": "at_least"}
# Before the number (不少于10万个, 超3.5万户, 约200个).
QUALIFIER_BEFORE: dict[str, str] = {
    "不少于": "at_least", "不低于": "at_least", "不下于": "at_least", "至少": "at_least",
    "超过": "at_least", "多于": "at_least", "高于": "at_least", "大于": "at_least",
    "超": "at_least", "逾": "at_least", "突破": "at_least", "不小于": "at_least",
    "≥": "at_least", "≧": "at_least", ">=": "at_least",  # 达标率≥95%: the sign says it
    "约": "about", "大约": "about", "近": "about", "接近": "about",
}  # fmt: skip
# A limit (3个工作日内, 不超过5天) stays qualifier exact with an "at most" note, as the
# hand-curated catalogue records it: the catalogue has no at_most qualifier.
AT_MOST_BEFORE = ("不超过", "不高于", "不大于", "控制在", "压缩至", "压缩到", "缩短至", "缩短到",
                  "≤", "≦", "<=")  # fmt: skip
AT_MOST_AFTER = ("以内", "之内", "以下", "内")

# Per-unit markers turn a number into a standard: 户均800元, 每名3000元, 每人每年640元.
PER_UNIT_MARKERS: dict[str, str] = {
    "户均": "household", "人均": "person", "每户": "household", "每人": "person",
    "每名": "person", "每位": "person", "每个": "unit", "每所": "school", "每村": "village",
    "每年": "year", "每月": "month", "每天": "day", "每日": "day", "每次": "time",
    "每千人": "thousand people", "每千人口": "thousand people", "每万人": "ten thousand people",
    "每": "unit",
}  # fmt: skip

# Increase / decrease words: 标准提高10% is a standard (a relative change), while
# 提高到95% / 提高至95% is a rate.
CHANGE_WORDS = (
    "提高",
    "提升",
    "增长",
    "增加",
    "上调",
    "降低",
    "下降",
    "减少",
    "下调",
    "增幅",
    "涨幅",
    "增速",
    "降幅",
)
CHANGE_TO = ("到", "至", "为")

# Coverage words that state a 100% rate without a number.
FULL_COVERAGE = ("全覆盖",)
# Words that say a number is a rate even without 率: 占比达到35%, 86%以上的建制村.
RATE_WORDS = ("率", "占比", "比例", "比重", "覆盖", "达标", "普及", "通达", "合格")

# Outcome words: 惠及居民14万户 follows the target before it (linked_to), never split alone.
OUTCOME_WORDS = ("惠及", "受益", "服务人口", "覆盖人口", "涉及")

# Nouns that carry the unit themselves when a plan writes no measure word (惠及70万农村居民,
# 为200万中小学生…). Only nouns the loader accepts as naming the unit (catalogue.UNIT_WORDS),
# so the phrase still states it.
PERSON_NOUNS = ("老年人", "老人", "残疾人", "人口", "人员", "工人", "病人", "人才", *PEOPLE_NOUNS)
HOUSEHOLD_NOUNS = ("农户", "住户", "用户", "户籍家庭")


@dataclass(frozen=True)
class UnitMatch:
    """A unit found right after a number."""

    written: str  # as in the text: 人（次）
    unit: str  # canonical: 人次
    family: str  # count | time | money | percent | ratio
    length: int  # characters consumed from the text


def _alternation(words: dict[str, str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_FAMILIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("time", TIME_UNITS),
    ("percent", PERCENT_UNITS),
    ("ratio", RATIO_UNITS),
    ("money", MONEY_UNITS),
    ("count", COUNT_UNITS),
)
_ALL_UNITS = {w: (u, fam) for fam, table in reversed(_FAMILIES) for w, u in table.items()}
_UNIT_RE = re.compile(_alternation(tuple(_ALL_UNITS)))


def match_unit(text: str, pos: int) -> UnitMatch | None:
    """The unit starting at ``text[pos]``, longest match first, or None."""
    m = _UNIT_RE.match(text, pos)
    if not m:
        return None
    unit, family = _ALL_UNITS[m.group(0)]
    return UnitMatch(written=m.group(0), unit=unit, family=family, length=len(m.group(0)))


def match_prefix(text: str, pos: int, words: dict[str, str] | tuple[str, ...]) -> str | None:
    """The longest of ``words`` starting at ``text[pos]``."""
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word, pos):
            return word
    return None


def match_suffix(text: str, end: int, words: dict[str, str] | tuple[str, ...]) -> str | None:
    """The longest of ``words`` ending at ``text[end]`` (exclusive)."""
    for word in sorted(words, key=len, reverse=True):
        if end - len(word) >= 0 and text.startswith(word, end - len(word)):
            return word
    return None
