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


def _pdf_pages(pdf: Path) -> tuple[list[str], str]:
    """Text of each page (poppler's pdftotext -layout) and the page size line of pdfinfo."""
    if shutil.which("pdftotext") is None:
        reason = "poppler-utils (pdftotext, pdfinfo) is not installed"
        if os.environ.get("MINSHI_REQUIRE_LIBREOFFICE"):
            pytest.fail(reason + " — .ci/run installs it")
        pytest.skip(reason)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    return text.split("\f")[:-1], size


def test_printed_task_sheet_is_a_gongwen_attachment_that_fits_the_page(soffice, tmp_path_factory,
                                                                       tmp_path):
    sheets = written(tmp_path_factory, sample=False)
    books = [sheets.regions["220100"], sheets.regions["changbaishan"], sheets.summary]
    convert(soffice, books, "pdf", tmp_path / "pdf", tmp_path / "profile")
    for book in books[:2]:
        pages, size = _pdf_pages(tmp_path / "pdf" / (book.stem + ".pdf"))
        assert "A4" in size and "841.89 x 595" in size, size  # landscape
        # the task sheet's pages (the workbook's 测算说明 sheet prints after them)
        pages = [p for p in pages if "测算说明" not in p.splitlines()[0]]
        assert 2 <= len(pages) <= 4, (book.name, len(pages))  # one page wide, ~80 rows
        first, last = pages[0], pages[-1]
        assert "附件1" in first and "吉林省民生工作领导小组办公室" in first
        assert "一、促进就业方面" in first and "填报单位（盖章）" in first
        assert "审核人" in last and "填报人" in last and "联系电话" in last
        for n, page in enumerate(pages, start=1):
            # the page header repeats the title; the heading row repeats with every column
            # (nothing cut at the right edge: the last column's heading is on every page)
            assert "任务分解表——" in page.splitlines()[0], (book.name, n)
            for heading in ("序号", "指标编号", "牵头单位", "责任单位", "累计完成", "备注"):
                assert heading in page, (book.name, n, heading)
            assert f"第 {n} 页，共 " in page  # (LibreOffice counts the 测算说明 pages too)
            # no internal code, hash or 数据性质 正式 printed
            assert "changbaishan" not in page and "jilin-2023|" not in page
            assert "正式" not in page and "单位代码" not in page
    pages, size = _pdf_pages(tmp_path / "pdf" / (books[2].stem + ".pdf"))
    assert "changbaishan" not in "".join(pages)
    for n, page in enumerate(pages, start=1):
        assert "任务分解汇总表" in page.splitlines()[0], n
