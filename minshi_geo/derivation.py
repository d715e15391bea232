"""The Chinese wording of a number's derivation, read from an allocation's explanation table.

One place for how the 测算说明 reads — ``minshi-geo explain``, the 测算说明 sheets and the
allocation map all call these; none of them recomputes anything: every figure comes from
``explanation.csv`` / ``robustness.csv`` (allocate/explain.py, allocate/robustness.py).

``cells(allocation)`` → one :class:`Cell` per target × region (the factor rows folded in);
``Cell.formula`` → ``150 × (0.5 × 9,066,906 / 24,012,307 + 0.5 × 24,729.8 / 191,007.4) =
38.03 → 38 座``; ``Cell.range_text`` → ``区间 35–41 座``; ``Cell.lines()`` the whole story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from minshi_geo.allocate.explain import RULE_LABELS
from minshi_geo.errors import MinshiError



class ExplanationMissingError(MinshiError):
    """The allocation folder has no explanation.csv (written before explanations existed)."""


@dataclass(frozen=True)
class Factor:
    name: str
    label: str
    unit: str
    weight: float
    value: float
    total: float
    share: float
    weighted: float
    source: str


@dataclass(frozen=True)
class Cell:
    """One target × region, as the explanation table tells it."""

    target_id: str
    metric: str
    unit: str
    region_code: str
    region_name: str
    factors: tuple[Factor, ...]
    share: float
    total: float
    total_note: str
    quota: float
    capped_quota: float
    lower: float
    upper: float
    rule: str
    rule_note: str
    rounding_note: str
    quantity: float
    proxy_caveat: str
    low: float | None = None
    high: float | None = None
    median: float | None = None
    draws: int = 0
    varied: bool = False

    @property
    def basis(self) -> str:
        """常住人口×0.5 ＋ 面积×0.5"""
        return " ＋ ".join(f"{f.label}×{f.weight:g}" for f in self.factors)

    @property
    def formula(self) -> str:
        """``T × (w × v / Σv + …) = quota → [capped →] quantity unit``."""
        parts = [f"{num(f.weight)} × {num(f.value)} / {num(f.total)}" for f in self.factors]
        inner = " + ".join(parts)
        if len(parts) == 1 and self.factors[0].weight == 1:
            inner = f"{num(self.factors[0].value)} / {num(self.factors[0].total)}"
        head = (f"{num(self.total)} × ({inner}) = {num(self.quota, 2)}"
                if self.factors and not _isnan(self.factors[0].value)
                else f"{num(self.total)} × {pct(self.share)} = {num(self.quota, 2)}")
        if self.rule not in ("none",) and abs(self.capped_quota - self.quota) > 5e-3:
            head += f" → {RULE_LABELS.get(self.rule, self.rule)} {num(self.capped_quota, 2)}"
        return f"{head} → {num(self.quantity)} {self.unit}"

    @property
    def result(self) -> str:
        """``150 × 25.35% = 38.03 → 38 座`` — the formula folded to the share (tooltips)."""
        text = f"{num(self.total)} × {pct(self.share)} = {num(self.quota, 2)}"
        if self.rule != "none" and abs(self.capped_quota - self.quota) > 5e-3:
            text += f" → {num(self.capped_quota, 2)}"
        return f"{text} → {num(self.quantity)} {self.unit}"

    @property
    def rule_label(self) -> str:
        """下限 · 锁定 · 无（按因素份额）…"""
        return RULE_LABELS.get(self.rule, self.rule)

    @property
    def range_text(self) -> str:
        """``区间 35–41 座`` (5th–95th percentile), ``无权重变动`` for a single factor."""
        if not self.varied or self.low is None:
            return "单一因素（无权重变动）"
        if self.low == self.high:
            return f"区间 {num(self.low)} {self.unit}（不随权重变动）"
        return f"区间 {num(self.low)}–{num(self.high)} {self.unit}"

    @property
    def short(self) -> str:
        """``38 座, 区间 35–41`` — what a tooltip shows."""
        if self.varied and self.low is not None:
            span = num(self.low) if self.low == self.high else f"{num(self.low)}–{num(self.high)}"
            return f"{num(self.quantity)} {self.unit}, 区间 {span}"
        return f"{num(self.quantity)} {self.unit}"

    def share_lines(self) -> list[str]:
        out = []
        for f in self.factors:
            unit = f" {f.unit}" if f.unit else ""
            out.append(f"{f.label}：{num(f.value)}{unit} / 合计 {num(f.total)}{unit} = "
                       f"{pct(f.share)}，× 权重 {f.weight:g} = {pct(f.weighted)}")
        return out

    def sources(self) -> list[str]:
        return [f"{f.label}：{f.source}" for f in self.factors if f.source]

    def lines(self, robustness_note: str = "") -> list[str]:
        """The whole derivation, one statement a line."""
        out = [f"{self.target_id} {self.metric} · {self.region_name}："
               f"{num(self.quantity)} {self.unit}",
               f"测算依据：{self.basis}"]
        out += [f"  {s}" for s in self.share_lines()]
        out.append(f"  份额合计 {pct(self.share)}")
        if self.total_note:
            out.append(f"总量：{self.total_note}")
        out.append(f"公式：{self.formula}")
        out.append(f"规则：{self.rule_note}" + _bounds(self))
        out.append(f"取整：{self.rounding_note}")
        out += [f"来源：{s}" for s in self.sources()]
        if self.proxy_caveat:
            out.append(f"说明：{self.proxy_caveat}")
        out.append(f"敏感性：{self.range_text}" + (f"（{robustness_note}）"
                                                 if robustness_note and self.varied else ""))
        return out


def _bounds(c: Cell) -> str:
    parts = []
    if c.lower and c.rule != "lock":
        parts.append(f"下限 {num(c.lower)} {c.unit}")
    if not _isnan(c.upper) and c.rule != "lock":
        parts.append(f"上限 {num(c.upper)} {c.unit}")
    return f"（{'，'.join(parts)}）" if parts else ""


def sweep_note(meta: dict) -> str:
    """How the range was drawn, for one line under a table or after 敏感性."""
    r = meta.get("robustness") or {}
    if not r:
        return ""
    return (f"权重在方案权重附近随机变动 {int(r.get('draws', 0)):,} 次（狄利克雷分布，集中度 "
            f"{r.get('concentration', 0):g}，随机种子 {r.get('seed')}），区间为第5–95百分位")


def cells(allocation) -> list[Cell]:
    """Every target × region of ``allocation`` in explanation order."""
    expl = allocation.explanation
    if expl is None or expl.empty:
        raise ExplanationMissingError(
            "allocation folder has no explanation.csv (written by an older minshi-geo)",
            hint="run `minshi-geo allocate SCENARIO --out DIR` again")
    ranges = {}
    rob = allocation.robustness
    if rob is not None and not rob.empty:
        ranges = {(str(r["target_id"]), str(r["region_code"])): r for r in _records(rob)}
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in _records(expl):  # one pass: per-group DataFrame access is slow
        groups.setdefault((str(r["target_id"]), str(r["region_code"])), []).append(r)
    return [_cell(tid, code, rows, ranges.get((tid, code))) for (tid, code), rows in
            groups.items()]


def _records(frame) -> list[dict]:
    """``frame.to_dict("records")`` (the same Python values), built from one ``tolist()``
    per column: ~5× faster on the ~280,000 rows of a national county plan."""
    columns = list(frame.columns)
    return [dict(zip(columns, row)) for row in zip(*(frame[c].tolist() for c in columns))]


def _cell(tid: str, code: str, rows: list[dict], rng: dict | None) -> Cell:
    first = rows[0]
    factors = tuple(
        Factor(name=str(r["factor"]), label=_short_label(_text(r["factor_label"])),
               unit=_text(r["factor_unit"]), weight=float(r["weight"]), value=float(r["value"]),
               total=float(r["factor_total"]), share=float(r["factor_share"]),
               weighted=float(r["weighted_share"]), source=_source(r))
        for r in rows
    )
    kw = {}
    if rng is not None:
        kw = {"low": float(rng["low"]), "high": float(rng["high"]),
              "median": float(rng["median"]), "draws": int(rng["draws"]),
              "varied": _truthy(rng["varied"])}
    return Cell(
        target_id=tid, metric=_text(first["metric"]), unit=_text(first["unit"]),
        region_code=code, region_name=_text(first["region_name"]), factors=factors,
        share=float(first["share"]), total=float(first["total"]),
        total_note=_text(first["total_note"]), quota=float(first["quota"]),
        capped_quota=float(first["capped_quota"]), lower=float(first["lower"]),
        upper=float(first["upper"]), rule=_text(first["rule"]),
        rule_note=_text(first["rule_note"]), rounding_note=_text(first["rounding_note"]),
        quantity=float(first["quantity"]), proxy_caveat=_text(first["proxy_caveat"]), **kw,
    )


def _short_label(label: str) -> str:
    """常住人口（2020年人口普查） → 常住人口 (the long form is in the sources line)."""
    return label.split("（")[0] or label


def _source(r: dict) -> str:
    title, year = _text(r.get("source_title")), _text(r.get("source_year"))
    derivation, url = _text(r.get("derivation")), _text(r.get("source_url"))
    parts = [p for p in (title, f"{year}年" if year else "", derivation, url) if p]
    return "，".join(parts)


def _truthy(v) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def num(v: float | None, digits: int | None = None) -> str:
    """9,066,906 · 24,729.8 · 38.03 (``digits`` fixes the decimals)."""
    if v is None or _isnan(float(v)):
        return "—"
    f = float(v)
    if math.isinf(f):
        return "∞"
    if digits is not None:
        return f"{f:,.{digits}f}"
    if abs(f - round(f)) < 1e-9:
        return f"{int(round(f)):,}"
    if abs(f) >= 100:
        return f"{f:,.1f}"
    return f"{f:,.4g}" if abs(f) < 1 else f"{f:,.2f}"


def pct(v: float) -> str:
    if v is None or _isnan(float(v)):
        return "—"
    return f"{float(v) * 100:.2f}%"
