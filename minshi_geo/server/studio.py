"""Scenario studio (province planners): edit a target's rule, see the allocation at once.

An edit is a change to the scenario *file*: the chosen scenario's YAML with the edited targets'
``factors``, ``min``, ``max`` and ``locks`` replaced is written to a private work folder and
read back by :func:`minshi_geo.scenario.load_scenario` — the one validator, whose message names
the key — then allocated by :func:`minshi_geo.allocate.allocate`, the one allocator. The map is
:func:`minshi_geo.maps.allocation.allocation_page`; the comparison
:func:`minshi_geo.allocation.compare`. "Save" keeps the edited YAML as a new scenario under
``DATA/scenarios/``; "publish" hands a saved (or bundled) scenario to
:func:`minshi_geo.server.publish.publish`.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from minshi_geo import atomic, paths
from minshi_geo.errors import MinshiError
from minshi_geo.server import accounts, publish
from minshi_geo.server.app import guarded_router, current_user, render, state_of
from minshi_geo.server.dashboard import MAP_CSP

router = guarded_router("/studio")
RUNS_KEPT = 64
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_lock = threading.Lock()


# ---------------------------------------------------------------------- scenario files
def scenario_files(state) -> dict[str, Path]:
    """Scenarios a planner may start from: bundled ``b:NAME`` and saved ``s:NAME``."""
    found = {f"b:{p.stem}": p for p in sorted(paths.SCENARIOS_DIR.glob("*.yaml"))}
    if state.scenarios_dir.is_dir():
        found.update({f"s:{p.stem}": p for p in sorted(state.scenarios_dir.glob("*.yaml"))})
    return found


def _scenario_path(state, key: str) -> Path:
    path = scenario_files(state).get(str(key))
    if path is None:
        raise HTTPException(404, f"没有方案 {key}")
    return path


def _raw(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise HTTPException(422, f"{path.name} 不是方案文件")
    return raw


def _absolute(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Plan, region set and indicator files that sit next to ``base`` as absolute paths, so the
    edited copy (written elsewhere) reads the same files."""
    out = dict(raw)
    for key in ("plan", "region_set"):
        if key in out and (base / str(out[key])).is_file():
            out[key] = str((base / str(out[key])).resolve())
    files = out.get("indicators")
    if isinstance(files, str):
        files = [files]
    if isinstance(files, list):
        out["indicators"] = [str((base / str(f)).resolve()) if (base / str(f)).is_file()
                             else f for f in files]
    return out


def _form_value(key: str, text: str) -> Any:
    """A min/max form field (``3`` or ``35%``) read as YAML, without aliases: a bomb typed
    into the form would otherwise expand when the value is shown in an error."""
    from minshi_geo import limits

    try:
        return yaml.load(text[:200], Loader=limits.SafeYamlLoader)
    except (yaml.YAMLError, limits.YamlAliasRefused):
        raise ValueError(f"{key}: expected a number or a share like 35%, got "
                         f"{limits.shorten(text, 40)!r}") from None


