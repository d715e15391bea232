"""The plan catalogue: sectors → items → targets, loaded from a curated YAML file.

``load_plan(path)`` reads ``data/targets/<plan>.yaml`` and validates it completely before
returning a :class:`Plan`; any mistake raises :class:`CatalogueError` with one line naming the
file, the item, the target and the field (``jilin-2023.yaml: item 29, target 29.2, field
quantity: expected a number ≥ 0, got -150``).

File layout (see ``data/targets/jilin-2023.yaml``)::

    id, title, official_title?, province_code, year, start, deadline, item_total?,
    source_text? (plan text file next to the YAML), source_origin?
    sectors: [{number, name, item_count}]
    items:   [{number, sector (name), short?, text, targets: [target, ...]}]
    target:  {id "29.2", metric, quantity, unit, kind, qualifier?, splittable?, basis?,
              basis_note?, deadline?, source, linked_to?, lead?, note?, confidence?, review?}

Conventions of the curated data:

* ``quantity`` is in base units (23万人 → 230000 人; 1.6万人（次） → 16000 人次); rates are in
  percent with unit ``%`` (全覆盖 → 100); milestones have no quantity.
* ``source`` is the exact phrase of the plan text; it must state the quantity (plainly, in
  万/亿 form or in Chinese numerals) and the unit, and must occur in the plan text.
* ``confidence`` (0–1) and ``review`` (default false) record how sure whoever wrote the
  target was — ``minshi-geo extract`` sets them on a draft; a curated catalogue may omit them.
* Outcome numbers tied to another target (800个老旧小区 → 惠及居民14万户) are *derived
  outcomes*: kind ``count``, ``linked_to`` the target that drives them, never splittable —
  their regional figures follow the linked target's split.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from minshi_geo import limits, numbers, paths, strict_yaml
from minshi_geo.errors import MinshiError, where

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("count", "rate", "standard", "milestone")
QUALIFIERS = ("exact", "at_least", "about")
#: Indicator names a ``basis`` may use: sourced for all 11 Jilin regions or derived from geometry.
BASIS_INDICATORS = ("population", "gdp_h1_2022", "area", "county_count",
                    # 2020 census + NBS codes, every region of every province (data/indicators/)
                    "urban_population", "rural_population", "households", "population_0_14",
                    "population_5_14", "population_60_plus", "population_65_plus", "villages",
                    "communities")

TARGET_COLUMNS = [
    "id", "item", "sector", "metric", "quantity", "unit", "kind", "qualifier", "splittable",
    "basis", "basis_note", "deadline", "source", "linked_to", "lead", "note",
    "confidence", "review",
]  # fmt: skip

_HINT = "fix the catalogue file; data/targets/jilin-2023.yaml shows the format"


class CatalogueError(MinshiError):
    """A catalogue file is malformed or inconsistent."""

    hint = _HINT


class UnknownTargetError(CatalogueError):
    """A target id that the plan does not contain."""

    hint = "`minshi-geo targets` lists the target ids"


# ── the data ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Sector:
    number: int
    name: str  # 促进就业 (the heading without 方面)
    item_count: int  # the heading's 项 count


@dataclass(frozen=True)
class Target:
    id: str  # "29.2": item number, then position in the item's text
    item: int
    sector: str  # sector name
    metric: str  # 短名, e.g. 新改建农村公路
    quantity: float | None  # base units (公里, 户, 人 …); percent for rates; None for milestones
    unit: str | None
    kind: str  # count | rate | standard | milestone
    qualifier: str  # exact | at_least | about
    splittable: bool  # a count the province hands down to regions
    basis: dict[str, float] | None  # default split weights, indicator → weight (sum 1)
    basis_note: str | None
    deadline: date
    source: str  # the exact phrase of the plan text
    linked_to: str | None = None  # for derived outcomes: the target that drives this one
    lead: str | None = None  # 牵头单位
    note: str | None = None
    confidence: float | None = None  # 0–1, how sure the extractor/curator was; None if unstated
    review: bool = False  # marked for a planner to check


@dataclass(frozen=True)
class Item:
    number: int
    sector: str  # sector name
    text: str  # the item's full text
    short: str  # 事项 short text for sheets
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    province_code: str
    year: int
    start: date
    deadline: date
    sectors: list[Sector]
    items: list[Item]
    targets: list[Target]
    path: Path
    sha256: str  # of the catalogue file's bytes
    source_text: str | None = None  # the plan text, when the catalogue names it
    official_title: str | None = None
    source_origin: str | None = None
    _by_id: dict[str, Target] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A Plan built by hand (tests, notebooks) gets its id index too.
        if not self._by_id:
            object.__setattr__(self, "_by_id", {t.id: t for t in self.targets})

    def target(self, target_id: str) -> Target:
        try:
            return self._by_id[str(target_id)]
        except KeyError:
            close = difflib.get_close_matches(str(target_id), self._by_id, n=3)
            tail = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownTargetError(
                f"{self.path.name}: no target {target_id!r} in plan {self.id}{tail}"
            ) from None

    def item(self, number: int) -> Item:
        for item in self.items:
            if item.number == number:
                return item
        raise CatalogueError(f"{self.path.name}: no item {number} in plan {self.id}")

    def sector(self, name_or_number: str | int) -> Sector:
        """Find a sector by number (``7``) or name (``交通出行``, ``交通出行方面``)."""
        key = str(name_or_number).strip()
        for sector in self.sectors:
            if key in (str(sector.number), sector.name, sector.name + "方面"):
                return sector
        names = ", ".join(f"{s.number} {s.name}" for s in self.sectors)
        raise CatalogueError(
            f"{self.path.name}: no sector {key!r} in plan {self.id}",
            hint=f"sectors are: {names}",
        )

    def targets_frame(self) -> pd.DataFrame:
        """One row per target; columns :data:`TARGET_COLUMNS` (quantity NaN for milestones)."""
        import pandas as pd

        rows = [{c: getattr(t, c) for c in TARGET_COLUMNS} for t in self.targets]
        frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
        frame["quantity"] = frame["quantity"].astype(float)
        frame["item"] = frame["item"].astype(int)
        frame["splittable"] = frame["splittable"].astype(bool)
        frame["confidence"] = frame["confidence"].astype(float)  # NaN where unstated
        frame["review"] = frame["review"].astype(bool)
        return frame


# ── numbers in Chinese phrases ──────────────────────────────────────────────────────────────

# Number reading is minshi_geo.numbers (one reader for the catalogue, the extractor, reports
# and indicators); chinese_numeral and numbers_in are kept here as the catalogue's names.
chinese_numeral = numbers.parse_chinese
numbers_in = numbers.numbers_in

# Coverage words that state 100% without a number.
FULL_COVERAGE_WORDS = ("全覆盖",)
# Nouns for people that do not contain 人 but state a head count when a plan writes no
# measure word: 惠及70万农村居民, 为200万中小学生开展心理健康测评 count 人.
PEOPLE_NOUNS = ("居民", "学生", "儿童", "群众", "农民", "职工", "妇女", "患者", "青少年",
                "幼儿", "新生儿", "毕业生", "孕产妇")  # fmt: skip
# Words that name a unit in the text besides the unit itself.
UNIT_WORDS = {
    "%": ("%", "％", "百分之", *FULL_COVERAGE_WORDS),
    "人": ("人", *PEOPLE_NOUNS),
}


def phrase_states_quantity(phrase: str, quantity: float, unit: str | None = None) -> bool:
    """Whether ``phrase`` states ``quantity``: plainly (3000), in 万/亿 form (1.9万 for
    19000) or in Chinese numerals; ``全覆盖`` states 100 percent."""
    try:
        wanted = Decimal(str(quantity))
    except InvalidOperation:
        return False
    if unit == "%" and wanted == 100 and any(w in phrase for w in FULL_COVERAGE_WORDS):
        return True
    return any(value == wanted for value in numbers_in(phrase))


def phrase_states_unit(phrase: str, unit: str) -> bool:
    """Whether ``phrase`` names ``unit``; brackets are ignored (人（次） names 人次)."""
    flat = re.sub(r"[（）()\s]", "", phrase)
    return any(word in flat for word in UNIT_WORDS.get(unit, (unit,)))


# ── reading YAML ────────────────────────────────────────────────────────────────────────────


def _read_yaml(path: Path, data: bytes) -> Any:
    name = path.name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        # dates are read as text: validated here, with a location
        return strict_yaml.load(text, strict_yaml.NoDatesLoader)
    except (strict_yaml.DuplicateKey, strict_yaml.KeyTypeRefused) as exc:
        raise CatalogueError(f"{name} {exc}") from None
    except limits.YamlAliasRefused as exc:
        raise CatalogueError(exc.told(name)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise CatalogueError(f"{name}{at}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{name}: YAML syntax error: {' '.join(str(exc).split())}") from None


# ── validation ──────────────────────────────────────────────────────────────────────────────

_PLAN_FIELDS = {
    "id", "title", "official_title", "province_code", "year", "start", "deadline", "item_total",
    "source_text", "source_origin", "sectors", "items",
}  # fmt: skip
_SECTOR_FIELDS = {"number", "name", "item_count"}
_ITEM_FIELDS = {"number", "sector", "short", "text", "targets"}
_TARGET_FIELDS = {
    "id", "metric", "quantity", "unit", "kind", "qualifier", "splittable", "basis", "basis_note",
    "deadline", "source", "linked_to", "lead", "note", "confidence", "review",
}  # fmt: skip
_TARGET_ID = re.compile(r"^(\d+)\.(\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Checker:
    """Field readers that raise CatalogueError with the file/item/target/field location."""

    def __init__(self, path: Path):
        self.name = path.name

    def fail(self, message: str, *where_parts: object) -> CatalogueError:
        return CatalogueError(f"{where(self.name, *where_parts)}: {message}")

    def mapping(self, value: Any, allowed: set[str], *at: object) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"expected a mapping of fields, got {_show(value)}", *at)
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                tail = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(
                    f"unknown field {key!r}{tail}; expected one of {', '.join(sorted(allowed))}",
                    *at,
                )
        return value

    def required(self, record: Mapping[str, Any], key: str, *at: object) -> Any:
        if key not in record or record[key] is None:
            raise self.fail("missing required field", *at, f"field {key}")
        return record[key]

    def text(self, record: Mapping[str, Any], key: str, *at: object, required: bool = True):
        value = self.required(record, key, *at) if required else record.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"expected non-empty text, got {_show(value)}", *at, f"field {key}")
        return value.strip()

    def integer(self, record: Mapping[str, Any], key: str, *at: object, minimum: int = 0) -> int:
        value = self.required(record, key, *at)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(
                f"expected a whole number ≥ {minimum}, got {_show(value)}", *at, f"field {key}"
            )
        return value

    def flag(self, record: Mapping[str, Any], key: str, default: bool, *at: object) -> bool:
        value = record.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"expected true or false, got {_show(value)}", *at, f"field {key}")
        return value

    def day(self, value: Any, *at: object) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(f"expected a date YYYY-MM-DD, got {_show(value)}", *at)

    def choice(self, value: Any, options: Iterable[str], *at: object) -> str:
        options = tuple(options)
        if value not in options:
            close = difflib.get_close_matches(str(value), options, n=1)
            tail = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(f"expected one of {', '.join(options)}, got {_show(value)}{tail}", *at)
        return value


def _show(value: Any) -> str:
    """A value as the user wrote it, short and on one line."""
    return limits.show(value, 60, none="nothing")


def _number_value(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) or math.isinf(value) else float(value)


def load_plan(path: str | Path = paths.DEFAULT_PLAN) -> Plan:
    """Read and validate a catalogue file; raise :class:`CatalogueError` on any problem."""
    path = Path(path)
    data = limits.read_bytes(path, "yaml", what="catalogue")
    raw = _read_yaml(path, data)
    check = _Checker(path)
    doc = check.mapping(raw, _PLAN_FIELDS)

    plan_id = check.text(doc, "id")
    title = check.text(doc, "title")
    province_code = _province_code(check, doc)
    year = check.integer(doc, "year", minimum=1900)
    start = check.day(check.required(doc, "start"), "field start")
    deadline = check.day(check.required(doc, "deadline"), "field deadline")
    if deadline < start:
        raise check.fail(f"deadline {deadline} is before start {start}", "field deadline")
    source_text = _source_text(check, doc, path)
    sectors = _read_sectors(check, check.required(doc, "sectors"))
    items, targets = _read_items(check, doc, sectors, start, deadline, source_text)
    by_id = {t.id: t for t in targets}
    _check_links(check, targets, by_id)
    _check_item_counts(check, doc, sectors, items)
    return Plan(
        id=plan_id,
        title=title,
        province_code=province_code,
        year=year,
        start=start,
        deadline=deadline,
        sectors=sectors,
        items=items,
        targets=targets,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        source_text=source_text,
        official_title=check.text(doc, "official_title", required=False),
        source_origin=check.text(doc, "source_origin", required=False),
        _by_id=by_id,
    )


def _province_code(check: _Checker, doc: Mapping[str, Any]) -> str:
    province_code = doc.get("province_code")
    if province_code is None:
        raise check.fail("missing required field", "field province_code")
    if not (isinstance(province_code, str) and re.fullmatch(r"\d{6}", province_code)):
        raise check.fail(
            f'expected a quoted 6-digit code like "220000", got {_show(province_code)}',
            "field province_code",
        )
    return province_code


def _source_text(check: _Checker, doc: Mapping[str, Any], path: Path) -> str | None:
    """The plan text the YAML names (relative to it), which every source phrase must quote."""
    source_name = check.text(doc, "source_text", required=False)
    if not source_name:
        return None
    text_path = path.parent / source_name
    try:
        return limits.read_text(text_path, "plan_text")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise check.fail(
            f"cannot read plan text {text_path}: {reason}", "field source_text"
        ) from None


def _read_items(check: _Checker, doc: Mapping[str, Any], sectors: list[Sector], start: date,
                deadline: date, source_text: str | None) -> tuple[list[Item], list[Target]]:
    """Items and their targets in file order; item numbers and target ids unique."""
    sector_by_name = {s.name: s for s in sectors}
    raw_items = check.required(doc, "items")
    if not isinstance(raw_items, list) or not raw_items:
        raise check.fail(f"expected a list of items, got {_show(raw_items)}", "field items")
    items: list[Item] = []
    targets: list[Target] = []
    seen_items: set[int] = set()
    seen_targets: dict[str, int] = {}
    for index, raw_item in enumerate(raw_items, 1):
        item = _read_item(check, raw_item, index, sector_by_name, deadline, start, source_text)
        if item.number in seen_items:
            raise check.fail("duplicate item number", f"item {item.number}", "field number")
        seen_items.add(item.number)
        for target in item.targets:
            if target.id in seen_targets:
                raise check.fail(
                    f"duplicate target id (already used in item {seen_targets[target.id]})",
                    f"item {item.number}", f"target {target.id}", "field id",
                )  # fmt: skip
            seen_targets[target.id] = item.number
        items.append(item)
        targets.extend(item.targets)
    return items, targets


def _check_links(check: _Checker, targets: list[Target], by_id: dict[str, Target]) -> None:
    """A derived outcome links to a driver target that exists and is not derived itself."""
    for t in targets:
        if t.linked_to is None:
            continue
        at = (f"item {t.item}", f"target {t.id}", "field linked_to")
        if t.linked_to not in by_id:
            raise check.fail(f"links to unknown target {t.linked_to!r}", *at)
        if t.linked_to == t.id:
            raise check.fail("a target cannot be linked to itself", *at)
        if by_id[t.linked_to].linked_to is not None:
            raise check.fail(
                f"links to {t.linked_to}, which is itself a derived outcome; link to its driver",
                *at,
            )


def _check_item_counts(check: _Checker, doc: Mapping[str, Any], sectors: list[Sector],
                       items: list[Item]) -> None:
    """Each sector heading's 项 count, and item_total, agree with the items listed."""
    for sector in sectors:
        found = sum(1 for i in items if i.sector == sector.name)
        if found != sector.item_count:
            raise check.fail(
                f"heading says {sector.item_count} items, the catalogue has {found}",
                f"sector {sector.number} {sector.name}", "field item_count",
            )  # fmt: skip
    if doc.get("item_total") is not None:
        item_total = check.integer(doc, "item_total", minimum=1)
        counted = sum(s.item_count for s in sectors)
        if counted != item_total:
            raise check.fail(
                f"sector item counts sum to {counted}, not {item_total}", "field item_total"
            )


