"""Sectors and items: the outline of a plan text.

Plans number their parts in a handful of styles: sector headings ``一、促进就业方面（2项）``,
items ``1.`` ``1、`` ``（一）`` ``(1)`` ``①`` ``1)``, zero-padded ``01``, or a bare number
(``1开展…``, or ``1`` alone on its line). The outline is read from the markers themselves,
not from one province's layout:

* the first marker style that has other marker styles nested under it gives the sectors
  (``一、`` over ``1.``; ``一、`` over ``（一）``), the style nested under it the items;
* short unnumbered lines right before items (天津: 落实就业优先政策，缓解群众就业压力) are
  sector headings when there are at least two of them;
* with no nesting, every marked line is an item in one default sector;
* a heading with no items under it but with numbers of its own is an item itself;
* copies that lost their line breaks (``…省残联）7.实施…``, ``。（2）开工…``) are split
  where numbers inside lines count 1, 2, 3 …; bare numbers likewise count only in order;
* with no markers at all, items are the clauses of the body separated by ``；`` or line
  breaks (only those that carry a target are kept, see :func:`extract_plan`).

Deeper markers (``（1）`` inside an item) and unmarked continuation lines belong to the item;
a closing paragraph without numbers after the last item does not.
Everything here works on :class:`~minshi_geo.extract.text.PlanText.folded`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minshi_geo.extract.numbers import NumberFormatError, parse_chinese

_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚㉛㉜㉝㉞㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿"

# (style, pattern); the pattern's group "n" is the number, the match end is where the body
# starts. Order matters only for lines that could match two styles: none can.
MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("一、", re.compile(rf"(?P<n>[{_CN}]{{1,3}})[、.，]")),
    ("（一）", re.compile(rf"（(?P<n>[{_CN}]{{1,3}})）")),
    # 1. 1、 1） 1：, and 1。 as some pages type it
    ("1.", re.compile(r"(?P<n>\d{1,3})(?:\.(?!\d)|、|）|：|。)")),
    ("（1）", re.compile(r"（(?P<n>\d{1,3})）")),
    ("①", re.compile(rf"(?P<n>[{_CIRCLED}])")),
    # 一是稳定和扩大就业…二是…: the enumeration of a report's paragraph
    ("一是", re.compile(rf"(?P<n>[{_CN}]{{1,3}})是")),
    # 01城镇新增就业… — zero-padded numbers run straight into the text once spaces are gone
    ("01", re.compile(r"(?P<n>0\d|\d{2})(?=[\u4e00-\u9fff“])")),
    # 1开展职业技能培训…, or a number alone on its line — only kept when such lines count
    # 1, 2, 3 … in order
    ("1", re.compile(r"(?P<n>\d{1,2})(?=[\u4e00-\u9fff“]|$)")),
)
# A heading's own count of items: （2项）, (10项), 共3项; a copy that lost the end of the
# bracket (社会保障(5) still states it, and the fragment is not part of the name
_STATED_COUNT = re.compile(rf"（(?:共)?(?P<n>\d+|[{_CN}]+)(?:项）?)?$")
_SECTOR_SUFFIXES = ("方面", "领域", "板块")
_SENTENCE_END = "。；！？"


@dataclass(frozen=True)
class Line:
    start: int  # folded offset of the line
    end: int
    style: str | None  # marker style, None for an unmarked line
    number: int | None
    body_start: int  # folded offset where the text after the marker starts


@dataclass
class DraftSector:
    number: int
    name: str
    stated_count: int | None  # （2项） in the heading
    heading: tuple[int, int]  # folded span of the heading line


@dataclass
class DraftItem:
    number: int
    sector: int  # DraftSector.number
    spans: list[tuple[int, int]]  # folded spans of the item's text (body and continuations)
    numbered: bool  # False for a clause of an unnumbered list
    marker: str | None = None
    needs_target: bool = False  # kept only if a target is found (clauses, adopted headings)

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass
class Outline:
    title: str | None
    title_span: tuple[int, int] | None
    sectors: list[DraftSector]
    items: list[DraftItem]
    preamble: tuple[int, int] | None  # folded span before the first sector/item
    notes: list[str] = field(default_factory=list)  # what a reviewer should know
    marker_styles: list[str] = field(default_factory=list)
    markers: list[tuple[int, int]] = field(default_factory=list)  # folded spans of 1、 一、 ①


def _marker_number(style: str, raw: str) -> int | None:
    try:
        if style in ("一、", "（一）", "一是"):
            return int(parse_chinese(raw))
        if style == "①":
            return _CIRCLED.index(raw) + 1
        return int(raw)
    except (NumberFormatError, ValueError):
        return None


def _segments(folded: str, breaks: set[int]) -> list[tuple[int, int]]:
    """Line spans: split at line breaks and at the extra ``breaks`` positions."""
    spans = []
    start = 0
    for i, char in enumerate(folded):
        if char == "\n" or i in breaks:
            if i > start:
                spans.append((start, i))
            start = i + 1 if char == "\n" else i
    if start < len(folded):
        spans.append((start, len(folded)))
    return spans


# An item number inside a line, after the end of the previous item (。；）：): 省残联）7.实施…,
# 分别是：（1）加快建设…。（2）开工新建…  — with the line-start styles of the same family.
_INLINE_ITEMS = (
    (re.compile(r"(?<=[。；！？）”：])(\d{1,3})[.、](?!\d)"), ("1.", "1")),
    (re.compile(r"(?<=[。；！？”：])（(\d{1,3})）"), ("（1）",)),
    # 具体为：一是…。二是…。三是…: a report runs its list through one paragraph
    (re.compile(rf"(?<=[。；！？”：，])([{_CN}]{{1,3}})是"), ("一是",)),
)


def inline_item_breaks(folded: str) -> set[int]:
    """Where items start inside lines, for copies that lost their line breaks.

    A numbering style is looked for inside lines only when fewer than 3 lines start with
    it already, and only numbers that run 1, 2, 3 … in order (at least 3) are taken, so a
    stray ``）2.`` inside a sentence is not.
    """
    styles = [ln.style for ln in read_lines(folded)]
    # ①…；②…；③…: a circled number is never anything but a marker, so a list run together
    # on one line is split at each one, wherever it stands
    circled = {m.start() for m in re.finditer(f"[{_CIRCLED}]", folded)
               if m.start() > 0 and folded[m.start() - 1] != "\n"}  # fmt: skip
    best: list[int] = []
    for pattern, family in _INLINE_ITEMS:
        if sum(1 for style in styles if style in family) >= 3:
            continue
        breaks: list[int] = []
        expected = 1
        for m in pattern.finditer(folded):
            raw = m.group(1)
            value = int(raw) if raw.isdigit() else _marker_number("一是", raw)
            if value == expected:
                breaks.append(m.start())
                expected += 1
        if len(breaks) > len(best):
            best = breaks
    return circled | (set(best) if len(best) >= 3 else set())


def read_lines(folded: str, breaks: set[int] | None = None) -> list[Line]:
    lines: list[Line] = []
    for start, end in _segments(folded, breaks or set()):
        raw = folded[start:end]
        style = number = None
        body_start = start
        for candidate, pattern in MARKERS:
            m = pattern.match(raw)
            if not m:
                continue
            if candidate == "1." and _looks_like_quantity(raw, m.end()):
                continue  # 3000公里… or 2023年… at the start of a line is not a marker
            if candidate == "01" and not raw.startswith("0") and not _continues_padded(
                lines, m.group("n")
            ):
                continue  # zero-padded numbers are markers; 10, 11 … only after 09, 10 …
            if candidate == "1" and _starts_with_quantity(raw, m.end()):
                continue  # 3000公里…, 10万户… at the start of a line is a quantity
            number = _marker_number(candidate, m.group("n"))
            if number is None:
                continue
            style, body_start = candidate, start + m.end()
            break
        lines.append(Line(start, end, style, number, body_start))
    return _keep_bare_numbers_in_sequence(lines)


def _continues_padded(lines: list[Line], raw: str) -> bool:
    """10建设… after 09…: a zero-padded numbering goes on past 09 without its zero."""
    previous = next((ln for ln in reversed(lines) if ln.style == "01"), None)
    return previous is not None and previous.number == int(raw) - 1


def _starts_with_quantity(raw: str, body: int) -> bool:
    from minshi_geo.extract.units import match_unit

    if body >= len(raw):
        return False  # the number is the whole line: a marker
    return (
        raw[body] in "万亿千百十余多"
        or match_unit(raw, body) is not None
        or raw[body] in "年月日号"
    )


def _keep_bare_numbers_in_sequence(lines: list[Line]) -> list[Line]:
    """Bare numbers (``1开展…``) are markers only when they run 1, 2, 3 … (at least 3)."""
    bare = [ln for ln in lines if ln.style == "1"]
    if len(bare) >= 3 and [ln.number for ln in bare] == list(range(1, len(bare) + 1)):
        return lines
    return [Line(ln.start, ln.end, None, None, ln.start) if ln.style == "1" else ln for ln in lines]


def _looks_like_quantity(raw: str, body: int) -> bool:
    # "1、" and "1." are markers; "1：" only when a text follows, not "1：2"
    return raw[body - 1] == "：" and body < len(raw) and raw[body].isdigit()


def read_outline(folded: str) -> Outline:
    """Find title, sectors and items in folded plan text."""
    lines = read_lines(folded, inline_item_breaks(folded))
    title = _title(folded, lines)
    marked = [ln for ln in lines if ln.style is not None]
    if not marked:
        return _unnumbered_outline(folded, lines, title)

    styles: list[str] = []
    for ln in marked:
        if ln.style not in styles:
            styles.append(ln.style)
    lines = _mark_unnumbered_headings(folded, lines, marked[0].style)
    marked = [ln for ln in lines if ln.style is not None]
    outer = marked[0].style
    children = _child_styles(marked, outer)
    sector_style = outer if children and outer in ("一、", "（一）", "heading") else None
    item_style = children[0] if sector_style else outer

    sectors: list[DraftSector] = []
    items: list[DraftItem] = []
    notes: list[str] = []
    current: DraftItem | None = None
    first_index = lines.index(marked[0])
    preamble = (lines[0].start, lines[first_index - 1].end) if first_index > 0 else None
    last_item_line = max(
        (i for i, ln in enumerate(lines) if ln.style == item_style), default=len(lines)
    )

    # A sector heading collects its own unmarked lines too: a heading with no items under it
    # but with numbers (二、新建公办幼儿园150所) is an item in its own right.
    heading_items: dict[int, DraftItem] = {}
    for index, ln in enumerate(lines[first_index:], first_index):
        if sector_style and ln.style == sector_style:
            sector = _sector(folded, ln, len(sectors) + 1)
            sectors.append(sector)
            current = DraftItem(0, sector.number, [(ln.body_start, ln.end)], True, ln.style)
            heading_items[sector.number] = current
        elif ln.style == item_style:
            if not sectors:
                sectors.append(_default_sector())
            current = DraftItem(
                number=ln.number or len(items) + 1,
                sector=sectors[-1].number,
                spans=[(ln.body_start, ln.end)],
                numbered=True,
                marker=ln.style,
            )
            items.append(current)
        elif current is not None:
            text = folded[ln.start : ln.end]
            if index > last_item_line and not re.search(r"\d|全覆盖", text):
                continue  # a closing paragraph (各地、各部门要…), not part of the last item
            current.spans.append((ln.start, ln.end))

    items = _adopt_childless_headings(folded, sectors, items, heading_items, notes)
    _renumber_if_restarting(items, notes)
    renumber = {sector.number: new for new, sector in enumerate(sectors, 1)}
    for sector in sectors:
        sector.number = renumber[sector.number]
    for item in items:
        item.sector = renumber[item.sector]
    markers = [(ln.start, ln.body_start) for ln in lines if ln.style not in (None, "heading")]
    return Outline(
        _title_text(title), _title_span(title), sectors, items, preamble, notes, styles, markers
    )


def _adopt_childless_headings(
    folded: str,
    sectors: list[DraftSector],
    items: list[DraftItem],
    heading_items: dict[int, DraftItem],
    notes: list[str],
) -> list[DraftItem]:
    """Sectors without items: a heading with numbers becomes an item, others are dropped."""
    adopted = False
    kept: list[DraftSector] = []
    for sector in sectors:
        if any(item.sector == sector.number for item in items):
            kept.append(sector)
            continue
        own = heading_items.get(sector.number)
        text = "".join(folded[s:e] for s, e in own.spans) if own else ""
        text = re.sub(
            r"（(?:共)?[\d一二三四五六七八九十]+项）", "", text
        )  # the heading's own count
        if own and re.search(r"\d|全覆盖", text):
            own.needs_target = True
            items.append(own)
            kept.append(sector)
            adopted = True
        else:
            notes.append(f"heading {sector.name!r} has no items under it; left out")
    if not adopted:
        sectors[:] = kept
        return items
    items.sort(key=lambda item: item.start)
    for index, item in enumerate(items, 1):
        item.number = index
    notes.append("some headings carry targets themselves; items renumbered in text order")
    sectors[:] = kept
    return items


def _mark_unnumbered_headings(folded: str, lines: list[Line], item_style: str) -> list[Line]:
    """Sector headings without a number (天津: 落实就业优先政策，缓解群众就业压力): short
    unmarked lines without digits or a closing full stop, each right before an item line.
    Taken as headings only when there are at least two of them."""
    if item_style in ("一、", "（一）"):
        return lines
    found: list[int] = []
    for index, ln in enumerate(lines[:-1]):
        text = folded[ln.start : ln.end]
        nxt = lines[index + 1]
        if (
            ln.style is None
            and nxt.style == item_style
            and len(text) <= 30
            and not re.search(r"\d|全覆盖", text)
            and text[-1] not in _SENTENCE_END + "：，"
        ):
            found.append(index)
    if len(found) < 2:
        return lines
    first_item = next(i for i, ln in enumerate(lines) if ln.style == item_style)
    if found[0] > first_item:
        return lines  # the first item has no heading: these lines are something else
    out = list(lines)
    for index in found:
        ln = lines[index]
        out[index] = Line(ln.start, ln.end, "heading", index, ln.start)
    return out


def _child_styles(marked: list[Line], outer: str) -> list[str]:
    """Marker styles that appear between two lines of the outer style, in order."""
    seen: list[str] = []
    inside = False
    for ln in marked:
        if ln.style == outer:
            inside = True
        elif inside and ln.style not in seen:
            seen.append(ln.style)
    return seen


def _sector(folded: str, ln: Line, number: int) -> DraftSector:
    heading = folded[ln.body_start : ln.end].rstrip("。：:")
    stated = None
    m = _STATED_COUNT.search(heading)
    if m:
        raw = m.group("n")
        stated = int(raw) if raw.isdigit() else _marker_number("一、", raw)
        heading = heading[: m.start()]
    for suffix in _SECTOR_SUFFIXES:
        if heading.endswith(suffix) and len(heading) > len(suffix):
            heading = heading[: -len(suffix)]
            break
    return DraftSector(number, heading or f"第{number}部分", stated, (ln.body_start, ln.end))


def _default_sector() -> DraftSector:
    return DraftSector(1, "民生实事", None, (0, 0))


def _renumber_if_restarting(items: list[DraftItem], notes: list[str]) -> None:
    numbers = [item.number for item in items]
    if len(set(numbers)) == len(numbers):
        return
    for index, item in enumerate(items, 1):
        item.number = index
    notes.append(
        f"item numbers restart within the text; items renumbered 1–{len(items)} in text order"
    )


# Labels of a government site's page data (索引号, 发布机构 …): a line made of them is not
# the title, and a title line that ends in one (…项目公布 发布时间：2024-01-18) stops there.
_PAGE_LABEL_WORDS = (
    r"(?:索引号|组配分类|主题分类|发布机构|发文机关|发布日期|发文日期|发布时间|成文日期|"
    r"公开方式|公开范围|浏览次数|来源|作者|责任编辑|文号|名称|标题)"
)
_PAGE_DATA_LINE = re.compile(_PAGE_LABEL_WORDS)  # at the start of a line
_PAGE_LABEL = re.compile(_PAGE_LABEL_WORDS + r"(?=[：\s\dA-Za-z])")  # later in a line
_DATE_LINE = re.compile(r"[\d\s:：/.\-年月日时分秒]+")  # a date or time alone on its line
_NAME_LABEL = re.compile(r"(?:名称|标题)[：\s]+")
_TITLE_SEARCH_LINES = 8


def _title(folded: str, lines: list[Line]) -> tuple[str, tuple[int, int]] | None:
    """The plan's title and its span: the first line that is not page data, if it reads
    as a title (short, unmarked, not a sentence). 名称：… gives the title after the label."""
    for ln in lines[:_TITLE_SEARCH_LINES]:
        if ln.style is not None:
            return None
        start, text = ln.start, folded[ln.start : ln.end]
        named = _NAME_LABEL.match(text)
        if named:
            start, text = start + named.end(), text[named.end() :]
        if _PAGE_DATA_LINE.match(text) or _DATE_LINE.fullmatch(text.strip()):
            continue  # 索引号 …, 发布机构 …, 2025 01/19 09:55:42: page data
        label = _PAGE_LABEL.search(text)
        if label is not None:
            text = text[: label.start()]
        stripped = text.rstrip()
        if stripped and len(stripped) <= 80 and stripped[-1] not in _SENTENCE_END + "：，":
            lead = len(text) - len(text.lstrip())
            return stripped.strip(), (start + lead, start + len(stripped))
        return None
    return None


def _title_text(title: tuple[str, tuple[int, int]] | None) -> str | None:
    return title[0] if title else None


def _title_span(title: tuple[str, tuple[int, int]] | None) -> tuple[int, int] | None:
    return title[1] if title else None


def _unnumbered_outline(
    folded: str, lines: list[Line], title: tuple[str, tuple[int, int]] | None
) -> Outline:
    """No markers: each clause (split at ；, 。 between lists, or a line break) is an item."""
    sector = _default_sector()
    items: list[DraftItem] = []
    # the body starts after the title line (page data before it is not the list)
    body_lines = [ln for ln in lines if ln.start > title[1][0]] if title else lines
    for ln in body_lines:
        start = ln.start
        text = folded[ln.start : ln.end]
        # a lead-in ending in ：(…包括：) introduces the list; the list starts after it
        colon = text.find("：")
        if 0 <= colon < len(text) - 1:
            start = ln.start + colon + 1
        for clause_start, clause_end in _clauses(folded, start, ln.end):
            items.append(
                DraftItem(
                    len(items) + 1,
                    sector.number,
                    [(clause_start, clause_end)],
                    numbered=False,
                    needs_target=True,
                )
            )
    return Outline(_title_text(title), _title_span(title), [sector], items, None, [], [])


def _clauses(folded: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    clause_start = start
    for i in range(start, end):
        if folded[i] == "；":
            spans.append((clause_start, i + 1))
            clause_start = i + 1
    if clause_start < end:
        spans.append((clause_start, end))
    return [(s, e) for s, e in spans if folded[s:e].strip("；。，")]
