"""Produced workbooks open in a real spreadsheet program: Debian LibreOffice Calc, headless.

- every task, summary and progress workbook converts to PDF without error;
- LibreOffice computes the summary's own formulas (合计, 核对) and every check reads 一致;
- a sheet filled in and saved again by LibreOffice still reads back through read_report.

Skips only when LibreOffice is missing and MINSHI_REQUIRE_LIBREOFFICE is unset; CI sets it.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from test_sheets import fill_region, jilin_inputs, written

from minshi_geo.sheets.reader import read_report
from minshi_geo.sheets.summary import CHECK_BAD, CHECK_OK

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def soffice() -> str:
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if exe is None:
        reason = "LibreOffice (Debian libreoffice-calc-nogui) is not installed"
        if os.environ.get("MINSHI_REQUIRE_LIBREOFFICE"):
            pytest.fail(reason + " — MINSHI_REQUIRE_LIBREOFFICE forbids skipping")
        pytest.skip(reason)
    return exe


def convert(soffice: str, files: list[Path], to: str, out_dir: Path, profile: Path) -> str:
    """Run a headless conversion with a throwaway user profile; return its output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(out_dir), *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Error" not in output, output
    return output


def test_every_produced_workbook_converts_to_pdf(soffice, tmp_path_factory, tmp_path):
    sheet_set = written(tmp_path_factory, sample=True)
    convert(soffice, sheet_set.workbooks, "pdf", tmp_path / "pdf", tmp_path / "profile")
    for book in sheet_set.workbooks:
        pdf = tmp_path / "pdf" / (book.stem + ".pdf")
        assert pdf.is_file(), book.name
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 10_000, book.name


def test_libreoffice_computes_every_summary_check_as_consistent(soffice, tmp_path_factory,
                                                                tmp_path):
    allocation, plan, regions = jilin_inputs()
    summary = written(tmp_path_factory).summary
    # CSV filter options: comma, double quote, UTF-8, from row 1, …, last field -1 = every sheet
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    convert(soffice, [summary], options, tmp_path / "csv", tmp_path / "profile")
    main = tmp_path / "csv" / f"{summary.stem}-汇总.csv"
    with main.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    heading = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    cols = rows[heading]
    checks = [r[cols.index("核对")] for r in rows[heading + 1:] if len(r) > 1 and r[1]]
    split = [t for t in plan.targets if t.splittable and t.id in set(allocation.table.target_id)]
    assert checks == [CHECK_OK] * len(split)
    for r in rows[heading + 1:]:
        target = plan.target(r[1])
        assert float(r[cols.index("合计")].replace(",", "")) == pytest.approx(target.quantity)
    sector_files = [tmp_path / "csv" / f"{summary.stem}-{s.name}.csv" for s in plan.sectors]
    seen = 0
    for path in sector_files:
        text = path.read_text(encoding="utf-8")
        assert CHECK_BAD not in text, path.name
        seen += text.count(CHECK_OK)
    assert seen == len(split)  # every splittable target is checked once, in its sector


def test_a_sheet_saved_again_by_libreoffice_reads_back(soffice, tmp_path_factory, tmp_path):
    src = written(tmp_path_factory).regions["220400"]
    filled = fill_region(src, tmp_path / "辽源市.xlsx", {
        "1.1": {"累计完成": 4321},
        "2.1": {"进展状态": "已完成"},
    }, period_end=date(2023, 6, 30))
    convert(soffice, [filled], "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved",
            tmp_path / "profile")
    report = read_report(tmp_path / "saved" / "辽源市.xlsx")
    assert report.identity.region_code == "220400"
    assert report.identity.source == "identity sheet"  # LibreOffice keeps the hidden sheet
    lines = report.lines.set_index("target_id")
    assert lines.loc["1.1", "completed"] == 4321
    assert lines.loc["2.1", "status"] == "已完成"
    assert set(lines["period_end"]) == {date(2023, 6, 30)}
