"""Every number of the text is accounted for: taken as a target, or listed with a reason.

The item rules list the numbers they reject; numbers outside every item (the title, the
preamble, a sector heading, a 牵头单位 note, a closing paragraph) never reach them. This
pass walks every number token of the folded text once and adds each one that is neither
inside a target's words nor already listed, naming where it stands — so a draft can never
lose a number silently, whatever the outline made of the text.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from minshi_geo.numbers import find_numbers

if TYPE_CHECKING:
    from minshi_geo.extract import RejectedNumber
    from minshi_geo.extract.structure import Outline

# where → (rule, reason)
PLACES = {
    "title": ("title", "in the plan's title (its year, its count of items)"),
    "preamble": ("preamble", "in the text before the first item (a preamble, page data)"),
    "heading": ("sector_heading", "in a sector heading (its count of items)"),
    "item": ("in_item_unread", "inside an item but not read by any rule: check it"),
    "outside": ("outside_items", "outside every item (a closing paragraph, a note)"),
}


def account_for_numbers(
    folded: str,
    outline: Outline,
    taken: list[tuple[int, int]],
    rejected: list[RejectedNumber],
) -> list[RejectedNumber]:
    """``rejected`` plus one entry for every number the reading neither took nor listed."""
    from minshi_geo.extract import RejectedNumber

    listed = {r.at for r in rejected if r.at is not None}
    out = list(rejected)
    in_taken, in_marker = _Spans(taken), _Spans(outline.markers)
    for token in find_numbers(folded):
        if token.start in listed or in_taken.cover(token.start):
            continue
        if in_marker.cover(token.start):
            continue  # 1、 一、 ①: the outline read it as an item or sector number
        where, item = _where(token.start, outline)
        rule, reason = PLACES[where]
        context = folded[max(0, token.start - 6) : token.end + 6]
        out.append(RejectedNumber(item, " ".join(context.split()), rule, reason, token.start))
    return sorted(out, key=lambda r: (r.at is None, r.at or 0))


class _Spans:
    """``cover(x)``: is ``x`` inside any of the (possibly overlapping) spans ``[s, e)``?
    O(log n) per question — a scan over all spans per number made a long text quadratic."""

    def __init__(self, spans):
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach, top = [], float("-inf")
        for _, e in ordered:
            top = max(top, e)
            self.reach.append(top)

    def cover(self, x: int) -> bool:
        i = bisect.bisect_right(self.starts, x) - 1
        return i >= 0 and self.reach[i] > x


def _where(pos: int, outline: Outline) -> tuple[str, int]:
    if outline.title_span and outline.title_span[0] <= pos < outline.title_span[1]:
        return "title", 0
    for item in outline.items:
        if item.start <= pos < item.end:
            return "item", item.number
    for sector in outline.sectors:
        if sector.heading != (0, 0) and sector.heading[0] <= pos < sector.heading[1]:
            return "heading", 0
    first = min((item.start for item in outline.items), default=len(outline.title or ""))
    return ("preamble", 0) if pos < first else ("outside", 0)
