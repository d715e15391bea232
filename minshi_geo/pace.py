"""序时进度 pace and the milestones that shape it — one place for both, shared by the scenario
reader (which validates ``milestones:`` in scenario files) and ``progress.status`` (which uses
them to judge reports).

pace(d)      share of the year's work that should be done by day ``d`` (0–1). Linear in days
             from the plan's start to the target's deadline, counting both ends, or piecewise
             linear through (start − 1 day, 0), the milestones, and (deadline, 1).
milestones   ``{date: share}`` — e.g. ``{"6-30": "50%"}``: half the work done by 30 June.
             Written ``MM-DD`` or ``YYYY-MM-DD`` (inside the plan year); shares ``0.5`` or
             ``"50%"``, 0–100 %, never falling as the date rises, each date once. A milestone
             on the deadline must be 100 % (pace is 100 % there by definition).

Allocation meta stores milestones as :func:`milestones_to_meta` gives them:
``{"*": {"2023-06-30": 0.5}, "29.2": {…}}`` — ``*`` for every target without its own table.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from minshi_geo import limits
from minshi_geo.errors import MinshiError

EVERY_TARGET = "*"


class MilestoneError(MinshiError):
    """A bad milestone. ``key`` is where, relative to the milestones mapping (``6-30`` or
    ``29.2.6-30``); ``problem`` what was expected. Callers prefix their own location."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key, self.problem = key, problem


def pace(
    day: date, start: date, deadline: date, milestones: Mapping[date, float] | None = None
) -> float:
    """Share of the work due by ``day`` (0–1), linear from ``start`` to ``deadline`` counting
    both ends, or piecewise linear through ``milestones`` {date: share}."""
    origin = start - timedelta(days=1)
    points = [(origin, 0.0)]
    for when, share in sorted((milestones or {}).items()):
        if origin < when < deadline:
            points.append((when, float(share)))
    points.append((deadline, 1.0))
    x = [p[0].toordinal() for p in points]
    y = [p[1] for p in points]
    return float(np.clip(np.interp(day.toordinal(), x, y), 0.0, 1.0))


def read_share_table(
    raw: Any, year: int, *, start: date | None = None, deadline: date | None = None
) -> dict[date, float]:
    """One milestone table ``{date: share}`` from ``{"6-30": "50%", "2023-09-30": 0.8}``.

    Dates must fall in ``year`` (and within ``start``–``deadline`` when given); raises
    :class:`MilestoneError` whose ``key`` is the date as written.
    """
    if not isinstance(raw, Mapping) or not raw:
        raise MilestoneError("", f"expected a mapping of date → share such as "
                                 f"{{6-30: 50%}}, got {_show(raw)}")
    table: dict[date, float] = {}
    written: dict[date, str] = {}
    for key, value in raw.items():
        at = _key_text(key)
        when = milestone_date(key, year)
        if start is not None and when < start:
            raise MilestoneError(at, f"expected a date from the plan's start {start}, got {at}")
        if deadline is not None and when > deadline:
            raise MilestoneError(at, f"expected a date up to the deadline {deadline}, got {at}")
        if when in table:
            raise MilestoneError(at, f"the same date as {written[when]} ({when})")
        share = milestone_share(value, at)
        if deadline is not None and when == deadline and share < 1:
            raise MilestoneError(at, f"the deadline {deadline} is 100% by definition, got "
                                     f"{_show(value)}")
        table[when], written[when] = share, at
    ordered = sorted(table)
    for a, b in itertools.pairwise(ordered):
        if table[b] < table[a]:
            raise MilestoneError(written[b], f"shares must not fall as dates rise: "
                                             f"{written[a]} is {table[a] * 100:g}%, "
                                             f"{written[b]} is {table[b] * 100:g}%")
    return {d: table[d] for d in ordered}


def parse_milestones(raw: Mapping[Any, Any] | None, year: int) -> dict[str, dict[date, float]]:
    """Milestones as ``{target_id or "*": {date: share}}``.

    Accepts ``{"2023-06-30": 0.5}`` or ``{"6-30": "50%"}`` (all targets) or
    ``{"29.2": {"6-30": 0.5}, "*": {...}}`` (per target, ``*`` for the rest) — the last is the
    shape :func:`milestones_to_meta` writes. Raises :class:`MilestoneError`.
    """
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise MilestoneError("", f"expected a mapping of date → share, got {_show(raw)}")
    raw = dict(raw)
    if all(_looks_like_date(k) for k in raw):
        raw = {EVERY_TARGET: raw}
    result: dict[str, dict[date, float]] = {}
    for key, table in raw.items():
        if not isinstance(table, Mapping):
            raise MilestoneError(str(key), f"expected a mapping of date → share for target "
                                           f"{key}, got {_show(table)}")
        try:
            result[str(key)] = read_share_table(table, year)
        except MilestoneError as exc:
            raise MilestoneError(f"{key}.{exc.key}" if exc.key else str(key),
                                 exc.problem) from None
    return result


def milestones_to_meta(milestones: Mapping[str, Mapping[date, float]]) -> dict[str, dict]:
    """JSON-ready ``{"*": {"2023-06-30": 0.5}, …}`` (ISO dates), as allocation.json keeps it."""
    return {
        str(key): {d.isoformat(): float(share) for d, share in sorted(table.items())}
        for key, table in milestones.items()
    }


def milestone_date(value: Any, year: int) -> date:
    """``6-30``, ``06-30``, ``2023-06-30`` (or a YAML date) → a date in ``year``."""
    at = _key_text(value)
    if isinstance(value, date):
        when = value.date() if isinstance(value, datetime) else value
    else:
        text = str(value).strip()
        try:
            if text.count("-") == 1:
                month, day = text.split("-")
                when = date(year, int(month), int(day))
            else:
                when = date.fromisoformat(text)
        except ValueError:
            raise MilestoneError(at, f"expected a date like 6-30 or {year}-06-30, "
                                     f"got {_show(text)}") from None
    if when.year != year:
        raise MilestoneError(at, f"expected a date in the plan year {year}, got {when}")
    return when


def milestone_share(value: Any, at: str = "") -> float:
    """``0.5`` or ``"50%"`` → 0.5, within 0–1."""
    if isinstance(value, bool) or value is None:
        raise MilestoneError(at, f"expected a share like 0.5 or 50%, got {_show(value)}")
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith(("%", "％")) else float(text)
    except ValueError:
        raise MilestoneError(at, f"expected a share like 0.5 or 50%, got {_show(value)}") from None
    if not (math.isfinite(share) and 0 <= share <= 1):
        raise MilestoneError(at, f"expected a share between 0 and 1 (0–100%), got "
                                 f"{_show(value)}")
    return share


def _looks_like_date(key: Any) -> bool:
    if isinstance(key, date):
        return True
    text = str(key).strip()
    return bool(text) and text[0].isdigit() and "-" in text and text.count(".") == 0


def _key_text(key: Any) -> str:
    return key.isoformat() if isinstance(key, date) else str(key).strip()


def _show(value: Any) -> str:
    return limits.show(value)
