"""Precision and recall of a draft against targets read by hand.

A target is compared by its key ``"quantity unit kind qualifier"`` (an item number in front
when the hand reading gives one: ``"3 150 座 count exact"``). Keys are counted as multisets,
so two targets of 100 个 are two. Precision is what the draft found that the hand reading
has, recall what the hand reading has that the draft found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    found: int  # targets with a number in the draft
    wanted: int  # targets read by hand
    right: int  # in both

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.wanted if self.wanted else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(self.found + other.found, self.wanted + other.wanted,
                     self.right + other.right)  # fmt: skip


def target_key(target, *, with_item: bool) -> str:
    q = target.quantity
    number = int(q) if float(q).is_integer() else q
    key = f"{number} {target.unit} {target.kind} {target.qualifier}"
    return f"{target.item} {key}" if with_item else key


def score(targets: Iterable, wanted: Iterable[str]) -> Score:
    """``targets``: drafted targets with a quantity; ``wanted``: hand-read keys."""
    wanted = Counter(wanted)
    with_item = bool(wanted) and all(k.split(" ", 1)[0].isdigit() and len(k.split()) == 5
                                     for k in wanted)  # fmt: skip
    found = Counter(target_key(t, with_item=with_item) for t in targets if t.quantity is not None)
    return Score(sum(found.values()), sum(wanted.values()), sum((found & wanted).values()))


def missed_and_extra(targets: Iterable, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    wanted = Counter(wanted)
    with_item = bool(wanted) and all(len(k.split()) == 5 for k in wanted)
    found = Counter(target_key(t, with_item=with_item) for t in targets if t.quantity is not None)
    return sorted((wanted - found).elements()), sorted((found - wanted).elements())
