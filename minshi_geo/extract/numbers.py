"""Numbers as plans write them: Arabic, full-width, Chinese numerals, 万/亿 multipliers.

``parse_number("1.9万")`` → 19000, ``parse_number("两万")`` → 20000,
``parse_number("3,011")`` → 3011. :func:`find_numbers` scans a (folded) text and returns
every number token with its span, so the target rules can look at the words around it.
Folding full-width characters to ASCII happens once, in :mod:`minshi_geo.extract.text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CHINESE_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MULTIPLIERS = {
    "十": 10,
    "百": 100,
    "千": 1000,
    "万": 10_000,
    "亿": 100_000_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "万亿": 1_000_000_000_000,
}

_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
# Arabic with optional thousands separators and decimals, then an optional multiplier
# (1.9万, 3011万, 2.5亿, 10万亿). Thousands separators are ASCII commas followed by
# exactly three digits (folding already turned clause commas into ，).
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# 千 before 瓦/米/克 is a unit (千瓦, 千米), 百 before 分 a percentage word (百分点).
MULTIPLIER = r"万亿|百万|千万|亿|万|千(?![瓦米克伏])|百(?!分)"
NUMBER_RE = re.compile(
    rf"(?P<arabic>(?:{ARABIC}))(?P<mult>{MULTIPLIER})?|(?P<chinese>[{_CN_CHARS}]+)"
)


class NumberFormatError(ValueError):
    """Text that looks like a number but is not one (``十十``, ``万``)."""


def parse_chinese(text: str) -> float:
    """Value of a Chinese numeral: ``一百`` → 100, ``两万`` → 20000, ``三千五百万`` → 35000000.

    Also accepts the digit-by-digit style (``二〇二三`` → 2023).
    """
    if not text or any(c not in _CN_CHARS for c in text):
        raise NumberFormatError(f"not a Chinese numeral: {text!r}")
    if all(c in CHINESE_DIGITS for c in text) and len(text) > 1:
        return float("".join(str(CHINESE_DIGITS[c]) for c in text))
    total = 0  # completed 亿/万 sections
    section = 0  # value below the current big unit
    digit: int | None = None
    last_small = 10_000  # small units fall within a section: 千 > 百 > 十
    for char in text:
        if char in CHINESE_DIGITS:
            if digit not in (None, 0) and CHINESE_DIGITS[char] != 0:
                raise NumberFormatError(f"two digits in a row in {text!r}")
            digit = CHINESE_DIGITS[char]
        elif char in CHINESE_SMALL_UNITS:
            unit = CHINESE_SMALL_UNITS[char]
            if unit >= last_small:
                raise NumberFormatError(f"{char} out of order in {text!r}")
            section += (1 if digit is None else digit) * unit
            digit = None
            last_small = unit
        else:  # 万 or 亿 closes a section
            section += digit or 0
            if section == 0 and total == 0:
                raise NumberFormatError(f"{char} without a number before it in {text!r}")
            big = CHINESE_BIG_UNITS[char]
            # 一亿五千万: 亿 multiplies everything so far, 万 only the current section
            total = (total + section) * big if big > 10_000 else total + section * big
            section = 0
            digit = None
            last_small = 10_000
    return float(total + section + (digit or 0))


def parse_number(text: str) -> float:
    """Value of one number token: Arabic, full-width digits, Chinese, with 万/亿."""
    from minshi_geo.extract.text import fold  # local: text imports nothing from here

    folded = fold(text).strip()
    match = NUMBER_RE.fullmatch(folded)
    if not match:
        raise NumberFormatError(f"not a number: {text!r}")
    if match.group("chinese"):
        return parse_chinese(match.group("chinese"))
    value = float(match.group("arabic").replace(",", ""))
    if match.group("mult"):
        value *= MULTIPLIERS[match.group("mult")]
    return _tidy(value)


def _tidy(value: float) -> float:
    # 1.9 × 10000 is 18999.999999999996 in binary floating point; plans never mean that.
    return round(value, 6)


@dataclass(frozen=True)
class NumberToken:
    """A number found in text: its value, the characters it came from and where."""

    value: float
    text: str
    start: int
    end: int
    chinese: bool  # written in Chinese numerals (一百个) rather than digits
    has_multiplier: bool  # 万/亿 part of the token (1.9万)


def find_numbers(text: str) -> list[NumberToken]:
    """Every number token in folded ``text``, left to right.

    Chinese-numeral runs that do not parse (``万`` alone) are skipped; whether a
    token is a target is decided later by the target rules, not here.
    """
    tokens: list[NumberToken] = []
    for match in NUMBER_RE.finditer(text):
        raw = match.group(0)
        if set(raw) <= {"零", "〇"}:
            continue  # 零就业, 清零: words, never a quantity
        if match.group("chinese") and raw[0] in "百千万亿":
            continue  # 千瓦, 百村, 万人: a unit or a word, not a number (numbers start 一…九/十)
        try:
            if match.group("chinese"):
                value = parse_chinese(raw)
            else:
                value = float(match.group("arabic").replace(",", ""))
                if match.group("mult"):
                    value *= MULTIPLIERS[match.group("mult")]
        except NumberFormatError:
            continue
        tokens.append(
            NumberToken(
                value=_tidy(value),
                text=raw,
                start=match.start(),
                end=match.end(),
                chinese=bool(match.group("chinese")),
                has_multiplier=bool(match.group("mult"))
                or (bool(match.group("chinese")) and any(c in "万亿" for c in raw)),
            )
        )
    return tokens
