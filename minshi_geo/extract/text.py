"""Plan text as the rules see it: folded punctuation and digits, spaces removed.

Plans mix full-width and ASCII forms (``１．``, ``（1）``, ``％``) and carry stray spaces
from web pages and PDFs. :class:`PlanText` folds every character to one canonical form
*one for one* and drops horizontal whitespace, while remembering where each character
came from, so a target's ``source`` can be cut from the original text exactly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Clause punctuation is kept in its Chinese form so that an ASCII comma between digits
# can only mean a thousands separator.
_TO_CHINESE = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
_EXPLICIT = {
    "．": ".",
    "。": "。",
    "、": "、",
    "～": "~",
    "〜": "~",
    "－": "-",
    "‐": "-",
    "–": "—",
    "―": "—",
    "─": "—",
    "“": "“",
    "”": "”",
    "‘": "‘",
    "’": "’",
    "〔": "〔",
    "〕": "〕",
    "【": "【",
    "】": "】",
    "《": "《",
    "》": "》",
    "﹪": "%",
    "％": "%",
    "℃": "℃",
}


def fold(text: str) -> str:
    """Fold full-width digits/letters/symbols to ASCII, clause punctuation to Chinese.

    One character in, one character out; thousands commas (``1,200``) stay ASCII.
    """
    out = []
    for i, char in enumerate(text):
        out.append(_fold_char(char, text, i))
    return "".join(out)


# Circled numbers (①…⑳, ㉑…㊿) are list markers: NFKC would fold ① to a bare 1 that runs into
# the item's text (①新建 → 1新建) and is then read as a quantity; they stay as written.
_CIRCLED = frozenset(chr(c) for c in (*range(0x2460, 0x2474), *range(0x3251, 0x3260),
                                      *range(0x32B1, 0x32C0)))  # fmt: skip


def _fold_char(char: str, text: str, i: int) -> str:
    if char in _EXPLICIT:
        return _EXPLICIT[char]
    if char in _CIRCLED:
        return char
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        return char
    if folded == "," and _is_thousands_comma(text, i):
        return ","
    if folded in _TO_CHINESE:
        return _TO_CHINESE[folded]
    return folded


def _is_thousands_comma(text: str, i: int) -> bool:
    """``1,200`` yes; ``150座,3000公里`` no: digit before, exactly three digits after."""
    if char_is_digit(text, i - 1) and all(char_is_digit(text, j) for j in range(i + 1, i + 4)):
        return not char_is_digit(text, i + 4)
    return False


def char_is_digit(text: str, i: int) -> bool:
    if i < 0 or i >= len(text):
        return False
    return unicodedata.normalize("NFKC", text[i]).isdigit()


@dataclass(frozen=True)
class PlanText:
    """Folded text without horizontal whitespace, mapped back to the original."""

    original: str
    folded: str
    origin: tuple[int, ...]  # origin[i] = index in ``original`` of folded[i]

    @classmethod
    def of(cls, original: str) -> PlanText:
        chars: list[str] = []
        origin: list[int] = []
        folded_all = fold(original)
        for i, char in enumerate(folded_all):
            if char in "\r\n":
                if char == "\n":
                    chars.append("\n")
                    origin.append(i)
                continue
            # NBSP, ideographic space (U+3000), tabs: stray spacing, never meaning
            if char.isspace() or char in "\u200b\ufeff":
                continue
            chars.append(char)
            origin.append(i)
        return cls(original=original, folded="".join(chars), origin=tuple(origin))

    def source(self, start: int, end: int) -> str:
        """The original text behind folded[start:end] (spaces inside kept as written)."""
        if end <= start:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]
