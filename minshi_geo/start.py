"""Plan text → catalogue → baseline scenario → allocation → map and sheets, in one run.

``minshi-geo start PLAN.txt --province 山东 [--level prefecture|county] --out DIR`` is
:func:`start`. It writes, in ``DIR``::

    plan.txt          the plan text (UTF-8), which the catalogue quotes
    catalogue.yaml    the extractor's draft with a suggested basis for every splittable target
    scenario.yaml     a baseline scenario a planner edits (each basis marked 待核对 / REVIEW)
    allocation/       allocation.csv, explanation.csv … (as ``minshi-geo allocate``)
    maps/allocation.html
    sheets/           one task workbook per region and the summary
    start.json        what was run, and the suggestions (marks DIR as a start folder)

The same steps one by one: ``minshi-geo extract PLAN.txt --region-set SET`` (draft with
suggested bases), ``minshi-geo baseline CATALOGUE.yaml --region-set SET`` (the scenario),
``minshi-geo allocate``, ``minshi-geo map allocation``, ``minshi-geo sheets``. Bases come
from the rule table of :mod:`minshi_geo.extract.basis`; nothing here decides a number.
Each output is written atomically; a failure stops the run with the files of the steps
before it whole and nothing half-written.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from minshi_geo import atomic
from minshi_geo.errors import MinshiError
from minshi_geo.extract import Draft, extract_plan
from minshi_geo.extract.basis import Suggestion, complete_indicators, suggest_bases
from minshi_geo.extract.draft import draft_yaml
from minshi_geo.extract.plan_facts import PROVINCES

if TYPE_CHECKING:
    from minshi_geo.catalogue import Plan

LEVELS = ("prefecture", "county")
MARK_FILE = "start.json"


class StartError(MinshiError):
    """The one-command run cannot go on (unknown province, no region set, a busy folder)."""

    hint = "minshi-geo start PLAN.txt --province 山东 --level prefecture --out DIR"


@dataclass(frozen=True)
class StartResult:
    out: Path
    catalogue: Path
    scenario: Path
    allocation: Path
    map: Path
    sheets: Path
    region_set: str
    suggestions: dict[str, Suggestion] = field(default_factory=dict)


def province_of(text: str) -> tuple[str, str, str]:
    """(name, adcode, pinyin) of a province written as 山东, 山东省, 370000 or shandong."""
    key = text.strip().lower()
    for province in PROVINCES:
        name, code, slug = province
        if key in (name, code, slug) or key.rstrip("省市") == name or key.startswith(name):
            return province
    names = "、".join(p[0] for p in PROVINCES)
    raise StartError(f"unknown province {text!r}", hint=f"one of: {names}")


def region_set_name(province: tuple[str, str, str], level: str) -> str:
    """The bundled region set of a province at a level: ``jilin`` (Jilin's 11 units),
    ``shandong`` (its prefectures), ``shandong-counties``."""
    if level not in LEVELS:
        raise StartError(f"--level {level!r}: expected prefecture or county")
    return province[2] if level == "prefecture" else f"{province[2]}-counties"


def load_set(name: str):
    from minshi_geo.regions import RegionSetError, load_region_set

    try:
        return load_region_set(name)
    except RegionSetError as exc:
        raise StartError(f"region set {name}: {exc}", hint=exc.hint) from None


def step_of(quantity: float) -> float:
    """The whole-unit step of a quantity: 1 for 3000, 0.1 for 4.3, 0.01 for 16.66."""
    step = 1.0
    while not math.isclose(quantity / step, round(quantity / step), abs_tol=1e-9) and step > 1e-6:
        step /= 10
    return step


def baseline_yaml(plan: Draft | Plan, suggestions: dict[str, Suggestion], catalogue: str,
                  region_set: str) -> str:
    """A baseline scenario: every splittable target of ``plan`` (a draft or a loaded
    catalogue) with its suggested basis, commented; ``catalogue``: its path as the scenario
    names it."""
    draft = plan
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 — a YAML double-quoted scalar
    out = [
        "# Baseline scenario (基准分解方案) written by `minshi-geo start` — a draft to edit.",
        "# 每个测算依据都由关键词规则表建议（minshi_geo/extract/basis.py），均标“待核对”(REVIEW)：",
        "# 请逐条确认或改为更合适的指标，再运行 minshi-geo allocate scenario.yaml --out allocation。",
        "# Every basis below was suggested by the keyword rule table and is marked REVIEW.",
        f"scenario: {draft.id}-baseline",
        f"title: {q(draft.title + ' 基准分解方案（草稿：测算依据待核对）')}",
        f"plan: {q(catalogue)}",
        f"region_set: {q(region_set)}",
        "sample: false",
        "defaults:",
        "  objective: quota",
        "  method: optimal",
        "targets:",
    ]
    for target in draft.targets:
        if not target.splittable or target.id not in suggestions:
            continue
        s = suggestions[target.id]
        weights = ", ".join(f"{k}: {v:g}" for k, v in s.factors.items())
        out.append(f"  # {target.id} {target.metric}: {target.quantity:g} {target.unit}")
        out.append(f"  #   REVIEW 待核对: {s.note_zh}")
        out.append(f"  {q(target.id)}:")
        out.append(f"    factors: {{{weights}}}")
        step = step_of(float(target.quantity))
        if step != 1:
            out.append(f"    step: {step:g}")
        out.append(f"    note: {q('测算依据待核对（REVIEW）：' + s.note_zh)}")
    if out[-1] == "targets:":
        out[-1] = "targets: {}"
    return "\n".join(out) + "\n"


def suggest_for_plan(plan: Plan, regions) -> dict[str, Suggestion]:
    """The rule table's basis for every splittable target of a loaded catalogue."""
    from minshi_geo.extract.basis import suggest_basis
    from minshi_geo.indicators import load_indicators

    available = complete_indicators(regions, load_indicators(region_set=regions))
    return {
        t.id: suggest_basis(f"{t.metric} {t.source}", plan.item(t.item).text, available)
        for t in plan.targets
        if t.splittable
    }


def write_baseline(
    catalogue: str | Path, region_set: str, output: str | Path | None = None
) -> tuple[Path, dict[str, Suggestion]]:
    """``minshi-geo baseline``: the baseline scenario of a catalogue file for a region set."""
    import os

    from minshi_geo.catalogue import load_plan

    catalogue = Path(catalogue)
    plan = load_plan(catalogue)
    regions = load_set(region_set)
    suggestions = suggest_for_plan(plan, regions)
    out = Path(output) if output else catalogue.with_name(catalogue.stem + ".scenario.yaml")
    relative = os.path.relpath(catalogue.resolve(), out.resolve().parent)
    name = region_set if not str(region_set).endswith((".yaml", ".yml")) else os.path.relpath(
        Path(region_set).resolve(), out.resolve().parent)
    atomic.write_text(out, baseline_yaml(plan, suggestions, relative, name))
    return out, suggestions


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise StartError(f"{out}: exists and is not a folder", hint="choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARK_FILE).is_file() and not force:
        raise StartError(
            f"{out}: folder is not empty and was not written by `minshi-geo start`",
            hint="choose an empty or new --out folder, or pass --force",
        )


def start(
    plan_path: str | Path,
    out: str | Path,
    *,
    province: str | None = None,
    level: str = "prefecture",
    year: int | None = None,
    draws: int = 1000,
    force: bool = False,
    text: str | None = None,
) -> StartResult:
    """Run every step from the plan text to maps and sheets (module docstring)."""
    from minshi_geo.allocate import run_scenario
    from minshi_geo.allocate.robustness import Settings
    from minshi_geo.allocation import load_allocation_inputs
    from minshi_geo.indicators import load_indicators
    from minshi_geo.maps.allocation import allocation_map
    from minshi_geo.sheets.writer import write_all_sheets

    plan_path, out = Path(plan_path), Path(out)
    _check_out(out, force)
    if text is None:
        from minshi_geo.cli.extract import read_plan_text

        text, _ = read_plan_text(plan_path)
    chosen = province_of(province) if province else None
    draft = extract_plan(text, year=year, province_code=chosen[1] if chosen else None)
    if chosen is None:
        chosen = next((p for p in PROVINCES if p[1] == draft.province_code), None)
        if chosen is None:
            raise StartError(f"{plan_path}: the text names no province; give --province")
    set_name = region_set_name(chosen, level)
    regions = load_set(set_name)
    available = complete_indicators(regions, load_indicators(region_set=regions))
    suggestions = suggest_bases(draft, available)

    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / "plan.txt", text)
    catalogue = atomic.write_text(out / "catalogue.yaml", draft_yaml(
        draft, source_text="plan.txt", origin=plan_path.name))  # fmt: skip
    scenario = atomic.write_text(
        out / "scenario.yaml", baseline_yaml(draft, suggestions, "catalogue.yaml", set_name)
    )
    sweep = Settings(draws=draws) if draws else None
    run_scenario(scenario, out / "allocation", robustness=sweep)
    allocation, plan, regions = load_allocation_inputs(out / "allocation")
    page = allocation_map(allocation, regions, out / "maps" / "allocation.html")
    write_all_sheets(allocation, plan, regions, out / "sheets")
    record = {
        "plan_text": str(plan_path), "province": chosen[0], "level": level,
        "region_set": set_name, "plan_id": draft.id, "year": draft.year,
        "year_from": draft.year_from,
        "suggestions": {tid: {"factors": s.factors, "rule": s.rule, "keyword": s.keyword}
                        for tid, s in suggestions.items()},
    }  # fmt: skip
    atomic.write_text(out / MARK_FILE, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return StartResult(out, catalogue, scenario, out / "allocation", page, out / "sheets",
                       set_name, suggestions)  # fmt: skip