def apply_edits(raw: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """The scenario mapping with each edited target's factors / min / max / locks replaced.

    ``edits``: ``{target_id: {"factors": {indicator: weight}, "min": text, "max": text,
    "locks": {region_code: number}}}``; ``min``/``max`` are YAML text (``1``, ``"2%"``,
    ``{长春市: 10, default: 1}``), blank = no bound; zero-weight factors are left out.
    """
    out = dict(raw)
    targets = dict(out.get("targets") or {})
    for tid, edit in (edits or {}).items():
        if not isinstance(edit, dict):
            continue
        rule = dict(targets.get(str(tid)) or {})
        factors = {str(k): float(v) for k, v in (edit.get("factors") or {}).items()
                   if v not in (None, "") and float(v) != 0}
        if factors:
            rule["factors"] = factors
        for key in ("min", "max"):
            if key in edit:
                text = str(edit.get(key) or "").strip()
                if text:
                    rule[key] = _form_value(key, text)
                else:
                    rule.pop(key, None)
        if "locks" in edit:
            locks = {str(k): float(v) for k, v in (edit.get("locks") or {}).items()
                     if v not in (None, "")}
            if locks:
                rule["locks"] = {k: int(v) if v.is_integer() else v for k, v in locks.items()}
            else:
                rule.pop("locks", None)
        targets[str(tid)] = rule
    out["targets"] = targets
    return out


def _write_scenario(folder: Path, raw: dict[str, Any], name: str) -> Path:
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return atomic.write_text(folder / f"{name}.yaml", text)


# ---------------------------------------------------------------------- runs
def _runs(state) -> OrderedDict:
    return state.cache.setdefault("studio_runs", OrderedDict())


def _cached(state, kind: str, path: Path, make):
    """``make(path)`` once per file version (path, mtime, size); the last 8 kept."""
    stamp = (kind, str(path), path.stat().st_mtime_ns, path.stat().st_size)
    with _lock:
        cache = state.cache.setdefault("studio_files", OrderedDict())
        if stamp in cache:
            return cache[stamp]
    value = make(path)
    with _lock:
        cache[stamp] = value
        while len(cache) > 8:
            cache.popitem(last=False)
    return value


def loaded_scenario(state, path: Path):
    from minshi_geo.scenario import load_scenario

    return _cached(state, "scenario", path, load_scenario)


def _baseline(state, key: str, path: Path):
    """The unedited scenario's allocation (for 与原方案比较), cached by file version."""
    from minshi_geo.allocate import allocate

    return _cached(state, "allocation", path,
                   lambda p: allocate(loaded_scenario(state, p), robustness=None))


def warm(state, key: str = "b:jilin-2023-baseline") -> None:
    """Load and allocate the default scenario and simplify the map shapes before the first
    planner asks (a cold studio run would otherwise wait for them)."""
    from minshi_geo.maps.regions_view import map_regions

    path = _scenario_path(state, key)
    _baseline(state, key, path)
    _shapes(state, map_regions(loaded_scenario(state, path).regions))


def edited_scenario(state, key: str, edits: dict[str, Any]):
    """The scenario with ``edits`` applied, validated by the scenario resolver (the same one a
    YAML file or a workbook goes through), relative names resolved next to the original file."""
    import hashlib
    import json

    from minshi_geo.scenario import scenario_from_mapping

    path = _scenario_path(state, key)
    raw = apply_edits(_cached(state, "raw", path, _raw), edits)  # apply_edits copies
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    return path, scenario_from_mapping(raw, path, hashlib.sha256(text.encode()).hexdigest())


def run_edits(state, key: str, edits: dict[str, Any]) -> dict[str, Any]:
    """Allocate the edited scenario; what the studio page shows (JSON-ready)."""
    from minshi_geo.allocation import compare

    started = time.perf_counter()
    try:
        path, scenario = edited_scenario(state, key, edits)
        base = _baseline(state, key, path)
        allocation = allocate_edited(scenario, base, [str(t) for t in edits])
    except (MinshiError, ValueError, TypeError) as exc:
        return {"ok": False, "error": str(exc), "hint": getattr(exc, "hint", None)}
    diff = compare(base, allocation)
    token = uuid.uuid4().hex
    with _lock:
        runs = _runs(state)
        runs[token] = {"allocation": allocation, "scenario": scenario, "key": key}
        while len(runs) > RUNS_KEPT:
            runs.popitem(last=False)
    changed = diff[diff["change"].fillna(0) != 0]
    return {
        "ok": True, "token": token, "runtime_s": round(time.perf_counter() - started, 3),
        "engine": allocation.meta.get("engine"),
        "rows": _rows(allocation, base),
        "explanation": _explanation(allocation, [str(t) for t in edits]),
        "changes": changed.head(40).fillna("").to_dict("records"),
        "changed_count": int(len(changed)),
    }


def allocate_edited(scenario, base, edited: list[str]):
    """The edited scenario's allocation, re-solving only the edited targets.

    Targets are split independently unless a plan rule (budget, balance, coverage) couples
    them, so the unedited targets' rows are the baseline's own rows: the result equals
    ``allocate(scenario)`` (``tests/test_server_studio.py`` checks this). With a plan rule,
    or when the baseline lacks an edited target, the whole scenario is allocated.
    """
    import dataclasses

    import pandas as pd

    from minshi_geo.allocate import allocate
    from minshi_geo.allocation import Allocation

    ids = [t for t in dict.fromkeys(edited) if t in scenario.rules]
    coupled = scenario.budget or scenario.balance or scenario.coverage
    if coupled or not ids or not set(ids) <= set(base.target_ids):
        return allocate(scenario, robustness=None)
    part = allocate(dataclasses.replace(scenario, rules={t: scenario.rules[t] for t in ids}),
                    robustness=None)
    order = {t: i for i, t in enumerate(base.target_ids)}

    def merged(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
        if old.empty or "target_id" not in old.columns:
            return new
        frame = pd.concat([old[~old["target_id"].isin(ids)], new], ignore_index=True)
        frame = frame.sort_values("target_id", key=lambda s: s.map(order), kind="stable")
        return frame.reset_index(drop=True)

    meta = {**base.meta, **{k: v for k, v in part.meta.items() if k != "factors"},
            "factors": {**base.meta.get("factors", {}), **part.meta.get("factors", {})}}
    return Allocation(table=merged(base.table, part.table), meta=meta,
                      factor_values=base.factor_values.combine_first(part.factor_values),
                      explanation=merged(base.explanation, part.explanation))


def _rows(allocation, base) -> list[dict[str, Any]]:
    table = allocation.table
    old = base.table.set_index(["target_id", "region_code"])["quantity"]
    out = []
    for r in table.itertuples(index=False):
        before = old.get((r.target_id, r.region_code))
        out.append({
            "target_id": r.target_id, "metric": r.metric, "region_code": r.region_code,
            "region_name": r.region_name, "quantity": float(r.quantity), "unit": r.unit,
            "quota": _num(r.quota), "share": _num(r.share), "lower": _num(r.lower),
            "upper": _num(r.upper), "locked": bool(r.locked), "basis": str(r.basis or ""),
            "baseline": None if before is None else float(before),
        })
    return out


EXPLAIN_COLUMNS = ("target_id", "region_name", "factor_label", "weight", "value", "factor_unit",
                   "factor_share", "weighted_share", "share", "quota", "capped_quota",
                   "rule_note", "rounding_note", "quantity", "proxy_caveat")


def _explanation(allocation, ids: list[str]) -> list[dict[str, Any]]:
    """测算说明 rows (the allocator's explanation table) of the edited targets."""
    table = allocation.explanation
    if table.empty:
        return []
    rows = table[table["target_id"].isin(ids)]
    cols = [c for c in EXPLAIN_COLUMNS if c in rows.columns]
    out = rows[cols].astype(object).where(rows[cols].notna(), None)
    return out.to_dict("records")


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if f != f else round(f, 4)


# ---------------------------------------------------------------------- routes
@router.get("", response_class=HTMLResponse)
def studio(request: Request, scenario: str = "b:jilin-2023-baseline"):
    state = state_of(request)
    path = _scenario_path(state, scenario)
    loaded = loaded_scenario(state, path)
    raw_targets = (_raw(path).get("targets") or {})
    known = sorted(set(loaded.indicators["indicator"]))
    targets = []
    for tid, rule in loaded.rules.items():
        t = loaded.plan.target(tid)
        raw_rule = raw_targets.get(tid) or {}
        targets.append({
            "id": tid, "metric": t.metric, "quantity": t.quantity, "unit": t.unit,
            "factors": rule.factors, "min": _yaml_text(raw_rule.get("min")),
            "max": _yaml_text(raw_rule.get("max")), "locks": dict(rule.locks),
        })
    regions = [(c, loaded.regions.name_of(c)) for c in loaded.regions.codes]
    from minshi_geo.escape import js_literal

    return render(request, "studio.html", scenarios=list(scenario_files(state)),
                  scenario_key=scenario, scenario=loaded, targets=targets, indicators=known,
                  regions=regions, current=state.current().publication,
                  targets_json=js_literal(targets))


def _yaml_text(value: Any) -> str:
    if value is None:
        return ""
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True).strip() \
        .removesuffix("...").strip()


async def _json(request: Request) -> dict[str, Any]:
    if "application/json" not in request.headers.get("content-type", ""):
        raise HTTPException(415, "请求格式错误：需要 JSON")
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "请求格式错误") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "请求格式错误")
    return body


