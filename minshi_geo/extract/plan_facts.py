"""Facts about the whole plan read from its title and preamble: year and province.

Province codes are the national adcodes of the 31 provincial-level divisions (GB/T 2260);
the pinyin names give the draft a file-friendly id (``jilin-2023``).
"""

from __future__ import annotations

import hashlib
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


# 2015十件民生实事, 2023民生实事清单: a title may write the year without 年
_BARE_YEAR = re.compile(r"(?<![\d.,])(20[0-4]\d)(?![\d.,%])")
# 2023-01-18, 2023/1/18, 2023.01.18, 2023年1月18日: a date line of the page or the document
_DATE = re.compile(r"(?<!\d)(20[0-4]\d)(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})")


def find_bare_year(title: str) -> int | None:
    """A year written without 年 in a title (``2015十件民生实事``); None when the title has
    none. Only for titles: in a body a bare 2015 may be a count."""
    from minshi_geo.extract.units import match_unit

    for m in _BARE_YEAR.finditer(title):
        if match_unit(title, m.end()) is None:
            return int(m.group(1))
    return None


def find_date_year(text: str) -> int | None:
    """The year of the first full date in the text (a page's 发布时间, a document's date)."""
    m = _DATE.search(text)
    return int(m.group(1)) if m else None


def plan_year(title: str, head: str, text: str) -> tuple[int | None, str]:
    """(year, where it came from): the title's 20xx年, a bare 20xx of the title, the
    preamble's, the text's, then the year of a date in the text; (None, "none") if none."""
    for found, where in (
        (find_year(title), "title"),
        (find_bare_year(title), "title"),
        (find_year(head), "text"),
        (find_year(text), "text"),
        (find_date_year(text), "date"),
    ):
        if found is not None:
            return found, where
    return None, "none"


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


# 嘉兴市, 长宁区, 泰顺县, 雄安新区 … named at the start of a title or after its year: the place a
# city or county plan is for. 全市, 我县, 市政府 are not places (one character before 市).
_PLACE = re.compile(
    r"(?:^|年度|[年】〕」）：\s]|关于|印发|公布)"
    r"(?P<name>[\u4e00-\u9fff]{2,6}?(?:自治州|自治县|新区|市|县|区|旗|盟))"
    r"(?![级场委])"
)
_NOT_PLACES = ("社区", "园区", "景区", "小区", "街区", "地区", "辖区", "片区", "校区", "市区",
               "城区", "全市", "全县", "全区", "本市", "本县")  # fmt: skip


def find_place(title: str) -> str | None:
    """The city, county or district a plan's title names (嘉兴市, 长宁区), or None."""
    for m in _PLACE.finditer(title):
        name = m.group("name").rsplit("省", 1)[-1]  # 吉林省长春市 → 长春市
        if len(name) < 3 or name.endswith(_NOT_PLACES):
            continue
        return name
    return None


def place_codes(place: str) -> tuple[str, str] | None:
    """(adcode, province adcode) of a place found in the bundled region sets, or None.

    Names are looked up in the one gazetteer of :mod:`minshi_geo.regions` (every bundled
    region set of every province), so a plan of 长春市 gets 220000 once Jilin's sets are
    there and any other province's city once its sets are."""
    from minshi_geo import regions
    from minshi_geo.regions import normalise_name

    key = normalise_name(place)
    for _, province_code, _ in PROVINCES:
        rows = regions._gazetteer(province_code).get(key)  # the bundled sets' names
        if rows:
            return rows[0][0], province_code
    return None


def plan_id(
    province: tuple[str, str, str] | None, place: str | None, year: int, text: str
) -> str:
    """``jilin-2023`` for a provincial plan; a city or county plan (or one whose province is
    not named) adds 8 hex digits of the text's SHA-256, so two plans of one year and place
    never share an id (the place's name is in the title)."""
    base = province[2] if province else "plan"
    if province and not place:
        return f"{base}-{year}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{base}-{year}-{digest}"
