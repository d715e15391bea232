"""Plan text → a draft catalogue a planner reviews and corrects.

    >>> draft = extract_plan(Path("plan.txt").read_text())
    >>> draft.targets[0].quantity, draft.targets[0].unit
    (230000.0, '人')

The pieces: :mod:`.text` (folding full-width forms, keeping the original for sources),
:mod:`.numbers` (Arabic, Chinese, 万/亿), :mod:`.units` (units and qualifiers),
:mod:`.filters` (not-a-target rules with reasons), :mod:`.structure` (sectors and items),
:mod:`.targets` (clause → targets), :mod:`.draft` (the YAML a planner edits).
The draft uses the format of ``data/targets/*.yaml`` and loads with
:func:`minshi_geo.catalogue.load_plan`.

Confidence (each target; below 0.8 the draft marks it REVIEW):
0.95 a number with a unit from the lexicon; 0.85 全覆盖, 百分之…, Chinese numerals;
0.75 a unit with other meanings (次, 件, 批…) or a percentage without 率/占比/覆盖;
0.7 a unit read from a noun (惠及70万农村居民) or a range (200—300个, lower bound kept);
0.6 a one-character Chinese numeral (建成一个…, 新建三所…); 0.55 a sum of money without a
per-unit word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from minshi_geo.errors import MinshiError
from minshi_geo.extract.audit import account_for_numbers
from minshi_geo.extract.numbers import find_numbers
from minshi_geo.extract.plan_facts import PROVINCES, find_place, find_province, place_codes, plan_year
from minshi_geo.extract.plan_facts import plan_id as make_plan_id
from minshi_geo.extract.structure import Outline, read_outline
from minshi_geo.extract.targets import REVIEW_BELOW, FoundTarget, same_target, scan_item
from minshi_geo.extract.text import PlanText

__all__ = [
    "Draft",
    "DraftTarget",
    "ExtractError",
    "NotAPlanError",
    "extract_plan",
    "extract_targets",
]

#: Counts are split among regions by population unless the planner chooses better factors.
DEFAULT_BASIS = {"population": 1.0}
DEFAULT_BASIS_NOTE = "draft default: population; choose the indicators that fit this target"


class ExtractError(MinshiError):
    """The text cannot be turned into a draft catalogue."""

    hint = "give the plan text (UTF-8), one item per line or numbered"


class NotAPlanError(ExtractError):
    """No targets or items: the text is empty or not a plan's list."""

    hint = "check that the file is the plan's list of 民生实事 (UTF-8 text)"


@dataclass
class DraftTarget:
    id: str
    item: int
    metric: str
    quantity: float | None
    unit: str | None
    kind: str
    qualifier: str
    splittable: bool
    source: str
    confidence: float
    basis: dict[str, float] | None = None
    basis_note: str | None = None
    linked_to: str | None = None
    lead: str | None = None  # 牵头单位, when the plan names it
    notes: list[str] = field(default_factory=list)
    plain_source: str | None = None  # the source with spaces and full-width forms folded

    @property
    def review(self) -> bool:
        return self.confidence < REVIEW_BELOW


@dataclass
class DraftItem:
    number: int
    sector: str
    text: str  # exact text of the plan
    short: str
    targets: list[DraftTarget]


@dataclass
class DraftSector:
    number: int
    name: str
    item_count: int
    stated_count: int | None


@dataclass
class RejectedNumber:
    item: int  # 0: outside every item (title, preamble, a heading, a closing paragraph)
    text: str
    rule: str
    reason: str
    at: int | None = None  # folded offset of the number in the whole text


@dataclass
class Draft:
    id: str
    title: str
    official_title: str | None
    province_code: str
    year: int
    sectors: list[DraftSector]
    items: list[DraftItem]
    rejected: list[RejectedNumber]
    notes: list[str]
    findings: dict[str, int]  # what the reader saw: headings, numbered items, numbers…
    year_from: str = "title"  # given | title | text | date | assumed (no year in the text)
    taken: list[tuple[int, int]] = field(default_factory=list)  # folded spans of target words

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def deadline(self) -> date:
        return date(self.year, 12, 31)

    @property
    def targets(self) -> list[DraftTarget]:
        return [t for item in self.items for t in item.targets]

    @property
    def quantified(self) -> list[DraftTarget]:
        return [t for t in self.targets if t.quantity is not None]


