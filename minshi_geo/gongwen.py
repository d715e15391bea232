"""公文 conventions shared by the documents the office issues (task-sheet attachments, 通报).

- the issuing body (发文机关) as the plan text names it, never made up beyond the standard
  name the plan uses (省民生工作领导小组办公室 in the Jilin plan);
- the 附件 line, sector heading numerals (一、促进就业方面), dates (2023年3月1日);
- fonts by name as GB/T 9704 has them (方正小标宋简体 titles, 黑体 first-level headings and the
  附件 line, 仿宋_GB2312 body text), each with the fallbacks Word/WPS and LibreOffice should
  substitute when the 公文 font is not installed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

DEFAULT_OFFICE = "省民生工作领导小组办公室"

# (font, fallbacks in order): the first is the 公文 font; the rest are what a PC without it has.
FONT_TITLE = ("方正小标宋简体", ("华文中宋", "宋体", "SimSun", "Noto Serif CJK SC"))
FONT_HEADING = ("黑体", ("SimHei", "Microsoft YaHei", "Noto Sans CJK SC"))
FONT_BODY = ("仿宋_GB2312", ("仿宋", "FangSong", "宋体", "Noto Serif CJK SC"))
FONT_KAI = ("楷体_GB2312", ("楷体", "KaiTi", "Noto Serif CJK SC"))

_OFFICE = re.compile(r"省[\u4e00-\u9fff]{2,16}?领导小组办公室")
_PROVINCE = re.compile(r"(?:\d{4}年)?([\u4e00-\u9fff]{2,8}?(?:省|自治区|市))")

_DIGITS = "零一二三四五六七八九"


def province_name(plan: Any) -> str | None:
    """吉林省 from the plan title 2023年吉林省民生实事."""
    match = _PROVINCE.match(str(getattr(plan, "title", "") or ""))
    return match.group(1) if match else None


def issuing_office(plan: Any) -> str:
    """The office that issues the sheets and the 通报: the 领导小组办公室 the plan text names
    (省民生工作领导小组办公室 → 吉林省民生工作领导小组办公室), else the standard name."""
    text = str(getattr(plan, "source_text", "") or "")
    match = _OFFICE.search(text)
    office = match.group(0) if match else DEFAULT_OFFICE
    province = province_name(plan)
    if province and office.startswith("省") and province.endswith("省"):
        office = province[:-1] + office
    return office


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (sector headings; n < 100)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def sector_heading(number: int, name: str) -> str:
    """一、促进就业方面."""
    name = str(name)
    return f"{chinese_ordinal(number)}、{name}{'' if name.endswith('方面') else '方面'}"


def date_text(day: date | datetime) -> str:
    """2023年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def attachment_line(n: int | None) -> str:
    """附件1 (or 附件 when the number is not known)."""
    return f"附件{n}" if n else "附件"
