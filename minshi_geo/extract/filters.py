"""Not-a-target rules: numbers in a plan that are not commitments.

Each rule has a name and a reason a planner can read in the draft's review list. A rule
looks at one :class:`Candidate` (a number, the unit after it if any, and its clause) and
says whether the number is *not* a target. Rules run in the order of :data:`RULES`; the
first that fires decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from minshi_geo.extract.numbers import NumberToken
from minshi_geo.extract.units import UnitMatch

_QUOTES = (("“", "”"), ("‘", "’"), ("《", "》"), ("「", "」"), ("『", "』"), ('"', '"'))
_ASIDE_STARTS = ("含", "包括", "不含", "其中", "即", "折合", "约合", "不包括")
_FUNDING_WORDS = ("投资", "资金", "投入", "安排", "筹措", "下达", "预算", "财政", "拨付", "经费",
                  "贷款", "基金", "担保", "授信", "融资", "债券", "奖补", "补贴资金")  # fmt: skip
_ADMIN_NOUNS = ("市州", "市（州）", "县（市、区）", "县（市）", "县市区", "县区", "区县", "县",
                "市", "区", "乡镇", "街道", "地市", "设区市", "省份", "盟市", "旗县")  # fmt: skip
_CONSTRUCTION_VERBS = ("建成", "新建", "建设", "打造", "开工", "新增", "设立", "建立", "组建",
                       "创建", "开设", "开办")  # fmt: skip
# 省十四届人大三次会议, 二十届三中全会: a session's number names the meeting
_NAME_SUFFIXES = ("号线", "号", "届", "代", "版", "路公交", "条措施", "次会议", "次全体会议",
                  "次全会", "中全会")  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A number in an item's text with what surrounds it."""

    text: str  # the item's folded text
    token: NumberToken
    unit: UnitMatch | None
    after: int  # where the text continues after the number (and unit, if any)
    clause_start: int  # start of the clause (after the last ，；。：)


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    applies: Callable[[Candidate], bool]


def _inside_pair(text: str, pos: int, open_: str, close: str) -> bool:
    if open_ == close:
        return text[:pos].count(open_) % 2 == 1
    depth = 0
    for char in text[:pos]:
        if char == open_:
            depth += 1
        elif char == close and depth:
            depth -= 1
    return depth > 0


def in_quotes(c: Candidate) -> bool:
    return any(_inside_pair(c.text, c.token.start, o, e) for o, e in _QUOTES)


def in_aside(c: Candidate) -> bool:
    """（含2022年60家已开放场馆）: the bracket explains, it does not commit; 7条道路（82.12公里）:
    a bracket holding only a measure describes the thing named before it."""
    open_at = c.text.rfind("（", 0, c.token.start)
    close_at = c.text.find("）", open_at)
    if open_at < 0 or close_at < c.token.start:
        return False
    if c.text.startswith(_ASIDE_STARTS, open_at + 1):
        return True
    only_measure = open_at + 1 == c.token.start and c.after == close_at and c.unit is not None
    return only_measure and open_at > 0 and "\u4e00" <= c.text[open_at - 1] <= "\u9fff"


def latin_or_code(c: Candidate) -> bool:
    """5G, G6PD, 4K, 1+N: digits that are part of a name or a code."""
    before = c.text[c.token.start - 1] if c.token.start else ""
    after = c.text[c.token.end] if c.token.end < len(c.text) else ""
    if c.token.chinese:
        return False
    return bool(re.match(r"[A-Za-z+]", before) or re.match(r"[A-Za-z+]", after))


def item_number(c: Candidate) -> bool:
    """12建设…, 7.托育服务 at the start of a line: the number of an item in a numbering style
    the outline did not recognise, not a quantity (it has no unit after it)."""
    token = c.token
    if c.unit is not None or token.chinese or token.has_multiplier:
        return False
    if token.start > 0 and c.text[token.start - 1] not in "\n。；":
        return False
    return token.value.is_integer() and token.value < 100 and bool(
        re.match(r"[.、）：]?[\u4e00-\u9fff“]", c.text[token.end :])
    )


