"""Why a cell changed between two allocations: which input differs (``compare A B``).

Read from the two explanation tables (allocate/explain.py); nothing is re-solved. For each
target × region the inputs are compared in the order a planner would check them — taking
part, the target's total, the weights, this region's factor values, the other regions' values
(their totals), this region's bounds or lock, the step and rounding rule, the other regions'
bounds (the scale θ) — and every difference found is named, in Chinese:

    权重 常住人口 0.5→0.6、面积 0.5→0.4
    本地区 常住人口 9,066,906→9,100,000
    下限 1→5 座

A changed cell whose inputs are all equal changed through rounding alone (other regions'
remainders moved) — said so; without explanation tables the reason is left empty.
"""

from __future__ import annotations

import math

import pandas as pd

from minshi_geo.derivation import num

NO_EXPLANATION = ""


def _region_rows(allocation) -> dict[tuple[str, str], list[dict]]:
    expl = getattr(allocation, "explanation", None)
    if expl is None or expl.empty:
        return {}
    out: dict[tuple[str, str], list[dict]] = {}
    for r in expl.to_dict("records"):
        out.setdefault((str(r["target_id"]), str(r["region_code"])), []).append(r)
    return out


def _differs(a, b, rel: float = 1e-9) -> bool:
    fa, fb = _float(a), _float(b)
    if fa is None or fb is None:
        return (fa is None) != (fb is None)
    return not math.isclose(fa, fb, rel_tol=rel, abs_tol=1e-12)


def _float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _weights(rows: list[dict]) -> dict[str, float]:
    return {str(r["factor"]): float(r["weight"]) for r in rows}


def _label(rows: list[dict], factor: str) -> str:
    for r in rows:
        if str(r["factor"]) == factor:
            return str(r.get("factor_label") or factor).split("（")[0]
    return factor


def cell_reasons(a_rows: list[dict] | None, b_rows: list[dict] | None) -> str:
    """The inputs that differ for one target × region (Chinese, joined by ；)."""
    if a_rows is None and b_rows is None:
        return NO_EXPLANATION
    if a_rows is None or b_rows is None:
        return "参与地区变化（eligible / exclude）：" + ("B 新增本地区" if a_rows is None
                                                     else "B 不再包括本地区")
    a, b = a_rows[0], b_rows[0]
    unit = str(b.get("unit") or "")
    if b["rule"] == "lock" and (a["rule"] != "lock" or _differs(a["lower"], b["lower"])):
        return f"锁定为 {num(b['lower'])} {unit}（locks）"  # nothing else counts then
    out = []
    if _differs(a["total"], b["total"]):
        out.append(f"总量 {num(a['total'])}→{num(b['total'])} {unit}")
    wa, wb = _weights(a_rows), _weights(b_rows)
    if wa.keys() != wb.keys() or any(_differs(wa[k], wb[k]) for k in wa):
        keys = list(dict.fromkeys([*wa, *wb]))
        out.append("权重 " + "、".join(
            f"{_label(a_rows + b_rows, k)} {wa.get(k, 0):g}→{wb.get(k, 0):g}" for k in keys
            if _differs(wa.get(k, 0), wb.get(k, 0))))
    fa = {str(r["factor"]): r for r in a_rows}
    fb = {str(r["factor"]): r for r in b_rows}
    for k in fa.keys() & fb.keys():
        label = _label(b_rows, k)
        if _differs(fa[k]["value"], fb[k]["value"]):
            out.append(f"本地区 {label} {num(fa[k]['value'])}→{num(fb[k]['value'])}")
        elif _differs(fa[k]["factor_total"], fb[k]["factor_total"]):
            out.append(f"其他地区的 {label} 数值变化（合计 {num(fa[k]['factor_total'])}→"
                       f"{num(fb[k]['factor_total'])}）")
    for col, word in (("lower", "下限"), ("upper", "上限")):
        if _differs(a[col], b[col]):
            out.append(f"{word} {_bound(a[col])}→{_bound(b[col])} {unit}")
    if a["rule"] == "lock" and b["rule"] != "lock":
        out.append("取消锁定")
    if _differs(a["step"], b["step"]):
        out.append(f"取整档 {num(a['step'])}→{num(b['step'])} {unit}")
    for col, word in (("method", "取整方法"), ("objective", "取整目标")):
        if str(a[col]) != str(b[col]):
            out.append(f"{word} {a[col]}→{b[col]}")
    if not out and _differs(a["scale"], b["scale"], rel=1e-6):
        out.append(f"其他地区的上下限/锁定变化（同比系数 {float(a['scale']):.4f}→"
                   f"{float(b['scale']):.4f}）")
    coupled = ("budget", "balance")
    if not out and (str(a["rule"]) in coupled or str(b["rule"]) in coupled):
        out.append("耦合规则（预算/均衡）调整")
    if not out:
        out.append("输入相同：其他地区的余数变化改变了取整")
    return "；".join(out)


def _bound(v) -> str:
    f = _float(v)
    return "无" if f is None else num(f)


def change_reasons(a, b, diff: pd.DataFrame) -> pd.Series:
    """One reason per row of ``allocation.compare(a, b)`` (empty where unchanged)."""
    left, right = _region_rows(a), _region_rows(b)
    if not left or not right:  # a folder from before explanations: nothing to compare
        return pd.Series([NO_EXPLANATION] * len(diff), index=diff.index, dtype=object)
    out = []
    for tid, code, change in zip(diff["target_id"], diff["region_code"], diff["change"]):
        if pd.isna(change) or change == 0:
            out.append("")
            continue
        key = (str(tid), str(code))
        out.append(cell_reasons(left.get(key), right.get(key)))
    return pd.Series(out, index=diff.index, dtype=object)
