"""`minshi-geo extract PLAN.txt [-o draft.yaml]`: a draft that loads, or a clear refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from minshi_geo import paths
from minshi_geo.catalogue import load_plan
from minshi_geo.cli import app

runner = CliRunner()
JILIN_TEXT = paths.TARGETS_DIR / "jilin-2023.txt"
PLANS = Path(__file__).parent / "data" / "extract" / "plans"


def run(*args: str):
    return runner.invoke(app, ["extract", *args])


def test_extract_writes_a_draft_the_catalogue_loader_accepts(tmp_path):
    text = tmp_path / "jilin.txt"
    shutil.copyfile(JILIN_TEXT, text)
    result = run(str(text), "-o", str(tmp_path / "out" / "draft.yaml"))
    assert result.exit_code == 0, result.output
    assert "50 items, 66 targets with numbers + 8 milestones" in result.output
    plan = load_plan(tmp_path / "out" / "draft.yaml")
    assert plan.id == "jilin-2023" and plan.province_code == "220000" and plan.year == 2023
    assert plan.source_text == JILIN_TEXT.read_text(encoding="utf-8")  # source_text is relative


def test_default_output_sits_next_to_the_text(tmp_path):
    text = tmp_path / "plan.txt"
    shutil.copyfile(JILIN_TEXT, text)
    assert run(str(text)).exit_code == 0
    assert load_plan(tmp_path / "plan.draft.yaml").targets[0].quantity == 230000


def test_empty_file_is_refused_with_an_explanation_and_nothing_written(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run(str(empty), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 2
    assert "the file is empty" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "d.yaml").exists()


def test_non_plan_text_is_refused_saying_what_was_found(tmp_path):
    prose = tmp_path / "notes.txt"
    prose.write_text("会议纪要\n今天讨论了工作安排，大家发言踊跃。\n下次会议另行通知。\n", "utf-8")
    result = run(str(prose), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "no sector headings, no numbered items, 0 numbers with units, 0 targets" in out
    assert not (tmp_path / "d.yaml").exists()


def test_a_curated_catalogue_is_not_overwritten_without_force(tmp_path):
    text = tmp_path / "plan.txt"
    shutil.copyfile(JILIN_TEXT, text)
    curated = tmp_path / "jilin-2023.yaml"
    curated.write_text("# hand-curated\nid: jilin-2023\n", encoding="utf-8")
    result = run(str(text), "-o", str(curated))
    assert result.exit_code == 2 and "--force" in result.output
    assert curated.read_text(encoding="utf-8") == "# hand-curated\nid: jilin-2023\n"
    assert run(str(text), "-o", str(curated), "--force").exit_code == 0
    assert run(str(text), "-o", str(curated)).exit_code == 0  # an earlier draft may be replaced


def test_gb18030_text_is_read_and_its_source_text_left_out(tmp_path):
    text = tmp_path / "plan-gbk.txt"
    text.write_bytes(JILIN_TEXT.read_text(encoding="utf-8").encode("gb18030"))
    result = run(str(text), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    plan = load_plan(tmp_path / "d.yaml")
    assert plan.source_text is None and len(plan.items) == 50


def test_a_text_without_a_year_is_extracted_and_asks_for_the_year(tmp_path):
    text = tmp_path / "plan.txt"
    text.write_text("1. 新改建农村公路3000公里。\n2. 改造农村危桥150座。\n", encoding="utf-8")
    result = run(str(text), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0 and "--year" in result.output and "未写明年份" in result.output
    assumed = load_plan(tmp_path / "d.yaml")
    assert len(assumed.targets) == 2
    assert "REVIEW: the text names no year" in (tmp_path / "d.yaml").read_text(encoding="utf-8")
    assert run(str(text), "-o", str(tmp_path / "d.yaml"), "--year", "2024").exit_code == 0
    plan = load_plan(tmp_path / "d.yaml")
    assert plan.year == 2024 and plan.province_code == "000000"
    assert [(t.quantity, t.unit) for t in plan.targets] == [(3000, "公里"), (150, "座")]


def test_phrases_the_catalogue_loader_reads_differently_still_give_a_loadable_draft(tmp_path):
    text = tmp_path / "plan.txt"
    text.write_text(
        "2023年民生实事\n1. 新改建农村公路 3 000 公里。\n"
        "2. 为１６万名居民开展筛查，为两万户家庭发放补贴。\n"
        "3. 培训2000人/次，整治河道30千米，压缩至5日内办结，补助提高3百分点。\n"
        "4. 覆盖率达到百分之九十。\n5. 培训护理员5百人，建设驿站20个。\n"
        "6. 改造供热管网2，500公里。\n",
        encoding="utf-8",
    )
    result = run(str(text), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    assert "held out" not in result.output
    plan = load_plan(tmp_path / "d.yaml")
    got = [(t.id, t.quantity, t.unit, t.kind) for t in plan.targets]
    assert got == [
        ("1.1", 3000, "公里", "count"),
        ("2.1", 160000, "名", "count"),
        ("2.2", 20000, "户", "count"),
        ("3.1", 2000, "人/次", "count"),
        ("3.2", 30, "千米", "count"),  # 千 of 千米 is the unit's, not a thousand
        ("3.3", 5, "日", "standard"),
        ("3.4", 3, "百分点", "standard"),
        ("4.1", 90, "%", "rate"),
        ("5.1", 500, "人", "count"),  # 5百人: the loader and the extractor read 500 alike
        ("5.2", 20, "个", "count"),
        ("6.1", 2500, "公里", "count"),
    ]
    written = (tmp_path / "d.yaml").read_text(encoding="utf-8")
    assert '        source: "培训护理员5百人"\n' in written
    assert '        source: "整治河道30千米"\n' in written
    # the loader reads "3 000" and "2，500": the phrases stay verbatim, the plan text is named
    assert plan.target("1.1").source == "新改建农村公路 3 000 公里"
    assert plan.target("6.1").source == "改造供热管网2，500公里"
    assert plan.source_text == text.read_text(encoding="utf-8")


def _docx_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<w:document>新建农村公路3000公里</w:document>")
    return buffer.getvalue()


DOCUMENTS = {
    "plan.docx": (_docx_bytes(), "a Word/WPS .docx (or other zip) document, not text"),
    "plan.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not text"),
    "plan.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "a Word 97–2003 .doc"),
    "plan.rtf": (b"{\\rtf1\\ansi \\u26032?}", "an RTF document, not text"),
    "plan.bin": ("新建农村公路".encode() + b"\x00\x01\x02" * 8, "binary data (NUL bytes)"),
}


def test_documents_and_binary_files_are_named_in_one_line_and_nothing_is_written(tmp_path):
    for name, (data, said) in DOCUMENTS.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = run(str(path), "-o", str(tmp_path / "d.yaml"))
        assert result.exit_code == 2, name
        error = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
        assert len(error) == 1 and said in error[0], result.output
        assert "Traceback" not in result.output and not (tmp_path / "d.yaml").exists()


def test_utf16_text_with_a_bom_is_read_like_notepads_unicode(tmp_path):
    text = tmp_path / "plan-utf16.txt"
    text.write_bytes(JILIN_TEXT.read_text(encoding="utf-8").encode("utf-16"))
    result = run(str(text), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    plan = load_plan(tmp_path / "d.yaml")
    assert plan.source_text is None and len(plan.items) == 50
    assert "plan text is UTF-16" in (tmp_path / "d.yaml").read_text(encoding="utf-8")


def test_the_draft_tells_a_planner_in_chinese_what_to_check_and_flags_uncertain_targets(tmp_path):
    text = tmp_path / "xuancheng.txt"
    shutil.copyfile(PLANS / "xuancheng-2024.txt", text)
    assert run(str(text), "-o", str(tmp_path / "d.yaml")).exit_code == 0
    draft = (tmp_path / "d.yaml").read_text(encoding="utf-8")
    assert "# 草稿，请规划人员逐条核对" in draft
    assert "# 共 5 项事项、5 个数量目标、2 个进度节点；2 个标 REVIEW（待核对" in draft
    assert draft.count("# REVIEW 待核对: confidence") == 2
    assert "# 未作为目标的数字（规则：理由 — 原文）:" in draft


def test_traditional_character_text_is_refused_with_what_to_do(tmp_path):
    simplified = "万个处场张条辆间户实项务区县乡农园楼设与为们这会点层医师筑检帮残"
    traditional = "萬個處場張條輛間戶實項務區縣鄉農園樓設與為們這會點層醫師築檢幫殘"
    text = tmp_path / "big5-mirror.txt"
    plan = JILIN_TEXT.read_text(encoding="utf-8")
    text.write_text(plan.translate(str.maketrans(simplified, traditional)), encoding="utf-8")
    result = run(str(text), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "the text is in traditional characters" in out and "opencc" in out
    assert not (tmp_path / "d.yaml").exists()
