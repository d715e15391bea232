"""What the allocation map says about how each number was made (tooltip rows, detail rows).

Read from the allocation's explanation and robustness tables through
:mod:`minshi_geo.derivation`; the page shows these strings with ``textContent`` only.
"""

from __future__ import annotations

from minshi_geo.allocation import Allocation
from minshi_geo.derivation import Cell, ExplanationMissingError, cells, pct, sweep_note

NOT_TAKING_PART = "不参与"


def explained_cells(allocation: Allocation) -> list[Cell]:
    """Every target × region's derivation (read once per map: ~280,000 for a national
    county plan), empty when the allocation has no explanation (an older folder)."""
    try:
        return cells(allocation)
    except ExplanationMissingError:
        return []


def explanation_rows(
    allocation: Allocation, codes: list[str], every: list[Cell]
) -> dict[str, dict[str, list]]:
    """``{target_id: {"tips": [[heading, [cell per region]]…], "detail": […], "caveat": str,
    "sweep": str}}``, cells in ``codes`` order; empty when ``every`` (the allocation's
    :func:`explained_cells`) is."""
    if not every:
        return {}
    note = sweep_note(allocation.meta)
    by_target: dict[str, dict[str, Cell]] = {}
    for c in every:
        by_target.setdefault(c.target_id, {})[c.region_code] = c
    out = {}
    for tid, per_region in by_target.items():
        row = [per_region.get(code) for code in codes]

        def each(text_of, row=row):
            return [NOT_TAKING_PART if c is None else text_of(c) for c in row]

        first = next(c for c in row if c is not None)
        tips = [[f"{f.label}份额", each(lambda c, k=k: _factor_share(c, k))]
                for k, f in enumerate(first.factors)]
        tips += [
            ["测算结果", each(lambda c: c.result)],
            ["适用规则", each(lambda c: c.rule_label)],
            ["敏感性", each(lambda c: c.short if c.varied else c.range_text)],
        ]
        if any(c is not None and c.proxy_caveat for c in row):
            tips.append(["说明", each(lambda c: "代理指标（详见测算说明）"
                                      if c.proxy_caveat else "—")])
        # per region only what differs by region; the basis, the caveat and the sweep note
        # are the target's (layer keys), the sources the indicator's (facts): the page of a
        # whole plan stays small
        detail = [
            ["各因素份额", each(lambda c: "；".join(
                f"{f.label} {pct(f.share)} × {f.weight:g}" for f in c.factors))],
            ["公式", each(lambda c: c.formula)],
            ["适用规则", each(lambda c: c.rule_note)],
            ["取整", each(lambda c: c.rounding_note)],
            ["敏感性", each(lambda c: c.range_text)],
        ]
        out[tid] = {"tips": tips, "detail": detail, "caveat": first.proxy_caveat,
                    "sweep": note if any(c is not None and c.varied for c in row) else ""}
    return out


def _factor_share(c: Cell, k: int) -> str:
    """``37.76% × 0.5`` (``37.66%`` for a single factor)."""
    f = c.factors[k] if k < len(c.factors) else None
    if f is None:
        return "—"
    return pct(f.share) + (f" × {f.weight:g}" if len(c.factors) > 1 else "")


def source_rows(every: list[Cell], codes: list[str]) -> dict[str, list[str]]:
    """``{indicator: [source of the region's value, per region]}`` ("" where none)."""
    out: dict[str, dict[str, str]] = {}
    for c in every:
        for f in c.factors:
            out.setdefault(f.name, {}).setdefault(c.region_code, f.source)
    return {name: [by.get(code, "") for code in codes] for name, by in out.items()}
