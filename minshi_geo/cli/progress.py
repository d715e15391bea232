"""``minshi-geo progress …``: import returned sheets, show 序时进度 status, write 通报 sheets."""

from __future__ import annotations

import json
import math
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from minshi_geo import lights
from minshi_geo.cli.app import app, console, err_console, fail, friendly
from minshi_geo.messages import say

progress_app = typer.Typer(
    name="progress",
    help="Progress tracking: import returned region sheets, 序时进度 status and lights, "
    "通报 workbooks.",
    no_args_is_help=True,
)
app.add_typer(progress_app, name="progress")

DB_HELP = (
    "Progress store URL (default: $MINSHI_DB, else the minshi.db beside the allocation folder "
    "when it exists — out/minshi.db after the demo — else sqlite:///./minshi.db)."
)
_ALLOCATION_HELP = (
    "Allocation folder the sheets were made from (default: out/allocation when it exists; "
    "write one with `minshi-geo allocate SCENARIO --out DIR`)."
)
DEFAULT_ALLOCATION_DIR = Path("out/allocation")


def _allocation_dir(allocation_dir: Path | None) -> Path | None:
    if allocation_dir is None and (DEFAULT_ALLOCATION_DIR / "allocation.json").is_file():
        return DEFAULT_ALLOCATION_DIR
    return allocation_dir


def _inputs(allocation_dir: Path | None):
    from minshi_geo.progress.importer import load_inputs

    return load_inputs(_allocation_dir(allocation_dir))


def work_store(db: str | None, allocation_dir: Path | None, *, read: bool) -> str:
    """The store URL of this work (see ``store.work_store_url``). A read of a SQLite store
    that is not there fails — it never creates an empty file — with a hint naming the
    command that would work."""
    from minshi_geo.progress.store import sqlite_path, store_exists, work_store_url

    allocation_dir = _allocation_dir(allocation_dir)
    url = work_store_url(db, allocation_dir)
    if read and not store_exists(url):
        fail(say("store.missing", path=sqlite_path(url)), import_hint(allocation_dir))
    return url


def import_hint(allocation_dir: Path | None) -> str:
    """The exact import command for this work: the folder of returned sheets that exists
    (the demo's ``out/sample-reports``), or a placeholder for it."""
    base = (allocation_dir or DEFAULT_ALLOCATION_DIR).parent
    sheets = base / "sample-reports"
    folder = str(sheets) if sheets.is_dir() else "FOLDER_OF_RETURNED_SHEETS"
    allocation = f" --allocation {allocation_dir}" if allocation_dir is not None else ""
    return say("store.hint_import", folder=folder, allocation=allocation)


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(say("progress.bad_as_of", text=repr(text)))
    return None


