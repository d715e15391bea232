"""Clause → targets: every quantitative commitment in one item's text.

For each number in the item (:func:`~minshi_geo.extract.numbers.find_numbers`) the rules
read, in order: a qualifier before it (不少于, 超, 约), a range (200—300), a qualifier
between number and unit (1200余名), the unit (:mod:`~minshi_geo.extract.units`), a
qualifier after the unit (以上, 左右, 内). The not-a-target rules
(:mod:`~minshi_geo.extract.filters`) then reject ages, dates, names, counts of items…
What is left becomes a :class:`FoundTarget` with its kind, its source phrase and a
confidence; 全覆盖 adds a 100% rate. Rejected numbers are kept with the rule that
rejected them, so the draft can say what was skipped and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minshi_geo.extract import units as U
from minshi_geo.extract.filters import Candidate, first_rule
from minshi_geo.extract.numbers import NumberToken, find_numbers

CLAUSE_BREAKS = "，；。：！？\n"
_JOINERS = "、和及与并或"
# Words that end a metric's noun phrase after the unit (配建100套健身路径，…).
_METRIC_STOP = re.compile(r"[，；。：！？\n]|[、和及与并](?=[\d一二两三四五六七八九十])")
# Words that open a clause but say nothing about what is counted (主要是, 全年, 2023年, 拟).
_LEADING_WORDS = re.compile(
    r"^(?:[、和及与并为对向给在拟]|共计|达到|其中|累计|合计|主要是|主要包括|全年|年内|今年"
    r"|我市|我省|\d{4}年度?)+"
)
REVIEW_BELOW = 0.8


@dataclass
class FoundTarget:
    """One target found in an item, before ids are given."""

    start: int  # folded offset inside the item text (for ordering)
    metric: str
    quantity: float
    unit: str
    kind: str  # count | rate | standard
    qualifier: str  # exact | at_least | about
    source_span: tuple[int, int]  # folded span inside the item text
    confidence: float
    notes: list[str] = field(default_factory=list)
    outcome: bool = False  # 惠及…: linked to the count before it
    words_end: int = 0  # end of number + unit + qualifier


@dataclass(frozen=True)
class Rejected:
    """A number that is not a target, and why."""

    start: int
    text: str  # the number with a little context
    rule: str
    reason: str
    had_unit: bool = False  # a unit followed the number (65岁, 8类 count; 零就业 does not)


@dataclass
class ItemScan:
    targets: list[FoundTarget]
    rejected: list[Rejected]


def scan_item(text: str) -> ItemScan:
    """All targets in one item's folded text, in text order."""
    targets: list[FoundTarget] = []
    rejected: list[Rejected] = []
    tokens = find_numbers(text)
    consumed: set[int] = set()
    for index, token in enumerate(tokens):
        if token.start in consumed or text.endswith("百分之", 0, token.start):
            continue  # 百分之九十 is read by _percent_words
        upper = _range_upper(text, token, tokens[index + 1 :])
        if upper is not None:
            consumed.add(upper.start)
        found = _read_number(text, token, upper)
        if isinstance(found, Rejected):
            if found.rule == "no_unit" and token.chinese and len(token.text) == 1:
                # a lone 二 of 二手房: listed, but not as a number the rules could not read
                found = Rejected(found.start, found.text, "word_numeral",
                                 "a lone Chinese numeral inside a word (二手房, 三农)")  # fmt: skip
            rejected.append(found)
        elif found is not None:
            targets.append(found)
    _place_words(text, targets)
    targets.extend(_full_coverage(text, targets))
    targets.extend(_percent_words(text))
    targets.sort(key=lambda t: t.start)
    return ItemScan(_drop_repeats(targets, rejected), rejected)


def _range_upper(text: str, token: NumberToken, rest: list[NumberToken]) -> NumberToken | None:
    """200—300个: the upper bound of a range starting at ``token``."""
    if not rest:
        return None
    nxt = rest[0]
    between = text[token.end : nxt.start]
    if between in ("—", "-", "~", "至", "到", "——", "－") and nxt.chinese == token.chinese:
        return nxt
    return None


def clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in CLAUSE_BREAKS:
        i -= 1
    return i


