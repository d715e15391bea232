"""Import returned region sheets (进度报告) into the progress store.

:func:`import_reports` reads every file with the sheets reader
(:func:`minshi_geo.sheets.reader.read_report`, the one reader of returned sheets), checks each
report against the allocation, plan and region set, and stores the whole batch in one
transaction. Any problem in any file rejects the batch: nothing is stored, and every problem is
listed, one line each, naming file, sheet, row and column.

Checks made here (the reader already checks cells, rows and identity within one file):

- the sheet belongs to this plan and to the allocation's scenario (``scenario_sha256``);
- its region is in the region set, each target is in the plan and, for split targets,
  allocated to that region;
- one file reports one period end; inside the plan's period (start … last deadline) it is
  stored; a late year-end report (up to three months after the last deadline) or an early one
  (before the start, in the plan's year) is stored with a warning; any other date (2019 for a
  2023 plan) is an error (:mod:`minshi_geo.progress.period`);
- two files of one batch do not report the same region and period;
- a rate (%) is at most 100; a cumulative value above the region's allocated quantity is a
  warning (超额 — far above, more than ``far_above`` × allocated, default 1.5, says check the
  unit: 万 typed twice);
- a cumulative value lower than the same region × target's previous report (checked against
  the stored periods and the other files of the batch, in the store's transaction) is stored as
  reported, with a warning; ``progress status`` flags it (``allow_decrease`` changes nothing
  now, kept for callers).

Warnings never refuse the batch; they are listed by ``progress import`` and flagged again by
``progress status`` (:func:`minshi_geo.progress.status.flags`).
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo.allocation import Allocation, AllocationInputs, load_allocation_inputs
from minshi_geo.catalogue import Plan
from minshi_geo.errors import MinshiError
from minshi_geo.messages import say
from minshi_geo.progress import period
from minshi_geo.regions import RegionSet
from minshi_geo.progress.store import (
    ImportOutcome,
    ProgressStore,
    ReportRejected,
    StoredReport,
    unchanged_outcome,
)

FAR_ABOVE = 1.5


@dataclass
class ImportResult:
    """What an import did: one outcome per file (in storing order) and all warnings."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    url: str = ""

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


def import_reports(
    paths: Iterable[str | Path],
    url: str | ProgressStore | None = None,
    *,
    allocation: Allocation,
    plan: Plan,
    regions: RegionSet,
    allow_decrease: bool = False,
    imported_by: str | None = None,
    far_above: float = FAR_ABOVE,
) -> ImportResult:
    """Read, check and store returned sheets (xlsx or CSV) as one batch.

    ``allocation``, ``plan``, ``regions``: what the sheets were made from (see
    :func:`load_inputs`). ``url``: a database URL or an open :class:`ProgressStore`
    (default ``$MINSHI_DB`` or ``sqlite:///./minshi.db``). Raises :class:`ReportRejected`
    (``.problems`` lists every problem) when any file fails; nothing is stored then.
    """
    given = [Path(p) for p in paths]
    paths = _expand(given)
    if not paths:
        folders = [str(p) for p in given if p.is_dir()]
        if folders:
            raise MinshiError(say("import.empty_folder", folders=", ".join(folders)),
                              hint=say("import.hint_empty_folder"))
        raise MinshiError(say("import.no_files"), hint="minshi-geo progress import FILE...")
    problems: list[str] = []
    hints: list[str] = []
    warnings: list[str] = []
    checked: list[StoredReport] = []
    store = url if isinstance(url, ProgressStore) else ProgressStore(url)
    try:
        # Files whose exact bytes are stored already are not read again: a no-op, reported.
        hashes = {p: _file_sha256(p) for p in paths if p.is_file()}
        known = store.imported(list(set(hashes.values())))
        unchanged = [unchanged_outcome(p.name, known[h]) for p, h in hashes.items() if h in known]
        for path in paths:
            if hashes.get(path) in known:
                continue
            report = _read(path, problems, hints)
            if report is None:
                continue
            stored = check_report(report, allocation, plan, regions, problems, warnings, far_above)
            if stored is not None:
                checked.append(stored)
        seen: dict[tuple[str, date], StoredReport] = {}
        for rep in checked:
            key = (rep.region_code, rep.period_end)
            if key in seen and seen[key].sha256 != rep.sha256:
                problems.append(say("import.same_region_twice", file=rep.filename,
                                    region=regions.name_of(rep.region_code),
                                    code=rep.region_code, day=rep.period_end.isoformat(),
                                    other=seen[key].filename))
            seen.setdefault(key, rep)
        if problems:
            raise ReportRejected(problems, hint=_hint(problems, hints))
        outcomes = unchanged
        if checked:
            register_reference(store, plan, regions)
            outcomes = unchanged + store.save_reports(
                checked, imported_by=imported_by or _user(), allow_decrease=allow_decrease
            )
    finally:
        if store is not url:
            store.close()
    for outcome in outcomes:
        warnings.extend(outcome.warnings)
    return ImportResult(outcomes=outcomes, warnings=warnings, url=store.url)