def describe_findings(findings: dict[str, int]) -> str:
    """One line: ``no sector headings, no numbered items, 0 numbers with units``."""

    def part(count: int, singular: str, plural: str) -> str:
        if count == 0:
            return f"no {plural}"
        return f"{count} {singular if count == 1 else plural}"

    return ", ".join(
        [
            part(findings.get("sector_headings", 0), "sector heading", "sector headings"),
            part(findings.get("numbered_items", 0), "numbered item", "numbered items"),
            f"{findings.get('numbers_with_units', 0)} numbers with units",
            f"{findings.get('targets', 0)} targets",
        ]
    )


# Traditional forms of the characters a list is made of (萬 multiplier, 個/處/場 measure words):
# a big5 mirror's copy would lose most targets silently, so it is refused with what to do.
_TRADITIONAL = "萬個處場張條輛間戶實項務區縣鄉農園樓設與為們這會點層醫師築檢幫殘"
_SIMPLIFIED = "万个处场张条辆间户实项务区县乡农园楼设与为们这会点层医师筑检帮残"


def _refuse_traditional(text: str) -> None:
    traditional = sum(text.count(ch) for ch in _TRADITIONAL)
    simplified = sum(text.count(ch) for ch in _SIMPLIFIED)
    if traditional >= 5 and traditional > simplified:
        raise ExtractError(
            f"the text is in traditional characters ({traditional} of 萬 個 處 場 … against "
            f"{simplified} simplified): its numbers and units would not be read",
            hint="convert it to simplified characters first (e.g. opencc -c t2s)",
        )


def extract_plan(
    text: str,
    *,
    plan_id: str | None = None,
    year: int | None = None,
    province_code: str | None = None,
) -> Draft:
    """Read a plan text into a :class:`Draft` (not yet written anywhere).

    Raises :class:`NotAPlanError` when the text has no target and no numbered item, with
    a message that says what was found instead; :class:`ExtractError` when it names no
    year and none is given.
    """
    _refuse_traditional(text)
    plan_text = PlanText.of(text)
    folded = plan_text.folded
    outline = read_outline(folded)
    sector_names = _unique_sector_names(outline)
    reading = _read_items(plan_text, outline, sector_names)
    items = reading.items

    findings = {
        "sector_headings": sum(1 for s in outline.sectors if s.heading != (0, 0)),
        "numbered_items": sum(1 for raw in outline.items if raw.numbered),
        "numbers": len(find_numbers(folded)),
        "numbers_with_units": reading.numbers_with_units,
        "targets": sum(1 for i in items for t in i.targets if t.quantity is not None),
    }
    if not items or (findings["targets"] == 0 and findings["numbered_items"] == 0):
        raise NotAPlanError(f"not a plan's list: {describe_findings(findings)}")

    notes = list(outline.notes)
    if reading.empty_items:
        numbers = ", ".join(map(str, reading.empty_items))
        notes.append(f"item numbers without text left out: {numbers}")
    sectors = _draft_sectors(outline, items, sector_names, notes)
    reading.rejected = account_for_numbers(folded, outline, reading.taken, reading.rejected)

    title_text = outline.title or ""
    head = folded[: outline.items[0].start] if outline.items else folded[:400]
    found_year, year_from = _draft_year(year, title_text, head, folded, notes)
    province, place, code = _draft_place(title_text, head, province_code, notes)
    draft_id = plan_id or make_plan_id(province, place, found_year, text)
    notes.append(f"start and deadline assumed {found_year}-01-01 and {found_year}-12-31")
    official = plan_text.source(*outline.title_span).strip() if outline.title_span else None
    return Draft(
        id=draft_id,
        title=_short_title(title_text, found_year, province),
        official_title=official,
        province_code=code,
        year=found_year,
        sectors=sectors,
        items=items,
        rejected=reading.rejected,
        notes=notes,
        findings=findings,
        year_from=year_from,
        taken=reading.taken,
    )


def _draft_year(
    year: int | None, title_text: str, head: str, folded: str, notes: list[str]
) -> tuple[int, str]:
    """The plan year and where it was read from (given, title, date, assumed); a year not
    read from the title adds a REVIEW note."""
    found_year, year_from = (year, "given") if year else plan_year(title_text, head, folded)
    if found_year is None:
        # 今年 only: the draft is still written, dated to this year, and says so loudly
        found_year, year_from = date.today().year, "assumed"
        notes.append(
            f"REVIEW: the text names no year (20xx年, a dated title or a date); {found_year} "
            "assumed — give the plan year with --year"
        )
    elif year_from == "date":
        notes.append(f"REVIEW: the year {found_year} is read from a date in the text, not "
                     "from the title; check it")  # fmt: skip
    return found_year, year_from


