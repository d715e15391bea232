"""The 测算说明 sheet of the region and summary workbooks: content from explanation.csv, and it
opens and prints on A4 (one page wide, heading repeated) in LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pytest
from test_sheets import written
from test_sheets_libreoffice import convert, soffice  # noqa: F401 (fixture)

from minshi_geo.sheets.explanation import HEADING_ROW, SHEET

A4_LANDSCAPE = (841.89, 595.28)


def _sheet_text(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_region_workbook_explains_its_own_numbers(tmp_path_factory):
    sheet_set = written(tmp_path_factory)
    wb = openpyxl.load_workbook(sheet_set.regions["220100"])
    assert SHEET in wb.sheetnames
    ws = wb[SHEET]
    text = _sheet_text(ws)
    from minshi_geo.derivation import cells
    from test_sheets import jilin_inputs

    cell = next(c for c in cells(jilin_inputs()[0])
                if c.target_id == "29.2" and c.region_code == "220100")
    assert cell.formula in text and cell.formula.startswith("150 × (0.5 × ")
    assert cell.range_text in text and cell.range_text.startswith("区间 ")
    assert "代理指标" in text and f"{cell.factors[0].label}：" in text and "2020年" in text
    assert "吉林市" not in [c.value for c in ws["B"]]  # its own numbers only
    headings = [c.value for c in ws[HEADING_ROW] if c.value]
    assert headings[:3] == ["任务", "分解数量", "测算依据与各因素份额"]
    assert int(ws.page_setup.paperSize) == 9 and int(ws.page_setup.fitToWidth) == 1  # A4
    assert ws.print_title_rows == f"${HEADING_ROW}:${HEADING_ROW}"
    # the region's sheet has one row per allocated target of the region
    allocated = sum(1 for _ in ws.iter_rows(min_row=HEADING_ROW + 1) if _[0].value)
    from test_sheets import jilin_inputs

    allocation = jilin_inputs()[0]
    assert allocated == (allocation.table["region_code"] == "220100").sum()


def test_summary_workbook_explains_every_cell(tmp_path_factory):
    sheet_set = written(tmp_path_factory)
    wb = openpyxl.load_workbook(sheet_set.summary)
    ws = wb[SHEET]
    from test_sheets import jilin_inputs

    allocation = jilin_inputs()[0]
    rows = [r for r in ws.iter_rows(min_row=HEADING_ROW + 1, values_only=True) if r[0]]
    assert len(rows) == len(allocation.table)
    assert {r[1] for r in rows} >= {"长春市", "梅河口市"}


def _pdf_pages(pdf) -> list[tuple[float, float]]:
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return [(float(c) - float(a), float(d) - float(b)) for a, b, c, d in boxes]


@pytest.mark.libreoffice
def test_explanation_sheet_prints_on_a4_one_page_wide(soffice, tmp_path_factory,  # noqa: F811
                                                      tmp_path):
    sheet_set = written(tmp_path_factory)
    for name, path in (("region", sheet_set.regions["220100"]), ("summary", sheet_set.summary)):
        wb = openpyxl.load_workbook(path)
        for other in [s for s in wb.sheetnames if s != SHEET]:
            del wb[other]
        only = tmp_path / f"{name}.xlsx"
        wb.save(only)
        convert(soffice, [only], "pdf", tmp_path / "pdf", tmp_path / "profile")
        pdf = tmp_path / "pdf" / f"{name}.pdf"
        pages = _pdf_pages(pdf)
        assert pages, name
        for w, h in pages:
            assert w == pytest.approx(A4_LANDSCAPE[0], abs=1) and \
                h == pytest.approx(A4_LANDSCAPE[1], abs=1), (name, w, h)
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            per_page = text.split("\f")
            per_page = [p for p in per_page if p.strip()]
            # one page wide and the heading repeated: every page shows the last column's heading
            assert all("数据来源与说明" in p for p in per_page), name
            assert all(f"共 {len(per_page)} 页" in p for p in per_page), name
