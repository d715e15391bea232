"""The progress store (进度库): returned report files and their lines, on SQLAlchemy.

One code path for two backends:

- **SQLite** (default): an embedded file, ``sqlite:///./minshi.db`` unless ``--db URL`` or the
  ``MINSHI_DB`` variable says otherwise. WAL journal (readers never block the writer), a 30 s
  busy timeout, foreign keys on, and every write transaction opened with ``BEGIN IMMEDIATE`` so
  concurrent imports queue for the write lock instead of failing half-way.
- **PostgreSQL** for a shared office server (``postgresql+psycopg://…``): an import holds a
  transaction-level advisory lock per plan × region it writes (taken in sorted order), so imports
  of one region queue while other regions proceed; READ COMMITTED, so after the lock every
  statement sees what the previous holder committed. The unique indexes stay the last word:
  should a race still slip through (a unique violation, serialization failure or deadlock), the
  whole transaction is rolled back and retried from the start — the retry re-reads, so a file
  another process stored meanwhile becomes a no-op or is superseded, never duplicated.

Tables
------
regions       region_code (PK), region_name — the regions reports may name
targets       (plan_id, target_id) (PK), metric, unit, kind — the targets reports may name
report_files  one row per imported file: sha256 (unique: the same file twice is a no-op),
              filename, plan_id, scenario_sha256, region_code, period_end, sample,
              imported_at, imported_by, active, superseded_by
report_lines  one row per target of a file: target_id, completed (≥ 0), status
              (未启动/推进中/已完成), note, sheet, row, active

The database itself keeps the data sane: ``completed >= 0`` and the status vocabulary are CHECK
constraints; target and region are foreign keys into the reference tables; a line's plan, region,
period and ``active`` flag are a composite foreign key into its file (``ON UPDATE CASCADE``, so
retiring a file retires its lines in the same statement); and two partial unique indexes allow
exactly one active file per plan × region × period and one active value per
plan × target × region × period. A corrected file for the same region and period retires the
earlier file (``active = false, superseded_by = new id``) and inserts the new one in one
transaction; the earlier file and its lines stay as history.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from minshi_geo import limits
from minshi_geo.errors import MinshiError
from minshi_geo.messages import say

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///./minshi.db"
ENV_URL = "MINSHI_DB"

STATUS_CHOICES: tuple[str, ...] = ("未启动", "推进中", "已完成")

# Write transactions that lose a race are retried this many times before giving up.
MAX_ATTEMPTS = 12
# PostgreSQL SQLSTATEs that mean "lost a race, try again": serialization failure, deadlock,
# unique violation (another process inserted the same file or the same current value first).
_RETRY_SQLSTATES = {"40001", "40P01", "23505"}

metadata = sa.MetaData()

regions_table = sa.Table(
    "regions",
    metadata,
    sa.Column("region_code", sa.String(32), primary_key=True),
    sa.Column("region_name", sa.String(128), nullable=False),
)

targets_table = sa.Table(
    "targets",
    metadata,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("target_id", sa.String(32), primary_key=True),
    sa.Column("metric", sa.String(256), nullable=False),
    sa.Column("unit", sa.String(32)),
    sa.Column("kind", sa.String(16), nullable=False),
)

report_files = sa.Table(
    "report_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("filename", sa.String(1024), nullable=False),
    sa.Column("plan_id", sa.String(64), nullable=False),
    sa.Column("scenario_sha256", sa.String(64)),
    sa.Column("region_code", sa.String(32), sa.ForeignKey("regions.region_code"), nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("sample", sa.Boolean, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(128), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("superseded_by", sa.Integer, sa.ForeignKey("report_files.id")),
    # Target of the lines' composite foreign key.
    sa.UniqueConstraint(
        "id", "plan_id", "region_code", "period_end", "active", name="uq_report_files_key"
    ),
    sa.CheckConstraint("length(sha256) = 64", name="ck_report_files_sha256"),
)
sa.Index(
    "uq_report_files_current",
    report_files.c.plan_id,
    report_files.c.region_code,
    report_files.c.period_end,
    unique=True,
    sqlite_where=report_files.c.active,
    postgresql_where=report_files.c.active,
)

report_lines = sa.Table(
    "report_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_id", sa.Integer, nullable=False),
    sa.Column("plan_id", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(32), nullable=False),
    sa.Column("region_code", sa.String(32), sa.ForeignKey("regions.region_code"), nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("completed", sa.Float),
    sa.Column("status", sa.String(8)),
    sa.Column("note", sa.Text),
    sa.Column("sheet", sa.String(128)),
    sa.Column("row", sa.Integer),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.ForeignKeyConstraint(
        ["plan_id", "target_id"],
        ["targets.plan_id", "targets.target_id"],
        name="fk_report_lines_target",
    ),
    sa.ForeignKeyConstraint(
        ["file_id", "plan_id", "region_code", "period_end", "active"],
        [
            "report_files.id",
            "report_files.plan_id",
            "report_files.region_code",
            "report_files.period_end",
            "report_files.active",
        ],
        name="fk_report_lines_file",
        onupdate="CASCADE",
        ondelete="CASCADE",
    ),
    sa.UniqueConstraint("file_id", "target_id", name="uq_report_lines_one_per_target"),
    sa.CheckConstraint("completed IS NULL OR completed >= 0", name="ck_completed_not_negative"),
    sa.CheckConstraint(
        "status IS NULL OR status IN ('未启动', '推进中', '已完成')", name="ck_status_known"
    ),
    sa.CheckConstraint(
        "completed IS NOT NULL OR status IS NOT NULL OR note IS NOT NULL",
        name="ck_line_not_blank",
    ),
)
sa.Index(
    "uq_report_lines_current",
    report_lines.c.plan_id,
    report_lines.c.target_id,
    report_lines.c.region_code,
    report_lines.c.period_end,
    unique=True,
    sqlite_where=report_lines.c.active,
    postgresql_where=report_lines.c.active,
)
sa.Index("ix_report_lines_region", report_lines.c.plan_id, report_lines.c.region_code)


class StoreError(MinshiError):
    """The progress database cannot be opened or refused a write."""


class ReportRejected(MinshiError):
    """One or more report files failed validation; nothing was stored.

    ``problems`` holds every problem, one line each (file, sheet, row, column, expected).
    """

    def __init__(self, problems: Sequence[str], *, hint: str | None = None):
        self.problems = list(problems)
        head = self.problems[0] if self.problems else say("import.rejected")
        more = len(self.problems) - 1
        tail = (say("import.more_nothing_stored", more=more, s="s" if more > 1 else "") if more
                else say("import.nothing_stored"))
        super().__init__(head + tail, hint=hint)


@dataclass(frozen=True)
class StoredReport:
    """One validated report file, ready to store.

    ``lines`` columns: target_id, completed (float, NaN when blank), status (str or None),
    note (str or None), sheet, row (the report's own sheet and row, for messages).
    """

    filename: str
    sha256: str
    plan_id: str
    scenario_sha256: str | None
    region_code: str
    period_end: date
    sample: bool
    lines: pd.DataFrame


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one file: ``imported``, ``replaced`` (a corrected file superseded
    ``replaced_file_id``) or ``unchanged`` (this exact file was imported before)."""

    filename: str
    action: str
    file_id: int
    region_code: str
    period_end: date
    lines: int
    replaced_file_id: int | None = None
    warnings: tuple[str, ...] = ()


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$MINSHI_DB``, else ``sqlite:///./minshi.db``."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


WORK_STORE_NAME = "minshi.db"


def work_store_url(url: str | None, allocation_dir: str | Path | None) -> str:
    """The store that holds the reports of this work — what every ``progress`` command and
    ``map progress`` use: ``url`` (``--db``), else ``$MINSHI_DB``, else the store beside the
    allocation folder (``out/allocation`` → ``out/minshi.db``, where ``minshi-geo demo`` keeps
    its 示例 store) when that file exists, else ``sqlite:///./minshi.db``."""
    if url or os.environ.get(ENV_URL) or allocation_dir is None:
        return resolve_url(url)
    beside = Path(allocation_dir).parent / WORK_STORE_NAME
    return f"sqlite:///{beside}" if beside.is_file() else DEFAULT_URL


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def store_exists(url: str) -> bool:
    """False only for a SQLite file that is not there: reading must not create it."""
    path = sqlite_path(url)
    return path is None or path.is_file()


T = TypeVar("T")


class ProgressStore:
    """A progress database. ``ProgressStore(url)`` opens it and creates missing tables.

    >>> store = ProgressStore("sqlite:///progress.db")
    >>> store.current_values("jilin-2023")
    """

    def __init__(self, url: str | None = None, *, create: bool = True):
        self.url = resolve_url(url)
        try:
            self.engine = _make_engine(self.url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StoreError(say("store.bad_url", url=repr(self.url), why=exc),
                             hint=say("store.hint_url")) from None
        if create:
            self.create_schema()

    # ------------------------------------------------------------------ plumbing
    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create_schema(self) -> None:
        """Create the tables that are missing (safe to call from several processes at once)."""

        def work() -> None:
            # READ COMMITTED on purpose: after waiting for the lock, the existence checks must
            # see tables another process committed meanwhile (a SERIALIZABLE snapshot would not).
            with self.engine.execution_options(minshi_write=True).begin() as conn:
                if self.dialect == "postgresql":
                    # CREATE TABLE is not safe against a concurrent CREATE TABLE of one name.
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(7_412_023)))
                metadata.create_all(conn, checkfirst=True)
                _check_schema(conn, self.url)

        self._retrying(work)

    def _retrying(self, work: Callable[[], T]) -> T:
        """Run ``work()`` (one whole transaction), again after a lost race, up to MAX_ATTEMPTS.

        Besides write conflicts, SQLite can answer "database is locked" at once, without its
        busy wait, while another process opens the file or switches it to WAL; retrying the
        whole transaction after a short random pause is the documented remedy.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return work()
            except sa.exc.DBAPIError as exc:
                if attempt == MAX_ATTEMPTS or not _is_lost_race(exc):
                    raise _store_error(self.url, exc) from None
                log.info("lost a race (%s); retry %d", _sqlstate(exc), attempt)
                # Back off a little, more each time, so racing processes spread out.
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    def write(self, work: Callable[[Connection], T], locks: Sequence[str] = ()) -> T:
        """Run ``work(conn)`` in one write transaction, retrying it whole after a lost race.

        ``locks``: names to hold for the transaction. On PostgreSQL each becomes a
        transaction-level advisory lock, taken in sorted order (no deadlock between two
        batches); SQLite's ``BEGIN IMMEDIATE`` already serialises all writers.
        """
        writer = self.engine.execution_options(minshi_write=True)

        def work_once() -> T:
            with writer.begin() as conn:
                if self.dialect == "postgresql":
                    for name in sorted(set(locks)):
                        conn.execute(
                            sa.select(
                                sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(name, 0))
                            )
                        )
                return work(conn)

        return self._retrying(work_once)

    def read(self, statement: sa.Executable) -> pd.DataFrame:
        def work() -> pd.DataFrame:
            with self.engine.connect() as conn:
                result = conn.execute(statement)
                return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

        return self._retrying(work)

    # ------------------------------------------------------------------ reference data
    def register(
        self,
        plan_id: str,
        targets: Iterable[tuple[str, str, str | None, str]],
        regions: Iterable[tuple[str, str]],
    ) -> None:
        """Make targets ``(target_id, metric, unit, kind)`` of ``plan_id`` and regions
        ``(region_code, region_name)`` known, so report lines may refer to them."""
        target_rows = [
            {"plan_id": plan_id, "target_id": str(t), "metric": m, "unit": u, "kind": k}
            for t, m, u, k in targets
        ]
        region_rows = [{"region_code": str(c), "region_name": n} for c, n in regions]
        self.write(lambda conn: self._register(conn, target_rows, region_rows))

    def _register(self, conn: Connection, target_rows: list, region_rows: list) -> None:
        insert = _insert_ignore(self.dialect)
        if region_rows:
            conn.execute(insert(regions_table).on_conflict_do_nothing(), region_rows)
        if target_rows:
            conn.execute(insert(targets_table).on_conflict_do_nothing(), target_rows)

    def known_targets(self, plan_id: str) -> set[str]:
        frame = self.read(
            sa.select(targets_table.c.target_id).where(targets_table.c.plan_id == plan_id)
        )
        return set(frame["target_id"])

    def known_regions(self) -> set[str]:
        return set(self.read(sa.select(regions_table.c.region_code))["region_code"])

    # ------------------------------------------------------------------ reports
    def save_reports(
        self,
        reports: Sequence[StoredReport],
        *,
        imported_by: str,
        allow_decrease: bool = False,
        now: datetime | None = None,
    ) -> list[ImportOutcome]:
        """Store validated reports in **one** transaction, earliest period first.

        Per file: the same bytes imported before → ``unchanged``; an active file for the same
        plan × region × period → that file is retired and this one ``replaced`` it; else
        ``imported``. A cumulative value lower than the value stored for an earlier period of
        the same target × region (or higher than a later one) is stored as reported, with a
        warning in the file's outcome (``allow_decrease`` is accepted for compatibility and
        changes nothing).
        """
        ordered = sorted(reports, key=lambda r: (r.period_end, r.region_code, r.filename))
        stamp = now or datetime.now(UTC)

        def work(conn: Connection) -> list[ImportOutcome]:
            return [self._save_one(conn, report, imported_by, stamp) for report in ordered]

        # Imports of one region (same file, corrections, earlier/later periods) queue behind
        # each other; different regions proceed in parallel.
        locks = [f"minshi-progress:{r.plan_id}:{r.region_code}" for r in ordered]
        return self.write(work, locks=locks)

    def _save_one(
        self,
        conn: Connection,
        report: StoredReport,
        imported_by: str,
        stamp: datetime,
    ) -> ImportOutcome:
        f = report_files.c
        same = conn.execute(
            sa.select(f.id, f.active, f.superseded_by, f.region_code, f.period_end).where(
                f.sha256 == report.sha256
            )
        ).first()
        if same is not None:
            return unchanged_outcome(report.filename, same)
        lines = _line_rows(report)
        warnings = self._check_monotone(conn, report, lines)
        previous = conn.execute(
            sa.select(f.id).where(
                f.plan_id == report.plan_id,
                f.region_code == report.region_code,
                f.period_end == report.period_end,
                f.active,
            )
        ).scalar()
        if previous is not None:
            # Retire first: the partial unique index allows one active file per period. The
            # composite foreign key (ON UPDATE CASCADE) retires the file's lines with it.
            conn.execute(report_files.update().where(f.id == previous).values(active=False))
        file_id = conn.execute(
            report_files.insert().returning(f.id),
            {
                "sha256": report.sha256,
                "filename": report.filename,
                "plan_id": report.plan_id,
                "scenario_sha256": report.scenario_sha256,
                "region_code": report.region_code,
                "period_end": report.period_end,
                "sample": bool(report.sample),
                "imported_at": stamp,
                "imported_by": imported_by,
                "active": True,
                "superseded_by": None,
            },
        ).scalar_one()
        if previous is not None:
            conn.execute(
                report_files.update().where(f.id == previous).values(superseded_by=file_id)
            )
        if lines:
            conn.execute(
                report_lines.insert(),
                [
                    {
                        **row,
                        "file_id": file_id,
                        "plan_id": report.plan_id,
                        "region_code": report.region_code,
                        "period_end": report.period_end,
                        "active": True,
                    }
                    for row in lines
                ],
            )
        return ImportOutcome(
            filename=report.filename,
            action="replaced" if previous is not None else "imported",
            file_id=file_id,
            region_code=report.region_code,
            period_end=report.period_end,
            lines=len(lines),
            replaced_file_id=previous,
            warnings=tuple(warnings),
        )

    def _check_monotone(
        self, conn: Connection, report: StoredReport, lines: list[dict]
    ) -> list[str]:
        """Warnings for cumulative values that go down from one period to the next (same
        target × region): the report is stored as reported, and the status flags it."""
        warnings: list[str] = []
        numbers = {r["target_id"]: r for r in lines if r["completed"] is not None}
        if not numbers:
            return warnings
        rl = report_lines.c
        stored = conn.execute(
            sa.select(rl.target_id, rl.period_end, rl.completed).where(
                rl.plan_id == report.plan_id,
                rl.region_code == report.region_code,
                rl.active,
                rl.completed.is_not(None),
                rl.period_end != report.period_end,
                rl.target_id.in_(list(numbers)),
            )
        ).all()
        earlier: dict[str, tuple[date, float]] = {}
        later: dict[str, tuple[date, float]] = {}
        for target_id, period_end, completed in stored:
            if period_end < report.period_end:
                if target_id not in earlier or period_end > earlier[target_id][0]:
                    earlier[target_id] = (period_end, completed)
            elif target_id not in later or period_end < later[target_id][0]:
                later[target_id] = (period_end, completed)
        for target_id, row in numbers.items():
            value, at = row["completed"], _at(report.filename, row)
            if target_id in earlier and value < earlier[target_id][1] - 1e-9:
                when, before = earlier[target_id]
                warnings.append(say("import.falling", at=at, target=target_id,
                                           value=_num(value), before=_num(before),
                                           when=when.isoformat()))
            if target_id in later and value > later[target_id][1] + 1e-9:
                when, after = later[target_id]
                warnings.append(say("import.above_later", at=at, target=target_id,
                                           value=_num(value), after=_num(after),
                                           when=when.isoformat()))
        return warnings

    # ------------------------------------------------------------------ queries
    def imported(self, sha256s: Sequence[str]) -> dict[str, Any]:
        """Files already stored, by sha256: rows with id, active, superseded_by, region_code,
        period_end (the importer skips reading these: importing them again is a no-op)."""
        if not sha256s:
            return {}
        f = report_files.c
        query = sa.select(
            f.sha256, f.id, f.active, f.superseded_by, f.region_code, f.period_end
        ).where(f.sha256.in_(list(sha256s)))
        def work() -> dict[str, Any]:
            with self.engine.connect() as conn:
                return {row.sha256: row for row in conn.execute(query)}

        return self._retrying(work)

    def current_values(self, plan_id: str, as_of: date | None = None) -> pd.DataFrame:
        """The active value of every target × region × period (latest correction wins).

        Columns: target_id, region_code, region_name, period_end (date), completed (float, NaN
        when blank), status, note, file_id, filename, sample (bool), imported_at,
        scenario_sha256 (of the allocation the sheet was made from).
        """
        rl, f = report_lines.c, report_files.c
        query = (
            sa.select(
                rl.target_id,
                rl.region_code,
                regions_table.c.region_name,
                rl.period_end,
                rl.completed,
                rl.status,
                rl.note,
                rl.file_id,
                f.filename,
                f.sample,
                f.imported_at,
                f.scenario_sha256,
            )
            .join(report_files, rl.file_id == f.id)
            .join(regions_table, rl.region_code == regions_table.c.region_code)
            .where(rl.plan_id == plan_id, rl.active)
            .order_by(rl.period_end, rl.region_code, rl.target_id)
        )
        if as_of is not None:
            query = query.where(rl.period_end <= as_of)
        frame = self.read(query)
        frame["completed"] = pd.to_numeric(frame["completed"], errors="coerce").astype(float)
        frame["sample"] = frame["sample"].astype(bool)
        return frame

    def files(self, plan_id: str | None = None) -> pd.DataFrame:
        """Every imported file, current and retired (history), oldest first."""
        f = report_files.c
        query = sa.select(report_files).order_by(f.id)
        if plan_id is not None:
            query = query.where(f.plan_id == plan_id)
        return self.read(query)

    def lines(self, plan_id: str | None = None) -> pd.DataFrame:
        """Every stored line, current and retired."""
        query = sa.select(report_lines).order_by(report_lines.c.id)
        if plan_id is not None:
            query = query.where(report_lines.c.plan_id == plan_id)
        return self.read(query)


def unchanged_outcome(filename: str, row: Any) -> ImportOutcome:
    """The outcome for a file whose exact bytes were imported before (``row``: id, active,
    superseded_by, region_code, period_end of the stored file)."""
    warnings: tuple[str, ...] = ()
    if not row.active:
        warnings = (say("import.replaced_before", file=filename, by=row.superseded_by),)
    return ImportOutcome(
        filename=filename,
        action="unchanged",
        file_id=row.id,
        region_code=row.region_code,
        period_end=row.period_end,
        lines=0,
        warnings=warnings,
    )


# ---------------------------------------------------------------------- engine set-up
def _parse_url(url: str) -> sa.engine.URL:
    """``url`` parsed, or a :class:`StoreError` naming it (password hidden)."""
    shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError, TypeError) as exc:
        reason = say("store.port_not_number") if "int()" in str(exc) else say("store.not_url")
        raise StoreError(say("store.bad_url", url=shown, why=reason), hint=say("store.hint_url")) \
            from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(say("store.other_database", url=shown,
                             backend=repr(parsed.get_backend_name())), hint=say("store.hint_url"))
    return parsed


def _make_engine(url: str) -> Engine:
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = os.path.dirname(os.path.abspath(parsed.database))
            if not os.path.isdir(folder):
                raise StoreError(say("store.no_folder", url=url, folder=folder),
                                 hint=say("store.hint_no_folder"))
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except (ImportError, sa.exc.ArgumentError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreError(say("store.no_driver", url=shown, driver=repr(parsed.get_driver_name()),
                             why=limits.shorten(str(exc), 80)), hint=say("store.hint_url")) from None


def _check_schema(conn: Connection, url: str) -> None:
    """Tables of ours that exist with columns missing: another program's database (or an
    incompatible old one) — one clear error instead of a failing query later."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            shown = sa.engine.make_url(url).render_as_string(hide_password=True)
            raise StoreError(say("store.wrong_schema", url=shown, table=table.name,
                                 columns=", ".join(missing)),
                             hint=say("store.hint_wrong_schema"))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module (it would not BEGIN before
    # SELECTs and cannot BEGIN IMMEDIATE per transaction); _sqlite_begin emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front: a deferred transaction that reads first and then
    # writes can fail with SQLITE_BUSY at the upgrade, with no busy-wait.
    write = conn.get_execution_options().get("minshi_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _insert_ignore(dialect: str) -> Callable[[sa.Table], Any]:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise StoreError(say("store.other_database", url=dialect, backend=repr(dialect)),
                         hint=say("store.hint_url"))
    return insert


def _sqlstate(exc: sa.exc.DBAPIError) -> str:
    return getattr(exc.orig, "sqlstate", None) or str(exc.orig).splitlines()[0]


def _is_lost_race(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


def _store_error(url: str, exc: sa.exc.DBAPIError) -> StoreError:
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    text = detail.lower()
    if "file is not a database" in text or "file is encrypted" in text:
        return StoreError(say("store.not_database", url=shown, detail=detail),
                          hint=say("store.hint_not_database"))
    if "database is locked" in text or "database is busy" in text:
        return StoreError(say("store.locked", url=shown, detail=detail),
                          hint=say("store.hint_locked"))
    return StoreError(say("store.failed", url=shown, detail=detail), hint=say("store.hint"))


# ---------------------------------------------------------------------- line helpers
def _line_rows(report: StoredReport) -> list[dict]:
    rows = []
    for rec in report.lines.to_dict("records"):
        completed = rec.get("completed")
        completed = None if completed is None or pd.isna(completed) else float(completed)
        status = _text_or_none(rec.get("status"))
        note = _text_or_none(rec.get("note"))
        if completed is None and status is None and note is None:
            continue  # a blank row reports nothing
        row = rec.get("row")
        rows.append(
            {
                "target_id": str(rec["target_id"]),
                "completed": completed,
                "status": status,
                "note": note,
                "sheet": _text_or_none(rec.get("sheet")),
                "row": None if row is None or pd.isna(row) else int(row),
            }
        )
    return rows


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _at(filename: str, row: dict) -> str:
    """``file sheet S row R`` — the importer's way of naming a row (messages ``at.row``)."""
    sheet = say("at.sheet", sheet=row["sheet"]) if row.get("sheet") else ""
    if row.get("row") is None:
        return filename + sheet
    return say("at.row", file=filename, sheet=sheet, row=row["row"])


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else str(value)