def _draft_place(
    title_text: str, head: str, province_code: str | None, notes: list[str]
) -> tuple[tuple[str, str, str] | None, str | None, str]:
    """The province (a row of PROVINCES) and the place named by the title, and the draft's
    province code (000000 when none is known, with a note)."""
    province = find_province(title_text) or find_province(head)
    place = find_place(title_text)
    located = place_codes(place) if place and not province else None
    if located and province is None:
        province = next(p for p in PROVINCES if p[1] == located[1])
    code = province_code or (province[1] if province else None)
    if code is None:
        code = "000000"
        where = f"{place}: its province is not in the bundled region sets" if place else (
            "no province named in the title")
        notes.append(f"{where}: province_code 000000 is a placeholder")
    elif place:
        notes.append(f"a plan of {place} ({'a place of ' + province[0] if province else code})")
    return province, place, code


@dataclass
class _ItemReading:
    items: list[DraftItem] = field(default_factory=list)
    rejected: list[RejectedNumber] = field(default_factory=list)
    empty_items: list[int] = field(default_factory=list)
    numbers_with_units: int = 0
    taken: list[tuple[int, int]] = field(default_factory=list)  # folded spans of targets


def _read_items(
    plan_text: PlanText, outline: Outline, sector_names: dict[int, str]
) -> _ItemReading:
    """Targets of every item of the outline; prose clauses and empty numbers left out."""
    folded = plan_text.folded
    reading = _ItemReading()
    stated: list[tuple[int, FoundTarget]] = []  # (item, target) so far, for summary repeats
    dropped = False
    for raw in outline.items:
        item_folded = folded[raw.start : raw.end]
        lead, lead_at = find_lead(item_folded)
        scan = scan_item(item_folded[:lead_at])
        reading.numbers_with_units += len(scan.targets) + sum(
            1 for r in scan.rejected if r.had_unit
        )
        repeats = [
            any(n != raw.number and same_target(t, target, summary=True) for n, t in stated)
            for target in scan.targets
        ]
        # a summary restates targets and adds none: an item with a new target is an item,
        # even if one of its numbers equals another item's (床位2000张 of two items)
        summary = not raw.numbered and bool(repeats) and all(repeats)
        found = []
        for target, repeat in zip(scan.targets, repeats, strict=True):
            if repeat and summary:
                reading.rejected.append(
                    RejectedNumber(raw.number, target.metric, "summary_repeat",
                                   "a summary repeating a target stated elsewhere",
                                   raw.start + target.start)
                )  # fmt: skip
                continue
            found.append(target)
            stated.append((raw.number, target))
            reading.taken.append(
                (raw.start + target.start, raw.start + max(target.words_end, target.start + 1))
            )
        reading.rejected.extend(
            RejectedNumber(raw.number, r.text, r.rule, r.reason, raw.start + r.start)
            for r in scan.rejected
        )
        if not found and raw.needs_target:
            dropped = True
            continue  # prose (an unnumbered clause, a 主要目标 heading), not an item
        item_text = plan_text.source(raw.start, raw.end).strip()
        if not item_text:
            reading.empty_items.append(raw.number)
            continue  # a number with nothing after it
        targets = _draft_targets(plan_text, raw.start, raw.number, found, item_text)
        unread = [r.text for r in scan.rejected if r.rule == "no_unit"]
        if not found and unread:
            # 按1500/人的标准 (元 left out): a number the rules could not read is not "no
            # number"; the planner decides whether it is a target
            targets[0].confidence = 0.5
            targets[0].notes = [f"a number without a unit was not read ({unread[0]}): "
                                "check whether it is a target"]  # fmt: skip
        for target in targets:
            target.lead = lead
        reading.items.append(
            DraftItem(raw.number, sector_names[raw.sector], item_text,
                      _short(targets, item_text), targets)
        )  # fmt: skip
    if dropped and any(raw.needs_target for raw in outline.items):
        # renumber kept items 1..N: dropped prose clauses and headings leave gaps otherwise
        for index, item in enumerate(reading.items, 1):
            _renumber(item, index)
    return reading