@router.post("/run")
async def studio_run(request: Request):
    from starlette.concurrency import run_in_threadpool

    body = await _json(request)
    state = state_of(request)
    result = await run_in_threadpool(run_edits, state, str(body.get("scenario")),
                                     body.get("edits") or {})
    return JSONResponse(result, status_code=200 if result["ok"] else 422)


@router.get("/map/{token}", response_class=HTMLResponse)
def studio_map(request: Request, token: str, target: str | None = None):
    from minshi_geo.maps.allocation import allocation_page
    from minshi_geo.maps.page import render_page

    run = _runs(state_of(request)).get(token)
    if run is None:
        raise HTTPException(404, "测算结果已过期，请重新测算")
    allocation, scenario = run["allocation"], run["scenario"]
    if target and target in allocation.target_ids:
        from minshi_geo.allocation import Allocation

        allocation = Allocation(table=allocation.target(target), meta=allocation.meta,
                                factor_values=allocation.factor_values)
    data, view = allocation_page(allocation, scenario.regions)
    shapes = _shapes(state_of(request), view)
    return HTMLResponse(render_page(data, shapes, view),
                        headers={"Content-Security-Policy": MAP_CSP})


def _shapes(state, view):
    from minshi_geo.maps.geometry import region_shapes

    key = ("shapes", tuple(view.codes))
    cache = state.cache.setdefault("shapes", {})
    if key not in cache:
        cache[key] = region_shapes(view.frame, view.codes)
    return cache[key]


