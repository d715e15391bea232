"""The one place where data is made safe for HTML, JavaScript, Excel and file names."""

import json
from pathlib import Path

import pytest

from minshi_geo.escape import excel_cell, html_text, js_literal, path_inside, safe_filename

HOSTILE = ["<img src=x onerror=alert(1)>", "${alert(1)}", "</script><script>alert(1)</script>", "`x`"]


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_leaves_no_markup(text):
    out = html_text(text)
    assert "<" not in out and ">" not in out


@pytest.mark.parametrize("text", HOSTILE + ["长春市", "a\u2028b"])
def test_js_literal_round_trips_and_cannot_break_out(text):
    out = js_literal({"name": text})
    for bad in ("<", ">", "`", "${", "\u2028"):
        assert bad not in out
    assert json.loads(out) == {"name": text}


@pytest.mark.parametrize(
    "text",
    ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "\t=1", "\r=1", "＝1"],
)
def test_excel_cell_neutralises_formula_text(text):
    assert excel_cell(text).startswith("'")


@pytest.mark.parametrize("value", [12, 3.5, None, "长春市", "1-2"])
def test_excel_cell_keeps_plain_values(value):
    assert excel_cell(value) == value


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "..\\..\\windows", "a/b", 'x:y*?"<>|', "CON", ".hidden", "  ", "长春市"],
)
def test_safe_filename_stays_in_folder(tmp_path: Path, name):
    clean = safe_filename(name)
    assert clean and "/" not in clean and "\\" not in clean and ".." not in clean
    assert not any(c in clean for c in ':*?"<>|')
    assert clean.upper() != "CON"
    path = path_inside(tmp_path, name)
    assert path.parent == tmp_path
