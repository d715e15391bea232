"""Any text at all: a draft the catalogue loader accepts, or one ExtractError — nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from minshi_geo.catalogue import load_plan
from minshi_geo.extract import ExtractError, extract_plan
from minshi_geo.extract.draft import write_draft

# Pieces plans are made of, shuffled into texts no plan has: markers, numbers in every
# notation, units, qualifiers, punctuation in both widths, stray spaces and line breaks.
PIECES = [
    "一、", "二、", "（一）", "(二)", "1.", "2、", "３．", "（1）", "(2)", "01", "①", "\n", " ",
    "　", "2023年", "23万", "1.9万", "3,011", "１６", "两万", "一百", "十", "二期", "65岁",
    "5G", "96110", "8类", "50项", "十件", "个", "户", "人", "人（次）", "公里", "千米", "%",
    "％", "倍", "元", "/人", "个工作日内", "以上", "左右", "不少于", "超", "全覆盖", "百分之九十",
    "，", ",", "；", ";", "。", "：", "“", "”", "（", "）", "新建", "改造", "惠及", "居民",
    "每名", "户均", "提高", "通达率", "方面（2项）", "（牵头单位：省民政厅）", "—", "~", "0",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.booleans())
@example(["惠及", "23万", "人", "\n", "(2)"], True)  # an item number with no text after it
@example(["（1）"], True)  # only an empty item: not a plan
@example(["1.", "新建", "30千米", "，", "惠及", "23万", "人"], True)  # 30 千米 and its outcome
@example(["1.", "新建", "5百个", "，", "惠及", "23万", "人"], True)  # 5百 is 500 for both readers
def test_any_text_gives_a_loadable_draft_or_an_extract_error(pieces, with_year):
    text = ("2023年民生实事\n" if with_year else "") + "".join(pieces)
    try:
        draft = extract_plan(text)
    except ExtractError:
        return
    with tempfile.TemporaryDirectory() as folder:
        plan_path = Path(folder) / "plan.txt"
        plan_path.write_text(text, encoding="utf-8")
        plan = load_plan(write_draft(draft, Path(folder) / "draft.yaml", plan_path=plan_path))
    assert len(plan.items) == len(draft.items)