def _read_number(
    text: str, token: NumberToken, upper: NumberToken | None
) -> FoundTarget | Rejected | None:
    last = upper or token
    pos = last.end
    notes: list[str] = []
    qualifier = "exact"
    confidence = 0.95

    between = U.match_prefix(text, pos, U.QUALIFIER_BETWEEN)
    if between and U.match_unit(text, pos + len(between)):
        qualifier = U.QUALIFIER_BETWEEN[between]
        pos += len(between)
    unit = U.match_unit(text, pos)
    after = pos + (unit.length if unit else 0)
    start_of_clause = clause_start(text, token.start)
    candidate = Candidate(text, token, unit, after, start_of_clause)
    rule = first_rule(candidate)
    if rule is not None:
        return Rejected(
            token.start,
            _context(text, token.start, after),
            rule.name,
            rule.reason,
            had_unit=unit is not None or rule.name in ("age", "category_count", "duration"),
        )

    before = text[start_of_clause : token.start]
    if unit is None:
        unit = (
            _unit_from_noun(text, pos)
            or _unit_named_before(before)
            or _unit_from_noun_before(text, before, pos)
        )
        if unit is None:
            return Rejected(
                token.start,
                _context(text, token.start, pos),
                "no_unit",
                "no unit of measure after the number",
            )
        notes.append(f"unit {unit.unit} read from the noun {unit.written!r}")
        confidence = min(confidence, 0.7)
        after = pos  # the noun stays part of the metric

    qualifier, at_most, after = _qualifiers(
        text, token, unit, start_of_clause, after, qualifier, notes
    )
    if upper is not None:
        qualifier = "at_least"
        notes.append(f"range {_fmt(token.value)}–{_fmt(upper.value)}: lower bound kept")
        confidence = min(confidence, 0.7)

    kind, canonical = _kind(text, token, unit, before, after, at_most, notes)
    per_slash = _PER_SLASH.match(text, after)
    if per_slash and unit.family == "money":
        after = per_slash.end()  # 640元/人·年: the denominator belongs to the unit
    if kind is None:
        return Rejected(
            token.start,
            _context(text, token.start, after),
            "time_not_limit",
            "a time that is not a limit (24小时, 15分钟): part of a description",
            had_unit=True,
        )
    kind, confidence = _doubts(text, token, unit, kind, before, after, confidence, notes)
    outcome = any(w in before for w in U.OUTCOME_WORDS)
    return FoundTarget(
        start=token.start,
        metric="",  # set by _place_words once all targets of the text are known
        quantity=token.value,
        unit=canonical,
        kind=kind,
        qualifier=qualifier,
        source_span=(start_of_clause, after),
        confidence=confidence,
        notes=notes,
        outcome=outcome,
        words_end=after,
    )


def _qualifiers(
    text: str,
    token: NumberToken,
    unit: U.UnitMatch,
    start_of_clause: int,
    after: int,
    qualifier: str,
    notes: list[str],
) -> tuple[str, str | None, int]:
    """The qualifier words before the number and after the unit (不少于, 以上, 以内):
    (qualifier, the at-most word if any, where the target's words end)."""
    # 不少于10万个, 至少达到100家, 至少建成1所: a qualifier may come before 达到/达/为 or
    # the verb of the commitment
    linked = re.search(
        r"(?:达到|达|为|要|建成|新建|建设|新增|完成|改造|培训|开展|提供|实现)$",
        text[start_of_clause : token.start],
    )
    word = U.match_suffix(text, token.start, U.QUALIFIER_BEFORE) or (
        U.match_suffix(text, token.start - len(linked.group(0)), U.QUALIFIER_BEFORE)
        if linked
        else None
    )
    if word:
        qualifier = U.QUALIFIER_BEFORE[word]
    at_most = U.match_suffix(text, token.start, U.AT_MOST_BEFORE)
    # 200个(标准桩)以上: a short bracket may sit between the unit and its qualifier
    bracket = re.match(r"（[^（）]{1,6}）", text[after:])
    if bracket and U.match_prefix(text, after + bracket.end(), U.QUALIFIER_AFTER):
        after += bracket.end()
    after_word = U.match_prefix(text, after, U.QUALIFIER_AFTER)
    if after_word:
        qualifier = U.QUALIFIER_AFTER[after_word]
        after += len(after_word)
    limit = U.match_prefix(text, after, U.AT_MOST_AFTER)
    if limit and unit.family in ("time", "count", "money", "percent"):
        at_most = at_most or limit
        after += len(limit)
    if at_most:
        notes.append(f"at most ({at_most}): the catalogue records a limit as exact")
        qualifier = "exact"
    return qualifier, at_most, after