@progress_app.command("import")
@friendly
def import_cmd(
    files: list[Path] = typer.Argument(
        ..., help="Returned region sheets (.xlsx or .csv), or folders holding them."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    allow_decrease: bool = typer.Option(
        False,
        "--allow-decrease",
        hidden=True,
        help="Accepted for compatibility: a cumulative value lower than an earlier period's is "
        "always stored with a warning now.",
    ),
    by: str | None = typer.Option(None, "--by", help="Who imports (default: the login name)."),
    allocation_dir: Path | None = typer.Option(None, "--allocation", help=_ALLOCATION_HELP),
) -> None:
    """Import returned region sheets; a file with any error is rejected and nothing is stored."""
    from minshi_geo.progress.importer import import_reports
    from minshi_geo.progress.store import ReportRejected

    allocation, plan, regions = _inputs(allocation_dir)
    db = work_store(db, allocation_dir, read=False)
    started = time.perf_counter()
    try:
        result = import_reports(
            files, db, allocation=allocation, plan=plan, regions=regions,
            allow_decrease=allow_decrease, imported_by=by,
        )  # fmt: skip
    except ReportRejected as exc:
        if len(exc.problems) > 1:
            for problem in exc.problems:
                err_console.print(Text("  ✗ ", style="red") + Text(problem), soft_wrap=True)
        fail(
            say("import.problems", count=len(exc.problems), first=exc.problems[0])
            if len(exc.problems) > 1 else str(exc),
            exc.hint,
        )  # fmt: skip
        return
    elapsed = time.perf_counter() - started
    for warning in result.warnings:
        err_console.print(Text(say("cli.warning"), style="yellow") + Text(warning),
                          soft_wrap=True)
    for o in result.outcomes:
        what = say(f"import.{o.action}", file_id=o.replaced_file_id)
        console.print(say("import.line", file=o.filename, what=what,
                          region=regions.name_of(o.region_code),
                          period=o.period_end.isoformat(), lines=o.lines), highlight=False)
    console.print(say("import.summary", imported=result.count("imported"),
                      replaced=result.count("replaced"), unchanged=result.count("unchanged"),
                      url=result.url, seconds=elapsed), highlight=False)


@progress_app.command("status")
@friendly
def status_cmd(
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Status at this date (YYYY-MM-DD): the latest reporting period on or before it.",
    ),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    allocation_dir: Path | None = typer.Option(None, "--allocation", help=_ALLOCATION_HELP),
    yellow: float = typer.Option(
        10.0, "--yellow", help="Points behind 序时进度 that turn a light yellow."
    ),
    red: float = typer.Option(
        30.0, "--red", help="Points behind 序时进度 beyond which a light is red."
    ),
    target: str | None = typer.Option(None, "--target", help="Only this target id (table)."),
    region: str | None = typer.Option(None, "--region", help="Only this region (name or code)."),
) -> None:
    """Per target × region: allocated, completed, rate, 序时进度, gap, light; roll-ups; 推进缓慢."""
    from minshi_geo.progress import status as st

    if fmt not in ("table", "csv", "json"):
        fail(say("progress.bad_format", fmt=repr(fmt)))
    thresholds = st.Thresholds(yellow=yellow, red=red)
    day = _as_of(as_of)
    allocation, plan, regions = _inputs(allocation_dir)
    db = work_store(db, allocation_dir, read=True)
    if target is not None:
        plan.target(target)  # an unknown id is an error with suggestions, not an empty table
    full = st.compute_status(db, allocation, plan, as_of=day, thresholds=thresholds)
    if full.empty:
        _no_reports(db, allocation, plan, day, allocation_dir)
    code = regions.resolve(region) if region is not None else None
    view = _StatusView(full, thresholds, plan, target, code)
    if fmt == "csv":
        from minshi_geo.escape import csv_frame

        csv_frame(view.rows).to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
    elif fmt == "json":
        sys.stdout.write(json.dumps(view.payload(day), ensure_ascii=False, indent=1) + "\n")
    else:
        view.print()