def _read_sectors(check: _Checker, raw: Any) -> list[Sector]:
    if not isinstance(raw, list) or not raw:
        raise check.fail(f"expected a list of sectors, got {_show(raw)}", "field sectors")
    sectors: list[Sector] = []
    for index, entry in enumerate(raw, 1):
        at = (
            f"sector {entry.get('number', f'#{index}')}"
            if isinstance(entry, dict)
            else (f"sector #{index}")
        )
        record = check.mapping(entry, _SECTOR_FIELDS, at)
        sector = Sector(
            number=check.integer(record, "number", at, minimum=1),
            name=check.text(record, "name", at),
            item_count=check.integer(record, "item_count", at, minimum=1),
        )
        if any(s.number == sector.number for s in sectors):
            raise check.fail("duplicate sector number", at, "field number")
        if any(s.name == sector.name for s in sectors):
            raise check.fail(f"duplicate sector name {sector.name!r}", at, "field name")
        sectors.append(sector)
    return sectors


def _read_item(
    check: _Checker,
    raw: Any,
    index: int,
    sector_by_name: dict[str, Sector],
    plan_deadline: date,
    plan_start: date,
    source_text: str | None,
) -> Item:
    at = f"item {raw.get('number', f'#{index}')}" if isinstance(raw, dict) else f"item #{index}"
    record = check.mapping(raw, _ITEM_FIELDS, at)
    number = check.integer(record, "number", at, minimum=1)
    at = f"item {number}"
    sector_name = check.text(record, "sector", at)
    if sector_name not in sector_by_name:
        close = difflib.get_close_matches(sector_name, list(sector_by_name), n=1)
        tail = f" (did you mean {close[0]!r}?)" if close else ""
        raise check.fail(
            f"unknown sector {sector_name!r}{tail}; the plan's sectors are "
            + ", ".join(sector_by_name),
            at, "field sector",
        )  # fmt: skip
    text = check.text(record, "text", at)
    if source_text is not None and text not in source_text:
        raise check.fail("text not found in the plan text", at, "field text")
    short = check.text(record, "short", at, required=False) or re.split(r"[，；。,;]", text)[0]

    raw_targets = check.required(record, "targets", at)
    if not isinstance(raw_targets, list) or not raw_targets:
        raise check.fail(
            "expected at least one target (give an item without a number a milestone record)",
            at, "field targets",
        )  # fmt: skip
    targets = tuple(
        _read_target(check, entry, k, number, sector_name, plan_deadline, plan_start, source_text)
        for k, entry in enumerate(raw_targets, 1)
    )
    return Item(number=number, sector=sector_name, text=text, short=short, targets=targets)


