"""The 31 provincial-level divisions of the mainland and the names of their region sets.

Every province has two generated region sets (no YAML of the user's needed), and the whole
mainland has two more; each is reached by several spellings:

=====================  ==================================================================
set (canonical name)   also reached as
=====================  ==================================================================
shandong-prefectures   ``shandong``, ``山东``, ``山东省``, ``370000``, ``山东-市``
shandong-counties      ``山东-县``, ``山东省-县``, ``370000-counties``, ``370000-县``
china-prefectures      ``china``, ``全国``, ``中国``, ``100000``
china-counties         ``全国-县``, ``100000-counties``
=====================  ==================================================================

A bundled YAML set of the same canonical name wins: ``jilin-prefectures`` and
``jilin-counties`` stay what they were (``吉林``/``220000`` mean ``jilin-prefectures``), and
``jilin`` stays the 11 task units (9 市州 + 梅河口市 + 长白山管委会). The four municipalities have a single prefecture-level unit in the boundary
data, so their prefecture set *is* their district set (``beijing`` = ``beijing-counties``).
台湾, 香港 and 澳门 are not covered: the 2020 census tables hold the 31 mainland divisions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

NATION = "100000"
#: (adcode, official name, short name, pinyin slug)
PROVINCES: tuple[tuple[str, str, str, str], ...] = (
    ("110000", "北京市", "北京", "beijing"),
    ("120000", "天津市", "天津", "tianjin"),
    ("130000", "河北省", "河北", "hebei"),
    ("140000", "山西省", "山西", "shanxi"),
    ("150000", "内蒙古自治区", "内蒙古", "neimenggu"),
    ("210000", "辽宁省", "辽宁", "liaoning"),
    ("220000", "吉林省", "吉林", "jilin"),
    ("230000", "黑龙江省", "黑龙江", "heilongjiang"),
    ("310000", "上海市", "上海", "shanghai"),
    ("320000", "江苏省", "江苏", "jiangsu"),
    ("330000", "浙江省", "浙江", "zhejiang"),
    ("340000", "安徽省", "安徽", "anhui"),
    ("350000", "福建省", "福建", "fujian"),
    ("360000", "江西省", "江西", "jiangxi"),
    ("370000", "山东省", "山东", "shandong"),
    ("410000", "河南省", "河南", "henan"),
    ("420000", "湖北省", "湖北", "hubei"),
    ("430000", "湖南省", "湖南", "hunan"),
    ("440000", "广东省", "广东", "guangdong"),
    ("450000", "广西壮族自治区", "广西", "guangxi"),
    ("460000", "海南省", "海南", "hainan"),
    ("500000", "重庆市", "重庆", "chongqing"),
    ("510000", "四川省", "四川", "sichuan"),
    ("520000", "贵州省", "贵州", "guizhou"),
    ("530000", "云南省", "云南", "yunnan"),
    ("540000", "西藏自治区", "西藏", "xizang"),
    ("610000", "陕西省", "陕西", "shaanxi"),
    ("620000", "甘肃省", "甘肃", "gansu"),
    ("630000", "青海省", "青海", "qinghai"),
    ("640000", "宁夏回族自治区", "宁夏", "ningxia"),
    ("650000", "新疆维吾尔自治区", "新疆", "xinjiang"),
)
MUNICIPALITIES = ("110000", "120000", "310000", "500000")
_NATION_SPELLINGS = ("china", "全国", "中国", "中华人民共和国", NATION)
_COUNTY_TAILS = ("-counties", "-县", "-县级", "counties", "县级")
_PREFECTURE_TAILS = ("-prefectures", "-市", "-地级", "prefectures", "地级")


@dataclass(frozen=True)
class SetSpec:
    """A generated region set: one province (or ``100000``) at one level."""

    province_code: str
    level: str  # "prefecture" | "county"

    @property
    def name(self) -> str:
        slug = "china" if self.province_code == NATION else _BY_CODE[self.province_code][3]
        return f"{slug}-{'counties' if self.level == 'county' else 'prefectures'}"

    @property
    def province_name(self) -> str:
        return "全国（31个省级行政区）" if self.province_code == NATION else (
            _BY_CODE[self.province_code][1])

    @property
    def title(self) -> str:
        kind = "地级区划（市州）" if self.level == "prefecture" else "县级区划"
        return f"{self.province_name} {kind}"


_BY_CODE = {p[0]: p for p in PROVINCES}


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold().replace(" ", "")


def _province_spellings() -> dict[str, str]:
    keys = {_key(s): NATION for s in _NATION_SPELLINGS}
    for code, name, short, slug in PROVINCES:
        for spelling in (code, name, short, slug):
            keys[_key(spelling)] = code
    return keys


_SPELLINGS = _province_spellings()


def parse_set_name(text: str) -> SetSpec | None:
    """The generated set ``text`` names (``山东``, ``370000-counties``, ``china``), or None."""
    key = _key(text)
    level = "prefecture"
    for tails, kind in ((_COUNTY_TAILS, "county"), (_PREFECTURE_TAILS, "prefecture")):
        for tail in tails:
            if key.endswith(tail) and key[: -len(tail)] in _SPELLINGS:
                key, level = key[: -len(tail)], kind
                break
        else:
            continue
        break
    code = _SPELLINGS.get(key)
    if code is None:
        return None
    if code in MUNICIPALITIES:
        level = "county"  # one prefecture-level unit: the districts are the units
    return SetSpec(code, level)


def generated_set_names() -> list[str]:
    """Canonical names of every generated set (municipalities: the county set only)."""
    names = []
    for code, *_ in PROVINCES:
        if code not in MUNICIPALITIES:
            names.append(SetSpec(code, "prefecture").name)
        names.append(SetSpec(code, "county").name)
    return [*names, SetSpec(NATION, "prefecture").name, SetSpec(NATION, "county").name]


# Suffixes dropped to make a short name (简称), longest first; ethnic names before 自治州/县.
_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "新区", "矿区",
             "市", "县", "区", "旗", "盟")
_ETHNIC = ("朝鲜族", "蒙古族", "藏族", "回族", "维吾尔族", "哈萨克族", "柯尔克孜族", "土家族",
           "苗族", "侗族", "布依族", "彝族", "壮族", "瑶族", "白族", "傣族", "景颇族", "傈僳族",
           "哈尼族", "羌族", "土族", "撒拉族", "达斡尔族", "鄂温克族", "鄂伦春族", "满族", "黎族",
           "畲族", "仡佬族", "水族", "纳西族", "拉祜族", "佤族", "普米族", "怒族", "独龙族",
           "布朗族", "阿昌族", "德昂族", "基诺族", "仫佬族", "毛南族", "锡伯族", "东乡族",
           "保安族", "裕固族", "塔吉克族", "各族")


def short_name(name: str) -> str:
    """简称 of a prefecture or county: 延边朝鲜族自治州 → 延边, 伊通满族自治县 → 伊通,
    济南市 → 济南; a name that would shrink to one character keeps its suffix (城区, 沙县)."""
    text = name
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            text = text[: -len(suffix)]
            break
    changed = True
    while changed:
        changed = False
        for ethnic in _ETHNIC:
            if text.endswith(ethnic) and len(text) - len(ethnic) >= 2:
                text, changed = text[: -len(ethnic)], True
    return text
