"""Returned sheets → import → status, on the real Jilin 2023 baseline allocation.

The sample sheets are the regions' real task workbooks (sheets writer) filled with 示例 values;
every bad-file test starts from one of them, breaks one thing, and checks both the message and
that nothing was stored. Everything that touches a database runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from progress_db import BACKENDS, fresh_database_url

from minshi_geo.errors import MinshiError
from minshi_geo.progress import status as st
from minshi_geo.demo import baseline_inputs
from minshi_geo.progress.importer import import_reports, load_inputs
from minshi_geo.progress.sample import SAMPLE_PERIODS, sample_progress, write_sample_reports
from minshi_geo.progress.store import ProgressStore, ReportRejected
from minshi_geo.sheets import layout

MAR, JUN, SEP = SAMPLE_PERIODS


@pytest.fixture(scope="module")
def baseline():
    """(allocation, plan, regions) of scenarios/jilin-2023-baseline.yaml."""
    return baseline_inputs()


@pytest.fixture(scope="module")
def sample_dir(baseline, tmp_path_factory) -> Path:
    allocation, plan, regions = baseline
    folder = tmp_path_factory.mktemp("sample-reports")
    write_sample_reports(allocation, plan, regions, folder)
    return folder


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    yield from fresh_database_url(request.param, tmp_path)


def sample_file(sample_dir: Path, region_name: str, period: date) -> Path:
    (path,) = sample_dir.glob(f"*-{region_name}-示例-{period.isoformat()}.xlsx")
    return path


def do_import(paths, url, baseline, **kw):
    allocation, plan, regions = baseline
    return import_reports(
        paths, url, allocation=allocation, plan=plan, regions=regions, imported_by="test", **kw
    )


def text(value) -> str | None:
    """Missing text is None or NaN depending on the column's dtype (pandas string columns)."""
    return None if value is None or pd.isna(value) else str(value)


def stored_counts(url: str) -> tuple[int, int]:
    with ProgressStore(url) as store:
        return len(store.files()), len(store.lines())


# ---------------------------------------------------------------------- the sample set
def test_sample_set_is_three_months_for_every_region_marked_sample(baseline, sample_dir):
    _allocation, _plan, regions = baseline
    files = sorted(sample_dir.glob("*.xlsx"))
    assert len(files) == 3 * len(regions.codes)
    assert all("示例" in f.name for f in files)
    wb = load_workbook(sample_file(sample_dir, "长春市", JUN))
    ws = wb[layout.TASK_SHEET]
    assert "示例" in ws.cell(row=layout.TITLE_ROW, column=1).value
    data_row = layout.header_row_of("data")
    banner = ws.cell(row=data_row, column=layout.HEADER_VALUE_COL)
    assert banner.value.startswith("示例")
    # marked the way the sheets writer marks a 示例 sheet: red on a tinted fill, and in print
    assert banner.font.color.rgb.endswith("C00000") and banner.fill.fgColor.rgb.endswith("FCE4D6")
    assert ws.oddHeader.right.text == "示例"
    identity = {r[0]: r[1] for r in wb[layout.IDENTITY_SHEET].iter_rows(values_only=True)}
    assert identity["sample"] == "true"


def test_sample_values_are_deterministic_and_include_lagging_regions(baseline):
    allocation, plan, regions = baseline
    a = sample_progress(allocation, plan, regions)
    b = sample_progress(allocation, plan, regions)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(sample_progress(allocation, plan, regions, seed=7))
    # Cumulative: no value falls from one period to the next.
    numbers = a.dropna(subset=["completed"]).sort_values("period_end")
    steps = numbers.groupby(["region_code", "target_id"])["completed"].diff().dropna()
    assert (steps >= 0).all()


def test_sample_files_are_byte_identical_when_regenerated(baseline, sample_dir, tmp_path):
    allocation, plan, regions = baseline
    again = write_sample_reports(allocation, plan, regions, tmp_path, periods=[MAR])
    first = sample_file(sample_dir, "长春市", MAR)
    (mine,) = [p for p in again if p.name == first.name]
    assert mine.read_bytes() == first.read_bytes()


