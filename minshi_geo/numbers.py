"""The one reader of numbers as Chinese plans, returned reports and indicator tables write them.

Every caller reads numbers here: the catalogue (does a phrase state its quantity?), the
extractor (every number token of a plan text, with its span), the report reader (累计完成
cells) and the indicator reader (plain sourced values).

Rules, decided once (``tests/test_numbers.py`` is the table of cases):

- Arabic digits (full-width too), a decimal point (. or ．), and thousands separators:
  ASCII or full-width comma, normal, no-break, thin, narrow no-break or ideographic space
  (3,000 · 3，000 · 3 000).
  One number uses one separator throughout; the first group has one to three digits and
  every later group exactly three (``3，00`` is 3 and 0; ``2023 100`` is 2023 and 100).
- An Arabic number may take a multiplier: 万 亿 万亿 千万 百万 千 百 (23万 → 230000,
  1.9万 → 19000, ``5百人`` → 500, ``3千人`` → 3000). A space may stand between them (3 000 万).
- 千 right before a unit character is the unit's kilo- prefix, not a thousand:
  ``30千米`` → 30, ``100千瓦`` → 100, ``30千帕`` → 30 (米 瓦 克 伏 帕 焦 卡 赫, 字节) —
  the same for a Chinese numeral (``三千米`` → 3). 百 before 分 is a percentage word
  (``3百分点`` → 3).
- Chinese numerals in the usual grouping (一千二百 → 1200, 一百零七 → 107, 两万 → 20000,
  一亿五千万 → 150000000) or digit by digit (二〇二三 → 2023). Malformed ones are refused:
  ``十十``, ``十十五``, ``三四百`` (two digits in a row), ``十百`` (order), and a numeral
  starting with 百 千 万 亿 (``千``, ``万``: a unit word, not a number).
- In running text a Chinese run that starts with 百 千 万 亿 is a word (百姓, 千村, 万人),
  and a run of only 零/〇 is a word (零就业, 清零): neither states a number.

Values are exact :class:`~decimal.Decimal` (1.9万 is 19000, never 18999.999999999996);
``NumberToken.value`` and :func:`parse_number` give the same as a float for arithmetic.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8, "百万": 10**6,
               "千万": 10**7, "万亿": 10**12}  # fmt: skip
CHINESE_CHARS = "零〇一二两三四五六七八九十百千万亿"
# 千 before one of these is the unit's kilo- prefix: 千米 千瓦 千克 千伏 千帕 千焦 千卡 千赫 千字节.
KILO_UNIT = r"[米瓦克伏帕焦卡赫]|字节"
THOUSANDS_SEPARATORS = ",，\u0020\u00a0\u2009\u202f\u3000"

_ARABIC = (
    rf"(?P<whole>\d{{1,3}}(?P<sep>[{THOUSANDS_SEPARATORS}])\d{{3}}(?:(?P=sep)\d{{3}})*(?!\d)|\d+)"
    r"(?P<fraction>[.．]\d+)?"
)
_MULTIPLIER = rf"万亿|千万|百万|亿|万|千(?!{KILO_UNIT})|百(?!分)"
NUMBER_RE = re.compile(
    rf"(?P<arabic>{_ARABIC})(?:[ \u3000]*(?P<mult>{_MULTIPLIER}))?|(?P<chinese>[{CHINESE_CHARS}]+)"
)
_PLAIN_RE = re.compile(rf"(?P<sign>[-+])?{_ARABIC}(?P<exponent>[eE][-+]?\d+)?")


class NumberFormatError(ValueError):
    """Text that looks like a number but is not one (``十十``, ``万``, ``1,2``)."""


def parse_chinese(text: str) -> int:
    """Value of a Chinese numeral: ``一百`` → 100, ``两万`` → 20000, ``三千五百万`` → 35000000,
    ``二〇二三`` → 2023 (digit by digit). :class:`NumberFormatError` for a malformed one."""
    if not text or any(c not in CHINESE_CHARS for c in text):
        raise NumberFormatError(f"not a Chinese numeral: {text!r}")
    if text[0] in "百千万亿":
        raise NumberFormatError(f"{text[0]} without a number before it in {text!r}")
    if all(c in DIGITS for c in text) and len(text) > 1:
        return int("".join(str(DIGITS[c]) for c in text))
    total = 0  # completed 亿/万 sections
    section = 0  # value below the current big unit
    digit: int | None = None
    last_small = 10_000  # small units fall within a section: 千 > 百 > 十
    for char in text:
        if char in DIGITS:
            if digit not in (None, 0) and DIGITS[char] != 0:
                raise NumberFormatError(f"two digits in a row in {text!r}")
            digit = DIGITS[char]
        elif char in SMALL_UNITS:
            unit = SMALL_UNITS[char]
            if unit >= last_small:
                raise NumberFormatError(f"{char} out of order in {text!r}")
            section += (1 if digit is None else digit) * unit
            digit = None
            last_small = unit
        else:  # 万 or 亿 closes a section
            section += digit or 0
            if section == 0 and total == 0:
                raise NumberFormatError(f"{char} without a number before it in {text!r}")
            big = BIG_UNITS[char]
            # 一亿五千万: 亿 multiplies everything so far, 万 only the current section
            total = (total + section) * big if big > 10_000 else total + section * big
            section = 0
            digit = None
            last_small = 10_000
    return total + section + (digit or 0)


def _arabic(match: re.Match[str]) -> Decimal:
    whole = match["whole"] if match["sep"] is None else match["whole"].replace(match["sep"], "")
    return Decimal(whole + (match["fraction"] or "").replace("．", "."))


def _exact(match: re.Match[str]) -> tuple[Decimal, int]:
    """(value, multiplier) of one NUMBER_RE match."""
    if match["chinese"]:
        return Decimal(parse_chinese(match["chinese"])), 1
    multiplier = MULTIPLIERS[match["mult"]] if match["mult"] else 1
    return _arabic(match) * multiplier, multiplier


def _fold(text: str) -> str:
    # NFKC turns full-width digits, ．, ， and the ideographic space into ASCII.
    return unicodedata.normalize("NFKC", text).strip()


def parse_parts(text: str) -> tuple[Decimal, int]:
    """One whole number token as (coefficient, multiplier): ``1.2万`` → (1.2, 10000),
    ``1,234`` → (1234, 1), ``一百`` → (100, 1). Full-width forms are folded first."""
    folded = _fold(text)
    match = NUMBER_RE.fullmatch(folded)
    if not match:
        raise NumberFormatError(f"not a number: {text!r}")
    value, multiplier = _exact(match)
    return value / multiplier, multiplier


def parse_exact(text: str) -> Decimal:
    """Value of one whole number token, exactly: ``1.9万`` → 19000, ``两万`` → 20000."""
    coefficient, multiplier = parse_parts(text)
    return coefficient * multiplier


def parse_number(text: str) -> float:
    """:func:`parse_exact` as a float."""
    return float(parse_exact(text))


def parse_plain(text: str) -> Decimal:
    """A plain written number, as sourced tables give them: Arabic digits, an optional sign,
    thousands separators, decimals, an exponent (1e-05 as a spreadsheet writes it) — no
    multiplier and no Chinese numerals (2407万 or 约320 are refused: a sourced value is
    written out in full)."""
    match = _PLAIN_RE.fullmatch(text.strip())
    if not match:
        raise NumberFormatError(f"not a plain number: {text!r}")
    value = _arabic(match).scaleb(int(match["exponent"][1:]) if match["exponent"] else 0)
    return -value if match["sign"] == "-" else value


@dataclass(frozen=True)
class NumberToken:
    """A number found in text: its value, the characters it came from and where."""

    value: float
    text: str
    start: int
    end: int
    chinese: bool  # written in Chinese numerals (一百个) rather than digits
    has_multiplier: bool  # 万/亿 (or 千/百) part of the token (1.9万, 两万)
    exact: Decimal = Decimal(0)


def find_numbers(text: str) -> list[NumberToken]:
    """Every number token in ``text``, left to right (see the module's rules).

    Chinese-numeral runs that are words or do not parse are skipped; whether a token is a
    target is decided by the caller (the extractor's rules, the catalogue's check).
    """
    tokens: list[NumberToken] = []
    for match in NUMBER_RE.finditer(text):
        raw, end = match.group(0), match.end()
        if match["chinese"]:
            if set(raw) <= {"零", "〇"} or raw[0] in "百千万亿":
                continue  # 零就业, 千村, 万人: words, never a quantity
            if raw.endswith("千") and re.match(KILO_UNIT, text[end:]):
                raw, end = raw[:-1], end - 1  # 三千米: 3 千米
        try:
            exact = Decimal(parse_chinese(raw)) if match["chinese"] else _exact(match)[0]
        except NumberFormatError:
            continue
        multiplied = bool(match["mult"]) or bool(match["chinese"]) and any(c in "万亿" for c in raw)
        tokens.append(
            NumberToken(value=float(exact), text=raw, start=match.start(), end=end,
                        chinese=bool(match["chinese"]), has_multiplier=multiplied, exact=exact)
        )  # fmt: skip
    return tokens


def numbers_in(phrase: str) -> list[Decimal]:
    """Every number a phrase states, exactly, in base units: ``为1.6万人（次）`` → [16000]."""
    return [token.exact for token in find_numbers(phrase)]
