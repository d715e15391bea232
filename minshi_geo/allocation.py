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

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from minshi_geo import atomic
from minshi_geo.errors import MinshiError

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

_STRING_COLUMNS = ["target_id", "sector", "metric", "region_code", "region_name", "unit", "basis"]


class AllocationFileError(MinshiError):
    """A saved allocation folder is missing a file or has the wrong columns."""


@dataclass
class Allocation:
    """Result of allocating a scenario.

    Attributes
    ----------
    table : DataFrame
        One row per (splittable target × eligible region); columns :data:`COLUMNS`.
    meta : dict
        Run metadata; keys :data:`META_KEYS` (more keys may be present).
    factor_values : DataFrame
        Index ``region_code``, one column per indicator used by any rule (raw values in the
        indicator's own unit), for tooltips and sheets.
    """

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    factor_values: pd.DataFrame = field(default_factory=pd.DataFrame)
    explanation: pd.DataFrame = field(default_factory=pd.DataFrame)
    robustness: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
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
        meta_text = json.dumps(_jsonable(self.meta), ensure_ascii=False, indent=2, sort_keys=False)
        with atomic.atomic_dir(out_dir) as tmp:
            self.table.to_csv(tmp / TABLE_FILE, index=False, encoding="utf-8")
            (tmp / META_FILE).write_text(meta_text + "\n", encoding="utf-8")
            factors = self.factor_values.copy()
            factors.index.name = "region_code"
            factors.to_csv(tmp / FACTORS_FILE, encoding="utf-8")
            for frame, name in ((self.explanation, EXPLANATION_FILE),
                                (self.robustness, ROBUSTNESS_FILE)):
                if len(frame.columns):
                    frame.to_csv(tmp / name, index=False, encoding="utf-8")
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
                    hint="point to a folder written by `minshi-geo allocate --out DIR`",
                )
        table = pd.read_csv(
            table_path,
            dtype={c: str for c in _STRING_COLUMNS},
            keep_default_na=False,
            na_values={"quota": [""], "capped_quota": [""], "share": [""], "lower": [""],
                       "upper": [""], "quantity": [""]},
        )
        missing = [c for c in COLUMNS if c not in table.columns]
        if missing:
            raise AllocationFileError(
                f"{table_path}: missing columns {', '.join(missing)}",
                hint="the file was not written by minshi-geo allocate",
            )
        table["item"] = table["item"].astype(int)
        table["locked"] = table["locked"].map(_parse_bool)
        table["quantity"] = _tidy_quantity(table["quantity"])
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise AllocationFileError(
                f"{meta_path}: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None
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
    return out_dir


def load_allocation_inputs(folder: str | Path):
    """The allocation in ``folder`` with the plan and region set its metadata names.

    Returns ``(allocation, plan, regions)``; a plan file or region set that no longer exists
    is an :class:`AllocationFileError` naming it.
    """
    from minshi_geo import paths
    from minshi_geo.catalogue import load_plan
    from minshi_geo.regions import load_region_set

    allocation = Allocation.load(folder)
    meta = allocation.meta
    plan_path = Path(meta["plan_path"]) if meta.get("plan_path") else paths.DEFAULT_PLAN
    if not plan_path.is_absolute() and not plan_path.is_file():
        plan_path = paths.PROJECT_ROOT / plan_path
    if not plan_path.is_file():
        raise AllocationFileError(
            f"{Path(folder) / 'allocation.json'}: key plan_path names {plan_path}, which does not exist",
            hint="run `minshi-geo allocate` again, or restore the catalogue file",
        )
    plan = load_plan(plan_path)
    regions = load_region_set(meta.get("region_set") or "jilin")
    return allocation, plan, regions


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
    try:
        return pd.read_csv(path, dtype=text_cols, keep_default_na=False,
                           na_values=["", "NaN", "nan"])
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
