"""The allocation: who does how much of each splittable target (任务分解结果).

One tidy table, one row per (splittable target × eligible region), plus run metadata and the
indicator values the split was based on. Every output (maps, sheets, progress) reads this and
nothing downstream re-derives allocation logic.

Saved as a folder::

    allocation.csv   the table (UTF-8, header row, columns below)
    allocation.json  ``meta`` (scenario, hashes, solver, objective, status, timings …)
    factors.csv      ``factor_values``: region_code × indicator, the numbers behind the shares
    explanation.csv  ``explanation``: what made each number (allocate/explain.py)
    robustness.csv   ``robustness``: 5th–95th percentile under other weights (allocate/robustness.py)

Table columns
-------------
target_id     str   catalogue target id ("29.2")
item          int   item number (事项) of the target
sector        str   sector (领域) name
metric        str   short metric name (危桥改造)
region_code   str   adcode, or a stable code where none exists ("changbaishan")
region_name   str   official region name
quantity      number  the allocated amount in ``unit``: an integer, or a multiple of the step
unit          str   unit of measure (公里, 座, 户 …)
quota         float ideal factor share of the total, T·s_i (before bounds)
capped_quota  float q*: the continuous split after bounds, locks and capacity (see DESIGN.md)
share         float s_i, the region's factor share of the target (0–1, sums to 1 over the target)
lower         float the region's effective lower bound (0 when none)
upper         float the region's effective upper bound (NaN when none)
locked        bool  the quantity was fixed by a ``locks`` rule
basis         str   human-readable basis, e.g. "population×0.6 + area×0.4"
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from minshi_geo import atomic, limits, paths
from minshi_geo.errors import MinshiError
from minshi_geo.escape import csv_frame, csv_unguard_frame

if TYPE_CHECKING:
    from minshi_geo.catalogue import Plan
    from minshi_geo.regions import RegionSet

COLUMNS: list[str] = [
    "target_id",
    "item",
    "sector",
    "metric",
    "region_code",
    "region_name",
    "quantity",
    "unit",
    "quota",
    "capped_quota",
    "share",
    "lower",
    "upper",
    "locked",
    "basis",
]

META_KEYS: list[str] = [
    "scenario",
    "scenario_title",
    "scenario_path",
    "scenario_sha256",
    "plan_id",
    "plan_path",
    "catalogue_sha256",
    "region_set",
    "sample",
    "solver",
    "solver_version",
    "objective",
    "status",
    "runtime_s",
    "created_at",
    "factors",
]

TABLE_FILE = "allocation.csv"
META_FILE = "allocation.json"
FACTORS_FILE = "factors.csv"
EXPLANATION_FILE = "explanation.csv"
ROBUSTNESS_FILE = "robustness.csv"

_STRING_COLUMNS = ["target_id", "sector", "metric", "region_code", "region_name", "unit", "basis",
                  "prefecture_code", "prefecture_name"]  # the last two: county allocations


class AllocationFileError(MinshiError):
    """A saved allocation folder is missing a file or has the wrong columns."""


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (how the metadata identifies an input file)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class FileRecord:
    """An input file of the allocation, found again by path and checked by hash.

    ``path`` is absolute (so ``sheets``/``map``/``progress`` work from any working
    directory); ``relative`` is the path relative to the allocation folder, written by
    :meth:`Allocation.save` (so a folder copied together with its inputs still finds them);
    ``bundled`` is the path relative to the project's data root (``paths.PROJECT_ROOT``)
    when the file is bundled data (so ``MINSHI_HOME`` may move it). :meth:`locate` tries
    them in that order and takes the first that exists.
    """

    path: str
    sha256: str
    relative: str | None = None
    bundled: str | None = None

    @classmethod
    def of(cls, path: str | Path) -> FileRecord:
        path = Path(path).resolve()
        try:
            bundled = path.relative_to(paths.PROJECT_ROOT.resolve()).as_posix()
        except ValueError:
            bundled = None
        return cls(path=str(path), sha256=file_sha256(path), bundled=bundled)

    def at(self, folder: str | Path) -> FileRecord:
        """This record with ``relative`` set for an allocation saved in ``folder``."""
        try:
            relative = Path(os.path.relpath(self.path, Path(folder).resolve())).as_posix()
        except ValueError:  # another drive (Windows)
            relative = None
        return replace(self, relative=relative)

    def candidates(self, folder: str | Path | None = None) -> list[Path]:
        out = [Path(self.path)]
        if self.relative and folder is not None:
            out.append(Path(folder) / self.relative)
        if self.bundled:
            out.append(paths.PROJECT_ROOT / self.bundled)
        return out

    def locate(self, folder: str | Path | None = None) -> Path | None:
        """The first candidate path that exists, or None."""
        return next((p for p in self.candidates(folder) if p.is_file()), None)

    def to_json(self) -> dict[str, Any]:
        out = {"path": self.path, "sha256": self.sha256}
        if self.relative is not None:
            out["relative"] = self.relative
        if self.bundled is not None:
            out["bundled"] = self.bundled
        return out

    @classmethod
    def from_json(cls, value: Any, where: str) -> FileRecord:
        if isinstance(value, FileRecord):
            return value
        if not isinstance(value, Mapping) or not all(
            isinstance(value.get(k), str) for k in ("path", "sha256")
        ):
            raise AllocationFileError(
                f"{where}: expected {{path, sha256}} of a file, got {str(value)[:60]}",
                hint="run `minshi-geo allocate` again to rewrite allocation.json",
            )
        return cls(path=value["path"], sha256=value["sha256"], relative=value.get("relative"),
                   bundled=value.get("bundled"))


_FILE_KEYS = ("plan_file", "region_set_file")


@dataclass(frozen=True, eq=False)
class AllocationMeta(Mapping):
    """Run metadata of an allocation (``allocation.json``), typed and frozen.

    Every key of earlier allocation.json files is a field (they are a contract); a key with
    no value (None) is left out of the JSON. Keys this version does not know are kept in
    ``extra`` and written back unchanged. Reading it as a mapping (``meta["plan_id"]``,
    ``meta.get("sample")``, ``{**meta}``) gives the JSON values, so ``Allocation(meta={**a.meta,
    "sample": True})`` makes a changed copy. Provenance: ``plan_file``, ``region_set_file``
    and ``indicator_sources`` record each input by path and sha256 (:class:`FileRecord`).
    """

    scenario: str | None = None
    scenario_title: str | None = None
    scenario_path: str | None = None
    scenario_sha256: str | None = None
    plan_id: str | None = None
    plan_path: str | None = None
    catalogue_sha256: str | None = None
    region_set: str | None = None
    sample: bool | None = None
    solver: str | None = None
    solver_version: str | None = None
    engine: str | None = None
    objective: float | None = None
    objective_note: str | None = None
    status: str | None = None
    runtime_s: float | None = None
    created_at: str | None = None
    factors: dict[str, dict[str, float]] | None = None
    deviation: dict[str, float] | None = None
    model_targets: list[str] | None = None
    indicator_files: list[str] | None = None
    milestones: dict[str, dict[str, float]] | None = None
    max_burden: float | None = None
    budget: dict[str, Any] | None = None
    # provenance (new in issue 17)
    plan_file: FileRecord | None = None
    region_set_file: FileRecord | None = None
    indicator_sources: tuple[FileRecord, ...] | None = None
    totals: dict[str, float] | None = None  # target id → the total that was split
    steps: dict[str, float] | None = None  # target id → the step quantities are multiples of
    extra: Mapping[str, Any] = field(default_factory=dict)

    # ---- JSON
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra" or value is None:
                continue
            if isinstance(value, FileRecord):
                value = value.to_json()
            elif f.name == "indicator_sources":
                value = [v.to_json() for v in value]
            out[f.name] = _jsonable(value)
        out.update(_jsonable(dict(self.extra)))
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = META_FILE) -> AllocationMeta:
        if isinstance(data, AllocationMeta):
            return data
        if not isinstance(data, Mapping):
            raise AllocationFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for key in _FILE_KEYS:
            if values.get(key) is not None:
                values[key] = FileRecord.from_json(values[key], f"{where}: key {key}")
        if values.get("indicator_sources") is not None:
            values["indicator_sources"] = tuple(
                FileRecord.from_json(v, f"{where}: key indicator_sources")
                for v in values["indicator_sources"]
            )
        extra = {k: v for k, v in data.items() if k not in known and k != "extra"}
        return cls(**values, extra=extra)

    def at(self, folder: str | Path) -> AllocationMeta:
        """The metadata with every file's ``relative`` path set for ``folder``."""
        changes: dict[str, Any] = {k: getattr(self, k).at(folder) for k in _FILE_KEYS
                                   if getattr(self, k) is not None}
        if self.indicator_sources:
            changes["indicator_sources"] = tuple(r.at(folder) for r in self.indicator_sources)
        return replace(self, **changes)

    # ---- read-only mapping of the JSON values
    def __post_init__(self) -> None:
        object.__setattr__(self, "_json", self.to_json())

    def __getitem__(self, key: str) -> Any:
        return self._json[key]  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self._json)  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._json == dict(other.items())  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass
class Allocation:
    """Result of allocating a scenario.

    Attributes
    ----------
    table : DataFrame
        One row per (splittable target × eligible region); columns :data:`COLUMNS`.
    meta : AllocationMeta
        Run metadata (a plain dict given here is read with :meth:`AllocationMeta.from_json`).
    factor_values : DataFrame
        Index ``region_code``, one column per indicator used by any rule (raw values in the
        indicator's own unit), for tooltips and sheets.
    """

    table: pd.DataFrame
    meta: AllocationMeta = field(default_factory=AllocationMeta)
    factor_values: pd.DataFrame = field(default_factory=pd.DataFrame)
    explanation: pd.DataFrame = field(default_factory=pd.DataFrame)
    robustness: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        self.meta = AllocationMeta.from_json(
            {} if self.meta is None else self.meta, "allocation metadata")
        missing = [c for c in COLUMNS if c not in self.table.columns]
        if missing:
            raise ValueError(f"allocation table lacks columns {missing}")
        extra = [c for c in self.table.columns if c not in COLUMNS]
        self.table = self.table[COLUMNS + extra].reset_index(drop=True)

    # ------------------------------------------------------------------ views
    @property
    def target_ids(self) -> list[str]:
        """Target ids in table order (catalogue order)."""
        return list(dict.fromkeys(self.table["target_id"]))

    def target(self, target_id: str) -> pd.DataFrame:
        """The rows of one target."""
        return self.table[self.table["target_id"] == str(target_id)].reset_index(drop=True)

    def pivot(self) -> pd.DataFrame:
        """Quantities as a region × target matrix (NaN where a region is not eligible)."""
        return self.table.pivot(index="region_code", columns="target_id", values="quantity")

    @property
    def is_sample(self) -> bool:
        """True when the scenario used 示例/sample data (outputs must say so)."""
        return bool(self.meta.get("sample", False))

    # ------------------------------------------------------------------ files
    def save(self, out_dir: str | Path) -> Path:
        """Write allocation.csv, allocation.json and factors.csv into ``out_dir`` atomically.

        Either all three files are replaced or none is (temp folder + rename).
        """
        out_dir = check_out_dir(out_dir)
        meta = self.meta.at(out_dir)
        meta_text = json.dumps(meta.to_json(), ensure_ascii=False, indent=2, sort_keys=False)
        with atomic.atomic_dir(out_dir) as tmp:
            # Names and notes can start with = + - @ (a hostile region set): guarded, and
            # unguarded again by load().
            csv_frame(self.table).to_csv(tmp / TABLE_FILE, index=False, encoding="utf-8")
            (tmp / META_FILE).write_text(meta_text + "\n", encoding="utf-8")
            factors = self.factor_values.copy()
            factors.index.name = "region_code"
            factors.to_csv(tmp / FACTORS_FILE, encoding="utf-8")
            for frame, name in ((self.explanation, EXPLANATION_FILE),
                                (self.robustness, ROBUSTNESS_FILE)):
                if len(frame.columns):
                    csv_frame(frame).to_csv(tmp / name, index=False, encoding="utf-8")
        return out_dir

    @classmethod
    def load(cls, folder: str | Path) -> Allocation:
        """Read a folder written by :meth:`save`."""
        folder = Path(folder)
        table_path = folder / TABLE_FILE
        meta_path = folder / META_FILE
        for p in (table_path, meta_path):
            if not p.is_file():
                raise AllocationFileError(
                    f"{p}: file not found",
                    hint="point to a folder written by `minshi-geo allocate SCENARIO --out DIR`",
                )
        limits.check_size(table_path, "table", what="allocation table")
        limits.check_size(meta_path, "json", what="allocation metadata file")
        try:
            table = pd.read_csv(
                table_path,
                dtype={**{c: str for c in _STRING_COLUMNS}, "quantity": str},
                keep_default_na=False,
                na_values={"quota": [""], "capped_quota": [""], "share": [""], "lower": [""],
                           "upper": [""]},
            )
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
                ValueError) as exc:
            raise AllocationFileError(
                f"{table_path}: not an allocation table written by minshi-geo allocate "
                f"({limits.shorten(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 100)})",
                hint="write the folder again with `minshi-geo allocate --out DIR`",
            ) from None
        missing = [c for c in COLUMNS if c not in table.columns]
        if missing:
            raise AllocationFileError(
                f"{table_path}: missing columns {', '.join(missing)}",
                hint="the file was not written by minshi-geo allocate",
            )
        table = csv_unguard_frame(table)
        try:
            table["item"] = table["item"].astype(int)
        except (ValueError, TypeError, OverflowError):
            bad = next(i for i, v in enumerate(table["item"]) if not str(v).strip().isdigit())
            raise AllocationFileError(
                f"{table_path} row {bad + 2}, column item: expected an item number, got "
                f"{limits.shorten(str(table['item'].iloc[bad]), 40)!r}",
                hint="write the folder again with `minshi-geo allocate --out DIR`") from None
        table["locked"] = table["locked"].map(_parse_bool)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise AllocationFileError(f"{meta_path}: not UTF-8 text (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise AllocationFileError(
                f"{meta_path}: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
        meta = AllocationMeta.from_json(meta, str(meta_path))
        table["quantity"] = _read_quantities(table_path, table, meta.steps or {})
        factors_path = folder / FACTORS_FILE
        if factors_path.is_file():
            factors = pd.read_csv(factors_path, dtype={"region_code": str}).set_index(
                "region_code"
            )
        else:
            factors = pd.DataFrame(index=pd.Index([], name="region_code"))
        return cls(table=table, meta=meta, factor_values=factors,
                   explanation=_read_side_table(folder / EXPLANATION_FILE),
                   robustness=_read_side_table(folder / ROBUSTNESS_FILE))


def check_out_dir(out_dir: str | Path) -> Path:
    """``out_dir`` as a Path, if it can be a folder: refuses a path that is, or lies under,
    an existing file (checked before any work, so nothing is computed only to fail)."""
    from minshi_geo.atomic import check_writable

    out_dir = Path(out_dir)
    for p in (out_dir, *out_dir.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out_dir else f"lies under {p}, which is a file"
                raise AllocationFileError(
                    f"{out_dir}: output folder {what}, not a folder",
                    hint="give --out a folder (new or existing)",
                )
            break
    return check_writable(out_dir, folder=True)


class AllocationInputs(NamedTuple):
    """A saved allocation with the plan and region set it was made from (frozen)."""

    allocation: Allocation
    plan: Plan
    regions: RegionSet


def load_allocation_inputs(folder: str | Path) -> AllocationInputs:
    """The one reader of a saved allocation folder (maps, sheets and progress use it).

    Returns the allocation with the plan and region set its metadata records (by path and
    sha256, see :class:`FileRecord`; older folders by ``plan_path`` and region-set name). The
    folder is user-editable, so it is checked: quantities numeric, whole (or multiples of
    the step), ≥ 0; every target and region known; each target's quantities sum to its
    total; the catalogue's sha256 unchanged. Any problem is one :class:`AllocationFileError`
    naming the file, row and column (or key).
    """
    from minshi_geo.catalogue import load_plan
    from minshi_geo.regions import load_region_set

    folder = Path(folder)
    allocation = Allocation.load(folder)
    meta, meta_path = allocation.meta, folder / META_FILE
    plan = load_plan(_input_path(meta, "plan_file", "plan_path", meta_path, folder))
    if meta.catalogue_sha256 and meta.catalogue_sha256 != plan.sha256:
        raise AllocationFileError(
            f"{meta_path}: key catalogue_sha256: the catalogue {plan.path} has changed since "
            f"this allocation was made (sha256 {plan.sha256[:12]}…, recorded "
            f"{meta.catalogue_sha256[:12]}…)",
            hint="run `minshi-geo allocate` again, or restore the catalogue file",
        )
    if meta.region_set_file is not None:
        regions = load_region_set(_input_path(meta, "region_set_file", None, meta_path, folder))
    elif meta.region_set:
        regions = load_region_set(meta.region_set)
    else:
        raise AllocationFileError(
            f"{meta_path}: key region_set: missing (the allocation names no region set)",
            hint="run `minshi-geo allocate` again to rewrite allocation.json",
        )
    check_allocation(allocation, plan, regions, folder / TABLE_FILE)
    return AllocationInputs(allocation, plan, regions)


def _input_path(meta: AllocationMeta, key: str, legacy: str | None, meta_path: Path,
                folder: Path) -> Path:
    """Where the input recorded under ``key`` is now, checked against its sha256."""
    record: FileRecord | None = getattr(meta, key)
    if record is None:
        old = getattr(meta, legacy) if legacy else None
        if not old:
            raise AllocationFileError(
                f"{meta_path}: key {key}: missing (the allocation does not record its input)",
                hint="run `minshi-geo allocate` again to rewrite allocation.json",
            )
        path = Path(old)
        if not path.is_absolute() and not path.is_file():
            path = paths.PROJECT_ROOT / path
        if not path.is_file():
            raise AllocationFileError(
                f"{meta_path}: key {legacy} names {path}, which does not exist",
                hint="run `minshi-geo allocate` again, or restore the file",
            )
        return path
    path = record.locate(folder)
    if path is None:
        tried = ", ".join(str(p) for p in record.candidates(folder))
        raise AllocationFileError(
            f"{meta_path}: key {key}: the file is not found (tried {tried})",
            hint="run `minshi-geo allocate` again, or restore the file",
        )
    if file_sha256(path) != record.sha256:
        raise AllocationFileError(
            f"{meta_path}: key {key}: {path} has changed since this allocation was made "
            f"(sha256 {file_sha256(path)[:12]}…, recorded {record.sha256[:12]}…)",
            hint="run `minshi-geo allocate` again, or restore the file",
        )
    return path


def check_allocation(allocation: Allocation, plan: Plan, regions: RegionSet,
                     table_path: Path) -> None:
    """Targets and regions of the table exist; each target's quantities sum to its total
    (``meta.totals``, else the catalogue quantity of a splittable target)."""
    table, totals = allocation.table, allocation.meta.totals or {}
    known_targets = {t.id for t in plan.targets}
    for column, known, what in (("target_id", known_targets, f"a target of {plan.id}"),
                                ("region_code", set(regions.codes), f"a region of {regions.name}")):
        bad = ~table[column].isin(known)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AllocationFileError(
                f"{table_path} row {row + 2}, column {column}: expected {what}, got "
                f"{str(table[column].iloc[row])[:40]!r}",
                hint="allocation.csv may only have its quantity column edited",
            )
    for target_id, rows in table.groupby("target_id", sort=False):
        target = plan.target(str(target_id))
        total = totals.get(str(target_id))
        if total is None and target.splittable and target.quantity is not None:
            total = target.quantity
        got = float(rows["quantity"].sum())
        if total is not None and not math.isclose(got, float(total), rel_tol=1e-9, abs_tol=1e-9):
            first, last = int(rows.index.min()) + 2, int(rows.index.max()) + 2
            raise AllocationFileError(
                f"{table_path} rows {first}–{last}, column quantity: target {target_id} sums "
                f"to {_show_number(got)} {target.unit or ''}, expected {_show_number(total)} "
                f"(the total to split)".replace("  ", " "),
                hint="an edited split must still add up to the target's total",
            )


def _show_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _read_quantities(path: Path, table: pd.DataFrame, steps: Mapping[str, float]) -> pd.Series:
    """The quantity column, checked row by row: a number ≥ 0, whole or a multiple of the
    target's step (integers stay integers; step multiples like 0.5 stay floats)."""
    from minshi_geo import numbers

    values: list[float] = []
    for i, (text, target_id) in enumerate(zip(table["quantity"], table["target_id"], strict=True)):
        where = f"{path} row {i + 2}, column quantity"
        step = float(steps.get(target_id, 0) or 0)
        expected = "a whole number ≥ 0" if step in (0, 1) else f"a multiple of {step:g} ≥ 0"
        try:
            value = float(numbers.parse_plain(str(text)))
        except (numbers.NumberFormatError, OverflowError, ValueError):  # 1e400: no number
            raise AllocationFileError(f"{where}: expected {expected}, got {str(text)[:40]!r}",
                                      hint="type the quantity as a plain number") from None
        # Finite and within what splits exactly (limits.MAX_QUANTITY) before any rounding.
        bad = not math.isfinite(value) or value < 0 or value > limits.MAX_QUANTITY
        bad_step = not bad and step > 0 and not math.isclose(value / step, round(value / step),
                                                             abs_tol=1e-6)
        if bad or bad_step:
            raise AllocationFileError(f"{where}: expected {expected}, got {str(text)[:40]!r}",
                                      hint="type the quantity as a plain number")
        values.append(value)
    return _tidy_quantity(pd.Series(values, index=table.index, dtype=float))


def compare(a: Allocation, b: Allocation) -> pd.DataFrame:
    """Per target × region differences between two allocations, largest changes first.

    Columns: target_id, item, metric, region_code, region_name, unit, quantity_a, quantity_b,
    change (b − a, in ``unit``), change_pct (change / quantity_a × 100; NaN when a is 0 or
    absent). Quantities and change are nullable integers (Int64) unless a step is
    fractional. A row present on one side only has <NA> on the other (and its full quantity
    as change). Sorted by |change| relative to the target total descending, then target and region.
    """
    keys = ["target_id", "region_code"]
    info = ["item", "metric", "region_name", "unit"]
    left = a.table[keys + info + ["quantity"]].rename(columns={"quantity": "quantity_a"})
    right = b.table[keys + info + ["quantity"]].rename(columns={"quantity": "quantity_b"})
    merged = left.merge(right, on=keys, how="outer", suffixes=("", "_b"))
    for col in info:
        merged[col] = merged[col].where(merged[col].notna(), merged[f"{col}_b"])
        merged = merged.drop(columns=f"{col}_b")
    qa = merged["quantity_a"].astype(float)
    qb = merged["quantity_b"].astype(float)
    merged["change"] = qb.fillna(0.0) - qa.fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["change_pct"] = np.where(qa > 0, merged["change"] / qa * 100.0, np.nan)
    totals = merged.groupby("target_id")[["quantity_a", "quantity_b"]].transform("sum").max(axis=1)
    rel = merged["change"].abs() / totals.where(totals > 0, 1.0)
    merged = merged.assign(_abs=merged["change"].abs(), _rel=rel)
    merged = merged.sort_values(
        ["_rel", "_abs", "target_id", "region_code"], ascending=[False, False, True, True],
        kind="mergesort",
    ).drop(columns=["_rel", "_abs"])
    cols = ["target_id", "item", "metric", "region_code", "region_name", "unit",
            "quantity_a", "quantity_b", "change", "change_pct"]
    out = merged[cols].reset_index(drop=True)
    # The outer merge turns whole numbers into floats (a cell present on one side only is
    # NaN): give back integers, so comparison.csv says 49 and 10, not 49.0 and 10.0.
    out["item"] = out["item"].astype("int64")
    for col in ("quantity_a", "quantity_b", "change"):
        values = out[col].astype(float)
        known = values.dropna()
        if np.allclose(known, known.round()):
            out[col] = values.round().astype("Int64")
    return out


def _read_side_table(path: Path) -> pd.DataFrame:
    """explanation.csv / robustness.csv: empty when absent (folders from older versions)."""
    if not path.is_file():
        return pd.DataFrame()
    text_cols = {"target_id": str, "region_code": str, "region_name": str, "source_year": str,
                 "unit": str, "metric": str}
    limits.check_size(path, "table")
    try:
        return csv_unguard_frame(pd.read_csv(path, dtype=text_cols, keep_default_na=False,
                                             na_values=["", "NaN", "nan"]))
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise AllocationFileError(f"{path}: cannot be read as a table ({exc})",
                                  hint="run `minshi-geo allocate` again") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return str(value).strip().lower() in {"true", "1", "yes"}


def _tidy_quantity(values: pd.Series) -> pd.Series:
    """Integers stay integers on reload; step multiples like 0.5 stay floats."""
    numbers = pd.to_numeric(values)
    if numbers.notna().all() and np.all(np.isclose(numbers, np.round(numbers))):
        return numbers.round().astype("int64")
    return numbers


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value