def _read_target(
    check: _Checker,
    raw: Any,
    index: int,
    item: int,
    sector: str,
    plan_deadline: date,
    plan_start: date,
    source_text: str | None,
) -> Target:
    item_at = f"item {item}"
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    at = (item_at, f"target {raw_id if isinstance(raw_id, str) else f'#{index}'}")
    record = check.mapping(raw, _TARGET_FIELDS, *at)
    target_id = _target_id(check, record, item, at)

    def field_at(name: str) -> tuple[str, ...]:
        return (*at, f"field {name}")

    metric = check.text(record, "metric", *at)
    kind = check.choice(check.required(record, "kind", *at), KINDS, *field_at("kind"))
    qualifier = check.choice(record.get("qualifier", "exact"), QUALIFIERS, *field_at("qualifier"))
    source = check.text(record, "source", *at)
    if source_text is not None and source not in source_text:
        raise check.fail(f"phrase {source!r} not found in the plan text", *field_at("source"))
    unit = check.text(record, "unit", *at, required=False)
    quantity = _target_quantity(check, record, kind, unit, source, field_at)
    splittable = check.flag(record, "splittable", False, *at)
    if splittable and kind != "count":
        raise check.fail(f"only a count can be split among regions, this is a {kind}",
                         *field_at("splittable"))  # fmt: skip
    linked_to = _linked_to(check, record, splittable, field_at)
    basis = _read_basis(check, record.get("basis"), splittable, field_at("basis"))
    confidence = record.get("confidence")
    if confidence is not None:
        confidence = _number_value(confidence)
        if confidence is None or not 0 <= confidence <= 1:
            raise check.fail(
                f"expected a number from 0 to 1, got {_show(record['confidence'])}",
                *field_at("confidence"),
            )  # fmt: skip
    review = check.flag(record, "review", False, *at)
    raw_deadline = record.get("deadline")
    target_deadline = (
        plan_deadline if raw_deadline is None else check.day(raw_deadline, *field_at("deadline"))
    )
    if target_deadline < plan_start:
        raise check.fail(f"deadline {target_deadline} is before the plan starts ({plan_start})",
                         *field_at("deadline"))  # fmt: skip
    return Target(
        id=target_id, item=item, sector=sector, metric=metric, quantity=quantity, unit=unit,
        kind=kind, qualifier=qualifier, splittable=splittable, basis=basis,
        basis_note=check.text(record, "basis_note", *at, required=False),
        deadline=target_deadline, source=source, linked_to=linked_to,
        lead=check.text(record, "lead", *at, required=False),
        note=check.text(record, "note", *at, required=False),
        confidence=confidence, review=review,
    )  # fmt: skip


