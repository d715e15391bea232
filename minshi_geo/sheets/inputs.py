"""What the task-sheet writers share: the check that an allocation, plan and region set fit
together (:func:`check_inputs`, :class:`SheetsError`), whether an allocation is 示例
(:func:`is_sample`), and what a set of workbooks is (:class:`SheetSet`).

Its own module so that the region writer (:mod:`~minshi_geo.sheets.writer`), the summary
(:mod:`~minshi_geo.sheets.summary`) and the progress workbooks import it without importing
each other (the writer calls the summary; the summary used to import the writer back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minshi_geo.errors import MinshiError

if TYPE_CHECKING:  # annotations only: nothing more is imported at run time
    from minshi_geo.allocation import Allocation
    from minshi_geo.catalogue import Plan
    from minshi_geo.regions import RegionSet


class SheetsError(MinshiError):
    """The allocation, plan and region set do not fit together (or a name is unusable)."""


@dataclass
class SheetSet:
    """What :func:`write_all_sheets` wrote (final paths)."""

    regions: dict[str, Path] = field(default_factory=dict)  # region_code → workbook
    summary: Path | None = None
    csv: list[Path] = field(default_factory=list)

    @property
    def workbooks(self) -> list[Path]:
        return [*self.regions.values(), *([self.summary] if self.summary else [])]


def is_sample(meta: dict[str, Any]) -> bool:
    return bool(meta.get("sample", False))


def check_inputs(allocation: Allocation, plan: Plan, regions: RegionSet) -> None:
    """The allocation must come from this plan and region set; say what differs."""
    meta = allocation.meta
    if meta.get("plan_id") and meta["plan_id"] != plan.id:
        raise SheetsError(
            f"allocation was made for plan {meta['plan_id']!r}, not {plan.id!r}",
            hint="load the plan named in allocation.json (plan_path)",
        )
    if meta.get("catalogue_sha256") and meta["catalogue_sha256"] != plan.sha256:
        raise SheetsError(
            f"{plan.path}: the catalogue changed since the allocation was made "
            f"(sha256 {plan.sha256[:12]}…, allocation has {str(meta['catalogue_sha256'])[:12]}…)",
            hint="run `minshi-geo allocate` again so the sheets match the catalogue",
        )
    known = set(regions.codes)
    unknown = sorted(set(allocation.table["region_code"]) - known)
    if unknown:
        raise SheetsError(
            f"allocation names regions {', '.join(unknown)} that region set "
            f"{getattr(regions, 'name', '?')!r} does not have",
            hint="load the region set named in allocation.json (region_set)",
        )
    targets = {t.id for t in plan.targets}
    stray = sorted(set(allocation.table["target_id"]) - targets)
    if stray:
        raise SheetsError(
            f"allocation has targets {', '.join(stray)} that plan {plan.id!r} does not have",
            hint="run `minshi-geo allocate` again with the current catalogue",
        )