def _doubts(
    text: str,
    token: NumberToken,
    unit: U.UnitMatch,
    kind: str,
    before: str,
    after: int,
    confidence: float,
    notes: list[str],
) -> tuple[str, float]:
    """What lowers the confidence in a target read (an ambiguous unit, a Chinese numeral, a
    sum of money, a percentage without a rate word, 其中): (kind, confidence), notes added."""
    if unit.written in U.AMBIGUOUS_UNITS:
        confidence = min(confidence, 0.75)
        notes.append(f"unit {unit.written} has other meanings; check it is a measure here")
    if token.chinese:
        confidence = min(confidence, 0.6 if len(token.text) == 1 else 0.85)
    if kind == "count" and unit.family == "money":
        confidence = min(confidence, 0.55)
        notes.append("a sum of money without a per-unit word: a budget or a count?")
    if kind == "rate" and not any(w in before + text[after : after + 6] for w in U.RATE_WORDS):
        confidence = min(confidence, 0.75)
        notes.append("a percentage without 率/占比/覆盖: check it is a rate")
    if kind == "rate" and token.value > 100:
        kind = "standard"
        notes.append("a percentage above 100 cannot be a coverage rate")
        confidence = min(confidence, 0.6)
    if before.lstrip().startswith("其中"):
        # 完成2000户危房改造，其中D级危房500户: a part of the count before, not more of it
        confidence = min(confidence, 0.75)
        notes.append("其中: a part of the target before it, not in addition to it")
    return kind, confidence


def _place_words(text: str, targets: list[FoundTarget]) -> None:
    """Metric and source phrase of each target: the words between the previous target and
    the next one in the same clause (新建粪污处理站2座，新建维修站点11个)."""
    previous_end = 0
    for index, target in enumerate(targets):
        nxt = targets[index + 1].start if index + 1 < len(targets) else None
        clause = clause_start(text, target.start)
        prefix_start = _prefix_start(text, max(clause, previous_end), target.start)
        metric_end = _metric_end(text, target.words_end, nxt)
        before = text[clause : target.start]
        target.metric = _metric(
            text[prefix_start : target.start], text[target.words_end : metric_end], before
        )
        if len(target.metric) < 4 and index > 0 and prefix_start > clause:
            # 高龄津贴（每月不少于60元）: the target before names what it is about
            target.metric = f"{targets[index - 1].metric}（{target.metric.lstrip('（')}）"
        target.source_span = (prefix_start, max(metric_end, target.words_end))
        previous_end = target.source_span[1]


def _kind(
    text: str,
    token: NumberToken,
    unit: U.UnitMatch,
    before: str,
    after: int,
    at_most: str | None,
    notes: list[str],
) -> tuple[str | None, str | None]:
    """(kind, canonical unit) of a number with a unit; (None, None) for a non-limit time."""
    per = _per_unit_marker(before, text, after)
    if unit.family == "percent":
        change = _change_word(before)
        if unit.unit.endswith("百分点") or change:
            notes.append(f"a change ({change or '百分点'}), not a level")
            return "standard", unit.unit
        return "rate", "%"
    if unit.family == "ratio":
        return "standard", unit.unit
    if unit.family == "time":
        if at_most:
            return "standard", unit.unit
        return None, None
    if unit.family == "money":
        if per or text.startswith(("标准", "/"), after) or "标准" in before:
            notes.append(f"money per {per or 'unit'}")
            return "standard", "元"
        return "count", "元"
    if per:
        notes.append(f"per {per}: a standard, not a total")
        return "standard", unit.unit
    return "count", unit.unit


# 640元/人·年, 200元/月: the denominator written after the unit
_PER_SLASH = re.compile(r"/(?:人|户|名|位|次|月|年|天|日|村|所)(?:[·.](?:年|月|天|日|次))?")


# 千人托位数达4.2个, 万人口全科医生数: a ratio per thousand (ten thousand) people, written
# without 每; its level is a standard, never a count to split.
_PER_POPULATION = re.compile(
    r"(?<![\d一二三四五六七八九十])(千|万|百)(人口|人|户)[^，；。\d]{0,8}?数"
)


def _per_unit_marker(before: str, text: str, after: int) -> str | None:
    for word, meaning in sorted(U.PER_UNIT_MARKERS.items(), key=lambda kv: -len(kv[0])):
        if word in before:
            return meaning
    per_population = _PER_POPULATION.search(before)
    if per_population:
        return f"{per_population.group(1)}{per_population.group(2)}"
    slash = _PER_SLASH.match(text, after)
    return slash.group(0)[1:] if slash else None


