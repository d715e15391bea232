"""A planner's day without a programmer (issue 15): quiet broken pipes, the store that follows
the work, fonts found by family name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minshi_geo import fonts
from minshi_geo.cli import app
from minshi_geo.demo import baseline_inputs
from minshi_geo.progress.store import ProgressStore, work_store_url

CLI = [sys.executable, "-c", "from minshi_geo.cli import main; main()"]


# ------------------------------------------------------------------ broken pipes
@pytest.mark.parametrize("args", [["targets", "--format", "csv"], ["targets", "--format", "json"],
                                  ["targets"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(args):
    # `minshi-geo targets | head`: the reader closes the pipe before we write.
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() in (1, 141)  # rich exits 1 on its own broken pipe, we exit 141
    assert err == "", err


def test_head_sees_the_first_lines_and_no_error(tmp_path):
    shell = f"{' '.join(CLI[:2])} {CLI[2]!r} targets --format csv | head -n 2"
    proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert proc.stdout.startswith("id,item,sector") and proc.stderr == ""


# ------------------------------------------------------------------ the store follows the work
@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """out/allocation + out/sample-reports, like `make demo` leaves them."""
    root = tmp_path_factory.mktemp("work")
    allocation, _plan, _regions = baseline_inputs()
    allocation.save(root / "out" / "allocation")
    result = CliRunner().invoke(app, ["progress", "sample", "--allocation",
                                      str(root / "out" / "allocation"),
                                      "-o", str(root / "out" / "sample-reports")])
    assert result.exit_code == 0, result.output
    return root


def test_store_beside_the_allocation_folder_is_the_works_store(tmp_path, monkeypatch):
    monkeypatch.delenv("MINSHI_DB", raising=False)
    folder = tmp_path / "out" / "allocation"
    assert work_store_url(None, folder) == "sqlite:///./minshi.db"
    folder.mkdir(parents=True)
    (tmp_path / "out" / "minshi.db").touch()
    assert work_store_url(None, folder) == f"sqlite:///{tmp_path / 'out' / 'minshi.db'}"
    assert work_store_url("sqlite:///x.db", folder) == "sqlite:///x.db"
    monkeypatch.setenv("MINSHI_DB", "sqlite:///env.db")
    assert work_store_url(None, folder) == "sqlite:///env.db"


def test_a_read_never_creates_a_store_and_the_hint_is_the_command_that_works(work, monkeypatch):
    monkeypatch.chdir(work)
    monkeypatch.delenv("MINSHI_DB", raising=False)
    runner = CliRunner()
    for args in (["progress", "status"], ["progress", "sheets"], ["map", "progress"]):
        out = runner.invoke(app, args)
        assert out.exit_code == 2, out.output
        assert "no progress store at minshi.db" in out.output
        assert not (work / "minshi.db").exists()
    hint = out.output.split("minshi-geo ", 1)[1].split()
    assert hint[:3] == ["progress", "import", "out/sample-reports"]
    # ... and that command works; then every reader finds the store it wrote.
    done = runner.invoke(app, hint)
    assert done.exit_code == 0, done.output
    assert (work / "minshi.db").is_file()
    for args in (["progress", "status", "--format", "csv"], ["progress", "sheets"],
                 ["map", "progress"]):
        out = runner.invoke(app, args)
        assert out.exit_code == 0, out.output
    (work / "minshi.db").unlink()


def test_the_demo_store_beside_out_allocation_is_found_by_every_progress_command(work,
                                                                                monkeypatch):
    from minshi_geo.demo import demo_progress

    monkeypatch.chdir(work)
    monkeypatch.delenv("MINSHI_DB", raising=False)
    allocation, plan, regions = baseline_inputs()
    run = demo_progress(allocation, plan, regions, Path("out"))
    assert run.url.endswith("/out/minshi.db")
    status = CliRunner().invoke(app, ["progress", "status", "--format", "csv"])
    assert status.exit_code == 0, status.output
    assert status.output.startswith("period_end,target_id")
    assert not (work / "minshi.db").exists()


# ------------------------------------------------------------------ fonts
def test_the_documented_families_cover_windows_macos_and_linux():
    names = fonts.family_names()
    for family in ("Microsoft YaHei", "SimHei", "SimSun", "PingFang SC", "STHeiti",
                   "Noto Sans CJK SC", "Source Han Sans SC"):
        assert family in names


def test_a_font_installed_but_missing_from_matplotlibs_cache_is_found(tmp_path, monkeypatch):
    from matplotlib import font_manager

    installed = [p for p in fonts.system_font_files() if "Sans" in p.name]
    if not installed:
        pytest.skip("no CJK font file on this machine to install into a fake font folder")
    # A stale cache: matplotlib lists no CJK font; the font sits in the system folder.
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist",
                        [f for f in manager.ttflist
                         if not any(f.name == n for n in fonts.family_names())])
    folder = tmp_path / "Fonts"
    folder.mkdir()
    os.symlink(installed[0], folder / installed[0].name)
    monkeypatch.setitem(fonts.FONT_DIRS, "linux", (str(folder),))
    monkeypatch.setitem(fonts.FONT_DIRS, "win32", (str(folder),))
    monkeypatch.setitem(fonts.FONT_DIRS, "darwin", (str(folder),))
    assert fonts.cjk_family() in fonts.family_names()


def test_no_font_at_all_is_a_clear_error_and_docx_falls_back_to_songti(tmp_path, monkeypatch):
    from matplotlib import font_manager

    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist",
                        [f for f in manager.ttflist
                         if not any(f.name == n for n in fonts.family_names())])
    for key in ("linux", "win32", "darwin"):
        monkeypatch.setitem(fonts.FONT_DIRS, key, (str(tmp_path),))
    with pytest.raises(fonts.FontMissingError) as err:
        fonts.cjk_family()
    assert "Microsoft YaHei" in str(err.value) and "fonts-noto-cjk" in err.value.hint
    assert fonts.docx_family() == "宋体"


def test_missing_font_skips_locally_and_fails_in_ci(monkeypatch):
    import font_fixtures

    def missing():
        raise fonts.FontMissingError("none", hint="install one")

    monkeypatch.setattr(font_fixtures, "cjk_family", missing)
    monkeypatch.delenv("MINSHI_REQUIRE_CJK_FONT", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no CJK font installed"):
        font_fixtures.require_cjk_font()
    monkeypatch.setenv("MINSHI_REQUIRE_CJK_FONT", "1")
    with pytest.raises(pytest.fail.Exception, match="MINSHI_REQUIRE_CJK_FONT=1"):
        font_fixtures.require_cjk_font()


# ------------------------------------------------------------------ Chinese for planners
def _first_target_row(ws, head_row: int) -> int:
    """The first row under the heading that holds a target (sector heading rows hold none)."""
    from minshi_geo.sheets import layout

    id_col = next(c.column for c in ws[head_row] if c.value == layout.HEADER_TEXTS["target_id"])
    return next(r for r in range(head_row + 1, ws.max_row + 1)
                if re.fullmatch(r"\d+\.\d+", str(ws.cell(r, id_col).value or "")))


def _bad_sheet(work: Path, tmp_path: Path) -> Path:
    """A returned sheet with -5 typed in a 累计完成 cell."""
    from openpyxl import load_workbook

    from minshi_geo.sheets import layout

    source = sorted((work / "out" / "sample-reports").glob("*.xlsx"))[0]
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == layout.HEADER_TEXTS.get("completed"):
                ws.cell(_first_target_row(ws, cell.row), cell.column, -5)
                bad = tmp_path / "bad.xlsx"
                wb.save(bad)
                return bad
    raise AssertionError("no 累计完成 heading in the sample sheet")


@pytest.mark.parametrize(("lang", "expected"), [
    (None, ["错误：", "第", "行", "应为不小于 0 的数字", "实际为 '-5'"]),
    ("zh", ["错误：", "应为不小于 0 的数字"]),
    ("en", ["error: ", "row", "expected a number ≥ 0", "got '-5'"]),
])
def test_import_errors_are_chinese_by_default_and_english_on_request(work, tmp_path, lang,
                                                                    expected):
    bad = _bad_sheet(work, tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("MINSHI_LANG", "MINSHI_DB")}
    args = ["progress", "import", str(bad), "--db", f"sqlite:///{tmp_path / 'p.db'}",
            "--allocation", str(work / "out" / "allocation")]
    if lang == "en":
        args = ["--lang", "en", *args]
    elif lang == "zh":
        env["MINSHI_LANG"] = "zh"
    run = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 2, run.stderr
    first = run.stderr.strip().splitlines()[0]
    for text in expected:
        assert text in first, first
    assert bad.name in first  # still names the file …
    assert ("累计完成" in first) and re.search(r"\(([A-Z]+)\)|（([A-Z]+)）", first)  # … and column


def test_a_report_above_its_task_is_a_warning_the_import_lists_and_the_status_shows(work,
                                                                                  tmp_path):
    from openpyxl import load_workbook

    from minshi_geo.sheets import layout

    source = sorted((work / "out" / "sample-reports").glob("*2023-09-30.xlsx"))[0]
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    head_row = next(c.row for row in ws.iter_rows(max_row=20) for c in row
                    if c.value == layout.HEADER_TEXTS.get("completed"))
    cols = {c.value: c.column for c in ws[head_row] if c.value}
    row = _first_target_row(ws, head_row)
    task = ws.cell(row, cols[layout.HEADER_TEXTS["quantity"]]).value
    ws.cell(row, cols[layout.HEADER_TEXTS["completed"]], float(task) * 1.13)
    over = tmp_path / "over.xlsx"
    wb.save(over)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    env = {k: v for k, v in os.environ.items() if k not in ("MINSHI_LANG", "MINSHI_DB")}
    alloc = str(work / "out" / "allocation")
    run = subprocess.run([*CLI, "progress", "import", str(over), "--db", db, "--allocation",
                          alloc], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "注意：" in run.stderr and "超过分解任务" in run.stderr and "113%" in run.stderr
    assert "导入 1 个" in run.stdout
    status = subprocess.run([*CLI, "progress", "status", "--db", db, "--allocation", alloc],
                            capture_output=True, text=True, env=env, timeout=600)
    assert status.returncode == 0, status.stderr
    assert "超过分解任务（请核实）" in status.stdout


def _set_first_value(source: Path, dest: Path, value=None, period=None) -> None:
    """Copy a returned sheet with its first target's 累计完成 and/or 本期截至日期 changed."""
    from openpyxl import load_workbook

    from minshi_geo.sheets import layout

    wb = load_workbook(source)
    ws = wb[layout.TASK_SHEET]
    head_row = next(c.row for row in ws.iter_rows(max_row=20) for c in row
                    if c.value == layout.HEADER_TEXTS.get("completed"))
    cols = {c.value: c.column for c in ws[head_row] if c.value}
    if value is not None:
        ws.cell(_first_target_row(ws, head_row), cols[layout.HEADER_TEXTS["completed"]], value)
    if period is not None:
        ws.cell(layout.header_row_of("period_end"), layout.HEADER_VALUE_COL, period)
    wb.save(dest)