def outline_marker(c: Candidate) -> bool:
    """（二）, （2） anywhere in a line: a number that is the whole of a bracket is an outline
    marker run into the text, not a quantity (a bracketed measure has its unit inside)."""
    token = c.token
    return (c.unit is None and token.start > 0 and token.end < len(c.text)
            and c.text[token.start - 1] == "（" and c.text[token.end] == "）")


def ordinal(c: Candidate) -> bool:
    return c.token.start > 0 and c.text[c.token.start - 1] == "第"


def per_denominator(c: Candidate) -> bool:
    """每千人口, 每万人, 每百户: the denominator of a ratio, not a quantity."""
    return c.token.start > 0 and c.text[c.token.start - 1] == "每"


def date_or_year(c: Candidate) -> bool:
    """2023年, 3月底, 6月30日, 2023.01, 2023—2025年."""
    rest = c.text[c.token.end : c.token.end + 3]
    value = c.token.value
    if c.token.has_multiplier:
        return False
    if rest.startswith(("月", "月份", "月底", "月末", "季度")):
        return True
    if rest.startswith(("日", "号")) and re.search(r"月$", c.text[: c.token.start]):
        return True
    if 1900 <= value <= 2100 and value.is_integer():
        return rest.startswith(("年", ".", "-", "—", "/")) or not rest[:1].strip("，。；、")
    return False


def duration(c: Candidate) -> bool:
    """离校2年内, 连续3年: a span of years describes who is served or how long."""
    return c.text.startswith(("年", "个年度", "周年"), c.token.end) and not c.token.has_multiplier


def age(c: Candidate) -> bool:
    """65岁以上, 35—64岁, 80周岁: an age bound describes who is served."""
    return bool(re.match(r"(?:[~—\-至到]\d+)?(?:周岁|岁)", c.text[c.token.end :]))


def name_digits(c: Candidate) -> bool:
    """22号线, 第19届, 24小时 in a name, 15分钟生活圈: digits inside a name."""
    rest = c.text[c.token.end :]
    if rest.startswith(_NAME_SUFFIXES):
        return True
    return bool(re.match(r"(?:个)?(?:小时|分钟)(?!内|以内|之内)", rest))


def phone_or_platform(c: Candidate) -> bool:
    """96110, 12345热线: long digit strings without a unit are numbers of a service."""
    digits = c.token.text.replace(",", "")
    return c.unit is None and digits.isdigit() and len(digits) >= 5 and not c.token.has_multiplier


def category_count(c: Candidate) -> bool:
    """8类重点居家老年人, 5种遗传代谢病: how many kinds, not how many served."""
    return c.text.startswith(("类", "种", "大类", "型", "个类别", "个品种"), c.token.end)


def project_phase(c: Candidate) -> bool:
    """一期工程, 启动二期建设: a phase of a project, not a count of anything."""
    return c.token.chinese and c.text.startswith("期", c.token.end)


# 低于4000元的家庭, 不足30户的自然屯, 满60周岁的: a bound before the number, the noun after 的
_BOUND_BEFORE = ("低于", "高于", "不足", "少于", "不满", "未满", "满", "超过", "大于", "小于",
                 "以下", "在")  # fmt: skip


def threshold(c: Candidate) -> bool:
    """30户以上的自然屯, 人均收入低于4000元的家庭, 5人制足球场: a bound or a class that says
    which people or places are meant, not how many are served."""
    if c.unit is None or c.unit.family == "percent":
        return False
    rest = c.text[c.after :]
    if c.unit.unit in ("人", "户") and rest.startswith(("制", "座", "间", "以上规模")):
        return True  # 5人制足球场, 7人座: a size in a name
    if re.match(r"(?:及以上|以上|以下|及以下|以内)的", rest):
        return True
    before = c.text[c.clause_start : c.token.start]
    bound = next((b for b in _BOUND_BEFORE if before.endswith(b)), None)
    if bound is None or before.endswith("不" + bound):
        return False  # 不低于500人: a qualifier of the target, not a bound on who
    # 人均耕地低于0.3亩、满60周岁的农民: the bound runs on to the 的 of the noun it qualifies
    return bool(re.match(r"[^，；。]{0,12}?的", rest))


def size_class(c: Candidate) -> bool:
    """五百人口规模以上村, 千人以上规模企业: a size class says which places, not how many."""
    return bool(re.match(r"(?:人口|人|户)?(?:以上)?(?:的)?规模", c.text[c.token.end :]))


