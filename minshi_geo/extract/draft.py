"""Write a :class:`~minshi_geo.extract.Draft` as catalogue YAML a planner edits.

The layout is the one of ``data/targets/jilin-2023.yaml`` (see
:mod:`minshi_geo.catalogue`), so the draft loads with ``load_plan`` as it stands.
Every target carries its ``confidence`` and, on the uncertain ones, ``review: true``
(catalogue fields); what the catalogue has no field for travels in comments: a ``REVIEW``
mark above the uncertain ones, and at the end the numbers that were *not* taken as targets
with the rule that rejected them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from minshi_geo.catalogue import phrase_states_quantity, phrase_states_unit
from minshi_geo.extract import Draft, DraftTarget, describe_findings

#: First line of every draft: extract overwrites only files that start with it.
DRAFT_MARK = "# DRAFT catalogue written by `minshi-geo extract`"

# The catalogue format has optional confidence/review target fields: the writer emits them
# as fields (False would write them as comments, for a loader without them).
REVIEW_FIELDS_IN_CATALOGUE = True


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _readable(phrase: str | None, target: DraftTarget) -> bool:
    return bool(phrase) and (
        phrase_states_quantity(phrase, target.quantity, target.unit)
        and phrase_states_unit(phrase, target.unit)
    )


def loader_unreadable(target: DraftTarget) -> bool:
    """Whether the catalogue loader cannot read the quantity or unit in the exact source
    phrase, so the plain phrase must stand in. The loader reads thousands separators
    (3 000 公里, 3，000公里); what it cannot read is spacing that runs two numbers together
    (3 0001 200名 is folded to 30001200) or a circled digit the extractor takes as a number."""
    if target.quantity is None or target.unit is None:
        return False
    return not _readable(target.source, target)


def draft_yaml(draft: Draft, *, source_text: str | None = None, origin: str | None = None) -> str:
    """The draft as YAML text. ``source_text`` names the plan text file relative to where
    the YAML will be written (the loader then checks every phrase against it).

    When some source phrase is written in a way the loader cannot read (see
    :func:`loader_unreadable`), that target gets the folded phrase instead and
    ``source_text`` is left out — the phrase is then no longer a verbatim quote — with a
    note saying so.
    """
    notes = list(draft.notes)
    unreadable = [t for t in draft.targets if loader_unreadable(t)]
    if unreadable:
        source_text = None
        ids = ", ".join(t.id for t in unreadable)
        notes.append(
            f"targets {ids}: source phrase folded (spaces/full-width removed) so the "
            "loader can read its number; source_text left out because of that"
        )
    out: list[str] = []
    add = out.append
    quantified = draft.quantified
    to_review = [t for t in draft.targets if t.review]
    add(f"{DRAFT_MARK}{f' from {origin}' if origin else ''}.")
    add("# A planner reviews it: metrics are free text, every number is checked against the")
    add("# source phrase, targets marked REVIEW are the uncertain ones.")
    add(f"# Found: {describe_findings(draft.findings)}; {len(to_review)} marked REVIEW.")
    # the planner who reviews the draft reads Chinese: the same guide and tally in Chinese
    milestones = len(draft.targets) - len(quantified)
    add("# 草稿，请规划人员逐条核对：指标名称 metric、数量 quantity")
    add("# （基本单位：1.9万套 → 19000）、单位 unit、类型 kind（count 数量 /")
    add("# rate 比率 % / standard 标准 / milestone 进度节点）、限定 qualifier")
    add("# （exact 确数 / at_least 不少于、以上 / about 左右、约）、可否分解 splittable。")
    add(f"# 共 {len(draft.items)} 项事项、{len(quantified)} 个数量目标、{milestones} 个进度节点；"
        f"{len(to_review)} 个标 REVIEW（待核对，把握较低，请先看）。")  # fmt: skip
    add("# 文末列出未作为目标的数字及理由，请确认其中没有漏掉的目标。")
    for note in notes:
        add(f"# note: {note}")
    add(f"id: {draft.id}")
    add(f"title: {_q(draft.title)}")
    if draft.official_title:
        add(f"official_title: {_q(draft.official_title)}")
    add(f'province_code: "{draft.province_code}"')
    add(f"year: {draft.year}")
    add(f"start: {draft.start.isoformat()}")
    add(f"deadline: {draft.deadline.isoformat()}")
    add(f"item_total: {len(draft.items)}")
    if source_text:
        add(f"source_text: {_q(source_text)}")
    if origin:
        add(f"source_origin: {_q('extracted from ' + origin)}")
    add("sectors:")
    for s in draft.sectors:
        add(f"  - {{number: {s.number}, name: {_q(s.name)}, item_count: {s.item_count}}}")
    add("items:")
    for item in draft.items:
        add(f"  - number: {item.number}")
        add(f"    sector: {_q(item.sector)}")
        add(f"    short: {_q(item.short)}")
        add(f"    text: {_q(item.text)}")
        add("    targets:")
        for target in item.targets:
            out.extend(_target_lines(target))
        if not item.targets:
            out.extend(_target_lines(_placeholder_milestone(item)))
    if draft.rejected:
        add("")
        add("# Numbers not taken as targets (rule: reason — text)")
        add("# 未作为目标的数字（规则：理由 — 原文）:")
        for r in draft.rejected:
            add(f"#   item {r.item}: {r.rule}: {r.reason} — {' '.join(r.text.split())}")
    return "\n".join(out) + "\n"


def _placeholder_milestone(item) -> DraftTarget:
    """An item without a target still needs a record: a milestone."""
    source = re.split(r"[。；，]", item.text)[0].strip() or item.text
    return DraftTarget(
        id=f"{item.number}.{len(item.targets) + 1}", item=item.number, metric=source[:30],
        quantity=None, unit=None, kind="milestone", qualifier="exact", splittable=False,
        source=source, confidence=0.0, notes=["placeholder: no target found in this item"],
    )  # fmt: skip


def _target_lines(t: DraftTarget) -> list[str]:
    source = t.plain_source if loader_unreadable(t) and t.plain_source else t.source
    pad = "        "
    lines = []
    if t.review:
        lines.append(f"      # REVIEW 待核对: confidence {t.confidence:.2f}")
    lines.append(f'      - id: "{t.id}"')
    lines.append(f"{pad}metric: {_q(t.metric)}")
    lines.append(f"{pad}quantity: {'null' if t.quantity is None else _number(t.quantity)}")
    lines.append(f"{pad}unit: {'null' if t.unit is None else _q(t.unit)}")
    lines.append(f"{pad}kind: {t.kind}")
    lines.append(f"{pad}qualifier: {t.qualifier}")
    lines.append(f"{pad}splittable: {'true' if t.splittable else 'false'}")
    if t.basis:
        weights = ", ".join(f"{k}: {_number(v)}" for k, v in t.basis.items())
        lines.append(f"{pad}basis: {{{weights}}}")
        lines.append(f"{pad}basis_note: {_q(t.basis_note or '')}")
    else:
        lines.append(f"{pad}basis: null")
    lines.append(f"{pad}source: {_q(source)}")
    notes = list(t.notes)
    if t.linked_to:
        lines.append(f'{pad}linked_to: "{t.linked_to}"')
    if t.lead:
        lines.append(f"{pad}lead: {_q(t.lead)}")
    note = "; ".join(notes)
    if t.review:
        note = f"REVIEW (confidence {t.confidence:.2f})" + (f": {note}" if note else "")
    if note:
        lines.append(f"{pad}note: {_q(note)}")
    if REVIEW_FIELDS_IN_CATALOGUE:
        lines.append(f"{pad}confidence: {t.confidence:.2f}")
        if t.review:
            lines.append(f"{pad}review: true")
    else:
        lines.append(f"{pad}# confidence: {t.confidence:.2f}")
        if t.review:
            lines.append(f"{pad}# review: true")
    return lines


def write_draft(draft: Draft, path: str | Path, *, plan_path: str | Path | None = None) -> Path:
    """Write the draft YAML atomically; name ``plan_path`` relative to it as source_text."""
    import os

    from minshi_geo import atomic

    path = Path(path)
    source_text = origin = None
    if plan_path is not None:
        plan_path = Path(plan_path)
        origin = plan_path.name
        source_text = os.path.relpath(plan_path.resolve(), path.resolve().parent)
    return atomic.write_text(path, draft_yaml(draft, source_text=source_text, origin=origin))