def _target_id(check: _Checker, record: Mapping[str, Any], item: int,
               at: tuple[str, ...]) -> str:
    target_id = check.required(record, "id", *at)
    if not isinstance(target_id, str):
        raise check.fail(
            f'expected a quoted id like "{item}.1", got {_show(target_id)} '
            "(unquoted, 29.10 would read as 29.1)",
            *at, "field id",
        )  # fmt: skip
    match = _TARGET_ID.match(target_id)
    if not match:
        raise check.fail(f'expected an id like "{item}.1", got {target_id!r}', *at, "field id")
    if int(match.group(1)) != item:
        raise check.fail(
            f"id {target_id!r} is not prefixed by its item number {item}", *at, "field id"
        )
    return target_id


def _target_quantity(check: _Checker, record: Mapping[str, Any], kind: str, unit: str | None,
                     source: str, field_at) -> float | None:  # noqa: ANN001
    """The quantity (None for a milestone), checked against its unit and its source phrase."""
    raw_quantity = record.get("quantity")
    if kind == "milestone":
        if raw_quantity is not None:
            raise check.fail(
                f"a milestone has no quantity, got {_show(raw_quantity)} "
                "(use kind count, rate or standard)",
                *field_at("quantity"),
            )  # fmt: skip
        return None
    if "quantity" not in record or raw_quantity is None:
        raise check.fail(
            f"missing required field (a {kind} needs a number)", *field_at("quantity")
        )
    quantity = _number_value(raw_quantity)
    if quantity is None:
        raise check.fail(f"expected a number, got {_show(raw_quantity)}", *field_at("quantity"))
    if quantity < 0:
        raise check.fail(
            f"expected a number ≥ 0, got {_show(raw_quantity)}", *field_at("quantity")
        )
    if quantity > limits.MAX_QUANTITY:
        raise check.fail(
            f"{_show(raw_quantity)} is too large to split exactly (limit "
            f"{limits.MAX_QUANTITY:.0e}, where whole numbers stop being exact)",
            *field_at("quantity"),
        )
    if kind == "rate" and quantity > 100:
        raise check.fail(
            f"a rate is a percentage ≤ 100, got {_show(raw_quantity)}", *field_at("quantity")
        )
    if unit is None:
        raise check.fail(f"missing required field (a {kind} needs a unit)", *field_at("unit"))
    if kind == "rate" and unit != "%":
        raise check.fail(f'a rate has unit "%", got {unit!r}', *field_at("unit"))
    if not phrase_states_quantity(source, quantity, unit):
        raise check.fail(
            f"phrase {source!r} does not contain the quantity {format_quantity(quantity)}",
            *field_at("source"),
        )  # fmt: skip
    if not phrase_states_unit(source, unit):
        raise check.fail(
            f"phrase {source!r} does not contain the unit {unit!r}", *field_at("source")
        )
    return quantity


