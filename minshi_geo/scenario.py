"""Scenarios (方案): plan + region set + indicator tables + allocation rules, from YAML.

A scenario file looks like this (every key is optional unless marked)::

    scenario: jilin-2023-baseline        # required: a short name (used in outputs)
    title: 吉林省2023年民生实事 基准分解方案   # required
    plan: jilin-2023                     # bundled plan name or a path (relative to this file)
    region_set: jilin                    # bundled set name or a path
    indicators: [sample-jilin-costs.csv] # extra indicator tables (relative to this file, or
                                         # bundled under data/indicators/)
    sample: false                        # true when the scenario uses 示例 data (also inferred
                                         # from indicator files named sample-*)
    solver: highs                        # highs | cbc | auto
    milestones: {3-31: 15%, 6-30: 50%}   # 序时进度 for every target: share due by each date
                                         # (default: linear from the plan's start to deadline)
    defaults: {RULE}                     # applied to every splittable target
    targets:                             # per-target rules, overriding the defaults
      "29.2": {RULE}
    plan_rules:                          # rules that couple targets (one PuLP model)
      budget:  {costs: {"29.2": 60}, currency: 万元, per_region: INDICATOR | {region: value},
                province: NUMBER}
      balance: {costs: {"29.2": 60, …}, capacity: INDICATOR}
      coverage:
        "42.2": {villages: INDICATOR, covered: INDICATOR, rate: 60%, floor: 40%,
                 factors: {…}, unit: 个行政村}

A RULE may hold::

    factors: {population: 0.6, area: 0.4}   # 因素法 weights, summing to 1 (default: the
                                            # catalogue's basis for the target)
    eligible: [长春市, 吉林市]                # regions that take part (default: all)
    exclude: [长白山管委会]                   # regions that do not (a target's list replaces
                                            # the defaults' list: repeat what it excluded)
    min: 1 | "2%" | {长春市: 10, default: 1} # per-region minimum, absolute or share of total
    max: "35%" | 40 | {…}                   # per-region maximum
    locks: {长春市: 13}                       # fixed quantities (a locked region needs no
                                            # factor value: 长白山管委会 on an area basis)
    capacity: INDICATOR | {region: value}   # caps a region (e.g. the stock of dangerous bridges)
    step: 10                                # whole multiples of step (default 1)
    objective: quota | fair                 # min Σ|x−q*| (default) | min max |x−q*|/q*
    method: optimal | largest_remainder | webster | dhondt | huntington_hill
    milestones: {6-30: 30%, 9-30: 70%}      # this target's own 序时进度 (replaces the
                                            # top-level milestones; not allowed in defaults)

Milestones: dates ``MM-DD`` or ``YYYY-MM-DD`` inside the plan year (start to deadline), shares
``0.5`` or ``"50%"``, never falling as the date rises; a date on the deadline must be 100%.
Between milestones pace is linear in days (see :mod:`minshi_geo.pace`). A derived outcome
(``linked_to``) follows its driver's milestones as it follows its split.

YAML anchors/aliases (``&rule`` / ``*rule``) are not read — share a rule through
``defaults`` — and a file over 10 MB is refused as the wrong file.

Every mistake raises :class:`ScenarioError` with one line naming the file and the key:
``baseline.yaml: targets.29.2.max: expected a number ≥ 0 or a share like '35%', got '-3'``.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from minshi_geo import limits, paths, strict_yaml
from minshi_geo.rules import METHOD_ALIASES, OBJECTIVES, SOLVER_NAMES
from minshi_geo.errors import MinshiError
from minshi_geo.pace import EVERY_TARGET, MilestoneError, read_share_table

RULE_KEYS = (
    "factors", "eligible", "exclude", "min", "max", "locks", "capacity", "step", "objective",
    "method", "note", "milestones",
)  # fmt: skip
TOP_KEYS = (
    "scenario", "title", "description", "plan", "region_set", "indicators", "sample", "solver",
    "defaults", "targets", "plan_rules", "milestones", "cascade",
)  # fmt: skip
PLAN_RULE_KEYS = ("budget", "balance", "coverage")
BUDGET_KEYS = ("costs", "currency", "per_region", "province", "note")
BALANCE_KEYS = ("costs", "capacity", "note")
COVERAGE_KEYS = ("villages", "covered", "rate", "floor", "factors", "unit", "eligible",
                 "exclude", "note")
WEIGHT_TOLERANCE = 1e-6


class ScenarioError(MinshiError):
    """A scenario file is malformed; the message names the file and the key."""

    hint = "see scenarios/jilin-2023-baseline.yaml for a commented example"


@dataclass(frozen=True)
class BoundSpec:
    """A min or max: a value per region, absolute (in the target's unit) or a share of T."""

    default: tuple[float, bool] | None = None  # (value, is_share)
    per_region: dict[str, tuple[float, bool]] = field(default_factory=dict)

    def value_for(self, code: str, total: float) -> float | None:
        spec = self.per_region.get(code, self.default)
        if spec is None:
            return None
        value, is_share = spec
        return value * total if is_share else value

    @property
    def empty(self) -> bool:
        return self.default is None and not self.per_region


@dataclass(frozen=True)
class Rule:
    """How one target is split (resolved: defaults merged, regions as codes)."""

    factors: dict[str, float]
    factors_from: str  # "scenario" | "catalogue" | "defaults"
    eligible: tuple[str, ...]  # codes, region-set order
    eligible_given: tuple[str, ...] | None
    exclude: tuple[str, ...]
    minimum: BoundSpec = BoundSpec()
    maximum: BoundSpec = BoundSpec()
    locks: dict[str, float] = field(default_factory=dict)
    capacity: str | dict[str, float] | None = None
    step: float = 1.0
    objective: str = "quota"
    method: str = "optimal"
    note: str = ""


@dataclass(frozen=True)
class BudgetRule:
    costs: dict[str, float]
    currency: str = "万元"
    per_region: str | dict[str, float] | None = None
    province: float | None = None
    note: str = ""


@dataclass(frozen=True)
class BalanceRule:
    costs: dict[str, float]
    capacity: str
    note: str = ""


@dataclass(frozen=True)
class CoverageRule:
    """Reach ``rate`` of villages province-wide from each region's baseline, every region at
    least ``floor``; the allocation is the number of villages newly covered per region."""

    target_id: str
    villages: str
    covered: str
    rate: float
    floor: float = 0.0
    factors: dict[str, float] | None = None
    unit: str = "个行政村"
    eligible: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its plan, regions and indicators loaded. Frozen: a changed
    scenario (the studio's subset of targets, a cascade's county level) is a new one made
    with ``dataclasses.replace``."""

    name: str
    title: str
    path: Path | None
    sha256: str
    plan: Any  # catalogue.Plan
    regions: Any  # regions.RegionSet
    indicators: pd.DataFrame
    indicator_paths: list[Path]
    sample: bool
    solver: str | None
    rules: dict[str, Rule]  # every splittable target, catalogue order
    budget: BudgetRule | None = None
    balance: BalanceRule | None = None
    coverage: dict[str, CoverageRule] = field(default_factory=dict)
    description: str = ""
    # 序时进度 milestones {"*" or target id: {date: share}} — the shape progress.status reads;
    # empty = linear pace for every target.
    milestones: dict[str, dict[date, float]] = field(default_factory=dict)
    cascade: Any = None  # allocate.cascade.CascadeSpec: split each region among its counties

    @property
    def target_ids(self) -> list[str]:
        return list(self.rules)


# --------------------------------------------------------------------------- reading
class _Where:
    """Builds the one-line errors: ``file: key.path: what was expected, got what``."""

    def __init__(self, name: str):
        self.name = name

    def fail(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.name}: {key}: {message}" if key else f"{self.name}: {message}")

    def keys(self, value: Any, allowed: tuple[str, ...], key: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, f"expected a mapping, got {_show(value)}")
        for k in value:
            if str(k) not in allowed:
                close = difflib.get_close_matches(str(k), allowed, n=1)
                tail = f" — did you mean {close[0]}?" if close else ""
                raise self.fail(_join(key, k), f"unknown key{tail} (expected one of "
                                               f"{', '.join(allowed)})")
        return value


def _join(prefix: str, key: object) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _show(value: Any) -> str:
    return limits.show(value)


_SHARE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


def _number(w: _Where, value: Any, key: str, *, allow_share: bool = False,
            positive: bool = False) -> tuple[float, bool]:
    """A number ≥ 0 (> 0 if ``positive``), or a share such as "35%" → (0.35, True)."""
    expected = "a number ≥ 0" if not positive else "a number > 0"
    if allow_share:
        expected += " or a share like '35%'"
    if isinstance(value, bool):
        raise w.fail(key, f"expected {expected}, got {_show(value)}")
    if isinstance(value, str) and allow_share:
        m = _SHARE.match(value)
        if m:
            share = float(m.group(1)) / 100.0
            if share > 1.0:
                raise w.fail(key, f"a share cannot exceed 100%, got {_show(value)}")
            return share, True
    if isinstance(value, (int, float)) and math.isfinite(value):
        v = float(value)
        if v < 0 or (positive and v == 0):
            raise w.fail(key, f"expected {expected}, got {_show(value)}")
        return v, False
    raise w.fail(key, f"expected {expected}, got {_show(value)}")


def _rate(w: _Where, value: Any, key: str) -> float:
    """A rate written 60% or 0.6."""
    if isinstance(value, str) and _SHARE.match(value):
        v = float(_SHARE.match(value).group(1)) / 100.0
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        v = float(value)
    else:
        raise w.fail(key, f"expected a rate like '60%' or 0.6, got {_show(value)}")
    if not 0 <= v <= 1:
        raise w.fail(key, f"expected a rate between 0% and 100%, got {_show(value)}")
    return v


def _resolve_region(w: _Where, regions: Any, text: Any, key: str) -> str:
    from minshi_geo.regions import UnknownRegionError

    try:
        return regions.resolve(text)
    except UnknownRegionError as exc:
        raise w.fail(key, str(exc)) from None


def _region_list(w: _Where, regions: Any, value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise w.fail(key, f"expected a list of regions, got {_show(value)}")
    codes = []
    for i, item in enumerate(value):
        code = _resolve_region(w, regions, item, f"{key}[{i}]")
        if code in codes:
            raise w.fail(f"{key}[{i}]", f"region {_show(item)} listed twice")
        codes.append(code)
    return tuple(codes)


def _factors(w: _Where, value: Any, key: str, known: set[str]) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise w.fail(key, f"expected indicator weights such as {{population: 0.6, area: 0.4}}, "
                          f"got {_show(value)}")
    out = {}
    for name, weight in value.items():
        name = str(name)
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=2)
            tail = f" — did you mean {', '.join(close)}?" if close else ""
            raise w.fail(_join(key, name), f"unknown indicator {name!r}{tail}")
        out[name] = _number(w, weight, _join(key, name), positive=True)[0]
    total = sum(out.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        # 60/40 is how planners say it: name the slip rather than only the sum
        tail = (" — weights are fractions: write 0.6, not 60"
                if abs(total - 100.0) <= 100 * WEIGHT_TOLERANCE else "")
        raise w.fail(key, f"weights must sum to 1, got {total:g} "
                          f"({' + '.join(f'{v:g}' for v in out.values())}){tail}")
    return out


def _bound(w: _Where, regions: Any, value: Any, key: str) -> BoundSpec:
    if value is None:
        return BoundSpec()
    if isinstance(value, Mapping):
        default = None
        default_key = None
        per = {}
        seen: dict[str, object] = {}
        for k, v in value.items():
            if str(k) in ("default", "others"):
                # default and others are one thing: two values would silently drop one
                if default_key is not None:
                    raise w.fail(_join(key, k), f"{default_key} and {k} both set the value for "
                                                "the other regions; keep one")
                default_key = k
                default = _number(w, v, _join(key, k), allow_share=True)
            else:
                code = _region_key(w, regions, k, _join(key, k), seen)
                per[code] = _number(w, v, _join(key, k), allow_share=True)
        return BoundSpec(default, per)
    return BoundSpec(_number(w, value, key, allow_share=True), {})


def _region_key(w: _Where, regions: Any, k: Any, key: str, seen: dict[str, object]) -> str:
    """A region named as a mapping key; two spellings of one region (长春市 and 长春, or 长春市
    and 220100) are refused — YAML keeps both and the later would silently win."""
    code = _resolve_region(w, regions, k, key)
    if code in seen:
        raise w.fail(key, f"{_show(k)} and {_show(seen[code])} are the same region "
                          f"({regions.name_of(code)}); give it once")
    seen[code] = k
    return code


def _per_region_numbers(w: _Where, regions: Any, value: Any, key: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise w.fail(key, f"expected a mapping of region → number, got {_show(value)}")
    out = {}
    seen: dict[str, object] = {}
    for k, v in value.items():
        out[_region_key(w, regions, k, _join(key, k), seen)] = _number(w, v, _join(key, k))[0]
    return out


def _indicator_name(w: _Where, value: Any, key: str, known: set[str]) -> str:
    if not isinstance(value, str):
        raise w.fail(key, f"expected an indicator name, got {_show(value)}")
    if value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=2)
        tail = f" — did you mean {', '.join(close)}?" if close else ""
        raise w.fail(key, f"unknown indicator {value!r}{tail}")
    return value


def _milestones(w: _Where, raw: Any, key: str, plan: Any, deadline: date) -> dict[date, float]:
    """A milestone table, read by the same code progress.status uses; errors keep file + key."""
    if isinstance(raw, Mapping):
        for k in raw:
            if isinstance(k, str) and k.strip() in {t.id for t in plan.targets}:
                raise w.fail(_join(key, k), f"milestones take dates, not target ids: write "
                                            f"this target's own under targets.{k.strip()}."
                                            "milestones")
    try:
        return read_share_table(raw, plan.year, start=plan.start, deadline=deadline)
    except MilestoneError as exc:
        raise w.fail(_join(key, exc.key) if exc.key else key, exc.problem) from None


def _read_rule(w: _Where, raw: Any, key: str, regions: Any, known: set[str],
               target: Any = None, plan: Any = None) -> dict[str, Any]:
    """Validate one rule mapping; returns only the keys it sets (for merging with defaults).
    ``target`` is None for ``defaults``, which may not carry milestones."""
    raw = w.keys(raw, RULE_KEYS, key)
    out: dict[str, Any] = {}
    for k, v in raw.items():
        at = _join(key, k)
        if k == "factors":
            out[k] = _factors(w, v, at, known)
        elif k in ("eligible", "exclude"):
            out[k] = _region_list(w, regions, v, at)
        elif k in ("min", "max"):
            out[k] = _bound(w, regions, v, at)
        elif k == "locks":
            out[k] = _per_region_numbers(w, regions, v, at)
        elif k == "capacity":
            out[k] = (_indicator_name(w, v, at, known) if isinstance(v, str)
                      else _per_region_numbers(w, regions, v, at))
        elif k == "step":
            out[k] = _number(w, v, at, positive=True)[0]
        elif k == "objective":
            if v not in OBJECTIVES:
                raise w.fail(at, f"expected one of {', '.join(OBJECTIVES)}, got {_show(v)}")
            out[k] = v
        elif k == "method":
            name = METHOD_ALIASES.get(str(v).strip().lower()) if isinstance(v, str) else None
            if name is None:
                close = difflib.get_close_matches(str(v), list(METHOD_ALIASES), n=1)
                tail = f" — did you mean {close[0]}?" if close else ""
                raise w.fail(at, f"unknown method {_show(v)}{tail}")
            out[k] = name
        elif k == "note":
            out[k] = str(v)
        elif k == "milestones":
            if target is None:
                raise w.fail(at, "milestones for every target go at the top level "
                                 "(milestones:), a target's own in its rule")
            out[k] = _milestones(w, v, at, plan, target.deadline or plan.deadline)
    return out


def _find(value: Any, base: Path, folder: Path, suffix: str) -> Path:
    """A bundled name (``jilin-2023``) or a path relative to the scenario file."""
    text = str(value)
    candidate = Path(text)
    if not candidate.is_absolute():
        candidate = base / candidate
    if candidate.exists():
        return candidate
    bundled = folder / (text if text.endswith(suffix) else text + suffix)
    return bundled if bundled.exists() else candidate


def load_scenario(path: str | Path = paths.DEFAULT_SCENARIO) -> Scenario:
    """Read, validate and resolve a scenario file (see module docstring for the format).
    A workbook (.xlsx, written by ``minshi-geo scenario workbook``) is read by
    :mod:`minshi_geo.scenario_workbook` into the same mapping and resolved the same way."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        from minshi_geo.scenario_workbook import read_scenario_workbook

        return read_scenario_workbook(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found",
                            hint="ls scenarios/ for the bundled scenarios")
    w = _Where(path.name)
    data = limits.read_bytes(path, "yaml", what="scenario file")
    try:
        raw = strict_yaml.load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise w.fail("", f"not UTF-8 text (byte {exc.start})") from None
    except limits.YamlAliasRefused as exc:
        raise w.fail("", f"{exc} in scenario files; write the rule out or put it in "
                         "defaults") from None
    except strict_yaml.DuplicateKey as exc:
        raise w.fail(str(exc.key), f"duplicate key (line {exc.line})") from None
    except strict_yaml.KeyTypeRefused as exc:
        raise w.fail("", f"line {exc.line}: a key must be a name, a target id or a date, not "
                         f"a {exc.type_name}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise w.fail(at, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:  # e.g. ReaderError: a control character (NUL) in the text
        raise w.fail("", f"YAML syntax error: {limits.shorten(' '.join(str(exc).split()), 120)}"
                     ) from None
    return scenario_from_mapping(raw, path, hashlib.sha256(data).hexdigest())


def scenario_from_mapping(raw: Any, path: Path, sha256: str) -> Scenario:
    """Validate and resolve the mapping a scenario file holds (the YAML's, or a workbook's
    read back into the same keys); ``path`` names the file in errors and resolves relative
    file names."""
    w = _Where(Path(path).name)
    if not isinstance(raw, Mapping):
        raise w.fail("", "expected a mapping with keys scenario, title, targets …")
    raw = w.keys(raw, TOP_KEYS, "")
    for required in ("scenario", "title"):
        if not isinstance(raw.get(required), str) or not raw.get(required).strip():
            raise w.fail(required, "required text is missing")
    return _resolve(w, raw, Path(path), sha256)


def _resolve(w: _Where, raw: Mapping[str, Any], path: Path, sha: str) -> Scenario:
    from minshi_geo.allocate.cascade import read_cascade

    base = path.parent
    plan, regions = _resolve_plan(w, raw, base)
    indicator_paths, indicators = _resolve_indicators(w, raw, base, regions)
    known = set(indicators["indicator"])

    sample_flag = raw.get("sample")
    if sample_flag is not None and not isinstance(sample_flag, bool):
        raise w.fail("sample", f"expected true or false, got {_show(sample_flag)}")
    uses_sample = any(_is_sample_file(p) for p in indicator_paths)
    if uses_sample and sample_flag is False:
        raise w.fail("sample", "the scenario reads 示例/sample indicator files, so it cannot say "
                               "sample: false")
    solver = raw.get("solver")
    if solver is not None and solver not in SOLVER_NAMES:
        raise w.fail("solver", f"expected one of {', '.join(SOLVER_NAMES)}, got {_show(solver)}")

    defaults = _read_rule(w, raw.get("defaults"), "defaults", regions, known)
    targets_raw = raw.get("targets") or {}
    if not isinstance(targets_raw, Mapping):
        raise w.fail("targets", f"expected a mapping of target id → rule, got "
                                f"{_show(targets_raw)}")
    plan_rules = w.keys(raw.get("plan_rules"), PLAN_RULE_KEYS, "plan_rules")
    coverage = _read_coverage(w, plan_rules.get("coverage"), plan, regions, known)
    rules, milestones = _resolve_rules(w, raw, defaults, targets_raw, plan, regions, known,
                                       coverage)
    budget = _read_budget(w, plan_rules.get("budget"), regions, known, rules, coverage)
    balance = _read_balance(w, plan_rules.get("balance"), known, rules, coverage)
    return Scenario(
        name=raw["scenario"].strip(), title=raw["title"].strip(), path=path, sha256=sha,
        plan=plan, regions=regions, indicators=indicators, indicator_paths=indicator_paths,
        sample=bool(sample_flag) or uses_sample, solver=solver, rules=rules, budget=budget,
        balance=balance, coverage=coverage, description=str(raw.get("description") or ""),
        milestones=milestones, cascade=read_cascade(w, raw.get("cascade")),
    )


def _resolve_plan(w: _Where, raw: Mapping[str, Any], base: Path) -> tuple[Any, Any]:
    """The scenario's plan (catalogue.Plan) and region set (regions.RegionSet)."""
    from minshi_geo.catalogue import CatalogueError, load_plan
    from minshi_geo.regions import RegionSetError, load_region_set

    plan_path = _find(raw.get("plan", "jilin-2023"), base, paths.TARGETS_DIR, ".yaml")
    try:
        plan = load_plan(plan_path)
    except FileNotFoundError:
        raise w.fail("plan", f"plan {_show(raw.get('plan'))} not found") from None
    except CatalogueError as exc:
        raise w.fail("plan", str(exc)) from None
    set_value = raw.get("region_set", "jilin")
    set_path = Path(str(set_value))
    set_arg: str | Path = set_value if not (base / set_path).is_file() else base / set_path
    try:
        regions = load_region_set(set_arg)
    except (RegionSetError, FileNotFoundError) as exc:
        raise w.fail("region_set", str(exc)) from None
    return plan, regions


def _resolve_indicators(
    w: _Where, raw: Mapping[str, Any], base: Path, regions: Any
) -> tuple[list[Path], pd.DataFrame]:
    """The indicator files the scenario names, found, and the long table loaded with them."""
    from minshi_geo.indicators import load_indicators

    files = raw.get("indicators") or []
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list):
        raise w.fail("indicators", f"expected a list of files, got {_show(files)}")
    indicator_paths = []
    for i, f in enumerate(files):
        p = _find(f, base, paths.INDICATORS_DIR, "")
        if not p.is_file():
            raise w.fail(f"indicators[{i}]", f"file {_show(f)} not found (looked next to the "
                                              f"scenario and in data/indicators/)")
        indicator_paths.append(p)
    try:
        indicators = load_indicators(indicator_paths, region_set=regions)
    except MinshiError as exc:
        raise w.fail("indicators", str(exc)) from None
    return indicator_paths, indicators


def _resolve_rules(
    w: _Where, raw: Mapping[str, Any], defaults: dict[str, Any],
    targets_raw: Mapping[Any, Any], plan: Any, regions: Any, known: set[str],
    coverage: dict[str, CoverageRule],
) -> tuple[dict[str, Rule], dict[str, dict[date, float]]]:
    """The rule of every splittable target (the defaults merged with its own) and the
    milestones."""
    splittable = [t for t in plan.targets if t.splittable]
    split_ids = {t.id for t in splittable}
    per_target: dict[str, dict[str, Any]] = {}
    for tid, rule in targets_raw.items():
        tid_text = _target_id_text(w, tid, "targets")
        key = f"targets.{tid_text}"
        if tid_text in per_target:
            # "29.2" and "29.2 " are two YAML keys but one target: the later rule would
            # silently replace the earlier one
            raise w.fail(key, f"target {tid_text} has two rules (keys {_show(tid_text)} and "
                              f"{_show(tid)}); merge them into one")
        _check_target_id(w, plan, tid_text, key, split_ids, coverage)
        per_target[tid_text] = _read_rule(w, rule, key, regions, known,
                                          target=plan.target(tid_text), plan=plan)
    milestones = _scenario_milestones(w, raw.get("milestones"), plan, per_target)

    rules: dict[str, Rule] = {}
    for t in splittable:
        merged = {**defaults, **per_target.get(t.id, {})}
        rules[t.id] = _make_rule(w, t, merged, regions, f"targets.{t.id}",
                                 from_target=t.id in per_target and "factors" in per_target[t.id],
                                 from_defaults="factors" in defaults)
    return rules, milestones


def _scenario_milestones(w: _Where, raw: Any, plan: Any,
                         per_target: dict[str, dict[str, Any]]) -> dict[str, dict[date, float]]:
    """{"*": plan-wide, target id: its own}; a derived outcome (linked_to) takes its
    driver's own table, as it takes its driver's split."""
    out: dict[str, dict[date, float]] = {}
    if raw is not None:
        out[EVERY_TARGET] = _milestones(w, raw, "milestones", plan, plan.deadline)
    for tid, rule in per_target.items():
        if "milestones" in rule:
            out[tid] = rule["milestones"]
    for t in plan.targets:
        if t.linked_to in out and t.linked_to != EVERY_TARGET and t.id not in out:
            out[t.id] = dict(out[t.linked_to])
    return out


def _is_sample_file(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith("sample") or "示例" in path.name


def _target_id_text(w: _Where, tid: Any, key: str) -> str:
    # YAML reads an unquoted 29.10 as the number 29.1 — a different target. Quoting is the
    # only safe spelling, so numbers are refused rather than guessed.
    if not isinstance(tid, str):
        raise w.fail(_join(key, tid), f"write target ids in quotes (\"{tid}\"): YAML reads "
                                      "an unquoted 29.10 as the number 29.1")
    return tid.strip()


def _check_target_id(w: _Where, plan: Any, tid: str, key: str, split_ids: set[str],
                     coverage: dict[str, CoverageRule]) -> None:
    from minshi_geo.catalogue import UnknownTargetError

    try:
        target = plan.target(tid)
    except UnknownTargetError as exc:
        raise w.fail(key, str(exc)) from None
    if tid not in split_ids:
        what = f"a {target.kind} target" if target.kind != "count" else "not splittable"
        if target.linked_to:
            what = f"derived from {target.linked_to} (it follows that split)"
        raise w.fail(key, f"{tid} {target.metric} is {what}; only splittable targets take "
                          "rules (rates go under plan_rules.coverage)")


def _make_rule(w: _Where, target: Any, merged: dict[str, Any], regions: Any, key: str, *,
               from_target: bool, from_defaults: bool) -> Rule:
    if "factors" in merged:
        factors = merged["factors"]
        source = "scenario" if from_target else "defaults"
    elif target.basis:
        factors = dict(target.basis)
        source = "catalogue"
    else:
        raise w.fail(key, f"{target.id} {target.metric} has no basis in the catalogue; give "
                          "factors in the rule or in defaults")
    given = merged.get("eligible")
    exclude = merged.get("exclude", ())
    codes = [c for c in regions.codes if (given is None or c in given) and c not in exclude]
    for code in merged.get("locks", {}):
        if code not in codes:
            raise w.fail(_join(key, "locks"), f"locked region {regions.name_of(code)} is not "
                                              "eligible for this target")
    return Rule(
        factors=factors, factors_from=source, eligible=tuple(codes), eligible_given=given,
        exclude=tuple(exclude), minimum=merged.get("min", BoundSpec()),
        maximum=merged.get("max", BoundSpec()), locks=dict(merged.get("locks", {})),
        capacity=merged.get("capacity"), step=merged.get("step", 1.0),
        objective=merged.get("objective", "quota"), method=merged.get("method", "optimal"),
        note=merged.get("note", ""),
    )


def _costs(w: _Where, value: Any, key: str, allowed: set[str]) -> dict[str, float]:
    if not isinstance(value, Mapping) or not value:
        raise w.fail(key, f"expected target id → unit cost, got {_show(value)}")
    out = {}
    for raw_tid, cost in value.items():
        tid = _target_id_text(w, raw_tid, key)
        if tid in out:
            raise w.fail(_join(key, tid), f"target {tid} is costed twice; give it once")
        if tid not in allowed:
            close = difflib.get_close_matches(tid, sorted(allowed), n=1)
            tail = f" — did you mean {close[0]}?" if close else ""
            raise w.fail(_join(key, tid), f"not an allocated target{tail}")
        out[tid] = _number(w, cost, _join(key, tid))[0]
    return out


def _read_budget(w, raw, regions, known, rules, coverage) -> BudgetRule | None:
    if raw is None:
        return None
    raw = w.keys(raw, BUDGET_KEYS, "plan_rules.budget")
    key = "plan_rules.budget"
    costs = _costs(w, raw.get("costs"), _join(key, "costs"), set(rules) | set(coverage))
    per_region = raw.get("per_region")
    if isinstance(per_region, str):
        per_region = _indicator_name(w, per_region, _join(key, "per_region"), known)
    elif per_region is not None:
        per_region = _per_region_numbers(w, regions, per_region, _join(key, "per_region"))
    province = raw.get("province")
    if province is not None:
        province = _number(w, province, _join(key, "province"))[0]
    if per_region is None and province is None:
        raise w.fail(key, "give per_region (an indicator or region → amount) and/or province")
    return BudgetRule(costs, str(raw.get("currency", "万元")), per_region, province,
                      str(raw.get("note", "")))


def _read_balance(w, raw, known, rules, coverage) -> BalanceRule | None:
    if raw is None:
        return None
    key = "plan_rules.balance"
    raw = w.keys(raw, BALANCE_KEYS, key)
    costs = _costs(w, raw.get("costs"), _join(key, "costs"), set(rules) | set(coverage))
    if "capacity" not in raw:
        raise w.fail(_join(key, "capacity"), "required: the indicator burdens are divided by")
    capacity = _indicator_name(w, raw["capacity"], _join(key, "capacity"), known)
    return BalanceRule(costs, capacity, str(raw.get("note", "")))


def _read_coverage(w, raw, plan, regions, known) -> dict[str, CoverageRule]:
    from minshi_geo.catalogue import UnknownTargetError

    if raw is None:
        return {}
    key = "plan_rules.coverage"
    if not isinstance(raw, Mapping):
        raise w.fail(key, f"expected target id → coverage rule, got {_show(raw)}")
    out = {}
    for raw_tid, rule in raw.items():
        tid = _target_id_text(w, raw_tid, key)
        at = _join(key, tid)
        if tid in out:
            raise w.fail(at, f"target {tid} has two coverage rules; merge them into one")
        try:
            target = plan.target(tid)
        except UnknownTargetError as exc:
            raise w.fail(at, str(exc)) from None
        if target.kind != "rate":
            raise w.fail(at, f"{tid} {target.metric} is a {target.kind} target; coverage rules "
                             "are for rate targets such as 行政村5G通达率")
        rule = w.keys(rule, COVERAGE_KEYS, at)
        for required in ("villages", "covered"):
            if required not in rule:
                raise w.fail(_join(at, required), "required indicator name is missing")
        rate = _rate(w, rule.get("rate", f"{target.quantity}%"), _join(at, "rate"))
        floor = _rate(w, rule.get("floor", 0), _join(at, "floor"))
        if floor > rate:
            raise w.fail(_join(at, "floor"), f"floor {floor:.0%} is above the target rate "
                                             f"{rate:.0%}")
        factors = (_factors(w, rule["factors"], _join(at, "factors"), known)
                   if "factors" in rule else None)
        given = (_region_list(w, regions, rule["eligible"], _join(at, "eligible"))
                 if "eligible" in rule else None)
        exclude = (_region_list(w, regions, rule["exclude"], _join(at, "exclude"))
                   if "exclude" in rule else ())
        codes = tuple(c for c in regions.codes
                      if (given is None or c in given) and c not in exclude)
        out[tid] = CoverageRule(
            target_id=tid, villages=_indicator_name(w, rule["villages"], _join(at, "villages"),
                                                    known),
            covered=_indicator_name(w, rule["covered"], _join(at, "covered"), known),
            rate=rate, floor=floor, factors=factors, unit=str(rule.get("unit", "个行政村")),
            eligible=codes, note=str(rule.get("note", "")),
        )
    return out