def _change_word(before: str) -> str | None:
    tail = before[-6:]
    for word in U.CHANGE_WORDS:
        at = tail.rfind(word)
        if at >= 0:
            follows = tail[at + len(word) :]
            if not follows.startswith(U.CHANGE_TO) and not re.search(r"[率比]", follows):
                return word
    return None


def _unit_from_noun(text: str, pos: int) -> U.UnitMatch | None:
    """惠及70万农村居民: a person or household noun right after the number gives the unit."""
    # the noun must follow this number: not across a closing bracket ((二)十件居民: 二 is an
    # outline marker) or another number
    window = re.match(r"[^，；。：、\d）)〇零一二三四五六七八九十百千两]{0,6}", text[pos:]).group(0)
    for noun in U.PERSON_NOUNS:
        at = window.find(noun)
        if at >= 0:
            return U.UnitMatch(
                written=window[: at + len(noun)], unit="人", family="count", length=0
            )
    for noun in U.HOUSEHOLD_NOUNS:
        at = window.find(noun)
        if at >= 0:
            return U.UnitMatch(
                written=window[: at + len(noun)], unit="户", family="count", length=0
            )
    return None


# 服务人次达200万以上, 参保人数达到2000万: the count's noun names the unit before the number.
_UNIT_NOUN_BEFORE = re.compile(r"(人次|人数|户数)(?:达到|达|超过|超|突破|为)?$")


def _unit_named_before(before: str) -> U.UnitMatch | None:
    m = _UNIT_NOUN_BEFORE.search(before)
    if not m:
        return None
    unit = {"人次": "人次", "人数": "人", "户数": "户"}[m.group(1)]
    return U.UnitMatch(written=m.group(1), unit=unit, family="count", length=0)


def _unit_from_noun_before(text: str, before: str, pos: int) -> U.UnitMatch | None:
    """培训新型农民20万, 新增受益人口90万: a number that ends its clause with no measure word
    counts the person or household noun just before it."""
    rest = text[pos:]
    qualifier = U.match_prefix(text, pos, U.QUALIFIER_AFTER) or ""
    if rest[len(qualifier) : len(qualifier) + 1] not in ("", *CLAUSE_BREAKS, "）"):
        return None
    words = before[-10:]
    if re.search(r"[\d〇零一二三四五六七八九十百千两]", words):
        # another number stands between the noun and this one (十件居民01): the noun is that
        # number's, and this number's phrase would not hold it
        return None
    for nouns, unit in ((U.PERSON_NOUNS, "人"), (U.HOUSEHOLD_NOUNS, "户")):
        found = [(words.rfind(n), n) for n in nouns if n in words]
        if found:
            noun = max(found)[1]
            return U.UnitMatch(written=noun, unit=unit, family="count", length=0)
    return None


# Bullets and inline enumerators that open a clause: ●, ·, （1）, ①, 1)
_OPENERS = re.compile(r"(?:[●•·▪■◆□▲★\-*]|（\d{1,2}）|\d{1,2}）|[①-⑳])+")


def _prefix_start(text: str, start: int, number: int) -> int:
    """Start of the words that belong to this number: the clause, or where the previous
    target's words end (实施安防工程1800公里、养护工程5000公里 → 养护工程)."""
    while start < number:
        if text[start] in _JOINERS:
            start += 1
            continue
        opener = _OPENERS.match(text, start)
        if opener and opener.end() <= number:
            start = opener.end()
            continue
        break
    return start


def _metric_end(text: str, after: int, next_number: int | None) -> int:
    """End of the words after the unit: the clause end, or the last joiner before the next
    number in the clause (建设100个服务中心和100个老年食堂 → 服务中心)."""
    m = _METRIC_STOP.search(text, after)
    end = m.start() if m else len(text)
    if after < len(text) and text[after] in _JOINERS:
        return after  # 放心厨房80家、中小学…: a list goes on with the next target
    if next_number is not None and next_number < end:
        joiner = max(text.rfind(j, after, next_number) for j in _JOINERS + "（")
        end = joiner if joiner >= 0 else next_number
    return end


def _metric(prefix: str, suffix: str, before: str) -> str:
    prefix = _LEADING_WORDS.sub("", prefix)
    for word in sorted(U.QUALIFIER_BEFORE, key=len, reverse=True):
        if prefix.endswith(word):
            prefix = prefix[: -len(word)]
            break
    prefix = re.sub(r"(达到|达|为|至|到|提高|共|约)$", "", prefix)
    suffix = suffix.lstrip("的").rstrip("）")
    metric = (prefix + suffix).strip("，、的 ")
    if len(metric) > 40:
        metric = metric[:40] + "…"
    return metric or before.strip("，、") or "（待定）"


