"""``minshi-geo progress …`` end to end: sample → import → status / sheets, and clear failures.

Runs on SQLite (``--db`` and ``MINSHI_DB``); the store behaviour on PostgreSQL is covered by
test_store.py and test_progress_import.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from minshi_geo import lights
from minshi_geo.cli import app
from minshi_geo.demo import baseline_inputs
from minshi_geo.progress import status as st
from minshi_geo.progress.store import ProgressStore


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict[str, Path]:
    """A saved baseline allocation and the sample sheets written by the CLI."""
    root = tmp_path_factory.mktemp("progress-cli")
    allocation, _plan, _regions = baseline_inputs()
    allocation.save(root / "allocation")
    result = CliRunner().invoke(
        app,
        ["progress", "sample", "--allocation", str(root / "allocation"), "-o", str(root / "rep")],
    )
    assert result.exit_code == 0, result.output
    return {"root": root, "allocation": root / "allocation", "reports": root / "rep"}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, ["progress", *args], env=env)


def month(workspace, period: str) -> list[str]:
    return sorted(str(p) for p in workspace["reports"].glob(f"*-{period}.xlsx"))


def test_sample_command_writes_three_months_of_sample_sheets(workspace):
    files = sorted(workspace["reports"].glob("*.xlsx"))
    assert len(files) == 33 and all("示例" in f.name for f in files)


def test_import_then_status_as_csv(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    files = month(workspace, "2023-03-31") + month(workspace, "2023-06-30")
    result = run("import", *files, "--db", db, "--allocation", alloc, "--by", "调度科")
    assert result.exit_code == 0, result.output
    assert "22 imported, 0 replaced, 0 unchanged" in result.output

    out = run("status", "--db", db, "--allocation", alloc, "--format", "csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0])[:12] == st.STATUS_COLUMNS
    assert {r["period_end"] for r in rows} == {"2023-06-30"}
    assert {r["light"] for r in rows} <= set(st.LIGHTS)
    with ProgressStore(db) as store:
        assert set(store.files()["imported_by"]) == {"调度科"}


def test_status_json_has_rollups_and_lagging_list(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert (
        run("import", *month(workspace, "2023-09-30"), "--db", db, "--allocation", alloc).exit_code
        == 0
    )
    out = run("status", "--db", db, "--allocation", alloc, "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["period_end"] == "2023-09-30" and payload["sample"] is True
    assert payload["thresholds"] == {"yellow": 10.0, "red": 30.0}
    assert {"status", "province", "regions", "lagging"} <= set(payload)
    assert len(payload["regions"]) == 11
    assert all(r["light"] in ("yellow", "red") for r in payload["lagging"])
    assert payload["lagging"], "the sample set has lagging regions"


def test_status_as_of_picks_the_latest_period_before_that_date(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    files = month(workspace, "2023-03-31") + month(workspace, "2023-06-30")
    assert run("import", *files, "--db", db, "--allocation", alloc).exit_code == 0
    out = run("status", "--db", db, "--allocation", alloc, "--as-of", "2023-05-15",
              "--format", "json")  # fmt: skip
    assert json.loads(out.stdout)["period_end"] == "2023-03-31"


def test_status_table_shows_lights_rollups_and_lagging(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert (
        run("import", *month(workspace, "2023-09-30"), "--db", db, "--allocation", alloc).exit_code
        == 0
    )
    out = run("status", "--db", db, "--allocation", alloc)
    assert out.exit_code == 0, out.output
    for heading in ("截至 2023-09-30", "示例", "全省汇总", "各地区综合", "推进缓慢"):
        assert heading in out.output


def test_thresholds_are_options(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert (
        run("import", *month(workspace, "2023-09-30"), "--db", db, "--allocation", alloc).exit_code
        == 0
    )

    def reds(*extra):
        out = run("status", "--db", db, "--allocation", alloc, "--format", "json", *extra)
        return sum(r["light"] == "red" for r in json.loads(out.stdout)["status"])

    assert reds("--red", "50") < reds() < reds("--yellow", "5", "--red", "15")


def test_a_folder_stands_for_the_sheets_in_it(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    (workspace["reports"] / "~$lock.xlsx").write_bytes(b"Excel's lock file, not a workbook")
    result = run("import", str(workspace["reports"]), "--db", db, "--allocation",
                 str(workspace["allocation"]))  # fmt: skip
    (workspace["reports"] / "~$lock.xlsx").unlink()
    assert result.exit_code == 0, result.output
    assert "33 imported" in result.output


def test_db_url_from_environment(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'env.db'}"
    alloc = str(workspace["allocation"])
    result = run("import", *month(workspace, "2023-03-31")[:1], "--allocation", alloc,
                 env={"MINSHI_DB": db})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").is_file()


def test_bad_file_exits_2_with_one_line_and_stores_nothing(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    good = month(workspace, "2023-03-31")[0]
    result = run("import", good, str(bad), "--db", db, "--allocation", str(workspace["allocation"]))
    assert result.exit_code == 2
    assert "error: 坏.xlsx: not an Excel workbook (.xlsx) that can be read" in result.output
    assert "nothing stored" in result.output and "hint:" in result.output
    assert "Traceback" not in result.output
    with ProgressStore(db) as store:
        assert store.files().empty


def test_every_problem_is_printed(workspace, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.csv"
    a.write_bytes(b"junk")
    b.write_text("x,y\n1,2\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    result = run("import", str(a), str(b), "--db", db, "--allocation", str(workspace["allocation"]))
    assert result.exit_code == 2
    assert "2 problem(s) — nothing stored" in result.output
    assert "✗ a.xlsx" in result.output and "✗ b.csv" in result.output


def test_status_of_an_empty_store_says_to_import_first(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    ProgressStore(db).close()
    out = run("status", "--db", db, "--allocation", str(workspace["allocation"]))
    assert out.exit_code == 2
    assert "no progress reports for plan jilin-2023" in out.output
    assert "minshi-geo progress import" in out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format 'xml': expected table, csv or json"),
        (["--as-of", "30/6/2023"], "--as-of '30/6/2023': expected a date like 2023-06-30"),
        (["--yellow", "40", "--red", "30"], "expected 0 ≤ yellow ≤ red points"),
    ],
)
def test_bad_status_options_are_named(workspace, tmp_path, args, message):
    out = run("status", "--db", f"sqlite:///{tmp_path / 'p.db'}", "--allocation",
              str(workspace["allocation"]), *args)  # fmt: skip
    assert out.exit_code == 2 and message in out.output


def test_bad_database_url_is_named(workspace):
    out = run("status", "--db", "nosuchdb://x", "--allocation", str(workspace["allocation"]))
    assert out.exit_code == 2
    assert "not a database URL" in out.output


def test_progress_sheets_writes_region_and_summary_workbooks(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert (
        run("import", *month(workspace, "2023-06-30"), "--db", db, "--allocation", alloc).exit_code
        == 0
    )
    out_dir = tmp_path / "通报"
    result = run("sheets", "--db", db, "--allocation", alloc, "-o", str(out_dir))
    assert result.exit_code == 0, result.output
    books = sorted(out_dir.glob("*.xlsx"))
    assert len(books) == 12  # 11 regions + the summary
    assert all("示例" in b.name for b in books)
    # Read one back: 长春市's numbers are the status numbers.
    allocation, plan, _regions = baseline_inputs()
    status = st.latest(st.compute_status(db, allocation, plan))
    (changchun,) = [b for b in books if "长春市" in b.name]
    cells = [str(c) for row in load_workbook(changchun).active.iter_rows(values_only=True)
             for c in row if c is not None]  # fmt: skip
    bridges = status[(status["target_id"] == "29.2") & (status["region_code"] == "220100")]
    assert "2023年6月30日" in "".join(cells)
    assert any(c in ("29.2",) for c in cells)
    completed = float(bridges["completed"].iloc[0])
    numbers = {float(c) for c in cells if c.replace(".", "", 1).isdigit()}
    assert completed in numbers


def test_without_an_allocation_folder_progress_says_which_command_makes_one(
    workspace, tmp_path, monkeypatch
):
    # progress never re-runs the allocator: a status must describe the sheets' own allocation
    monkeypatch.chdir(tmp_path)  # no out/allocation here
    db = f"sqlite:///{tmp_path / 'p.db'}"
    result = run("import", month(workspace, "2023-03-31")[0], "--db", db)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "no allocation folder given" in text and "minshi-geo allocate" in text
    assert "Traceback" not in result.output
    assert not (tmp_path / "p.db").exists()


def test_sample_sheets_from_another_scenario_are_refused(workspace, tmp_path):
    """Sheets of the baseline imported against the population-only scenario's allocation."""
    from minshi_geo import paths
    from minshi_geo.allocate import allocate
    from minshi_geo.scenario import load_scenario

    other = allocate(load_scenario(paths.SCENARIOS_DIR / "jilin-2023-population.yaml"))
    other.save(tmp_path / "other")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    result = run("import", month(workspace, "2023-03-31")[0], "--db", db, "--allocation",
                 str(tmp_path / "other"))  # fmt: skip
    assert result.exit_code == 2
    assert "made from another scenario (jilin-2023-baseline" in result.output
    assert "--allocation" in result.output  # the hint says how to point at the right one
    with ProgressStore(db) as store:
        assert store.files().empty