class _StatusView:
    """What ``progress status`` shows of one status table: the latest period's rows (filtered
    by ``--target`` / ``--region``), the roll-ups, 推进缓慢 and the flagged rows."""

    def __init__(self, full, thresholds, plan, target: str | None, code: str | None):
        from minshi_geo.progress import status as st

        self.full, self.thresholds, self.plan = full, thresholds, plan
        self.filtered = target is not None or code is not None
        current = st.latest(full)
        self.period = current["period_end"].iloc[0]
        self.province = st.province_rollup(current, thresholds)
        self.by_region = st.region_rollup(current, thresholds)
        self.missing = not_reported(current)

        def only(frame):
            if target is not None:
                frame = frame[frame["target_id"] == target]
            if code is not None:
                frame = frame[frame["region_code"] == code]
            return frame

        self.rows = only(current)
        self.lagging = st.lagging(full)
        self.shown_lagging = only(self.lagging)
        self.above = self.rows[self.rows["rate"] > 1.0]
        self.falling = only(st.falling(full))
        self.outside = only(st.outside_period(full, plan))

    def payload(self, day: date | None) -> dict[str, Any]:
        from minshi_geo.progress import status as st

        thresholds = self.thresholds
        return {
            "plan_id": self.plan.id,
            "as_of": day.isoformat() if day else None,
            "period_end": self.period.isoformat(),
            "periods": [p.isoformat() for p in st.periods(self.full)],
            "thresholds": {"yellow": thresholds.yellow, "red": thresholds.red},
            "rule": lights.rule_text(thresholds),
            "rollup_rule": lights.ROLLUP_RULE,
            "legend": [{"key": k, "word": w, "colour": c, "rule": r}
                       for k, w, c, r in lights.legend_rows(thresholds)],
            "sample": bool(self.rows["sample"].any()),
            "status": _records(self.rows),
            "province": _records(self.province),
            "regions": _records(self.by_region),
            "lagging": _records(self.lagging),
            "falling": _records(self.falling),
            "outside_period": _records(self.outside),
        }

    def print(self) -> None:
        sample = " （示例数据）" if bool(self.full["sample"].any()) else ""
        console.print(Text(f"{self.plan.title} 进度（截至 {self.period.isoformat()}）{sample}",
                           "bold"))
        console.print(legend_text(self.thresholds), soft_wrap=True)
        console.print(_status_table(self.rows))
        if not self.filtered:
            console.print(_province_table(self.province, self.rows))
            console.print(_region_table(self.by_region))
            if self.missing:
                console.print(f"本期（截至 {self.period.isoformat()}）未报送：" + "、".join(
                    f"{name}（最近一期 {last.isoformat()}）" if last else f"{name}（从未报送）"
                    for name, last in self.missing))
        self.print_flags()
        console.print(_lagging_table(self.shown_lagging))

    def print_flags(self) -> None:
        """The rows a planner must check: above the task, falling totals, dates outside the
        plan period (each also a warning when it was imported)."""
        from minshi_geo.progress.period import plan_period

        start, end = plan_period(self.plan)
        flagged = [
            ("status.above_task", self.above, {},
             lambda r: f"{r.region_name} {r.target_id} {_num(r.completed)}/{_num(r.allocated)}"),
            ("status.falling", self.falling, {},
             lambda r: f"{r.region_name} {r.target_id} {_num(r.completed)}"
                       f"（{r.value_period_end.isoformat()}）< {_num(r.before)}"
                       f"（{r.before_period.isoformat()}）"),
            ("status.outside_period", self.outside,
             {"start": start.isoformat(), "end": end.isoformat()},
             lambda r: f"{r.region_name} {r.target_id} {r.value_period_end.isoformat()}"),
        ]
        for key, frame, fields, show in flagged:
            if len(frame):
                listed = "、".join(show(r) for r in frame.head(10).itertuples(index=False))
                more = f" …（共 {len(frame)} 项）" if len(frame) > 10 else ""
                console.print(Text(say("cli.warning"), style="yellow")
                              + Text(say(key, rows=listed + more, **fields)), soft_wrap=True)


@progress_app.command("sheets")
@friendly
def sheets_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    allocation_dir: Path | None = typer.Option(None, "--allocation", help=_ALLOCATION_HELP),
    output: Path = typer.Option(
        Path("out/progress-sheets"), "-o", "--output", help="Folder for the workbooks."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Period: the latest on or before this date (default: the latest)."
    ),
    csv: bool = typer.Option(False, "--csv", help="Also write every sheet as CSV."),
) -> None:
    """Write the status into per-region and summary workbooks (monthly 通报)."""
    from minshi_geo.progress import status as st
    from minshi_geo.sheets.progress import write_progress_sheets

    from minshi_geo.atomic import check_writable

    day = _as_of(as_of)
    check_writable(output, folder=True)
    allocation, plan, regions = _inputs(allocation_dir)
    db = work_store(db, allocation_dir, read=True)
    full = st.compute_status(db, allocation, plan, as_of=day)
    if full.empty:
        _no_reports(db, allocation, plan, day, allocation_dir)
    # Any value from a 示例 file marks the whole 通报 示例 (the writer's standard note).
    sample = bool(full["sample"].any()) or None
    written = write_progress_sheets(
        full, plan, regions, output, allocation.meta, csv=csv, sample=sample
    )
    console.print(say("progress.sheets_written", regions=len(written.regions),
                      day=max(full["period_end"]).isoformat(), out=output), highlight=False)