_PERCENT_WORDS = re.compile(r"百分之([0-9.]+|[零〇一二两三四五六七八九十百]+)")


def _percent_words(text: str) -> list[FoundTarget]:
    """百分之九十: a rate written in words."""
    from minshi_geo.extract.numbers import NumberFormatError, parse_number

    out = []
    for m in _PERCENT_WORDS.finditer(text):
        try:
            value = parse_number(m.group(1))
        except NumberFormatError:
            continue
        start = clause_start(text, m.start())
        after = m.end()
        qualifier = "exact"
        word = U.match_prefix(text, after, U.QUALIFIER_AFTER)
        if word:
            qualifier, after = U.QUALIFIER_AFTER[word], after + len(word)
        before_word = U.match_suffix(text, m.start(), U.QUALIFIER_BEFORE)
        if before_word:
            qualifier = U.QUALIFIER_BEFORE[before_word]
        metric = _LEADING_WORDS.sub("", text[start : m.start()])
        metric = re.sub(r"(达到|达|为|至|到)$", "", metric)
        kind = "standard" if _change_word(text[start : m.start()]) else "rate"
        out.append(
            FoundTarget(m.start(), metric or "（待定）", value, "%", kind, qualifier,
                        (start, after), 0.85, ["百分之… = %"], words_end=after)
        )  # fmt: skip
    return out


def _full_coverage(text: str, found: list[FoundTarget]) -> list[FoundTarget]:
    out = []
    for word in U.FULL_COVERAGE:
        # 全覆盖巩固提升工程 names a project; 实现…全覆盖 states a rate
        for m in re.finditer(re.escape(word) + r"(?!巩固|提升|工程|行动|项目|攻坚)", text):
            start = clause_start(text, m.start())
            metric = text[start : m.start()]
            metric = re.sub(r"^(实现|确保|做到|力争|基本)", "", metric) + "覆盖率"
            out.append(
                FoundTarget(
                    start=m.start(),
                    metric=_LEADING_WORDS.sub("", metric),
                    quantity=100.0,
                    unit="%",
                    kind="rate",
                    qualifier="exact",
                    source_span=(start, m.end()),
                    confidence=0.85,
                    notes=["全覆盖 = 100%"],
                )
            )
    return out


def _drop_repeats(targets: list[FoundTarget], rejected: list[Rejected]) -> list[FoundTarget]:
    """An item that restates a target (…新增床位300张，共300张) keeps the first statement."""
    kept: list[FoundTarget] = []
    for target in targets:
        twin = next((k for k in kept if same_target(k, target)), None)
        if twin is None:
            kept.append(target)
        else:
            rejected.append(
                Rejected(
                    target.start,
                    target.metric,
                    "repeat",
                    f"restates {twin.metric} {_fmt(twin.quantity)}{twin.unit}",
                )
            )
    return kept


def same_target(a: FoundTarget, b: FoundTarget, *, summary: bool = False) -> bool:
    """Same number, unit and kind, and metrics that share most of their wording.

    Inside one item two rates of 95% (“两病”筛查率, 听力筛查率) are different targets, so the
    test is strict (Jaccard ≥ 0.5). A summary elsewhere in an unnumbered list restates a
    target in fewer words (新增托位4万个 … 新增婴幼儿托位4万个): there the shorter metric,
    verbs left aside, has to be inside the longer one character by character (养老床位 and
    医疗床位 are not the same beds).
    """
    if (a.quantity, a.unit, a.kind) != (b.quantity, b.unit, b.kind):
        return False
    if summary:
        short, long_ = sorted((_core(a.metric), _core(b.metric)), key=len)
        return _subsequence(short, long_)
    grams_a, grams_b = _bigrams(a.metric), _bigrams(b.metric)
    shared = len(grams_a & grams_b)
    return shared / len(grams_a | grams_b) >= 0.5


# Verbs a restatement may add or leave out (新增托位 … 新增婴幼儿托位 … 托位)
_RESTATE_VERBS = re.compile(r"^(?:新增|新建|增加|建设|建成|改造|完成|提供|开展|实施|全年|共)+")


def _core(metric: str) -> str:
    return _RESTATE_VERBS.sub("", _LEADING_WORDS.sub("", metric)) or metric


def _subsequence(short: str, long_: str) -> bool:
    """Every character of ``short`` in ``long_``, in order (托位 in 婴幼儿托位)."""
    rest = iter(long_)
    return all(char in rest for char in short)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 4) : min(len(text), max(end, start + 1) + 4)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
