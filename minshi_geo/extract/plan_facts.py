"""Facts about the whole plan read from its title and preamble: year and province.

Province codes are the national adcodes of the 31 provincial-level divisions (GB/T 2260);
the pinyin names give the draft a file-friendly id (``jilin-2023``).
"""

from __future__ import annotations

import re

PROVINCES: tuple[tuple[str, str, str], ...] = (
    ("北京", "110000", "beijing"), ("天津", "120000", "tianjin"), ("河北", "130000", "hebei"),
    ("山西", "140000", "shanxi"), ("内蒙古", "150000", "neimenggu"),
    ("辽宁", "210000", "liaoning"), ("吉林", "220000", "jilin"),
    ("黑龙江", "230000", "heilongjiang"), ("上海", "310000", "shanghai"),
    ("江苏", "320000", "jiangsu"), ("浙江", "330000", "zhejiang"), ("安徽", "340000", "anhui"),
    ("福建", "350000", "fujian"), ("江西", "360000", "jiangxi"), ("山东", "370000", "shandong"),
    ("河南", "410000", "henan"), ("湖北", "420000", "hubei"), ("湖南", "430000", "hunan"),
    ("广东", "440000", "guangdong"), ("广西", "450000", "guangxi"), ("海南", "460000", "hainan"),
    ("重庆", "500000", "chongqing"), ("四川", "510000", "sichuan"), ("贵州", "520000", "guizhou"),
    ("云南", "530000", "yunnan"), ("西藏", "540000", "xizang"), ("陕西", "610000", "shaanxi"),
    ("甘肃", "620000", "gansu"), ("青海", "630000", "qinghai"), ("宁夏", "640000", "ningxia"),
    ("新疆", "650000", "xinjiang"),
)  # fmt: skip

_YEAR = re.compile(r"(20\d{2})年")


# 刚刚过去的2020年, 回顾2022年, 2018年以来: a year the text looks back on, not the plan's
_PAST_BEFORE = re.compile(r"(?:过去的?|去年|上年|回顾)\s*$")


def find_year(text: str) -> int | None:
    """The plan year: the first 20xx年 of the title or preamble that the text does not look
    back on (刚刚过去的2020年 is last year's list being reported)."""
    for m in _YEAR.finditer(text):
        if _PAST_BEFORE.search(text[max(0, m.start() - 6) : m.start()]):
            continue
        if text.startswith("以来", m.end()):
            continue
        return int(m.group(1))
    return None


def find_province(text: str) -> tuple[str, str, str] | None:
    """(name, adcode, pinyin) of the first province named in ``text``, or None.

    Only province names followed by 省/市/自治区 words or by 全省 context count, so that a
    city plan mentioning 北京路 is not taken for Beijing.
    """
    best: tuple[int, tuple[str, str, str]] | None = None
    for province in PROVINCES:
        name = province[0]
        m = re.search(rf"{name}(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)?", text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), province)
    return best[1] if best else None
