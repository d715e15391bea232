"""The progress store keeps report data sane, on SQLite and on PostgreSQL (same tests, both).

Inputs here are hand-built stored reports on the real Jilin 2023 catalogue; the importer tests
(test_progress_import.py) go through real workbooks.
"""

from __future__ import annotations

import multiprocessing
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from progress_db import BACKENDS, fresh_database_url

from minshi_geo.catalogue import load_plan
from minshi_geo.progress.store import (
    ProgressStore,
    ReportRejected,
    StoredReport,
    report_files,
    report_lines,
    resolve_url,
)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty progress database: every test runs on SQLite and on PostgreSQL."""
    yield from fresh_database_url(request.param, tmp_path)


PLAN = load_plan()
REGIONS = [("220100", "长春市"), ("220200", "吉林市"), ("220300", "四平市"), ("220400", "辽源市")]
SCENARIO = "5" * 64


def report(region: str, period: date, values: dict, *, tag: str = "", sample: bool = False):
    """A stored report whose sha256 is derived from its content (plus ``tag``)."""
    lines = pd.DataFrame(
        [
            {
                "target_id": t,
                "completed": v if not isinstance(v, str) else float("nan"),
                "status": v if isinstance(v, str) else None,
                "note": None,
                "sheet": "任务分解表",
                "row": 11 + i,
            }
            for i, (t, v) in enumerate(values.items())
        ]
    )
    digest = pd.util.hash_pandas_object(lines, index=False).sum()
    sha = f"{region}{period:%Y%m%d}{digest & 0xFFFFFFFFFFFF:x}{tag}".ljust(64, "0")[:64]
    return StoredReport(
        filename=f"{region}-{period}{tag}.xlsx",
        sha256=sha,
        plan_id=PLAN.id,
        scenario_sha256=SCENARIO,
        region_code=region,
        period_end=period,
        sample=sample,
        lines=lines,
    )


def open_store(url: str) -> ProgressStore:
    store = ProgressStore(url)
    store.register(PLAN.id, [(t.id, t.metric, t.unit, t.kind) for t in PLAN.targets], REGIONS)
    return store


MAR, JUN, SEP = date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30)


def test_default_url_is_a_sqlite_file_in_the_working_folder(monkeypatch):
    monkeypatch.delenv("MINSHI_DB", raising=False)
    assert resolve_url(None) == "sqlite:///./minshi.db"
    monkeypatch.setenv("MINSHI_DB", "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    assert resolve_url("postgresql+psycopg://x@h/db") == "postgresql+psycopg://x@h/db"


def test_import_then_read_back_current_values(db_url):
    store = open_store(db_url)
    outcomes = store.save_reports(
        [report("220100", MAR, {"29.2": 15, "4.1": 5, "1.2": "推进中"})], imported_by="tester"
    )
    assert [o.action for o in outcomes] == ["imported"]
    values = store.current_values(PLAN.id)
    assert values[["target_id", "completed", "status"]].astype(object).fillna(
        "-"
    ).values.tolist() == [
        ["1.2", "-", "推进中"],
        ["29.2", 15.0, "-"],
        ["4.1", 5.0, "-"],
    ]
    assert set(values["period_end"]) == {MAR}
    assert set(values["region_name"]) == {"长春市"}
    files = store.files()
    assert files.loc[0, "imported_by"] == "tester" and bool(files.loc[0, "active"])


def test_same_file_twice_is_a_no_op(db_url):
    store = open_store(db_url)
    first = report("220100", MAR, {"29.2": 15})
    store.save_reports([first], imported_by="a")
    again = store.save_reports([first], imported_by="b")
    assert again[0].action == "unchanged"
    assert len(store.files()) == 1 and len(store.lines()) == 1


def test_corrected_file_replaces_the_earlier_one_and_keeps_it_as_history(db_url):
    store = open_store(db_url)
    first = report("220100", MAR, {"29.2": 15, "4.1": 5})
    corrected = report("220100", MAR, {"29.2": 18}, tag="v2")
    store.save_reports([first], imported_by="a")
    (outcome,) = store.save_reports([corrected], imported_by="a")
    assert outcome.action == "replaced" and outcome.replaced_file_id is not None
    current = store.current_values(PLAN.id)
    # The corrected file replaces the whole earlier file: 4.1 is no longer reported.
    assert current[["target_id", "completed"]].values.tolist() == [["29.2", 18.0]]
    files = store.files().set_index("id")
    old = files.loc[outcome.replaced_file_id]
    assert not old["active"] and old["superseded_by"] == outcome.file_id
    lines = store.lines()
    assert len(lines) == 3 and lines["active"].sum() == 1


def test_reimporting_a_replaced_file_does_not_bring_it_back(db_url):
    store = open_store(db_url)
    first = report("220100", MAR, {"29.2": 15})
    store.save_reports([first], imported_by="a")
    store.save_reports([report("220100", MAR, {"29.2": 18}, tag="v2")], imported_by="a")
    (outcome,) = store.save_reports([first], imported_by="a")
    assert outcome.action == "unchanged"
    assert "replaced by file" in outcome.warnings[0]
    assert store.current_values(PLAN.id)["completed"].tolist() == [18.0]


def test_a_falling_total_is_stored_as_reported_with_a_warning(db_url):
    """Issue #15: a cumulative figure below the previous report is a warning, not a refusal —
    a region correcting an earlier over-count must be able to send its true figure."""
    store = open_store(db_url)
    store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    batch = [
        report("220200", JUN, {"29.2": 4}),  # fine on its own
        report("220100", JUN, {"29.2": 12}),  # 15 in March, 12 in June
    ]
    outcomes = store.save_reports(batch, imported_by="a")
    assert [o.action for o in outcomes] == ["imported", "imported"]
    warned = {o.region_code: o.warnings for o in outcomes}
    assert warned["220200"] == ()
    (warning,) = warned["220100"]
    assert warning == ("220100-2023-06-30.xlsx sheet 任务分解表 row 11, column 累计完成: target "
                       "29.2 cumulative 12 is below 15 stored for 2023-03-31 (cumulative values "
                       "should not go down); stored as reported — please check")
    values = store.current_values(PLAN.id)
    assert values.set_index(["region_code", "period_end"])["completed"].to_dict() == {
        ("220100", MAR): 15.0, ("220100", JUN): 12.0, ("220200", JUN): 4.0}


def test_a_falling_total_within_one_batch_is_warned_too(db_url):
    store = open_store(db_url)
    batch = [report("220100", JUN, {"29.2": 12}), report("220100", MAR, {"29.2": 15})]
    outcomes = store.save_reports(batch, imported_by="a")
    by_period = {o.period_end: o.warnings for o in outcomes}
    assert by_period[MAR] == () and "cumulative 12 is below 15" in by_period[JUN][0]
    assert len(store.files()) == 2


def test_backfilled_period_above_a_later_one_is_warned(db_url):
    store = open_store(db_url)
    store.save_reports([report("220100", JUN, {"29.2": 12})], imported_by="a")
    (outcome,) = store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    assert "cumulative 15 is above 12 stored for the later period 2023-06-30" in \
        outcome.warnings[0]


def test_a_falling_total_warning_in_chinese(db_url, monkeypatch):
    monkeypatch.setenv("MINSHI_LANG", "zh")
    store = open_store(db_url)
    store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    (outcome,) = store.save_reports([report("220100", JUN, {"29.2": 12})], imported_by="a")
    assert outcome.warnings == (
        "220100-2023-06-30.xlsx「任务分解表」表 第11行，累计完成列：29.2 累计完成 12 低于 "
        "2023-03-31 报送的 15（累计数不应减少），已按本期报送记录，请核实",)


def test_allow_decrease_is_still_accepted(db_url):
    store = open_store(db_url)
    store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    (outcome,) = store.save_reports(
        [report("220100", JUN, {"29.2": 12})], imported_by="a", allow_decrease=True
    )
    assert outcome.action == "imported"
    assert "cumulative 12 is below 15" in outcome.warnings[0]


def test_as_of_limits_the_periods_read(db_url):
    store = open_store(db_url)
    store.save_reports(
        [report("220100", MAR, {"29.2": 15}), report("220100", JUN, {"29.2": 30})],
        imported_by="a",
    )
    assert store.current_values(PLAN.id, as_of=date(2023, 5, 1))["completed"].tolist() == [15.0]


# ---------------------------------------------------------------------- the database's own rules
def _raw_insert(store: ProgressStore, *, completed=1.0, target="29.2", region="220100",
                status=None, period=MAR, active=True) -> None:  # fmt: skip
    """Write past the importer, straight into the tables, to prove the database itself refuses."""
    with store.engine.begin() as conn:
        file_id = conn.execute(
            sa.select(report_files.c.id).where(report_files.c.region_code == "220100")
        ).scalar()
        conn.execute(
            report_lines.insert(),
            {"file_id": file_id, "plan_id": PLAN.id, "target_id": target, "region_code": region,
             "period_end": period, "completed": completed, "status": status, "note": None,
             "active": active},
        )  # fmt: skip


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"completed": -3.0}, id="negative value"),
        pytest.param({"target": "99.9"}, id="unknown target"),
        pytest.param({"region": "229900"}, id="unknown region"),
        pytest.param({"completed": None, "status": "差不多"}, id="unknown status word"),
        pytest.param({"target": "4.1", "period": JUN}, id="line period differs from its file"),
        pytest.param({"target": "4.1", "active": False}, id="line retired while its file is not"),
        pytest.param({}, id="second current value for target x region x period"),
    ],
)
def test_database_refuses_insane_rows_even_past_the_importer(db_url, bad):
    store = open_store(db_url)
    store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    with pytest.raises(sa.exc.IntegrityError):
        _raw_insert(store, **bad)
    assert len(store.lines()) == 1


def test_one_active_file_per_region_and_period(db_url):
    store = open_store(db_url)
    store.save_reports([report("220100", MAR, {"29.2": 15})], imported_by="a")
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(
            report_files.insert(),
            {"sha256": "f" * 64, "filename": "dup.xlsx", "plan_id": PLAN.id,
             "scenario_sha256": SCENARIO, "region_code": "220100", "period_end": MAR,
             "sample": False, "imported_at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
             "imported_by": "x", "active": True},
        )  # fmt: skip


# ---------------------------------------------------------------------- concurrency
def _import_in_process(url: str, reports: list[StoredReport], barrier) -> list[str]:
    """Child process: wait for the others, then import (spawned, so a fresh interpreter)."""
    store = ProgressStore(url)
    barrier.wait()
    outcomes = store.save_reports(reports, imported_by=multiprocessing.current_process().name)
    store.close()
    return [o.action for o in outcomes]


def _run_parallel(url: str, batches: list[list[StoredReport]]) -> list[list[str]]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(batches))
        with ctx.Pool(len(batches)) as pool:
            jobs = [pool.apply_async(_import_in_process, (url, b, barrier)) for b in batches]
            return [job.get(timeout=120) for job in jobs]


CONCURRENT_REGIONS = 4
CONCURRENT_TARGETS = ["1.1", "4.1", "4.2", "6.1", "7.1", "8.1", "9.1", "29.1", "29.2", "29.3"]


def test_parallel_imports_lose_nothing_and_duplicate_nothing(db_url):
    """4 processes, one per region, each importing three months (30 lines per file) at the same
    moment; 2 more processes importing the very same file; 2 more racing corrections of one
    region's September file. Every row arrives exactly once, one current value per key."""
    store = open_store(db_url)
    store.close()

    def months(region: str, scale: int) -> list[StoredReport]:
        return [
            report(region, period, {t: scale * k + i for i, t in enumerate(CONCURRENT_TARGETS)})
            for k, period in enumerate([MAR, JUN, SEP], start=1)
        ]

    per_region = [months(code, 10 + n) for n, (code, _name) in enumerate(REGIONS)]
    same_file = report("220100", date(2023, 10, 31), {t: 100 for t in CONCURRENT_TARGETS})
    racing = [
        report("220200", date(2023, 11, 30), {"29.2": 200}, tag="a"),
        report("220200", date(2023, 11, 30), {"29.2": 201}, tag="b"),
    ]
    batches = per_region + [[same_file], [same_file], [racing[0]], [racing[1]]]
    results = _run_parallel(db_url, batches)

    assert results[:CONCURRENT_REGIONS] == [["imported"] * 3] * CONCURRENT_REGIONS
    assert sorted(results[4] + results[5]) == ["imported", "unchanged"]
    assert sorted(results[6] + results[7]) == ["imported", "replaced"]

    store = ProgressStore(db_url)
    files, lines = store.files(), store.lines()
    # 12 monthly files + 1 shared file + 2 racing corrections, each stored once.
    assert len(files) == 12 + 1 + 2
    assert len(lines) == 12 * len(CONCURRENT_TARGETS) + len(CONCURRENT_TARGETS) + 2
    assert not files["sha256"].duplicated().any()
    current = store.current_values(PLAN.id)
    keys = ["target_id", "region_code", "period_end"]
    assert not current.duplicated(keys).any()
    assert len(current) == 13 * len(CONCURRENT_TARGETS) + 1
    # Every value that was sent is the value that is current.
    for batch in per_region:
        for sent in batch:
            got = current[(current["region_code"] == sent.region_code)
                          & (current["period_end"] == sent.period_end)]  # fmt: skip
            assert sorted(got["completed"]) == sorted(sent.lines["completed"])
    nov = current[current["period_end"] == date(2023, 11, 30)]
    assert nov["completed"].tolist()[0] in (200.0, 201.0)