def test_status_table_calls_a_reported_province_wide_rate_reported(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert run("import", *month(workspace, "2023-09-30"), "--db", db,
               "--allocation", alloc).exit_code == 0
    # 11.1 信息采集率 is province-wide: every sample region reports a percentage for it
    out = run("status", "--db", db, "--allocation", alloc, "--target", "11.1",
              env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    table = out.output.split("指标 × 地区", 1)[1]  # after the legend, which names every state
    assert "不适用" in table
    assert "未报送" not in table


def test_status_table_speaks_chinese_and_shows_pace_as_a_percentage(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert run("import", *month(workspace, "2023-09-30"), "--db", db,
               "--allocation", alloc).exit_code == 0
    out = run("status", "--db", db, "--allocation", alloc, "--target", "1.1", "--region", "长春",
              env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    legend = "".join(out.output.split("指标 × 地区", 1)[0].splitlines()[1:])
    assert "序时进度：" in legend and "10个百分点" in legend and "30个百分点" in legend
    assert lights.rule_text() in legend
    assert not re.search(r"[A-Za-z]{3,}", legend), legend  # no English for planners
    # 序时进度 beside 完成率 is a share of the year's work (273 of 365 days), not a quantity
    row = next(line for line in out.output.splitlines() if "长春市" in line)
    assert "74.8%" in row


def test_status_names_the_regions_that_did_not_report_this_period(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    june = month(workspace, "2023-06-30")
    september = [f for f in month(workspace, "2023-09-30") if "-白城市-" not in f]
    assert run("import", *june, *september, "--db", db, "--allocation", alloc).exit_code == 0
    out = run("status", "--db", db, "--allocation", alloc, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("本期"))
    assert line == "本期（截至 2023-09-30）未报送：白城市（最近一期 2023-06-30）"


def test_as_of_before_the_first_period_names_that_period(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert run("import", *month(workspace, "2023-03-31"), "--db", db,
               "--allocation", alloc).exit_code == 0
    out = run("status", "--db", db, "--allocation", alloc, "--as-of", "2023-01-15")
    assert out.exit_code == 2
    assert "no progress reports on or before 2023-01-15" in out.output
    assert "the first reporting period is 2023-03-31" in out.output


def test_status_of_an_unknown_target_is_an_error_not_an_empty_table(workspace, tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(workspace["allocation"])
    assert run("import", *month(workspace, "2023-03-31"), "--db", db,
               "--allocation", alloc).exit_code == 0
    out = run("status", "--db", db, "--allocation", alloc, "--target", "29.9")
    assert out.exit_code == 2
    assert "29.9" in out.output and "Traceback" not in out.output


def test_failures_read_in_chinese_by_default(workspace, tmp_path):
    """No --lang and no MINSHI_LANG: a planner reads every line of a failure in Chinese."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    good = month(workspace, "2023-03-31")[0]
    alloc = str(workspace["allocation"])
    result = run("import", good, str(bad), "--db", db, "--allocation", alloc,
                 env={"MINSHI_LANG": "zh"})
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "错误：坏.xlsx：不是可读取的 Excel 工作簿（.xlsx）" in text and "（未存入任何数据）" in text
    assert "提示：请报送 `minshi-geo sheets` 生成的 .xlsx 文件" in text
    ProgressStore(db).close()
    out = run("status", "--db", db, "--allocation", alloc, env={"MINSHI_LANG": "zh"})
    assert out.exit_code == 2
    assert "中没有方案 jilin-2023 的进度报送" in " ".join(out.output.split())
    assert "请先导入各地区报送表：minshi-geo progress import" in " ".join(out.output.split())
    out = run("status", "--format", "xml", "--db", db, "--allocation", alloc,
              env={"MINSHI_LANG": "zh"})
    assert "--format 'xml'：应为 table、csv 或 json" in out.output
