"""The Word 通报 end to end on real parts: 示例 sheets → import → `progress report --docx` →
opened back with python-docx, numbers compared with `progress status --format json`, converted
to PDF by LibreOffice Writer (page count, page size, text via poppler's pdftotext)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_sheets_libreoffice import convert, soffice  # noqa: F401  (soffice is a fixture)
from typer.testing import CliRunner

from minshi_geo import lights
from minshi_geo.cli import app
from minshi_geo.documents.bulletin_docx import HEADINGS, SAMPLE_BANNER
from minshi_geo.demo import baseline_inputs

docx = pytest.importorskip("docx", reason="python-docx is a dependency (pyproject.toml)")


def run(*args: str):
    return CliRunner().invoke(app, ["progress", *args], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("docx")
    allocation, _plan, _regions = baseline_inputs()
    allocation.save(root / "allocation")
    alloc, db = str(root / "allocation"), f"sqlite:///{root / 'p.db'}"
    assert run("sample", "--allocation", alloc, "-o", str(root / "rep")).exit_code == 0
    files = sorted(str(p) for p in (root / "rep").glob("*.xlsx"))
    out = run("import", *files, "--db", db, "--allocation", alloc)
    assert out.exit_code == 0, out.output
    path = root / "通报.docx"
    out = run("report", "--docx", str(path), "--db", db, "--allocation", alloc)
    assert out.exit_code == 0, out.output
    status = run("status", "--db", db, "--allocation", alloc, "--format", "json")
    assert status.exit_code == 0, status.output
    return {"root": root, "path": path, "status": json.loads(status.output)}


def _tables(document) -> dict[str, list[list[str]]]:
    """Tables by the text of their top-left cell's row: 地区 (regions), 指标 (sectors)…"""
    out: dict[str, list[list[str]]] = {}
    for i, table in enumerate(document.tables):
        rows = [[c.text for c in row.cells] for row in table.rows]
        out[f"{rows[0][0]}#{i}"] = rows
    return out


def test_docx_opens_and_is_labelled_sample(report):
    document = docx.Document(str(report["path"]))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == SAMPLE_BANNER  # the 示例 banner comes first
    assert "2023年吉林省民生实事进度通报" in texts
    assert "（截至2023年9月30日）" in texts
    assert all(h in texts for h in HEADINGS)
    assert any(t.startswith("吉林省民生工作领导小组办公室") for t in texts)
    assert SAMPLE_BANNER in document.sections[0].header.paragraphs[0].text
    assert document.inline_shapes, "the map of lights is in the document as a picture"


def test_numbers_equal_progress_status(report):
    payload = report["status"]
    _allocation, plan, _regions = baseline_inputs()
    document = docx.Document(str(report["path"]))
    texts = [p.text for p in document.paragraphs]
    province = {r["target_id"]: r for r in payload["province"]}
    # opening paragraph: items per state, each item judged by its targets' province states
    items = {}
    for item in plan.items:
        keys = [province[t.id]["state"] for t in item.targets if t.id in province]
        items[item.number] = lights.overall(lights.counts(keys), None)[0] if keys else "missing"
    counts = lights.counts(items.values())
    opening = next(t for t in texts if t.startswith("截至2023年9月30日，全省50项民生实事中"))
    for key in ("done", "ahead", "on_track", "behind", "far_behind"):
        if counts[key]:
            assert f"{lights.word(key)}{counts[key]}项" in opening, key
    # sector tables: 全省 and each region's 完成率 as `progress status` has them
    status = {(r["target_id"], r["region_code"]): r for r in payload["status"]}
    _a, _p, regions = baseline_inputs()
    codes = [str(c) for c in regions.codes]
    checked = 0
    for name, rows in _tables(document).items():
        if not name.startswith("指标#"):
            continue
        for row in rows[1:]:
            tid = row[0].split()[0]
            rate = province[tid]["rate"]
            if rate is not None:
                assert row[1] == f"{rate * 100:.1f}%", tid
            for code, text in zip(codes, row[2:], strict=True):
                rec = status.get((tid, code))
                if rec is not None and rec["rate"] is not None:
                    assert text == f"{rec['rate'] * 100:.1f}%", (tid, code)
                    checked += 1
    assert checked > 300
    # regions table: overall state per region, as the CLI's roll-up
    table = next(rows for name, rows in _tables(document).items() if name.startswith("地区#"))
    by_name = {row[0]: row for row in table[1:]}
    for rec in payload["regions"]:
        row = by_name[rec["region_name"]]
        assert row[1] == lights.word(rec["state"])
        assert [int(x) for x in row[4:]] == [rec[k] for k in lights.KEYS]


def test_no_data_becomes_a_field(report):
    import zipfile

    with zipfile.ZipFile(report["path"]) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                      if n.startswith("word/") and n.endswith(".xml"))
    assert xml.count("<w:instrText") == 1 and " PAGE " in xml  # the footer's page number
    assert "w:fldSimple" not in xml
    # the 公文 fonts are named, with their fallbacks in the font table
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in xml
    assert 'w:eastAsia="方正小标宋简体"' in xml and 'w:eastAsia="黑体"' in xml


@pytest.mark.libreoffice
def test_docx_converts_to_pdf_in_libreoffice(soffice, report, tmp_path):  # noqa: F811
    convert(soffice, [report["path"]], "pdf", tmp_path / "pdf", tmp_path / "profile")
    pdf = tmp_path / "pdf" / "通报.pdf"
    assert pdf.is_file()
    if shutil.which("pdfinfo") is None:
        if os.environ.get("MINSHI_REQUIRE_LIBREOFFICE"):
            pytest.fail("poppler-utils (pdfinfo, pdftotext) is not installed")
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))
    assert 4 <= pages <= 20, pages
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert "A4" in size and width < height, size  # A4 portrait
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "示例" in text.splitlines()[0]
    for heading in HEADINGS:
        assert heading in text
    assert re.search(r"—\s*1\s*—", text)  # page numbers


HOSTILE = '=cmd|"/c calc"!A1 { DDE "c:\\\\x" } <w:fldSimple w:instr="PAGE"/> &amp; 长春\x07'


def test_hostile_names_are_text_in_the_docx_not_fields_or_markup(report, tmp_path):
    """A region name (from the store / allocation) that looks like a formula, a Word field
    code or WordprocessingML stays literal text: no field, no element, control char dropped."""
    import zipfile

    from minshi_geo.documents.bulletin_docx import write_bulletin_docx
    from minshi_geo.progress import status as st

    allocation, plan, regions = baseline_inputs()
    db = f"sqlite:///{report['root'] / 'p.db'}"
    status = st.compute_status(db, allocation, plan)
    lagging = status[status["state"].isin(lights.LAGGING)]["region_code"].iloc[0]
    status.loc[status["region_code"] == lagging, "region_name"] = HOSTILE
    picture = tmp_path / "lights.png"  # any PNG: the picture is not what is tested here
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(picture)
    path = write_bulletin_docx(status, plan, regions, tmp_path / "h.docx", map_png=picture)
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<w:fldSimple" not in xml and "<w:instrText" not in xml  # body: no field at all
    assert "&lt;w:fldSimple" in xml and "&amp;amp;" in xml  # the markup is escaped text
    document = docx.Document(str(path))
    texts = [c.text for table in document.tables for row in table.rows for c in row.cells]
    texts += [p.text for p in document.paragraphs]
    assert any(HOSTILE.replace("\x07", "") in t for t in texts)
    assert not any("\x07" in t for t in texts)