def register_reference(store: ProgressStore, plan: Any, regions: Any) -> None:
    """Make the plan's targets and the region set's regions known to the store."""
    store.register(
        plan.id,
        [(t.id, t.metric, t.unit, t.kind) for t in plan.targets],
        [(code, regions.name_of(code)) for code in regions.codes],
    )


def load_inputs(allocation_dir: str | Path | None) -> AllocationInputs:
    """(allocation, plan, regions) of an allocation folder — the sheets' own allocation.

    There is no default: a status must describe the allocation the sheets were made from,
    never one re-computed here (``progress`` does not import the allocator).
    """
    if allocation_dir is None:
        raise MinshiError(say("import.no_allocation"), hint=say("import.hint_no_allocation"))
    return load_allocation_inputs(allocation_dir)


# ---------------------------------------------------------------------- one file
def _read(path: Path, problems: list[str], hints: list[str]):
    from minshi_geo.sheets.reader import ReportError, read_report

    try:
        return read_report(path)
    except ReportError as exc:
        problems.extend(exc.problems)
        if exc.hint:
            hints.append(exc.hint)
    except FileNotFoundError:
        problems.append(say("import.not_found", file=path))
    return None


def check_report(
    report: Any,
    allocation: Any,
    plan: Any,
    regions: Any,
    problems: list[str],
    warnings: list[str],
    far_above: float = FAR_ABOVE,
) -> StoredReport | None:
    """Check one read report against plan, allocation and regions; append problems/warnings.

    Returns the report ready to store, or None when it has problems.
    """
    name = report.path.name
    before = len(problems)
    region_code = _check_identity(report, allocation, plan, regions, problems)
    if region_code is None:
        return None
    lines = report.lines
    if lines.empty or report.period_end is None:
        problems.append(say("import.nothing_reported", file=name))
        return None
    _check_periods(name, lines, report.period_end, plan, problems, warnings)
    table = allocation.table
    mine = table[table["region_code"] == region_code]
    allocated = dict(zip(mine["target_id"].astype(str), mine["quantity"], strict=False))
    targets = {t.id: t for t in plan.targets}
    for rec in lines.itertuples(index=False):
        _check_line(rec, _row_at(name, rec), plan, targets, regions, region_code, allocated,
                    problems, warnings, far_above)
    if len(problems) > before:
        return None
    return StoredReport(
        filename=name,
        sha256=_file_sha256(report.path),
        plan_id=plan.id,
        scenario_sha256=report.identity.scenario_sha256,
        region_code=region_code,
        period_end=report.period_end,
        sample=bool(report.identity.sample),
        lines=lines[["target_id", "completed", "status", "note", "sheet", "row"]].copy(),
    )


def _check_identity(report: Any, allocation: Any, plan: Any, regions: Any,
                    problems: list[str]) -> str | None:
    """The report's region code when the sheet is this plan's, this allocation's and names a
    region of the set; else None with the problem noted."""
    name, ident = report.path.name, report.identity
    if ident.plan_id != plan.id:
        problems.append(say("import.other_plan", file=name, theirs=repr(ident.plan_id),
                            ours=repr(plan.id), title=plan.title))
        return None
    expected_sha = str(allocation.meta.get("scenario_sha256") or "")
    if expected_sha and ident.scenario_sha256 != expected_sha:
        problems.append(say(
            "import.other_scenario", file=name,
            theirs=ident.scenario or ident.scenario_sha256[:12] + "…",
            theirs_sha=ident.scenario_sha256[:12] + "…",
            ours=allocation.meta.get("scenario") or expected_sha[:12] + "…",
            ours_sha=expected_sha[:12] + "…"))
        return None
    region_code = str(ident.region_code)
    if region_code not in regions.codes:
        hint = ""
        try:
            close = regions.suggest(ident.region_name or region_code)
            hint = say("import.did_you_mean", names=", ".join(close)) if close else ""
        except Exception:  # noqa: BLE001 - suggestions are a courtesy, never a failure
            hint = ""
        problems.append(say("import.unknown_region", file=name, code=repr(region_code),
                            name=say("import.region_name", name=ident.region_name)
                            if ident.region_name else "",
                            set=repr(getattr(regions, "name", "?")), hint=hint))
        return None
    return region_code