@progress_app.command("report")
@friendly
def report_cmd(
    docx: Path = typer.Option(..., "--docx", help="Word file to write (the 通报, .docx)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    allocation_dir: Path | None = typer.Option(None, "--allocation", help=_ALLOCATION_HELP),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Period: the latest on or before this date (default: the latest)."
    ),
    yellow: float = typer.Option(
        10.0, "--yellow", help="Points behind 序时进度 that make a target 滞后."
    ),
    red: float = typer.Option(
        30.0, "--red", help="Points behind 序时进度 beyond which a target is 严重滞后."
    ),
) -> None:
    """Write the monthly 通报 as a Word document: overview, lagging items, map, sector tables."""
    from minshi_geo.documents.bulletin_docx import write_bulletin_docx
    from minshi_geo.progress import status as st

    if docx.suffix.lower() != ".docx":
        fail(say("progress.bad_docx", path=docx))
    thresholds = st.Thresholds(yellow=yellow, red=red)
    day = _as_of(as_of)
    allocation, plan, regions = _inputs(allocation_dir)
    db = work_store(db, allocation_dir, read=True)
    full = st.compute_status(db, allocation, plan, as_of=day, thresholds=thresholds)
    if full.empty:
        _no_reports(db, allocation, plan, day, allocation_dir)
    sample = bool(full["sample"].any()) or bool(allocation.meta.get("sample"))
    path = write_bulletin_docx(full, plan, regions, docx, thresholds=thresholds, sample=sample)
    console.print(say("progress.docx_written", day=max(full["period_end"]).isoformat(),
                      path=path), highlight=False)


@progress_app.command("sample")
@friendly
def sample_cmd(
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the sample sheets."),
    allocation_dir: Path | None = typer.Option(None, "--allocation", help=_ALLOCATION_HELP),
) -> None:
    """Write 示例 returned sheets for 2023-03-31, 06-30 and 09-30 (made-up progress)."""
    from minshi_geo.atomic import check_writable
    from minshi_geo.progress.sample import write_sample_reports

    check_writable(output, folder=True)
    allocation, plan, regions = _inputs(allocation_dir)
    started = time.perf_counter()
    paths = write_sample_reports(allocation, plan, regions, output)
    console.print(say("progress.sample_written", count=len(paths), out=output,
                      seconds=time.perf_counter() - started), highlight=False)


def _no_reports(db, allocation, plan, day: date | None, allocation_dir=None) -> None:
    """Fail: nothing to show. Before the first period the hint names that period."""
    from minshi_geo.progress import status as st

    where = say("progress.on_or_before", day=day.isoformat()) if day else ""
    hint = import_hint(_allocation_dir(allocation_dir))
    if day is not None:
        every = st.compute_status(db, allocation, plan)
        if not every.empty:
            first = min(every["period_end"]).isoformat()
            hint = say("progress.first_period", first=first)
    fail(say("progress.no_reports", where=where, plan=plan.id, db=db), hint)


def not_reported(rows) -> list[tuple[str, date | None]]:
    """Regions with no value reported for the period of ``rows`` (one period of the status
    table): (name, the last period they reported for, or None). Their older figures carry
    forward in the table, so a 调度 meeting must be told they did not report this time."""
    out = []
    if rows.empty:
        return out
    period = rows["period_end"].iloc[0]
    for _code, group in rows.groupby("region_code", sort=False):
        reported = [d for d in group["value_period_end"] if isinstance(d, date)]
        last = max(reported) if reported else None
        if last is None or last < period:
            out.append((str(group["region_name"].iloc[0]), last))
    return out


# ---------------------------------------------------------------------- output helpers
def pace_legend(thresholds) -> str:
    """One line for planners: what 序时进度 is and the light rule (minshi_geo.lights)."""
    return (
        "序时进度：按时间进度（方案设定节点时按节点）应完成的比例。评价规则："
        + lights.rule_text(thresholds)
    )


def legend_text(thresholds) -> Text:
    """The states in their colours, then the rule in words."""
    text = Text("图例：")
    for s in lights.STATES:
        text += _state(s.key) + Text("  ")
    return text + Text("\n" + pace_legend(thresholds) + "\n" + lights.ROLLUP_RULE)