@router.post("/save")
async def studio_save(request: Request):
    from starlette.concurrency import run_in_threadpool

    body = await _json(request)
    state = state_of(request)
    user = current_user(request)
    name = str(body.get("name") or "").strip().lower()
    title = str(body.get("title") or "").strip()
    if not NAME_RE.match(name):
        raise HTTPException(422, "方案代号只能用小写字母、数字和连字符（2–63 个字符）")
    if not title:
        raise HTTPException(422, "请填写方案名称")
    key = str(body.get("scenario"))
    path = _scenario_path(state, key)
    target = state.scenarios_dir / f"{name}.yaml"
    if target.exists() or (paths.SCENARIOS_DIR / f"{name}.yaml").exists():
        raise HTTPException(409, f"方案 {name} 已存在，请换一个代号（已保存的方案不覆盖）")
    raw = apply_edits(_absolute(_raw(path), path.parent), body.get("edits") or {})
    raw.update(scenario=name, title=title)
    raw["description"] = f"由 {user.username} 在测算工作台中基于 {path.stem} 修改"
    from minshi_geo.scenario import load_scenario

    check = state.work_dir / "studio" / uuid.uuid4().hex
    check.mkdir(parents=True, exist_ok=True)
    await run_in_threadpool(load_scenario, _write_scenario(check, raw, name))  # validate first
    state.scenarios_dir.mkdir(parents=True, exist_ok=True)
    saved = _write_scenario(state.scenarios_dir, raw, name)
    from minshi_geo.scenario_workbook import write_scenario_workbook

    await run_in_threadpool(write_scenario_workbook, saved, saved.with_suffix(".xlsx"))
    shutil.rmtree(check, ignore_errors=True)
    accounts.audit(state.store, user.username, "save_scenario", None, scenario=name,
                   based_on=path.stem, edits=body.get("edits") or {})
    return JSONResponse({"ok": True, "scenario": f"s:{name}"})


@router.get("/workbook/{key}")
def studio_workbook(request: Request, key: str):
    """The scenario as a workbook (规则 / 方案 / 说明): made at save, or now for a bundled one."""
    from fastapi.responses import FileResponse

    from minshi_geo.scenario_workbook import write_scenario_workbook

    state = state_of(request)
    path = _scenario_path(state, key)
    book = path.with_suffix(".xlsx")
    if not book.is_file():
        book = state.work_dir / "workbooks" / f"{path.stem}.xlsx"
        book.parent.mkdir(parents=True, exist_ok=True)
        write_scenario_workbook(path, book)
    return FileResponse(book, filename=f"{path.stem}.xlsx")


@router.post("/publish")
async def studio_publish(request: Request):
    from starlette.concurrency import run_in_threadpool

    body = await _json(request)
    state = state_of(request)
    user = current_user(request)
    path = _scenario_path(state, str(body.get("scenario")))
    pub = await run_in_threadpool(publish.publish, state.store, state.published_dir, path,
                                  user.username)
    return JSONResponse({"ok": True, "version": pub.version, "label": pub.label})