def _draft_sectors(
    outline: Outline, items: list[DraftItem], sector_names: dict[int, str], notes: list[str]
) -> list[DraftSector]:
    """Sectors that kept items, numbered 1..N; a heading's own count that disagrees is noted."""
    sectors: list[DraftSector] = []
    for s in outline.sectors:
        count = sum(1 for item in items if item.sector == sector_names[s.number])
        if s.stated_count is not None and s.stated_count != count:
            notes.append(
                f"sector {s.number} {s.name}: heading says {s.stated_count} items, found {count}"
            )
        if count:
            sectors.append(
                DraftSector(len(sectors) + 1, sector_names[s.number], count, s.stated_count)
            )
    return sectors


# （牵头单位：省民政厅） — the plan names who leads the item; its text is not part of a target.
_LEAD = re.compile(r"（(?:牵头单位|牵头部门|责任单位|主责单位|牵头)：([^）\n]*)）?")


def find_lead(item_text: str) -> tuple[str | None, int]:
    """(lead, where the lead note starts) in an item's folded text; (None, len) if none."""
    m = _LEAD.search(item_text)
    if not m:
        return None, len(item_text)
    return m.group(1).strip() or None, m.start()


def _renumber(item: DraftItem, number: int) -> None:
    old = item.number
    item.number = number
    for k, target in enumerate(item.targets, 1):
        target.item = number
        target.id = f"{number}.{k}"
        if target.linked_to and target.linked_to.startswith(f"{old}."):
            target.linked_to = f"{number}." + target.linked_to.split(".", 1)[1]


def _unique_sector_names(outline: Outline) -> dict[int, str]:
    names: dict[int, str] = {}
    for sector in outline.sectors:
        name = sector.name
        if name in names.values():
            name = f"{name}（{sector.number}）"
        names[sector.number] = name
    return names


def _draft_targets(
    plan_text: PlanText, offset: int, item_number: int, found: list[FoundTarget], item_text: str
) -> list[DraftTarget]:
    targets: list[DraftTarget] = []
    last_driver: DraftTarget | None = None
    for k, f in enumerate(found, 1):
        target_id = f"{item_number}.{k}"
        source = plan_text.source(offset + f.source_span[0], offset + f.source_span[1])
        plain = plan_text.folded[offset + f.source_span[0] : offset + f.source_span[1]]
        linked_to = None
        notes = list(f.notes)
        if f.outcome and f.kind == "count" and last_driver is not None:
            linked_to = last_driver.id
            notes.append(f"an outcome of {last_driver.id}: follows its split")
        splittable = f.kind == "count" and linked_to is None
        target = DraftTarget(
            id=target_id,
            item=item_number,
            metric=f.metric,
            quantity=f.quantity,
            unit=f.unit,
            kind=f.kind,
            qualifier=f.qualifier,
            splittable=splittable,
            source=source.strip(),
            confidence=round(f.confidence, 2),
            basis=dict(DEFAULT_BASIS) if splittable else None,
            basis_note=DEFAULT_BASIS_NOTE if splittable else None,
            linked_to=linked_to,
            notes=notes,
            plain_source=plain.strip(),
        )
        if f.kind == "count" and linked_to is None:
            last_driver = target
        targets.append(target)
    if not targets:
        source = re.split(r"[。；]", item_text)[0].strip() or item_text
        targets.append(
            DraftTarget(
                id=f"{item_number}.1",
                item=item_number,
                metric=_cut(source, 30),
                quantity=None,
                unit=None,
                kind="milestone",
                qualifier="exact",
                splittable=False,
                source=source,
                confidence=0.9,
                notes=["no number in the item: a milestone"],
            )
        )
    return targets


def _short(targets: list[DraftTarget], item_text: str) -> str:
    if targets and targets[0].metric:
        return _cut(targets[0].metric, 20)
    return _cut(re.split(r"[，；。]", item_text)[0], 20)


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def _short_title(title: str, year: int, province) -> str:
    if province:
        at = title.find(province[0])
        name = province[0]
        if at >= 0 and title[at + len(name) : at + len(name) + 1] in ("省", "市"):
            name = title[at : at + len(name) + 1]
        return f"{year}年{name}民生实事"
    return _cut(title, 40) if title else f"{year}年民生实事"


def extract_targets(clause: str) -> list[FoundTarget]:
    """Targets in one clause or item text, e.g. ``新改建农村公路3000公里，改造农村危桥150座``.

    The phrase-level entry point (notebooks, tests): no outline, no ids.
    """
    return scan_item(PlanText.of(clause).folded).targets
