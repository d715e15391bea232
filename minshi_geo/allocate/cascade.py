"""Cascade 省 → 市 → 县: each prefecture's allocated quantity split among its own counties.

A scenario asks for it with a ``cascade`` key::

    cascade:
      region_set: jilin-counties          # the county set; a county's parent_code is its
                                          # prefecture (梅河口 220581 is a county of its own)
      defaults: {factors: {population: 1}} # county-level RULEs, as in the scenario
      targets:
        "29.1": {factors: {rural_population: 1}, min: 1}

The county rules are read as a scenario of their own (same plan, the county set) by
:func:`~minshi_geo.scenario.scenario_from_mapping`, so every rule key means what it means at
prefecture level. For each splittable target and each region of the prefecture allocation,
the region's quantity is the total of a county problem over its counties (the same
:class:`~minshi_geo.allocate.problem.TargetProblem`, fast path and diagnosis as a
prefecture's); shares are recomputed inside the prefecture; a ``min`` or ``max`` given as a
share is a share of the prefecture's quantity. So counties add up exactly to their
prefecture, and :func:`~minshi_geo.allocate.explain.explanation_table` explains every county
number like a prefecture's.

Which counties belong to a region of the prefecture set: the county whose code is the
region's own (梅河口市 220581, a unit of set ``jilin``, is its only county), else the counties
whose ``parent_code`` is the region's code and that are not units of the prefecture set
themselves (通化 220500 without 梅河口). A region with no county in the county set
(长白山管委会, a point with no county of its own) keeps its number at its own level: it is
listed in ``meta["cascade"]["without_counties"]`` and has no county rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from minshi_geo.errors import MinshiError

CASCADE_KEYS = ("region_set", "defaults", "targets", "note")
FOLDER = "counties"
EXTRA_COLUMNS = ["prefecture_code", "prefecture_name", "prefecture_quantity"]


@dataclass(frozen=True)
class CascadeSpec:
    """The ``cascade`` key of a scenario, checked for shape when the scenario loads."""

    region_set: str
    defaults: Mapping[str, Any]
    targets: Mapping[str, Any]
    note: str = ""


def read_cascade(w, raw: Any) -> CascadeSpec | None:
    """``raw``: the scenario's ``cascade`` value; ``w``: the scenario reader's _Where."""
    if raw is None:
        return None
    raw = w.keys(raw, CASCADE_KEYS, "cascade")
    name = raw.get("region_set")
    if not isinstance(name, str) or not name.strip():
        raise w.fail("cascade.region_set", "required: the county region set (e.g. jilin-counties)")
    for key in ("defaults", "targets"):
        if raw.get(key) is not None and not isinstance(raw.get(key), Mapping):
            raise w.fail(f"cascade.{key}", "expected a mapping")
    return CascadeSpec(name.strip(), dict(raw.get("defaults") or {}),
                       dict(raw.get("targets") or {}), str(raw.get("note") or ""))  # fmt: skip


def county_scenario(scenario):
    """The county rules of ``scenario.cascade`` as a Scenario of the county set."""
    from minshi_geo.scenario import ScenarioError, scenario_from_mapping

    spec = scenario.cascade
    mapping = {
        "scenario": f"{scenario.name}-counties",
        "title": f"{scenario.title}（县级）",
        "plan": str(scenario.plan.path),
        "region_set": spec.region_set,
        "indicators": [str(p) for p in scenario.indicator_paths],
        "sample": bool(scenario.sample),
        "defaults": dict(spec.defaults),
        "targets": dict(spec.targets),
    }
    path = scenario.path or Path("scenario.yaml")
    try:
        return scenario_from_mapping(mapping, path, scenario.sha256)
    except ScenarioError as exc:
        # name the key as the planner wrote it: cascade.targets.29.1 …
        message = str(exc).replace(f"{path.name}: ", f"{path.name}: cascade.", 1)
        raise ScenarioError(message, hint=exc.hint) from None


def counties_of(prefectures, counties) -> dict[str, list[str]]:
    """Region of the prefecture set → its counties in the county set (module docstring)."""
    units = set(prefectures.codes)
    out: dict[str, list[str]] = {}
    for code in prefectures.codes:
        if code in counties:
            out[code] = [code]
            continue
        frame = counties.frame
        out[code] = [c for c in counties.codes
                     if frame.at[c, "parent_code"] == code and c not in units]  # fmt: skip
    return out


def _sub_problem(base, rule, codes: list[str], total: float, names: dict[str, str]):
    from minshi_geo.allocate.allocator import _shares
    from minshi_geo.allocate.problem import TargetProblem

    index = [base.codes.index(c) for c in codes]
    frame = base.factor_frame.loc[codes]
    locked = [c for c in codes if c in rule.locks]
    free = [c for c in codes if c not in locked]
    weights = np.zeros(len(codes))
    if free:
        shares = _shares(frame.loc[free].fillna(0.0), base.factors, base.label)
        weights[[codes.index(c) for c in free]] = shares
    p = TargetProblem(
        target_id=base.target_id, metric=base.metric, unit=base.unit, codes=codes,
        names=[names[c] for c in codes], weights=weights, total=float(total),
        step=base.step,
        minimum=np.array([rule.minimum.value_for(c, total) or 0.0 for c in codes]),
        maximum=np.array([v if (v := rule.maximum.value_for(c, total)) is not None else np.inf
                          for c in codes]),
        capacity=base.capacity[index], lock=base.lock[index],
        capacity_name=base.capacity_name, objective=base.objective, method=base.method,
    )  # fmt: skip
    p.factors = dict(base.factors)
    p.factor_frame = frame
    return p


def cascade(allocation, scenario, county_scen=None):
    """The county Allocation of a prefecture ``allocation`` of ``scenario`` (module docstring)."""
    from minshi_geo.allocate import diagnose, explain
    from minshi_geo.allocate.allocator import _factor_values, _table, build_problems
    from minshi_geo.allocation import Allocation

    county_scen = county_scen or county_scenario(scenario)
    counties = county_scen.regions
    children = counties_of(scenario.regions, counties)
    try:  # the county rules over all counties and the province total: values and rules
        base = {p.target_id: p for p in build_problems(county_scen)}
    except MinshiError as exc:
        raise type(exc)(f"cascade, county rules ({counties.name}): {exc}", hint=exc.hint) from None
    names = {c: counties.name_of(c) for c in counties.codes}
    tables, explained = [], []
    without: dict[str, str] = {}
    for tid in allocation.target_ids:
        if tid not in base:
            continue  # a coverage rule's target, or one the county scenario does not split
        rule = county_scen.rules[tid]
        rows = allocation.table[allocation.table["target_id"] == tid]
        for code, quantity in zip(rows["region_code"], rows["quantity"], strict=True):
            mine = [c for c in children.get(code, []) if c in rule.eligible]
            if not mine:
                without[code] = scenario.regions.name_of(code)
                continue
            p = _sub_problem(base[tid], rule, sorted(mine), float(quantity), names)
            label = f"{scenario.regions.name_of(code)} {p.label}"
            try:
                diagnose.check_target(p)
                x = p.fast()
                diagnose.check_result(p, x)
            except MinshiError as exc:
                raise type(exc)(f"cascade, {label}: {exc}", hint=exc.hint) from None
            table = _table(county_scen, [p], {tid: x})
            table["prefecture_code"] = code
            table["prefecture_name"] = scenario.regions.name_of(code)
            table["prefecture_quantity"] = quantity
            tables.append(table)
            explained.append(explain.explanation_table(county_scen, [p], {tid: x},
                                                          whole=scenario.regions.name_of(code)))
    if not tables:
        raise MinshiError(f"cascade: no county of set {counties.name} lies in a region of "
                          f"{scenario.regions.name}", hint="check cascade.region_set")  # fmt: skip
    order = {t: i for i, t in enumerate(allocation.target_ids)}
    county_order = {c: i for i, c in enumerate(counties.codes)}
    table = pd.concat(tables, ignore_index=True)
    table = table.sort_values(["target_id", "region_code"], key=lambda s: s.map(
        order if s.name == "target_id" else county_order)).reset_index(drop=True)  # fmt: skip
    from minshi_geo.allocation import FileRecord

    meta = {**allocation.meta}
    totals = table.groupby("target_id", sort=False)["quantity"].sum()
    meta.update({
        "scenario": county_scen.name, "scenario_title": county_scen.title,
        "region_set": counties.name, "region_set_file": FileRecord.of(counties.path),
        "factors": {tid: dict(p.factors) for tid, p in base.items()},
        # county totals: the province's less the regions without counties (长白山)
        "totals": {str(t): float(v) for t, v in totals.items()},
        "steps": {tid: float(p.step) for tid, p in base.items()},
        "deviation": None, "model_targets": [],
        "cascade": {"from_region_set": scenario.regions.name,
                    "without_counties": dict(sorted(without.items())),
                    "note": scenario.cascade.note},
    })  # fmt: skip
    meta.pop("robustness", None)
    return Allocation(table=table, meta=meta,
                      factor_values=_factor_values(county_scen, list(base.values())),
                      explanation=pd.concat(explained, ignore_index=True))  # fmt: skip


def check_sums(prefecture_allocation, county_allocation) -> list[str]:
    """Every (target, prefecture) whose counties do not add up to it exactly (empty: none)."""
    county = county_allocation.table.groupby(["target_id", "prefecture_code"])["quantity"].sum()
    bad = []
    for row in prefecture_allocation.table.itertuples():
        key = (row.target_id, row.region_code)
        if key in county.index and not np.isclose(county[key], row.quantity, rtol=0, atol=1e-9):
            bad.append(f"{row.target_id} {row.region_name}: {county[key]} ≠ {row.quantity}")
    return bad


def region_subset(region_set, codes: list[str]):
    """The same RegionSet restricted to ``codes`` (for one prefecture's county sheets)."""
    return dataclasses.replace(region_set, frame=region_set.frame.loc[codes].copy())


def write_county_sheets(county_allocation, plan, counties, out_dir: str | Path) -> dict[str, Path]:
    """One folder per prefecture (``01-长春市/``), holding a task workbook per county and the
    prefecture's summary of its counties — each county returns its own sheet, and the city
    planner gets one overview. Returns prefecture code → folder."""
    from minshi_geo import atomic
    from minshi_geo.escape import safe_filename
    from minshi_geo.sheets.writer import write_all_sheets

    out_dir = Path(out_dir)
    table = county_allocation.table
    written: dict[str, Path] = {}
    with atomic.atomic_dir(out_dir) as tmp:
        groups = list(dict.fromkeys(table["prefecture_code"]))
        for index, code in enumerate(groups, 1):
            rows = table[table["prefecture_code"] == code]
            name = str(rows["prefecture_name"].iloc[0])
            folder = tmp / safe_filename(f"{index:02d}-{name}")
            codes = list(dict.fromkeys(c for c in counties.codes if c in set(rows["region_code"])))
            sub = dataclasses.replace(  # this prefecture's counties only, in every table
                county_allocation, table=rows.reset_index(drop=True),
                explanation=_rows_of(county_allocation.explanation, codes),
                robustness=_rows_of(county_allocation.robustness, codes))
            write_all_sheets(sub, plan, region_subset(counties, codes), folder)
            written[code] = out_dir / folder.name
    return written


def _rows_of(frame: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The rows of ``frame`` (explanation / robustness) for ``codes``; an empty frame as is."""
    if frame.empty or "region_code" not in frame.columns:
        return frame
    return frame[frame["region_code"].isin(codes)].reset_index(drop=True)


def prefecture_outlines(meta: Mapping[str, Any], gcj02: bool = False) -> dict | None:
    """GeoJSON of the prefecture polygons a county allocation came from (its
    ``meta["cascade"]["from_region_set"]``), for the county map; None for other allocations.
    Point regions (长白山管委会) have no outline."""
    from minshi_geo.maps.geometry import region_shapes
    from minshi_geo.regions import load_region_set

    cascade_meta = meta.get("cascade") or {}
    if not cascade_meta.get("from_region_set"):
        return None
    prefectures = load_region_set(cascade_meta["from_region_set"])
    frame = prefectures.frame[prefectures.frame["kind"] != "point"]
    return region_shapes(frame, gcj02=gcj02).geojson