def plan_item_count(c: Candidate) -> bool:
    """十件实事, 50项, （10项）, 十个方面, 清单共38件, 38个项目: counts of the plan's items."""
    rest = c.text[c.token.end :]
    if rest.startswith(("项", "个方面", "方面", "大方面", "个领域", "大类")):
        return True
    if re.match(
        r"(?:件|个|大)(?:重要|重点|具体)?(?:为民办|民生|为民|惠民|办)?"
        r"(?:实事|大事|好事|工程|领域|项目|事项)",
        rest,
    ):
        return True
    if not rest.startswith("件"):
        return False
    # 今年要办12件。…其中，7件都涉及农村: 件 counts the plan's items when its sentence
    # speaks of 实事 or a 清单
    return any(word in _sentence(c) for word in ("实事", "清单"))


def _sentence(c: Candidate) -> str:
    start = max(c.text.rfind(ch, 0, c.token.start) for ch in "。！？\n") + 1
    ends = [i for i in (c.text.find(ch, c.token.end) for ch in "。！？\n") if i >= 0]
    return c.text[start : min(ends, default=len(c.text))]


_QUANTITY = re.compile(r"\d+(?:\.\d+)?(?:万|亿)?")


def _later_quantity(c: Candidate, *, percent: bool = False) -> bool:
    """Whether the clause goes on to another number with a unit (a percentage only, if
    ``percent``) after this one."""
    from minshi_geo.extract.units import match_unit

    end = re.search(r"[，；。\n]|$", c.text[c.after :]).start() + c.after
    for m in _QUANTITY.finditer(c.text, c.after, end):
        unit = match_unit(c.text, m.end())
        if unit is not None and (unit.family == "percent" or not percent):
            return True
    return False


def item_tally(c: Candidate) -> bool:
    """（项目6个，其中基建工程类5个）: a bracket tallying the items under a heading."""
    open_at = c.text.rfind("（", 0, c.token.start)
    close_at = c.text.find("）", open_at)
    if open_at < 0 or close_at < c.token.start:
        return False
    return bool(re.search(r"项目|事项|\d+项", c.text[open_at:close_at]))


_ADMIN_AFTER = re.compile(
    "[^，；。、\\d]{0,4}?(?:" + "|".join(re.escape(n) for n in _ADMIN_NOUNS) + ")(?![级长])"
)


def scope(c: Candidate) -> bool:
    """在全省13个市州, 在23个重点帮扶县以外, 在39个村改造…200公里: where the work happens,
    not how much."""
    if c.unit is None or c.unit.family != "count":
        return False
    before = c.text[c.clause_start : c.token.start]
    if before.endswith("等") and "、" in before and _later_quantity(c):
        return True  # 剑南路、东津路等7条道路…设施70套: the list names where
    if c.unit.unit != "个":
        return False
    if before.endswith(("惠及", "覆盖")) and _ADMIN_AFTER.match(c.text, c.after):
        return True  # 惠及17个乡镇: restates where, the clause's count said how much
    if "在" not in before:
        return False
    # 在39个村改造线路16.66公里: the places where, when the clause goes on to say how much
    return bool(_ADMIN_AFTER.match(c.text, c.after)) or _later_quantity(c)


# …社区数量达到城市社区的60%: after the words a rate counts, the level the clause commits to.
_RATE_OF_SUBJECT = re.compile(
    r"[^，；。\d]{1,12}?(?:数量|比例|占比|覆盖率)(?:达到|达|提高到|提高至|提升到|提升至|不低于)"
    r"[^，；。\d]{0,10}\d+(?:\.\d+)?[%％]"
)


def rate_subject(c: Candidate) -> bool:
    """省级三公里充分就业社区数量达到城市社区的60%: the number says which things the rate
    counts (a class of places), the percentage is the target."""
    if c.unit is None or c.unit.family != "count":
        return False
    if _RATE_OF_SUBJECT.match(c.text, c.after):
        return True
    # 11个重点城市空气质量优良天数增加5%: a count opening its clause whose clause commits to a
    # percentage names the things the percentage is about
    opening = c.text[c.clause_start : c.token.start]
    return opening in ("", "全省", "全市", "全县", "全区") and _later_quantity(c, percent=True)