def _records(frame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, float) and math.isnan(v):
                v = None
            elif hasattr(v, "item"):  # numpy scalars
                v = v.item()
                if isinstance(v, float) and math.isnan(v):
                    v = None
            clean[k] = v
        out.append(clean)
    return out


def _num(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return (
        f"{value:,.{digits}f}"
        if digits
        else f"{value:,.0f}"
        if float(value).is_integer()
        else f"{value:,.1f}"
    )


def _txt(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


def _pts(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.1f}"


def _state(key: str) -> Text:
    """● in the state's colour, then its word (minshi_geo.lights)."""
    s = lights.state(key)
    return Text("● ", style=s.colour) + Text(s.word, style="bold" if key == "far_behind" else "")


def _row_state(row) -> Text:
    return _state(lights.row_state(row._asdict()))


def _status_table(rows) -> Table:
    table = Table(title="指标 × 地区", title_justify="left", show_lines=False)
    heads = ["指标", "名称", "地区", "任务", "累计完成", "完成率", "序时进度", "差距(点)", "状态"]
    for i, name in enumerate(heads):
        table.add_column(name, justify="right" if 3 <= i <= 7 else "left")
    for r in rows.itertuples(index=False):
        done = (
            r.status if isinstance(r.status, str) and math.isnan(r.completed) else _num(r.completed)
        )
        table.add_row(
            r.target_id, r.metric, r.region_name, _num(r.allocated), done, _pct(r.rate),
            _pct(r.pace) if not (math.isnan(r.allocated) and math.isnan(r.gap)) else "—",
            _pts(r.gap), _row_state(r),
        )  # fmt: skip
    return table


def _province_table(province, rows) -> Table:
    # 序时进度 as a share, like 完成率 beside it (the quantity expected is in csv/json)
    paces = dict(zip(rows["target_id"], rows["pace"], strict=False))
    table = Table(title="全省汇总（按指标）", title_justify="left")
    heads = ["指标", "名称", "单位", "任务", "累计完成", "完成率", "序时进度", "差距(点)",
             "已报/地区", "状态"]  # fmt: skip
    for i, name in enumerate(heads):
        table.add_column(name, justify="right" if 3 <= i <= 8 else "left")
    for r in province.itertuples(index=False):
        table.add_row(
            r.target_id, r.metric, _txt(r.unit), _num(r.allocated), _num(r.completed),
            _pct(r.rate), _pct(paces.get(r.target_id)), _pts(r.gap), f"{r.reported}/{r.regions}",
            _state(r.state),
        )  # fmt: skip
    return table


def _region_table(by_region) -> Table:
    table = Table(title="各地区综合（各数量指标完成率封顶100%的平均；规则见上）",
                  title_justify="left")
    for name in ["地区", "平均完成率", "平均序时进度", "差距(点)"]:
        table.add_column(name, justify="left" if name == "地区" else "right")
    for s in lights.STATES:
        table.add_column(s.word, justify="right")
    table.add_column("综合状态", justify="left")
    table.add_column("依据", justify="left")
    for r in by_region.itertuples(index=False):
        table.add_row(
            r.region_name, _pct(r.rate), _pct(r.expected), _pts(r.gap),
            *[str(getattr(r, k)) for k in lights.KEYS], _state(r.state), r.reason,
        )  # fmt: skip
    return table


def _lagging_table(lagging) -> Table:
    table = Table(title=f"推进缓慢（{len(lagging)}）", title_justify="left")
    for name, justify in [("地区", "left"), ("指标", "left"), ("名称", "left"),
                          ("完成率", "right"), ("序时进度", "right"), ("落后(点)", "right"),
                          ("状态", "left"), ("备注", "left")]:  # fmt: skip
        table.add_column(name, justify=justify)
    for r in lagging.itertuples(index=False):
        table.add_row(
            r.region_name, r.target_id, r.metric, _pct(r.rate), _pct(r.pace),
            _num(r.behind, 1), _row_state(r), _txt(r.note),
        )  # fmt: skip
    return table