# ---------------------------------------------------------------------- round trip
def test_round_trip_status_equals_what_was_filled_in(baseline, sample_dir, db_url):
    allocation, plan, regions = baseline
    files = sorted(sample_dir.glob("*.xlsx"))
    result = do_import(files, db_url, baseline)
    assert result.count("imported") == len(files) and not result.warnings

    status = st.compute_status(db_url, allocation, plan)
    assert st.periods(status) == [MAR, JUN, SEP]
    filled = sample_progress(allocation, plan, regions)
    filled = filled[filled["completed"].notna() | filled["status"].notna()]
    got = status.set_index(["period_end", "target_id", "region_code"])
    for rec in filled.itertuples(index=False):
        row = got.loc[(rec.period_end, rec.target_id, rec.region_code)]
        if pd.notna(rec.completed):
            assert row["completed"] == pytest.approx(rec.completed), rec
        else:
            assert row["status"] == rec.status, rec
        assert text(row["note"]) == text(rec.note), rec
        assert row["value_period_end"] == rec.period_end
    assert status["sample"].all()
    # Allocated quantities are the baseline allocation's, for every split target × region.
    split = status[status["period_end"] == SEP].dropna(subset=["allocated"])
    expected = allocation.table.set_index(["target_id", "region_code"])["quantity"]
    assert len(split) == len(expected)
    for rec in split.itertuples(index=False):
        assert rec.allocated == expected[(rec.target_id, rec.region_code)]
    # The demo needs something to show: lagging regions, some done, lights of every colour.
    lights = set(status[status["period_end"] == SEP]["light"])
    assert {"done", "green", "yellow", "red"} <= lights
    assert len(st.lagging(status)) > 0


def test_same_files_again_change_nothing(baseline, sample_dir, db_url):
    files = sorted(sample_dir.glob(f"*-{MAR.isoformat()}.xlsx"))
    do_import(files, db_url, baseline)
    before = stored_counts(db_url)
    again = do_import(files, db_url, baseline)
    assert again.count("unchanged") == len(files)
    assert stored_counts(db_url) == before


def test_corrected_file_replaces_the_earlier_one(baseline, sample_dir, db_url, tmp_path):
    allocation, plan, _regions = baseline
    original = sample_file(sample_dir, "长春市", MAR)
    do_import([original], db_url, baseline)
    corrected = tmp_path / original.name
    row = set_value(original, corrected, "29.2", 7)
    (outcome,) = do_import([corrected], db_url, baseline).outcomes
    assert outcome.action == "replaced"
    status = st.compute_status(db_url, allocation, plan)
    value = status.set_index(["target_id", "region_code"]).loc[("29.2", "220100"), "completed"]
    assert value == 7 and row > 0
    with ProgressStore(db_url) as store:
        files = store.files()
    assert len(files) == 2 and files["active"].sum() == 1


def test_csv_in_the_same_columns_imports_like_the_workbook(baseline, sample_dir, db_url, tmp_path):
    allocation, plan, _regions = baseline
    book = sample_file(sample_dir, "吉林市", JUN)
    csv_path = tmp_path / (book.stem + ".csv")
    workbook_as_csv(book, csv_path)
    do_import([csv_path], db_url, baseline)
    from_csv = st.compute_status(db_url, allocation, plan)
    url = f"sqlite:///{tmp_path / 'from-xlsx.db'}"
    do_import([book], url, baseline)
    from_xlsx = st.compute_status(url, allocation, plan)
    cols = ["target_id", "region_code", "completed", "status", "light"]
    pd.testing.assert_frame_equal(from_csv[cols], from_xlsx[cols])


# ---------------------------------------------------------------------- warnings
def test_completion_far_above_the_allocation_is_a_warning(baseline, sample_dir, db_url, tmp_path):
    allocation, _plan, _regions = baseline
    original = sample_file(sample_dir, "长春市", MAR)
    quantity = allocation.table.set_index(["target_id", "region_code"]).loc[
        ("29.2", "220100"), "quantity"
    ]
    edited = tmp_path / original.name
    set_value(original, edited, "29.2", quantity * 3)
    result = do_import([edited], db_url, baseline)
    assert result.count("imported") == 1
    (warning,) = result.warnings
    assert (
        "29.2 (改造农村危桥)" in warning
        and "300% of the" in warning
        and "check the unit" in warning
    )


def test_allow_decrease_stores_with_a_warning(baseline, sample_dir, db_url, tmp_path):
    do_import([sample_file(sample_dir, "长春市", MAR)], db_url, baseline)
    lowered = tmp_path / sample_file(sample_dir, "长春市", JUN).name
    set_value(sample_file(sample_dir, "长春市", JUN), lowered, "1.1", 1)
    result = do_import([lowered], db_url, baseline, allow_decrease=True)
    assert result.count("imported") == 1
    assert any("target 1.1 cumulative 1 is below" in w for w in result.warnings)