def _linked_to(check: _Checker, record: Mapping[str, Any], splittable: bool,
               field_at) -> str | None:  # noqa: ANN001
    linked_to = record.get("linked_to")
    if linked_to is None:
        return None
    if not isinstance(linked_to, str):
        raise check.fail(f"expected a quoted target id, got {_show(linked_to)}",
                         *field_at("linked_to"))  # fmt: skip
    if splittable:
        raise check.fail(
            f"a derived outcome (linked_to {linked_to}) follows its driver's split; "
            "set splittable: false",
            *field_at("splittable"),
        )  # fmt: skip
    return linked_to


def _read_basis(
    check: _Checker, raw: Any, splittable: bool, at: tuple[str, ...]
) -> dict[str, float] | None:
    if raw is None:
        if splittable:
            raise check.fail("a splittable target needs a basis (indicator → weight)", *at)
        return None
    if not splittable:
        raise check.fail("only a splittable target has a basis; set basis: null", *at)
    if not isinstance(raw, dict) or not raw:
        raise check.fail(f"expected indicator → weight, got {_show(raw)}", *at)
    basis: dict[str, float] = {}
    for name, weight in raw.items():
        if name not in BASIS_INDICATORS:
            close = difflib.get_close_matches(str(name), BASIS_INDICATORS, n=1)
            tail = f" (did you mean {close[0]!r}?)" if close else ""
            raise check.fail(
                f"unknown indicator {name!r}{tail}; use {', '.join(BASIS_INDICATORS)} "
                "and name the ideal one in basis_note",
                *at,
            )  # fmt: skip
        value = _number_value(weight)
        if value is None or value <= 0:
            raise check.fail(f"weight of {name} must be a number > 0, got {_show(weight)}", *at)
        basis[name] = value
    if not math.isclose(sum(basis.values()), 1.0, abs_tol=1e-9):
        raise check.fail(f"weights must sum to 1, they sum to {sum(basis.values()):g}", *at)
    return basis


def format_quantity(value: float | None) -> str:
    """3000.0 → '3000', 1.3 → '1.3', None → ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