def funding(c: Candidate) -> bool:
    """投资1.2亿元, 安排资金2亿元, 6.5亿元已全部下达: money put in, not an outcome."""
    if c.unit is None or c.unit.family != "money":
        return False
    before = c.text[c.clause_start : c.token.start]
    clause_end = re.search(r"[，；。\n]|$", c.text[c.after :]).start() + c.after
    around = before + c.text[c.after : clause_end]
    if "每" in before or "标准" in before:
        return False  # 补助标准提高到300元: a standard, not money put in
    return any(word in around for word in _FUNDING_WORDS)


# 一 before these is a set phrase, whatever verb comes before (建设一批…, 打造一张网).
_ONE_PHRASES = ("批", "张网", "张图", "张表", "条龙", "次性", "揽子", "系列", "盘棋",
                "件事", "站式", "体化", "网通", "门式", "窗", "码", "线", "级", "流", "类",
                "些")  # fmt: skip


def set_phrase(c: Candidate) -> bool:
    """一站式, 一户一档, 一张网, 一批, 二次供水: 一/二 in a set phrase, not a count."""
    if not c.token.chinese or len(c.token.text) != 1:
        return False
    rest = c.text[c.token.end : c.token.end + 4]
    if c.token.text in "二两" and rest.startswith("次"):
        return True
    if c.token.text != "一":
        return False
    if re.match(r".{1,2}一", rest) or rest.startswith(_ONE_PHRASES):  # 一户一档, 一批
        return True
    before = c.text[c.clause_start : c.token.start]
    closes = c.after >= len(c.text) or c.text[c.after] in "，；。\n"
    if c.unit is not None and closes and any(verb in before for verb in _CONSTRUCTION_VERBS):
        return False  # 各新建配套初中一所。: 一 with its unit closes a clause that builds
    return not before.endswith(_CONSTRUCTION_VERBS)


RULES: tuple[Rule, ...] = (
    Rule("in_quotes", "inside quotation marks: part of a name (“千村示范”, 《…》)", in_quotes),
    Rule("aside", "in a bracketed aside (含…, 其中…): explains, does not commit", in_aside),
    Rule("code_or_name", "digits in a code or name (5G, G6PD, 1+N)", latin_or_code),
    Rule("item_number", "an item's number at the start of a line (12建设…, 7.托育…), not a "
         "quantity", item_number),
    Rule("outline_marker", "the whole of a bracket (（二）): an outline marker, not a quantity",
         outline_marker),
    Rule("ordinal", "an ordinal (第3批), not a quantity", ordinal),
    Rule("per_denominator", "the denominator of a ratio (每千人口)", per_denominator),
    Rule("date_or_year", "a date or a year", date_or_year),
    Rule("age", "an age bound (65岁以上): describes who is served", age),
    Rule("duration", "a span of years (离校2年内): describes who is served", duration),
    Rule("name_digits", "digits inside a name (22号线, 24小时供水, 15分钟生活圈)", name_digits),
    Rule("phone_or_platform", "a phone or platform number (96110, 12345)", phone_or_platform),
    Rule("category_count", "a count of kinds (8类, 5种): describes who is served", category_count),
    Rule("project_phase", "a phase of a project (二期工程)", project_phase),
    Rule("threshold", "a bound that says who or which places are meant (30户以上的自然屯, "
         "低于4000元的家庭, 5人制)", threshold),
    Rule("size_class", "a size class (五百人口规模以上村): says which places", size_class),
    Rule("plan_item_count", "a count of the plan's own items (十件, 50项, 十个方面)",
         plan_item_count),
    Rule("item_tally", "a bracket tallying a heading's items (项目6个)", item_tally),
    Rule("scope", "where the work happens (在全省13个市州), not how much", scope),
    Rule("rate_subject", "names what a rate in the same clause counts (三公里充分就业社区数量"
         "达到…60%)", rate_subject),
    Rule("funding", "money put in (投资, 安排资金): a means, not an outcome", funding),
    Rule("set_phrase", "一/二 in a set phrase (一站式, 一户一档, 二次供水)", set_phrase),
)  # fmt: skip


def first_rule(candidate: Candidate) -> Rule | None:
    for rule in RULES:
        if rule.applies(candidate):
            return rule
    return None