# ---------------------------------------------------------------------- bad files
def set_value(src: Path, dest: Path, target_id: str, value, column: str = "completed") -> int:
    """Copy a sheet with one reporting cell changed; return the row changed."""
    wb = load_workbook(src)
    ws = wb[layout.TASK_SHEET]
    cols = columns(ws)
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=cols["target_id"]).value == target_id:
            ws.cell(row=r, column=cols[column]).value = value
            wb.save(dest)
            return r
    raise AssertionError(f"no row for {target_id}")


def columns(ws) -> dict[str, int]:
    return {
        layout.KEY_OF_HEADER[c.value]: c.column
        for c in ws[layout.HEADING_ROW]
        if c.value in layout.KEY_OF_HEADER
    }


def set_identity(src: Path, dest: Path, **changes) -> None:
    """Change identity fields consistently (hidden sheet, 表格标识 line, 单位代码 and 分解单位
    lines, document properties)."""
    wb = load_workbook(src)
    for row in wb[layout.IDENTITY_SHEET].iter_rows(min_col=1, max_col=2):
        if row[0].value in changes:
            row[1].value = changes[row[0].value]
    values = {r[0]: r[1] for r in wb[layout.IDENTITY_SHEET].iter_rows(values_only=True)}
    ws = wb[layout.TASK_SHEET]
    ws.cell(
        row=layout.header_row_of("identity"), column=layout.HEADER_VALUE_COL
    ).value = layout.identity_text(
        values["plan_id"], values["region_code"], values["scenario_sha256"]
    )
    for key, field in (("region_code", "region_code"), ("region_name", "region")):
        if key in changes:
            ws.cell(row=layout.header_row_of(field), column=layout.HEADER_VALUE_COL).value = (
                changes[key]
            )
    for prop in wb.custom_doc_props.props:
        key = prop.name.removeprefix(layout.DOC_PROPERTY_PREFIX)
        if key in changes:
            prop.value = str(changes[key])
    wb.save(dest)


def workbook_as_csv(src: Path, dest: Path) -> None:
    from minshi_geo.sheets import book

    ws = load_workbook(src, data_only=True)[layout.TASK_SHEET]
    book.write_csv(dest, [list(r) for r in ws.iter_rows(values_only=True)])


def rename_target(src: Path, dest: Path, old: str, new: str) -> None:
    wb = load_workbook(src)
    ws = wb[layout.TASK_SHEET]
    cols = columns(ws)
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=cols["target_id"]).value == old:
            ws.cell(row=r, column=cols["target_id"]).value = new
    for row in wb[layout.IDENTITY_SHEET].iter_rows(min_col=1, max_col=2):
        if row[0].value == layout.IDENTITY_TARGET_KEY and row[1].value == old:
            row[1].value = new
    wb.save(dest)


def duplicate_row(src: Path, dest: Path, target_id: str, onto: str) -> None:
    wb = load_workbook(src)
    ws = wb[layout.TASK_SHEET]
    cols = columns(ws)
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=r, column=cols["target_id"]).value == onto:
            ws.cell(row=r, column=cols["target_id"]).value = target_id
    wb.save(dest)


def set_period(src: Path, dest: Path, value) -> None:
    wb = load_workbook(src)
    ws = wb[layout.TASK_SHEET]
    ws.cell(row=layout.header_row_of("period_end"), column=layout.HEADER_VALUE_COL).value = value
    wb.save(dest)


def not_our_workbook(_src: Path, dest: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["地区", "指标", "完成"])
    ws.append(["长春市", "改造农村危桥", 12])
    wb.save(dest)


def corrupt(_src: Path, dest: Path) -> None:
    dest.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 20)


def csv_wrong_columns(_src: Path, dest: Path) -> None:
    dest.write_text("地区,指标编号,完成数\n长春市,29.2,12\n", encoding="utf-8")


