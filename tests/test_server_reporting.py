"""Reporting journey over HTTP: a region's sheet in, the import result out, nothing stored on
error; hostile uploads (formula cells, huge files, zip bombs, wrong type, a neighbour's sheet)
are refused or neutralised with a clear Chinese message; the dashboard and 通报 follow."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from server_fixtures import client_for, module_state

from minshi_geo.sheets import layout

OWN, OTHER = "220100", "220200"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    yield from module_state(tmp_path_factory, "server-reporting")


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    """The server's pages are read by planners: messages in Chinese (tests default to en)."""
    monkeypatch.setenv("MINSHI_LANG", "zh")


@pytest.fixture(scope="module")
def filled(state, tmp_path_factory):
    """示例 returned sheets of the published allocation: {(region, period): path}."""
    from minshi_geo.progress.sample import write_sample_reports

    cur = state.current()
    folder = tmp_path_factory.mktemp("filled")
    paths = write_sample_reports(cur.allocation, cur.plan, cur.regions, folder / "reports",
                                 periods=(date(2023, 3, 31), date(2023, 6, 30)))
    out = {}
    for p in paths:
        code = next(c for c in cur.regions.codes if f"-{cur.regions.name_of(c)}-" in p.name)
        out[(code, p.stem[-10:])] = p  # …-长春市-示例-2023-03-31.xlsx
    return out


def _upload(client, code, name, data, mime=XLSX):
    return client.post(f"/regions/{code}/upload", data={"csrf_token": client.csrf},
                       files={"file": (name, data, mime)})


def _stored(state, code=None):
    files = state.store.files(state.current().plan.id)
    if code is not None and not files.empty:
        files = files[files["region_code"] == code]
    return len(files)


def test_upload_own_sheet_then_same_again(state, filled):
    client = client_for(state, "changchun")
    path = filled[(OWN, "2023-03-31")]
    response = _upload(client, OWN, path.name, path.read_bytes())
    assert response.status_code == 200, response.text
    assert "导入成功" in response.text and "已导入" in response.text
    assert path.name in client.get(f"/regions/{OWN}").text  # history
    again = _upload(client, OWN, path.name, path.read_bytes())
    assert "未重复保存" in again.text
    assert _stored(state, OWN) == 1


def test_a_neighbours_sheet_is_refused_and_nothing_stored(state, filled):
    client = client_for(state, "changchun")
    before = _stored(state)
    theirs = filled[(OTHER, "2023-03-31")]
    response = _upload(client, OWN, theirs.name, theirs.read_bytes())
    assert response.status_code == 422
    assert "吉林市（220200）的任务分解表，不是 长春市（220100）的" in response.text
    assert "未保存任何数据" in response.text
    assert _stored(state) == before


