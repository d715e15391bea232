"""What made each number: the explanation table (测算说明), built from what the allocator decided.

``explanation_table(scenario, problems, quantities, coupled)`` returns one tidy long table,
one row per (target × eligible region × factor), saved beside ``allocation.csv`` as
``explanation.csv``. Every output (``explain``, the 测算说明 sheets, the map tooltip) reads it;
none recomputes a share, a bound or a rounding.

The chain a row documents (all in the target's unit unless said):

    factor_share  = value / factor_total                (factor_total: Σ over eligible regions)
    weighted      = weight × factor_share;   share = Σ_factors weighted
    quota         = total × share
    capped_quota  = clip(scale × quota, lower, upper)   (one ``scale`` θ per target; regions
                    at a bound are fixed, the others are rescaled so the total still adds up)
    rounding      = largest remainder in step units: every region gets ⌊capped/step⌋
                    (``floor_steps``), the ``units_left`` steps left go to the largest
                    ``remainder`` (ties: lower region code) → ``extra_steps`` 0/1
    rounded       = step × (floor_steps + extra_steps)   (the target on its own)
    quantity      = rounded, unless a rule coupling targets (budget / balance) moved it

Column reference: docs/ARCHITECTURE.md, "Explanation and robustness".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from minshi_geo.allocate import apportion
from minshi_geo.indicators import indicator_label

EXPLANATION_FILE = "explanation.csv"

EXPLANATION_COLUMNS: list[str] = [
    "target_id", "metric", "unit", "region_code", "region_name",
    # the basis
    "factor", "factor_label", "factor_unit", "weight", "value", "factor_total",
    "factor_share", "weighted_share", "share",
    # quota → capped quota
    "total", "total_note", "quota", "scale", "lower", "upper", "capped_quota", "rule",
    "rule_note",
    # rounding
    "step", "method", "objective", "capped_steps", "floor_steps", "remainder",
    "remainder_rank", "units_left", "extra_steps", "rounded", "quantity", "rounding_note",
    # sources and caveats
    "source_title", "source_year", "source_url", "derivation", "proxy", "proxy_caveat",
]

RULE_LABELS = {
    "none": "无（按因素份额）",
    "scaled": "同比调整（其他地区受约束）",
    "minimum": "下限",
    "maximum": "上限",
    "capacity": "容量上限",
    "lock": "锁定",
    "budget": "预算约束",
    "balance": "均衡约束",
}

_EPS = 1e-9


def explanation_table(scenario, problems, quantities: dict[str, np.ndarray],
                      coupled: dict[str, str] | None = None, whole: str = "全省") -> pd.DataFrame:
    """The explanation rows of every problem (targets in ``problems`` order, regions in
    region-set order). ``coupled`` maps a target id to the plan rule that couples it
    (``budget`` | ``balance``); ``whole`` names what the total belongs to in the rounding
    note (全省, or the prefecture a cascade splits among its counties)."""
    coupled = coupled or {}
    order = {c: i for i, c in enumerate(scenario.regions.codes)}
    sources = _sources(scenario.indicators)
    frames = [
        _problem_rows(scenario, p, np.asarray(quantities[p.target_id]),
                      coupled.get(p.target_id), sources, order, whole)
        for p in problems
    ]
    if not frames:
        return pd.DataFrame(columns=EXPLANATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[EXPLANATION_COLUMNS]


def _sources(indicators: pd.DataFrame) -> dict[tuple[str, str], dict]:
    cols = [c for c in ("source_title", "year", "source_url", "derivation") if c in indicators]
    first = indicators.drop_duplicates(["region_code", "indicator"])
    return {
        (r["region_code"], r["indicator"]): {c: r[c] for c in cols}
        for r in first[["region_code", "indicator", *cols]].to_dict("records")
    }


def scale_of(p) -> float:
    """θ: capped = clip(θ·quota, lower, upper). 1 when no quota breaks a bound; otherwise
    taken from the unquantised water-filling over the regions strictly inside their bounds."""
    lo_s, hi_s = p.step_bounds()
    lo = lo_s.astype(float)
    hi = np.where(hi_s >= np.iinfo(np.int64).max // 4, np.inf, hi_s.astype(float))
    q = p.shares * p.units
    if np.all((q >= lo - _EPS) & (q <= hi + _EPS)):
        return 1.0
    x = apportion.capped_quota(q, float(p.units), lo, hi)
    free = (x > lo + _EPS) & (x < hi - _EPS) & (q > 0)
    if not free.any():
        return 1.0
    return float(x[free].sum() / q[free].sum())


def _rule(p, i: int, scaled: float, capped: float, lo: float, hi: float, theta: float,
          coupled: str | None, moved: bool) -> tuple[str, str]:
    unit = p.unit
    if coupled and moved:
        return coupled, f"{RULE_LABELS[coupled]}（plan_rules.{coupled}）调整了单独取整的结果"
    if p.locked[i]:
        return "lock", f"锁定为 {_num(p.lock[i])} {unit}（locks）"
    if capped <= lo + _EPS and scaled < lo - _EPS:
        return "minimum", f"下限 {_num(lo)} {unit}：按份额仅 {_num(scaled)} {unit}，提高到下限"
    if capped >= hi - _EPS and scaled > hi + _EPS:
        if np.isfinite(p.capacity[i]) and p.capacity[i] <= p.maximum[i]:
            return ("capacity", f"容量上限 {_num(hi)} {unit}（{p.capacity_name}）：按份额为 "
                                f"{_num(scaled)} {unit}，压到容量")
        return "maximum", f"上限 {_num(hi)} {unit}：按份额为 {_num(scaled)} {unit}，压到上限"
    if abs(theta - 1.0) > 1e-9:
        return ("scaled", f"其他地区受下限/上限/锁定约束，其余地区按份额同比调整"
                          f"（系数 {theta:.6f}）")
    return "none", "未受任何规则调整"


def _problem_rows(scenario, p, x: np.ndarray, coupled: str | None, sources, order,
                  whole: str) -> pd.DataFrame:
    target = scenario.plan.target(p.target_id)
    proxy, caveat = proxy_caveat(target, p.factors)
    quanta = np.array([int(a) for a in p.quanta()], dtype=np.int64)
    Q = apportion.QUANTUM
    floor_steps = quanta // Q
    remainder = (quanta % Q) / Q
    lo_s, hi_s = p.step_bounds()
    rounded_steps = _standalone_rounding(p)
    units_left = int(p.units - floor_steps.sum())
    extra = rounded_steps - floor_steps
    ranks = _remainder_ranks(quanta, floor_steps, hi_s)
    theta = scale_of(p)
    capped = p.capped()
    lower = lo_s * p.step
    upper = np.where(hi_s >= np.iinfo(np.int64).max // 4, np.inf, hi_s * p.step)
    columns = _factor_columns(p, getattr(p, "factor_frame", None))
    total_note = _total_note(p)
    rows = []
    for i in sorted(range(p.n), key=lambda k: order.get(p.codes[k], k)):
        code = p.codes[i]
        rounded = _in_unit(rounded_steps[i], p.step)
        moved = not _close(rounded, float(x[i]))
        rule, rule_note = _rule(p, i, theta * p.quota[i], capped[i], lower[i], upper[i],
                                theta, coupled, moved)
        base = {
            "target_id": p.target_id, "metric": p.metric, "unit": p.unit,
            "region_code": code, "region_name": p.names[i],
            "share": float(p.shares[i]), "total": float(p.total), "total_note": total_note,
            "quota": float(p.quota[i]), "scale": theta, "lower": float(lower[i]),
            "upper": float(upper[i]) if np.isfinite(upper[i]) else np.nan,
            "capped_quota": float(capped[i]), "rule": rule, "rule_note": rule_note,
            "step": float(p.step), "method": p.method, "objective": p.objective,
            "capped_steps": float(quanta[i] / Q), "floor_steps": int(floor_steps[i]),
            "remainder": float(remainder[i]), "remainder_rank": ranks[i],
            "units_left": units_left, "extra_steps": int(extra[i]),
            "rounded": rounded, "quantity": _tidy(x[i]),
            "rounding_note": _rounding_note(p, i, floor_steps, remainder, ranks, extra,
                                            units_left, rounded, x[i], whole),
            "proxy": proxy, "proxy_caveat": caveat,
        }
        for name, weight in p.factors.items():
            rows.append({**base, **_factor_cells(p, i, name, weight, columns[name], sources)})
    return pd.DataFrame(rows)


def _close(a: float, b: float) -> bool:
    """``np.isclose(a, b)`` for two floats (rtol 1e-5, atol 1e-8), without numpy's per-call
    cost: it runs for every explanation row."""
    a, b = float(a), float(b)
    if a == b:
        return True
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-08 + 1e-05 * abs(b)


def _factor_columns(p, frame) -> dict[str, tuple[np.ndarray, float]]:
    """Each factor's values over the problem's regions and their total, once per problem."""
    columns = {}
    for name in p.factors:
        if frame is not None and name in frame.columns:
            col = frame[name].to_numpy(dtype=float)
            columns[name] = (col, float(np.nansum(col)))
        else:  # a derived basis (coverage: villages not yet covered) — the problem's weights
            col = np.asarray(p.weights, float)
            columns[name] = (col, float(col.sum()))
    return columns


def _factor_cells(p, i: int, name: str, weight: float, column: tuple[np.ndarray, float],
                  sources) -> dict:
    code = p.codes[i]
    col, total = column
    value = col[i]
    share = value / total if total > 0 and np.isfinite(value) else np.nan
    label, unit = indicator_label(name)
    src = sources.get((code, name), {})
    if not src and getattr(p, "coverage", None) is not None:
        cov = p.coverage
        a, b = sources.get((code, cov.villages), {}), sources.get((code, cov.covered), {})
        src = {"source_title": "；".join(dict.fromkeys(
                   str(s.get("source_title", "")) for s in (a, b) if s.get("source_title"))),
               "derivation": f"{cov.villages} − {cov.covered}"}
    year = src.get("year")
    return {
        "factor": name, "factor_label": label, "factor_unit": unit, "weight": float(weight),
        "value": float(value) if np.isfinite(value) else np.nan, "factor_total": total,
        "factor_share": share,
        "weighted_share": float(weight * share) if np.isfinite(share) else np.nan,
        "source_title": _text(src.get("source_title")),
        "source_year": "" if year is None or (isinstance(year, float) and math.isnan(year))
        else str(int(year)) if isinstance(year, float) and year.is_integer() else str(year),
        "source_url": _text(src.get("source_url")),
        "derivation": _text(src.get("derivation")),
    }


def _standalone_rounding(p) -> np.ndarray:
    """The target's own rounding of its capped quota, in step units (what the fast path
    returns; for a coupled target what it would be without the coupling)."""
    x = np.asarray(p.fast(), dtype=float)
    return np.rint(x / p.step).astype(np.int64)


def _remainder_ranks(quanta, floor_steps, hi_s) -> list[int | None]:
    """1 = largest remainder among regions that could take one more step (ties: lower code,
    i.e. earlier position). None where the remainder is 0 or the region is at its upper bound."""
    Q = apportion.QUANTUM
    cands = [(-(int(a) % Q), i) for i, a in enumerate(quanta)
             if int(a) % Q and floor_steps[i] < hi_s[i]]
    ranks: list[int | None] = [None] * len(quanta)
    for r, (_, i) in enumerate(sorted(cands), start=1):
        ranks[i] = r
    return ranks


def _rounding_note(p, i, floor_steps, remainder, ranks, extra, units_left, rounded, final,
                   whole: str = "全省") -> str:
    unit, step = p.unit, p.step
    step_text = f"以 {_num(step)} {unit} 为一档，" if step != 1 else ""
    if p.method not in ("optimal", "largest_remainder") or (
            p.method == "optimal" and p.objective == "fair"):
        how = {"fair": "公平取整（最大相对偏差最小）", "webster": "韦伯斯特法",
               "dhondt": "洪德法", "huntington_hill": "亨廷顿-希尔法"}
        name = how.get("fair" if p.method == "optimal" else p.method, p.method)
        return f"{step_text}按{name}取整为 {_num(rounded)} {unit}"
    if p.locked[i]:
        return f"锁定，不参与取整：{_num(rounded)} {unit}"
    base = f"{step_text}整数部分 {_num(floor_steps[i] * step)} {unit}"
    if units_left <= 0:
        text = f"{base}，{whole}无余额"
    elif extra[i] > 0:
        text = (f"{base}；{whole}余 {units_left} 档按余数从大到小分配，本地区余数 "
                f"{remainder[i]:.4f} 排第 {ranks[i]}，得 1 档 → {_num(rounded)} {unit}")
    elif ranks[i] is None:
        why = "余数为 0" if remainder[i] == 0 else "已到上限"
        text = f"{base}；{why}，不得余额"
    else:
        text = (f"{base}；{whole}余 {units_left} 档按余数从大到小分配，本地区余数 "
                f"{remainder[i]:.4f} 排第 {ranks[i]}，未得余额")
    if not _close(rounded, float(final)):
        text += f"；耦合规则调整为 {_num(final)} {unit}"
    return text


def _total_note(p) -> str:
    cov = getattr(p, "coverage", None)
    if cov is None:
        return ""
    return (f"覆盖率规则：全省达到 {cov.rate:.0%}、各地不低于 {cov.floor:.0%}，"
            f"需新增 {_num(p.total)} {p.unit}（{cov.villages}、{cov.covered}）")


def proxy_caveat(target, factors: dict[str, float]) -> tuple[bool, str]:
    """(is the basis a proxy?, the Chinese caveat naming the basis, with the catalogue's note)."""
    note = (getattr(target, "basis_note", None) or "").strip()
    if not note:
        return False, ""
    lowered = note.lower()
    proxy = any(w in lowered for w in ("proxy", "not available", " used", "代理", "替代"))
    if not proxy:
        return False, ""
    basis = "＋".join(f"{indicator_label(k)[0]}×{v:g}" for k, v in factors.items())
    return True, (f"代理指标：理想测算依据暂无全部地区的统一统计数据，本次按 {basis} 测算"
                  f"（目录说明：{note}）")


def _in_unit(steps: int, step: float):
    v = steps * step
    return int(round(v)) if float(step).is_integer() else float(round(v, 10))


def _tidy(v):
    f = float(v)
    return int(f) if f.is_integer() else f


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def _num(v: float) -> str:
    f = float(v)
    if math.isinf(f):
        return "∞"
    return f"{int(round(f)):,}" if abs(f - round(f)) < 1e-9 else f"{f:,.2f}"
