"""The monthly 通报 as a Word document (.docx, python-docx), written from the status table.

Contents (everything from :class:`minshi_geo.progress.bulletin.Bulletin`, the same content as
the 综述 sheet of the 通报 workbook):

- 示例 banner (sample data), title, 截至日期, issuing office and date;
- 一、总体情况 — the opening paragraph (全省50项民生实事中，已完成X项、符合序时进度Y项……);
- 二、滞后事项 — the lagging items and the regions behind on them;
- 三、各地区综合进度 — the map of lights as a picture and a table of the regions' overall
  state with the count of targets per state;
- 四、各领域进展 — per sector a compact table: 全省 and each region's 完成率 (or 进展状态),
  shaded in the state's colour;
- 附：评价规则 — the light rule and the roll-up rule in words.

Fonts follow 公文 conventions by name (:mod:`minshi_geo.gongwen`): 方正小标宋简体 title, 黑体
headings, 仿宋_GB2312 body, 楷体_GB2312 for the date line; each is declared in the document's
font table with its fallback (w:altName) and the GB2312 charset, so Word and WPS substitute
sensibly where it is not installed. Text from data is always a run's text: the only field in the
document is the footer's page number, which the tool builds itself.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from minshi_geo import atomic, gongwen, lights
from minshi_geo.errors import MinshiError
from minshi_geo.progress.bulletin import Bulletin, build_bulletin, lagging_text, opening_text

SAMPLE_BANNER = "示例：本通报的进度数据为示例数据（sample data），并非各地实际填报，仅供演示"
REPORT_SUFFIX = "进度通报"
HEADINGS = ("一、总体情况", "二、滞后事项", "三、各地区综合进度", "四、各领域进展",
            "附：评价规则")
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
TABLE_PT = 8
LINE_PT = 28  # fixed line spacing of body text (22 lines × 28 pt on a 公文 page)


class DocumentError(MinshiError):
    """The 通报 document cannot be written."""


def docx_name(plan: Any, period, sample: bool) -> str:
    """2023年吉林省民生实事进度通报-2023-09-30-示例.docx."""
    stem = f"{plan.title}{REPORT_SUFFIX}-{period.isoformat()}"
    return stem + ("-示例" if sample else "") + ".docx"


def write_bulletin_docx(
    status: pd.DataFrame,
    plan: Any,
    regions: Any,
    out_docx: str | Path,
    *,
    period=None,
    thresholds: lights.Thresholds = lights.Thresholds(),
    sample: bool | None = None,
    created=None,
    map_png: str | Path | None = None,
) -> Path:
    """Write the 通报 of one period (default the latest) of ``status`` to ``out_docx``.

    ``map_png``: a picture of the lights to use (default: drawn now with
    :func:`minshi_geo.maps.progress_png.write_progress_png`). Written atomically.
    """
    from datetime import date

    if status.empty:
        raise DocumentError("the status table is empty: no progress reports for this plan",
                            hint="import returned sheets with `minshi-geo progress import` first")
    b = build_bulletin(status, plan, period=period, thresholds=thresholds, sample=sample)
    created = created or date.today()
    out_docx = Path(out_docx)
    with tempfile.TemporaryDirectory(prefix="minshi-docx-") as tmp:
        picture = Path(map_png) if map_png else None
        if picture is None:
            from minshi_geo.maps.progress_png import write_progress_png

            periods = sorted(set(status["period_end"]))
            picture = write_progress_png(status, regions, Path(tmp) / "lights.png", plan=plan,
                                         period=periods.index(b.period_end),
                                         thresholds=thresholds)
        document = _document(b, plan, regions, created, picture)
        with atomic.atomic_path(out_docx) as path:
            document.save(str(path))
    return out_docx


# ---------------------------------------------------------------------- building blocks
def _document(b: Bulletin, plan, regions, created, picture: Path):
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    _page(doc)
    _declare_fonts(doc)
    doc.core_properties.title = f"{plan.title}{REPORT_SUFFIX}"
    doc.core_properties.subject = f"截至{gongwen.date_text(b.period_end)}"
    if b.sample:
        _para(doc, SAMPLE_BANNER, gongwen.FONT_HEADING, 12, bold=True, colour="C00000",
              align="center")
    _para(doc, f"{plan.title}{REPORT_SUFFIX}", gongwen.FONT_TITLE, TITLE_PT, align="center",
          space_after=6)
    _para(doc, f"（截至{gongwen.date_text(b.period_end)}）", gongwen.FONT_KAI, BODY_PT,
          align="center")
    _para(doc, f"{gongwen.issuing_office(plan)}　{gongwen.date_text(created)}",
          gongwen.FONT_KAI, 14, align="center", space_after=12)
    _para(doc, HEADINGS[0], gongwen.FONT_HEADING, BODY_PT)
    _para(doc, opening_text(b), gongwen.FONT_BODY, BODY_PT, indent=True)
    _para(doc, HEADINGS[1], gongwen.FONT_HEADING, BODY_PT)
    _para(doc, lagging_text(b), gongwen.FONT_BODY, BODY_PT, indent=True)
    _para(doc, HEADINGS[2], gongwen.FONT_HEADING, BODY_PT)
    doc.add_picture(str(picture), width=Cm(14))
    doc.paragraphs[-1].alignment = _align("center")
    _para(doc, f"图　各地区综合进度（截至{gongwen.date_text(b.period_end)}）",
          gongwen.FONT_BODY, 12, align="center")
    _region_table(doc, b)
    _landscape(doc)  # eleven region columns need the width of a landscape page
    _para(doc, HEADINGS[3], gongwen.FONT_HEADING, BODY_PT)
    _para(doc, "表中为完成率；定性事项为进展状态；底色为进度状态（图例见文末）。",
          gongwen.FONT_BODY, 12, indent=True)
    for sector in plan.sectors:
        targets = [t for t in plan.targets if t.sector == sector.name]
        if targets:
            _sector_table(doc, b, sector, targets, regions)
    _para(doc, HEADINGS[4], gongwen.FONT_HEADING, BODY_PT)
    _para(doc, "评价规则：" + lights.rule_text(b.thresholds) + "。", gongwen.FONT_BODY, 12,
          indent=True)
    _para(doc, lights.ROLLUP_RULE + "。", gongwen.FONT_BODY, 12, indent=True)
    _legend(doc)
    _footer(doc, b.sample)
    return doc


def _page(doc) -> None:
    """A4 portrait with 公文 margins (GB/T 9704: top 37 mm, bottom 35, left 28, right 26)."""
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)


LANDSCAPE_WIDTH_CM = 24.7  # A4 landscape less 25 mm margins


def _landscape(doc) -> None:
    """A new section on A4 landscape (the sector tables); header and footer carry over."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Mm

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin, section.right_margin = Mm(25), Mm(25)