BAD_FILES = [
    pytest.param(
        lambda s, d: set_identity(s, d, region_code="229999"),
        "xlsx", r"unknown region '229999' \(长春市\) — not in region set 'jilin'",
        id="unknown region",
    ),
    pytest.param(
        lambda s, d: rename_target(s, d, "29.2", "99.9"),
        "xlsx", r"row \d+, column 指标编号: unknown target '99.9' — not in plan jilin-2023",
        id="unknown target",
    ),
    pytest.param(
        lambda s, d: set_identity(s, d, scenario_sha256="a" * 64, scenario="jilin-2023-other"),
        "xlsx", r"made from another scenario \(jilin-2023-other, sha256 aaaaaaaaaaaa…\), not from "
        r"the allocation being tracked \(jilin-2023-baseline",
        id="sheet from another scenario",
    ),
    pytest.param(
        lambda s, d: set_identity(s, d, plan_id="jilin-2024"),
        "xlsx", r"the sheet is for plan 'jilin-2024', not 'jilin-2023'",
        id="sheet from another plan",
    ),
    pytest.param(
        lambda s, d: set_value(s, d, "29.2", -5),
        "xlsx", r"sheet 任务分解表 row \d+, column 累计完成 \(\w+\): expected a number ≥ 0 in 座, "
        r"got '-5'",
        id="negative value",
    ),
    pytest.param(
        lambda s, d: set_value(s, d, "29.2", "约三成"),
        "xlsx", r"column 累计完成 \(\w+\): expected a number ≥ 0 in 座, got '约三成'",
        id="non-numeric value",
    ),
    pytest.param(
        lambda s, d: set_value(s, d, "42.2", 130),
        "xlsx", r"column 累计完成: expected a percentage 0–100 for 42.2 \(行政村5G网络通达率\), "
        r"got 130",
        id="rate above 100 percent",
    ),
    pytest.param(
        not_our_workbook, "xlsx", r"no sheet '任务分解表' and no sheet with the task table "
        r"headings",
        id="not our workbook",
    ),
    pytest.param(
        lambda s, d: duplicate_row(s, d, "29.2", "29.3"),
        "xlsx", r"target 29.2 appears twice \(also row \d+\)",
        id="duplicate target rows",
    ),
    pytest.param(
        lambda s, d: set_period(s, d, datetime(2024, 4, 1)),
        "xlsx", r"column 截至日期: 2024-04-01 is outside plan jilin-2023 "
        r"\(2023-01-01 – 2023-12-31\).*; a late report is accepted up to 2024-03-31",
        id="date past the late-report window",
    ),
    pytest.param(
        lambda s, d: set_period(s, d, datetime(2019, 6, 30)),
        "xlsx", r"column 截至日期: 2019-06-30 is outside plan jilin-2023 ",
        id="date in another year (a typo)",
    ),
    pytest.param(
        lambda s, d: set_period(s, d, None),
        "xlsx", r"column 截至日期 \(\w+\): expected a date such as 2023-06-30 \(or 本期截至日期 at "
        r"the top\), got nothing",
        id="period end missing",
    ),
    pytest.param(
        corrupt, "xlsx", r"not an Excel workbook \(.xlsx\) that can be read", id="corrupt file",
    ),
    pytest.param(
        lambda s, d: d.write_bytes(s.read_bytes()), "xls",
        r"expected an .xlsx workbook or a .csv file, got .xls", id="not xlsx or csv",
    ),
    pytest.param(
        csv_wrong_columns, "csv", r"no heading row with 指标编号 and 累计完成",
        id="csv with wrong columns",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("breaker", "suffix", "message"), BAD_FILES)
def test_bad_report_is_rejected_whole_and_nothing_is_stored(
    baseline, sample_dir, db_url, tmp_path, breaker, suffix, message
):
    good = sample_file(sample_dir, "吉林市", MAR)
    source = sample_file(sample_dir, "长春市", MAR)
    bad = tmp_path / f"broken-长春市.{suffix}"
    breaker(source, bad)
    with pytest.raises(ReportRejected, match=message) as caught:
        do_import([good, bad], db_url, baseline)
    assert "nothing stored" in str(caught.value)
    # The good file of the same batch is not stored either.
    assert stored_counts(db_url) == (0, 0)


def test_a_falling_total_is_stored_with_a_warning_and_flagged_in_the_status(
    baseline, sample_dir, db_url, tmp_path
):
    """Issue #15: a cumulative figure lower than the previous report is stored as reported,
    listed as a warning, and flagged by the status — the batch is not refused."""
    allocation, plan, _regions = baseline
    do_import([sample_file(sample_dir, "长春市", MAR)], db_url, baseline)
    june = sample_file(sample_dir, "长春市", JUN)
    lowered = tmp_path / june.name
    row = set_value(june, lowered, "1.1", 1)
    result = do_import([sample_file(sample_dir, "吉林市", JUN), lowered], db_url, baseline)
    assert result.count("imported") == 2
    (warning,) = result.warnings
    assert warning.startswith(
        f"{june.name} sheet 任务分解表 row {row}, column 累计完成: target 1.1 cumulative 1 is below"
    )
    assert "stored for 2023-03-31" in warning and "stored as reported" in warning

    status = st.compute_status(db_url, allocation, plan)
    row_1_1 = st.latest(status).set_index(["target_id", "region_code"]).loc[("1.1", "220100")]
    assert row_1_1["completed"] == 1.0  # the latest report, as reported
    flagged = st.falling(status)
    assert flagged[["target_id", "region_code", "completed"]].values.tolist() == [
        ["1.1", "220100", 1.0]]
    assert flagged["before_period"].tolist() == [MAR] and flagged["before"].iloc[0] > 1
    assert st.falling(status, MAR).empty


def test_a_late_year_end_report_is_stored_with_a_warning(baseline, sample_dir, db_url, tmp_path):
    """A report dated 2024-01-05 for the 2023 plan is a late year-end report: stored, warned,
    flagged by the status (序时进度 100 %); a date past the window or in another year is an
    error (BAD_FILES)."""
    allocation, plan, _regions = baseline
    late = tmp_path / "长春市-年终.xlsx"
    set_period(sample_file(sample_dir, "长春市", SEP), late, datetime(2024, 1, 5))
    result = do_import([late], db_url, baseline)
    assert result.count("imported") == 1
    assert any(
        "column 截至日期: 2024-01-05 is after plan jilin-2023's period (2023-01-01 – 2023-12-31); "
        "stored as a late report (accepted up to 2024-03-31) — please check" in w
        for w in result.warnings)
    status = st.compute_status(db_url, allocation, plan)
    assert st.periods(status) == [date(2024, 1, 5)]
    flagged = st.outside_period(status, plan)
    assert set(flagged["region_code"]) == {"220100"} and (flagged["pace"] == 1.0).all()


def test_an_early_report_in_the_plan_year_is_a_warning(baseline, sample_dir, db_url, tmp_path):
    from dataclasses import replace

    allocation, plan, regions = baseline
    later_start = replace(plan, start=date(2023, 4, 1))
    early = tmp_path / "长春市-早.xlsx"
    set_period(sample_file(sample_dir, "长春市", MAR), early, datetime(2023, 3, 31))
    result = import_reports([early], db_url, allocation=allocation, plan=later_start,
                            regions=regions, imported_by="test")
    assert any("2023-03-31 is before plan jilin-2023's period (2023-04-01 – 2023-12-31)" in w
               for w in result.warnings)


def test_date_warnings_in_chinese_name_file_sheet_row_and_column(
    baseline, sample_dir, db_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("MINSHI_LANG", "zh")
    late = tmp_path / "长春市-年终.xlsx"
    set_period(sample_file(sample_dir, "长春市", SEP), late, datetime(2024, 1, 5))
    result = do_import([late], db_url, baseline)
    assert any(w.startswith("长春市-年终.xlsx「任务分解表」表 第") and "截至日期列：2024-01-05 晚于 "
               "jilin-2023 的实施期（2023-01-01 – 2023-12-31），已按逾期报送记录（最晚可到 "
               "2024-03-31），请核实" in w for w in result.warnings)
    wrong = tmp_path / "长春市-2019.xlsx"
    set_period(sample_file(sample_dir, "长春市", SEP), wrong, datetime(2019, 9, 30))
    with pytest.raises(ReportRejected) as caught:
        do_import([wrong], db_url, baseline)
    assert "截至日期列：2019-09-30 不在 jilin-2023 的实施期内（2023-01-01 – 2023-12-31）" in \
        caught.value.problems[0]


def test_two_files_for_one_region_and_period_in_one_import(baseline, sample_dir, db_url, tmp_path):
    original = sample_file(sample_dir, "长春市", MAR)
    other = tmp_path / "长春市-另一份.xlsx"
    set_value(original, other, "29.2", 3)
    with pytest.raises(ReportRejected, match=r"reports 长春市 \(220100\) for 2023-03-31, as does"):
        do_import([original, other], db_url, baseline)
    assert stored_counts(db_url) == (0, 0)


def test_every_problem_of_a_batch_is_listed(baseline, sample_dir, db_url, tmp_path):
    a = tmp_path / "a.xlsx"
    b = tmp_path / "b.xlsx"
    set_value(sample_file(sample_dir, "长春市", MAR), a, "29.2", -1)
    set_identity(sample_file(sample_dir, "吉林市", MAR), b, region_code="229999")
    with pytest.raises(ReportRejected) as caught:
        do_import([a, b], db_url, baseline)
    assert len(caught.value.problems) == 2
    assert "(and 1 more problem; nothing stored)" in str(caught.value)


# ---------------------------------------------------------------------- concurrency
def _import_worker(url: str, allocation_dir: str, paths: list[str], barrier) -> list[str]:
    inputs = load_inputs(allocation_dir)
    barrier.wait()
    allocation, plan, regions = inputs
    result = import_reports(
        paths, url, allocation=allocation, plan=plan, regions=regions, imported_by="worker"
    )
    return [o.action for o in result.outcomes]


def test_regions_importing_at_the_same_time_lose_and_duplicate_nothing(
    baseline, sample_dir, db_url, tmp_path
):
    """6 processes at once: 4 regions importing their three months each, and 2 importing the
    very same file. Every line arrives exactly once."""
    allocation, plan, regions = baseline
    allocation.save(tmp_path / "allocation")
    names = [regions.name_of(c) for c in regions.codes[:4]]
    batches = [[str(sample_file(sample_dir, name, p)) for p in (MAR, JUN, SEP)] for name in names]
    shared = str(sample_file(sample_dir, regions.name_of(regions.codes[4]), MAR))
    batches += [[shared], [shared]]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(batches))
        with ctx.Pool(len(batches)) as pool:
            jobs = [
                pool.apply_async(_import_worker, (db_url, str(tmp_path / "allocation"), b, barrier))
                for b in batches
            ]
            results = [job.get(timeout=300) for job in jobs]
    assert results[:4] == [["imported"] * 3] * 4
    assert sorted(results[4] + results[5]) == ["imported", "unchanged"]

    with ProgressStore(db_url) as store:
        files, lines = store.files(), store.lines()
        current = store.current_values(plan.id)
    assert len(files) == 13 and not files["sha256"].duplicated().any()
    filled = sample_progress(allocation, plan, regions)
    filled = filled[filled["completed"].notna() | filled["status"].notna()]
    sent = filled[filled["region_code"].isin(regions.codes[:4])]
    shared_sent = filled[(filled["region_code"] == regions.codes[4])
                         & (filled["period_end"] == MAR)]  # fmt: skip
    assert len(lines) == len(sent) + len(shared_sent)
    assert not current.duplicated(["target_id", "region_code", "period_end"]).any()
    assert len(current) == len(lines)


def test_import_needs_files(baseline, db_url):
    with pytest.raises(MinshiError, match="no report files given"):
        do_import([], db_url, baseline)


def test_missing_file_is_named(baseline, db_url, tmp_path):
    with pytest.raises(ReportRejected, match=r"nowhere\.xlsx: file not found"):
        do_import([tmp_path / "nowhere.xlsx"], db_url, baseline)


def test_import_problems_read_in_chinese(baseline, sample_dir, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MINSHI_LANG", "zh")
    region = tmp_path / "地区.xlsx"
    set_identity(sample_file(sample_dir, "长春市", MAR), region, region_code="229999")
    scenario = tmp_path / "方案.xlsx"
    set_identity(sample_file(sample_dir, "吉林市", MAR), scenario, scenario_sha256="a" * 64,
                 scenario="jilin-2023-other")
    with pytest.raises(ReportRejected) as caught:
        do_import([region, scenario, tmp_path / "没有.xlsx"], db_url, baseline)
    problems = caught.value.problems
    assert problems[0].startswith("地区.xlsx：地区 '229999'（长春市）不在地区集 'jilin' 中")
    assert problems[1].startswith("方案.xlsx：本表由另一分解方案生成（jilin-2023-other，sha256 "
                                  "aaaaaaaaaaaa…），不是正在跟踪的分解结果（jilin-2023-baseline")
    assert problems[2].endswith("没有.xlsx：找不到文件")
    assert caught.value.hint.startswith("用 --allocation 指向生成这些表的分解结果文件夹")
    assert stored_counts(db_url) == (0, 0)