def _edited(path, cells: dict[str, object]) -> bytes:
    """The sheet with some reporting cells of its first data row changed."""
    wb = load_workbook(path)
    ws = wb[layout.TASK_SHEET]
    heading = {ws.cell(row=layout.HEADING_ROW, column=c).value: c
               for c in range(1, ws.max_column + 1)}
    for header, value in cells.items():
        ws.cell(row=layout.FIRST_DATA_ROW, column=heading[header], value=value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_bad_cell_names_sheet_row_column_and_stores_nothing(state, filled):
    client = client_for(state, "changchun")
    before = _stored(state)
    data = _edited(filled[(OWN, "2023-06-30")], {"累计完成": "很多"})
    response = _upload(client, OWN, "长春-有错.xlsx", data)
    assert response.status_code == 422
    assert f"第{layout.FIRST_DATA_ROW}行" in response.text and "累计完成列" in response.text
    assert layout.TASK_SHEET in response.text
    assert "未保存任何数据" in response.text
    assert _stored(state) == before


def test_formula_cells_never_become_formulas(state, filled):
    client = client_for(state, "changchun")
    data = _edited(filled[(OWN, "2023-06-30")], {"累计完成": "=1+1", "备注": "=cmd|' /C calc'!A0"})
    response = _upload(client, OWN, "=HYPERLINK(1).xlsx", data)
    # an uncomputed formula is not a number: refused, naming the cell, nothing stored
    assert response.status_code == 422
    assert "累计完成" in response.text
    assert "<script" not in response.text


def test_huge_upload_is_refused_before_it_is_read(state):
    client = client_for(state, "changchun")
    response = _upload(client, OWN, "big.xlsx", b"PK" + b"0" * (6 * 1024 * 1024))
    assert response.status_code == 413
    assert "上传内容过大" in response.text


def test_zip_bomb_is_refused(state):
    client = client_for(state, "changchun")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    response = _upload(client, OWN, "bomb.xlsx", buffer.getvalue())
    assert response.status_code == 422
    assert "压缩炸弹" in response.text or "解压后过大" in response.text


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("report.xlsm", b"PK\x03\x04", "不接受的文件类型"),
    ("report.exe", b"MZ", "不接受的文件类型"),
    ("report.xlsx", b"not a zip at all", "不是有效的 xlsx"),
    ("report.csv", b"\x00\x01\x02", "不是文本格式"),
    ("../../etc/passwd.csv", b"a,b\n", "passwd.csv"),
])
def test_wrong_types_are_refused_with_a_clear_message(state, name, data, expected):
    client = client_for(state, "changchun")
    response = _upload(client, OWN, name, data, "application/octet-stream")
    assert response.status_code == 422
    assert expected in response.text


def test_web_form_goes_through_the_same_reader(state):
    client = client_for(state, "changchun")
    client.refresh_csrf(f"/regions/{OWN}/form")
    before = _stored(state, OWN)
    bad = client.post(f"/regions/{OWN}/form", data={
        "csrf_token": client.csrf, "period_end": "2023-09-30", "completed:29.2": "很多"})
    assert bad.status_code == 422 and "累计完成" in bad.text
    assert _stored(state, OWN) == before
    good = client.post(f"/regions/{OWN}/form", data={
        "csrf_token": client.csrf, "period_end": "2023-09-30", "completed:29.2": "30",
        "note:29.2": "=1+2 已开工", "status:43.1": "推进中"})
    assert good.status_code == 200, good.text
    assert "导入成功" in good.text
    values = state.store.current_values(state.current().plan.id)
    row = values[(values["region_code"] == OWN) & (values["target_id"] == "29.2")
                 & (values["period_end"] == date(2023, 9, 30))].iloc[0]
    assert row["completed"] == 30
    assert row["note"].lstrip("'") == "=1+2 已开工"  # kept as text, never a formula


def test_dashboard_lights_rollups_and_bulletins(state, filled):
    # every region reports 2023-06-30 (a few are slow in the 示例 data → 推进缓慢)
    for (code, period), path in filled.items():
        if period != "2023-06-30" or code == OWN:
            continue
        admin = client_for(state, "admin1")
        admin.refresh_csrf(f"/regions/{code}")
        assert _upload(admin, code, path.name, path.read_bytes()).status_code == 200
    viewer = client_for(state, "viewer1")
    page = viewer.get("/dashboard")
    assert page.status_code == 200
    assert "推进缓慢" in page.text and "各地区综合进度" in page.text and "全省汇总" in page.text
    assert "严重滞后" in page.text or "滞后" in page.text
    progress_map = viewer.get("/dashboard/map")
    assert progress_map.status_code == 200 and "leaflet" in progress_map.text.lower()
    import re

    links = re.findall(r'href="(/dashboard/bulletin/[^"]+)"', page.text)
    assert links
    workbook = viewer.get(links[0].replace("&amp;", "&"))
    assert workbook.status_code == 200
    load_workbook(io.BytesIO(workbook.content))  # a real workbook
    # the Word 通报 of the same state, written on its first download
    docx_links = [u for u in links if u.endswith(".docx")]
    assert len(docx_links) == 1 and "示例" in unquote(docx_links[0])
    word = viewer.get(docx_links[0])
    assert word.status_code == 200
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "通报" in text and "示例" in text
    reporter = client_for(state, "changchun")
    assert reporter.get(docx_links[0]).status_code == 403  # a province page