def test_falling_totals_and_late_reports_are_warnings_the_import_lists_and_the_status_shows(
        work, tmp_path):
    """Issue #15: in Chinese, by default — stored, listed at import, flagged by the status."""
    from datetime import datetime

    reports = work / "out" / "sample-reports"
    september = sorted(reports.glob("*2023-09-30.xlsx"))[0]
    march = Path(str(september).replace("2023-09-30", "2023-03-31"))
    lowered = tmp_path / september.name
    _set_first_value(september, lowered, value=0)
    late = tmp_path / "年终.xlsx"
    _set_first_value(sorted(reports.glob("*2023-09-30.xlsx"))[1], late,
                     period=datetime(2024, 1, 5))
    db = f"sqlite:///{tmp_path / 'p.db'}"
    env = {k: v for k, v in os.environ.items() if k not in ("MINSHI_LANG", "MINSHI_DB")}
    alloc = str(work / "out" / "allocation")
    run = subprocess.run([*CLI, "progress", "import", str(march), str(lowered), str(late),
                          "--db", db, "--allocation", alloc],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "导入 3 个" in run.stdout
    warned = " ".join(run.stderr.split())
    assert re.search(rf"注意：{re.escape(lowered.name)}「任务分解表」表 第\d+行，累计完成列：\S+ 累计完成 0 "
                     r"低于 2023-03-31 报送的 \S+（累计数不应减少），已按本期报送记录，请核实", warned), warned
    assert "截至日期列：2024-01-05 晚于 jilin-2023 的实施期" in warned
    status = subprocess.run([*CLI, "progress", "status", "--db", db, "--allocation", alloc,
                             "--as-of", "2023-12-31"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert status.returncode == 0, status.stderr
    shown = " ".join(status.stdout.split())
    assert "累计数低于此前报送（按最新报送显示，请核实）：" in shown, shown
    status = subprocess.run([*CLI, "progress", "status", "--db", db, "--allocation", alloc],
                            capture_output=True, text=True, env=env, timeout=600)
    shown = " ".join(status.stdout.split())
    assert "截至日期不在实施期 2023-01-01 – 2023-12-31 内（已记录，请核实）：" in shown, shown
    assert "2024-01-05" in shown


# ------------------------------------------------------------------ a task of 0
def test_a_task_of_zero_reads_not_carried_on_the_regions_sheet(tmp_path):
    from openpyxl import load_workbook

    from minshi_geo.sheets import layout
    from minshi_geo.sheets.writer import NOT_CARRIED, write_region_sheets

    allocation, plan, regions = baseline_inputs()
    zero = allocation.table[allocation.table["quantity"] == 0]
    assert len(zero), "the baseline gives some region a task of 0 (辽源市: 0 处)"
    row = zero.iloc[0]
    written = write_region_sheets(allocation, plan, regions, tmp_path)
    book = next(p for p in written.workbooks if regions.name_of(row["region_code"]) in p.name)
    ws = load_workbook(book).worksheets[0]
    cells = [(c.row, c.column) for r in ws.iter_rows() for c in r if c.value == row["target_id"]]
    assert cells, row["target_id"]
    head = next(c for r in ws.iter_rows() for c in r if c.value == layout.HEADER_TEXTS["quantity"])
    cell = ws.cell(cells[0][0], head.column)
    assert cell.value == 0 and cell.number_format.endswith(f'"{NOT_CARRIED}"')


# ------------------------------------------------------------------ progress stays light (#17)
def test_progress_commands_never_load_the_scenario_loader_or_the_allocator(work, tmp_path):
    """Running import and status (not only importing their modules) loads neither the scenario
    loader nor the allocator: a status describes the allocation the sheets were made from."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    alloc = str(work / "out" / "allocation")
    march = sorted((work / "out" / "sample-reports").glob("*2023-03-31.xlsx"))
    code = ("import atexit, sys; atexit.register(lambda: sys.stderr.write('MODULES ' + "
            "' '.join(sys.modules) + '\\n')); from minshi_geo.cli import main; main()")
    for args in (["progress", "import", *map(str, march)], ["progress", "status"]):
        run = subprocess.run([sys.executable, "-c", code, *args, "--db", db, "--allocation",
                              alloc], capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        loaded = set(run.stderr.rsplit("MODULES ", 1)[1].split())
        assert "minshi_geo.progress.status" in loaded or args[1] == "import"
        assert "minshi_geo.scenario" not in loaded, args
        assert not any(m.startswith("minshi_geo.allocate") for m in loaded), args