def _check_periods(name: str, lines: pd.DataFrame, period_end: date, plan: Any,
                   problems: list[str], warnings: list[str]) -> None:
    """One returned sheet reports one period; its date is checked against the plan's."""
    for when, rows in lines.groupby("period_end", sort=True):
        at = _row_at(name, rows.iloc[0])
        more = say("import.more_rows", more=len(rows) - 1) if len(rows) > 1 else ""
        if when != period_end:
            problems.append(say("import.two_periods", at=at, day=when.isoformat(),
                                other=period_end.isoformat(), more=more))
        else:
            _check_date(when, plan, at, more, problems, warnings)


def _check_line(rec: Any, at: str, plan: Any, targets: dict[str, Any], regions: Any,
                region_code: str,
                allocated: dict[str, Any], problems: list[str], warnings: list[str],
                far_above: float) -> None:
    """One reported row: a target of the plan allocated to the region; a rate at most 100;
    above the allocated task is a warning (超额; far above: check the unit)."""
    target = targets.get(str(rec.target_id))
    if target is None:
        problems.append(say("import.unknown_target", at=at, target=repr(rec.target_id),
                            plan=plan.id))
        return
    if target.splittable and target.id not in allocated:
        problems.append(say("import.not_allocated", at=at, target=target.id,
                            metric=target.metric, region=regions.name_of(region_code),
                            code=region_code))
        return
    completed = rec.completed
    if pd.isna(completed):
        return
    if target.kind == "rate" and target.unit == "%" and completed > 100:
        problems.append(say("import.rate_above_100", at=at, target=target.id,
                            metric=target.metric, value=f"{completed:g}"))
    quantity = allocated.get(target.id)
    if quantity is not None and float(quantity) > 0 and completed > float(quantity):
        # 超额: far above is likely a wrong unit; a little above is plausible but said.
        key = "import.far_above" if completed > far_above * float(quantity) else \
            "import.above_task"
        warnings.append(say(key, at=at, target=target.id, metric=target.metric,
                            value=f"{completed:g}", unit=f"{target.unit} " if target.unit
                            else "", quantity=f"{float(quantity):g}",
                            ratio=f"{completed / float(quantity):.0%}"))


def _check_date(when: date, plan: Any, at: str, more: str, problems: list[str],
                warnings: list[str]) -> None:
    """A period end outside the plan's period: a warning when it is plausible (a late
    year-end report, an early one in the plan's year), an error when it is a typo
    (:mod:`minshi_geo.progress.period`)."""
    kind = period.date_kind(when, plan)
    if kind == "inside":
        return
    start, end = period.plan_period(plan)
    fields = dict(at=at, day=when.isoformat(), plan=plan.id, start=start.isoformat(),
                  end=end.isoformat(), more=more, limit=period.late_limit(end).isoformat())
    if kind == "wrong":
        problems.append(say("import.outside_plan", **fields)
                        + (say("import.rows_take_period_end") if more else ""))
    else:
        warnings.append(say(f"import.{kind}_report", **fields))


def _expand(paths: list[Path]) -> list[Path]:
    """A folder stands for the .xlsx and .csv files in it (not Excel's ``~$`` lock files)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p
                for p in sorted(path.iterdir())
                if p.is_file()
                and p.suffix.lower() in (".xlsx", ".csv")
                and not p.name.startswith(("~$", "."))
            )
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def _row_at(name: str, rec: Any) -> str:
    sheet = getattr(rec, "sheet", None)
    return say("at.row", file=name, sheet=say("at.sheet", sheet=sheet) if sheet else "",
               row=rec.row)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _user() -> str:
    try:
        return os.environ.get("MINSHI_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _hint(problems: list[str], hints: list[str]) -> str:
    if len(set(hints)) == 1 and len(hints) == len(problems):
        return hints[0]  # the reader's own advice for the one kind of problem found
    if any(say("import.other_scenario_mark") in p for p in problems):
        return say("import.hint_other_scenario")
    return say("import.hint")
