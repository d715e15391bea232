"""One light vocabulary: the rule, the roll-up, and the same word and colour in every output
(the progress map, the 通报 workbooks, the CLI and the Word 通报)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook
from rich.console import Console
from test_sheets import jilin_inputs
from test_sheets_progress import _reported

from minshi_geo import lights
from minshi_geo.cli import progress as cli_progress
from minshi_geo.maps.progress import progress_page
from minshi_geo.progress import status as st
from minshi_geo.sheets.progress import MATRIX_SHEET, REGION_SHEET, write_progress_sheets

JUNE = date(2023, 6, 30)


def test_seven_states_one_word_and_colour_each():
    assert [s.word for s in lights.STATES] == [
        "已完成", "提前", "符合序时进度", "滞后", "严重滞后", "未报送", "不适用"]  # fmt: skip
    assert len({s.colour for s in lights.STATES}) == 7
    assert all(re.fullmatch(r"#[0-9a-f]{6}", s.colour) for s in lights.STATES)


@pytest.mark.parametrize(("light", "gap", "reported", "key"), [
    ("done", None, True, "done"),
    ("green", 3.0, True, "ahead"),
    ("green", 0.0, True, "on_track"),
    ("green", -9.9, True, "on_track"),
    ("yellow", -10.0, True, "behind"),
    ("red", -30.1, True, "far_behind"),
    ("none", None, False, "missing"),
    ("none", None, True, "not_judged"),
])  # fmt: skip
def test_state_of_refines_the_light(light, gap, reported, key):
    assert lights.state_of(light, gap, reported) == key


def test_rule_text_follows_the_thresholds():
    assert "10个百分点及以上为滞后，超过30个百分点为严重滞后" in lights.rule_text()
    text = lights.rule_text(lights.Thresholds(yellow=5, red=20))
    assert "5个百分点及以上为滞后，超过20个百分点为严重滞后" in text
    assert "不足5个百分点" in lights.rule_of("on_track", lights.Thresholds(yellow=5, red=20))


def counts(**n: int) -> dict[str, int]:
    out = lights.counts([])
    out.update(n)
    return out


def test_rollup_any_far_behind_item_makes_the_whole_at_least_behind():
    key, reason = lights.overall(counts(on_track=20, far_behind=1), "on_track", "平均…")
    assert key == "behind" and "严重滞后事项1项" in reason
    # a worse mean stays worse
    assert lights.overall(counts(on_track=20, far_behind=1), "far_behind")[0] == "far_behind"


def test_rollup_more_than_half_lagging_is_far_behind():
    # the region: 27 滞后 and 1 严重滞后 must not read 符合序时进度
    key, reason = lights.overall(counts(on_track=20, behind=27, far_behind=1), "on_track")
    assert key == "far_behind" and "28项" in reason and "48项" in reason
    # exactly half is not more than half
    assert lights.overall(counts(on_track=10, behind=10), "on_track")[0] == "on_track"


def test_rollup_done_only_when_every_judged_item_is_done():
    assert lights.overall(counts(done=5, missing=3), None)[0] == "done"
    # a capped mean of 100 % with one item short is not 已完成
    assert lights.overall(counts(done=5, on_track=1), "done")[0] == "on_track"
    assert lights.overall(counts(missing=3), None)[0] == "missing"
    assert lights.overall(counts(not_judged=3), None)[0] == "not_judged"


def test_region_rollup_states_the_reason_and_counts(tmp_path_factory):
    status = _reported(tmp_path_factory.mktemp("r"), tmp_path_factory)
    roll = st.region_rollup(st.latest(status)).set_index("region_code")
    changchun = roll.loc["220100"]
    # 长春: 1.1 done, 4.1 far behind (0 of its task) → at least 滞后, and it says why
    assert changchun["far_behind"] == 1 and changchun["done"] == 1
    assert lights._RANK[changchun["state"]] <= lights._RANK["behind"]
    assert changchun["light"] == lights.state(changchun["state"]).light
    assert changchun["reason"]
    overall = st.province_overall(status)
    assert overall["state"] in lights.KEYS and overall["reason"]
    assert sum(overall["counts"].values()) == overall["targets"]


# ---------------------------------------------------------------------- the same in every output
@pytest.fixture(scope="module")
def status(tmp_path_factory) -> pd.DataFrame:
    return _reported(tmp_path_factory.mktemp("reports-lights"), tmp_path_factory)


def _cases(status: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """state key → (target_id, region_code) of one June row with that state."""
    june = st.latest(status)
    out: dict[str, tuple[str, str]] = {}
    for rec in june.to_dict("records"):
        out.setdefault(rec["state"], (rec["target_id"], rec["region_code"]))
    return out


def test_same_word_and_colour_on_map_sheets_cli_and_document(status, tmp_path):
    allocation, plan, regions = jilin_inputs()
    cases = _cases(status)
    # the fixture covers done, on_track, behind, far_behind, missing and not_judged (推进中)
    assert {"done", "on_track", "behind", "far_behind", "missing", "not_judged"} <= set(cases)

    # map: the light view of each target names the state and colours it from the legend
    data, view = progress_page(status, regions, plan=plan)
    index = view.index_of()
    period = len(st.periods(status)) - 1
    for key, (tid, code) in cases.items():
        v = data.views[f"{tid}|light|{period}"]
        i = index[code]
        assert v["value"][i] == lights.word(key)
        assert v["legend"][v["cls"][i]] == [lights.colour(key), lights.word(key)]

    # sheets: the region sheet's 状态 word, its conditional fill, and the matrix fill
    result = write_progress_sheets(status, plan, regions, tmp_path, allocation.meta)
    for key, (tid, code) in cases.items():
        ws = load_workbook(result.regions[code])[REGION_SHEET]
        heading = next(r for r in range(1, 30) if ws.cell(r, 1).value == "序号")
        cols = {ws.cell(heading, c).value: c for c in range(1, ws.max_column + 1)}
        row = next(r for r in range(heading + 1, ws.max_row + 1)
                   if ws.cell(r, cols["指标编号"]).value == tid)
        assert ws.cell(row, cols["状态"]).value == lights.word(key)
        fills = {rule.formula[0]: rule.dxf.fill.fgColor.rgb for rng in ws.conditional_formatting
                 for rule in rng.rules}
        assert fills[f'"{lights.word(key)}"'][-6:] == lights.colour(key)[1:].upper()
        matrix = load_workbook(result.summary)[MATRIX_SHEET]
        mhead = next(r for r in range(1, 30) if matrix.cell(r, 1).value == "序号")
        mcols = {matrix.cell(mhead, c).value: c for c in range(1, matrix.max_column + 1)}
        mrow = next(r for r in range(mhead + 1, matrix.max_row + 1)
                    if matrix.cell(r, 2).value == tid)
        cell = matrix.cell(mrow, mcols[regions.name_of(code)])
        assert cell.fill.fgColor.rgb[-6:] == lights.colour(key)[1:].upper()

    # CLI: the status table as rendered in a true-colour terminal
    console = Console(record=True, color_system="truecolor", force_terminal=True, width=300)
    june = st.latest(status)
    console.print(cli_progress._status_table(june))
    ansi = console.export_text(styles=True)
    for key in cases:
        r, g, b = (int(lights.colour(key)[i:i + 2], 16) for i in (1, 3, 5))
        assert re.search(rf"\x1b\[[0-9;]*38;2;{r};{g};{b}m● .*{lights.word(key)}", ansi), key

    # document: the Word 通报's sector-table cell of each case is shaded in the state's colour,
    # and its legend table names every state on its colour
    import docx

    from minshi_geo.documents.bulletin_docx import write_bulletin_docx

    path = write_bulletin_docx(status, plan, regions, tmp_path / "通报.docx")
    document = docx.Document(str(path))
    codes = [str(c) for c in regions.codes]

    def fill(cell) -> str | None:
        shd = cell._element.tcPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd")
        return None if shd is None else shd.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill")

    cells = {}
    for table in document.tables:
        rows = table.rows
        if rows[0].cells[0].text != "指标":
            continue
        for row in list(rows)[1:]:
            tid = row.cells[0].text.split()[0]
            for code, cell in zip(codes, row.cells[2:], strict=True):
                cells[(tid, code)] = cell
    for key, (tid, code) in cases.items():
        cell = cells[(tid, code)]
        assert fill(cell) == lights.colour(key)[1:].upper(), (key, tid, code)
        if key in ("missing", "far_behind", "behind", "done", "on_track"):
            assert cell.text == lights.word(key) or cell.text.endswith("%"), (key, cell.text)
    legend = document.tables[-1]
    for s, cell in zip(lights.STATES, legend.rows[0].cells, strict=True):
        assert cell.text == s.word and fill(cell) == s.colour[1:].upper()