# ---------------------------------------------------------------------- store errors, in Chinese
def test_a_database_of_another_program_is_named_not_a_progress_store(tmp_path, monkeypatch):
    import sqlite3

    from minshi_geo.progress.store import StoreError

    monkeypatch.setenv("MINSHI_LANG", "zh")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE regions (x INTEGER)")
    with pytest.raises(StoreError) as caught:
        ProgressStore(f"sqlite:///{other}")
    assert str(caught.value) == (f"进度库 sqlite:///{other}：不是本工具的进度库（表 regions 缺少列 "
                                 "region_code, region_name）")
    assert caught.value.hint == "请用 --db 指定一个新文件或本工具建立的进度库"
    text = tmp_path / "notes.db"
    text.write_text("not a database at all " * 50, encoding="utf-8")
    with pytest.raises(StoreError, match=r"^进度库 sqlite:///\S+notes\.db：不是数据库文件（file is "
                                         r"not a database）$"):
        ProgressStore(f"sqlite:///{text}")
    monkeypatch.setenv("MINSHI_LANG", "en")
    with pytest.raises(StoreError, match=r"not a minshi-geo progress store \(table regions lacks "
                                         r"column region_code, region_name\)"):
        ProgressStore(f"sqlite:///{other}")


def test_a_locked_store_and_a_bad_url_read_in_chinese(tmp_path, monkeypatch):
    import sqlite3

    from minshi_geo.progress.store import StoreError, _store_error

    monkeypatch.setenv("MINSHI_LANG", "zh")
    path = tmp_path / "p.db"
    ProgressStore(f"sqlite:///{path}").close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        with pytest.raises(sa.exc.OperationalError) as raw, engine.connect() as conn:
            conn.execute(sa.text("INSERT INTO regions VALUES ('x', 'y')"))  # a second writer
        engine.dispose()
    finally:
        holder.rollback()
        holder.close()
    error = _store_error(f"sqlite:///{path}", raw.value)
    assert str(error) == f"进度库 sqlite:///{path} 被其他程序占用（database is locked）"
    assert error.hint.startswith("请稍后再试")
    with pytest.raises(StoreError, match=r"^--db mysql://u@h/db：本工具不能使用的数据库（'mysql'；"
                                         r"仅支持 SQLite 或 PostgreSQL）$"):
        ProgressStore("mysql://u@h/db")
    with pytest.raises(StoreError, match=r"：文件夹 \S+nowhere 不存在$"):
        ProgressStore(f"sqlite:///{tmp_path / 'nowhere' / 'p.db'}")