def _declare_fonts(doc) -> None:
    """Name each 公文 font and its fallback in the font table (Word/WPS substitute by it)."""
    part = next(p for p in doc.part.package.iter_parts()
                if str(p.partname) == "/word/fontTable.xml")
    entries = []
    for name, fallbacks in (gongwen.FONT_TITLE, gongwen.FONT_HEADING, gongwen.FONT_BODY,
                            gongwen.FONT_KAI):
        entries.append(
            f'<w:font w:name="{name}"><w:altName w:val="{fallbacks[0]}"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        )
    blob = part.blob.decode("utf-8")
    part._blob = blob.replace("</w:fonts>", "".join(entries) + "</w:fonts>").encode("utf-8")


def _align(name: str):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    return {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[name]


def _font(run, font: tuple[str, tuple[str, ...]], size: float, bold: bool = False,
          colour: str | None = None) -> None:
    """A run in a 公文 font: East Asian text in the font itself, Latin text in its first
    Latin-capable fallback's slot too, so a missing font degrades to a named one."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    name, _fallbacks = font
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def _para(doc, text: str, font, size: float, *, bold: bool = False, colour: str | None = None,
          align: str = "justify", indent: bool = False, space_after: float = 0):
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = _align(align)
    fmt = p.paragraph_format
    # headings (黑体, 楷体 sector lines) stay on the page of what follows them
    fmt.keep_with_next = font in (gongwen.FONT_HEADING, gongwen.FONT_KAI)
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if size >= BODY_PT:
        fmt.line_spacing = Pt(max(LINE_PT, size * 1.3))
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    _font(p.add_run(_clean(text)), font, size, bold=bold, colour=colour)
    return p


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(text: Any) -> str:
    """Text for a run: control characters (which make invalid XML) removed."""
    return _CONTROL.sub("", "" if text is None else str(text))


def _shade(cell, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour.lstrip("#").upper())
    tc_pr.append(shd)


def _cell(cell, text: str, *, state: str | None = None, bold: bool = False,
          align: str = "center", size: float = TABLE_PT) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = _align(align)
    colour = None
    if state is not None:
        s = lights.state(state)
        _shade(cell, s.colour)
        colour = s.text_colour.lstrip("#")
    _font(p.add_run(_clean(text)), gongwen.FONT_BODY if not bold else gongwen.FONT_HEADING,
          size, bold=False, colour=colour)


def _table(doc, rows: int, cols: int, widths_cm: list[float]):
    from docx.shared import Cm

    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.autofit = False
    # the grid (w:gridCol) is what LibreOffice lays out by; Word reads the cells' widths
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    _repeat_header(table.rows[0])
    grid = [row.cells for row in table.rows]  # table.cell() re-reads the grid every call
    for cells in grid:
        for cell, width in zip(cells, widths_cm, strict=True):
            cell.width = Cm(width)
    return grid


def _repeat_header(row) -> None:
    """The first row repeats on every page a table runs over (w:tblHeader)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _pct(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if number != number else f"{number * 100:.1f}%"


def _region_table(doc, b: Bulletin) -> None:
    """地区 | 综合状态 | 平均完成率 | 平均序时进度 | target counts per state."""
    heads = ["地区", "综合状态", "平均完成率", "平均序时进度", *[s.word for s in lights.STATES]]
    widths = [3.0, 1.9, 1.5, 1.5] + [1.1] * len(lights.STATES)
    entries = [("全省", b.province, b.province["counts"])]
    entries += [(str(r["region_name"]), r, {k: r[k] for k in lights.KEYS})
                for r in b.regions.to_dict("records")]
    grid = _table(doc, len(entries) + 1, len(heads), widths)
    for c, text in enumerate(heads):
        _cell(grid[0][c], text, bold=True)
    for r, (name, rec, counts) in enumerate(entries, start=1):
        _cell(grid[r][0], name, bold=r == 1, align="left")
        _cell(grid[r][1], lights.word(rec["state"]), state=str(rec["state"]))
        _cell(grid[r][2], _pct(rec.get("rate")))
        _cell(grid[r][3], _pct(rec.get("expected")))
        for k, s in enumerate(lights.STATES):
            n = int(counts.get(s.key, 0))
            _cell(grid[r][4 + k], str(n),
                  state=s.key if n and s.key in lights.LAGGING else None)
    _para(doc, "注：各状态列为指标个数；全省行按全省合计评价。", gongwen.FONT_BODY, 10)


def _value(row: dict[str, Any] | None) -> tuple[str, str | None]:
    """A table cell of the sector tables: 完成率, else 进展状态, else the state's word."""
    if row is None:
        return "", None
    state = lights.row_state(row)
    rate = _pct(row.get("rate"))
    if rate != "—":
        return rate, state
    status = row.get("status")
    if isinstance(status, str) and status:
        return status, state
    completed = row.get("completed")
    if state == "not_judged" and isinstance(completed, float) and completed == completed:
        # a value reported on a province-wide rate: the value itself, as in the workbook
        unit = row.get("unit") if isinstance(row.get("unit"), str) else ""
        return f"{completed:g}{unit}", state
    return lights.word(state), state


def _sector_table(doc, b: Bulletin, sector, targets, regions) -> None:
    """指标 | 全省 | each region (short name): 完成率 or 进展状态 in the state's colour."""
    codes = [str(c) for c in regions.codes]
    short = {str(c): str(n) for c, n in zip(regions.frame.index, regions.frame["short_name"],
                                            strict=True)}
    by_cell = {(str(r["target_id"]), str(r["region_code"])): r
               for r in b.rows.to_dict("records")}
    province = {str(r["target_id"]): r for r in b.targets.to_dict("records")}
    shown = [t for t in targets if t.id in province]
    if not shown:
        return
    _para(doc, gongwen.sector_heading(sector.number, sector.name), gongwen.FONT_KAI, 14)
    heads = ["指标", "全省", *[short.get(c, regions.name_of(c)) for c in codes]]
    widths = [5.0, 1.7] + [round((LANDSCAPE_WIDTH_CM - 6.7) / len(codes), 2)] * len(codes)
    grid = _table(doc, len(shown) + 1, len(heads), widths)
    for c, text in enumerate(heads):
        _cell(grid[0][c], text, bold=True)
    for r, t in enumerate(shown, start=1):
        _cell(grid[r][0], f"{t.id} {t.metric}", align="left")
        total = province[t.id]
        rate = _pct(total.get("rate"))
        _cell(grid[r][1], rate if rate != "—" else lights.word(total["state"]),
              state=str(total["state"]))
        for j, code in enumerate(codes):
            text, state = _value(by_cell.get((t.id, code)))
            _cell(grid[r][2 + j], text, state=state)


def _legend(doc) -> None:
    n = len(lights.STATES)
    grid = _table(doc, 2, n, [LANDSCAPE_WIDTH_CM / n] * n)
    for c, s in enumerate(lights.STATES):
        _cell(grid[0][c], s.word, state=s.key)
        _cell(grid[1][c], lights.rule_of(s.key), align="left")


def _footer(doc, sample: bool) -> None:
    """Page number (— 1 —) centred; 示例 in the header of sample data."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section = doc.sections[0]
    p = section.footer.paragraphs[0]
    p.alignment = _align("center")
    _font(p.add_run("— "), gongwen.FONT_BODY, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        run = p.add_run()
        _font(run, gongwen.FONT_BODY, 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._element.append(el)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._element.append(el)
        else:
            run.text = text
    _font(p.add_run(" —"), gongwen.FONT_BODY, 14)
    if sample:
        h = section.header.paragraphs[0]
        h.alignment = _align("center")
        _font(h.add_run(SAMPLE_BANNER), gongwen.FONT_HEADING, 9, colour="C00000")
