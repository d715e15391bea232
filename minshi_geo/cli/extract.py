"""`minshi-geo extract PLAN.txt [-o draft.yaml]`: plan text → draft catalogue."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from minshi_geo import atomic, limits
from minshi_geo.cli.app import app, console, friendly

if TYPE_CHECKING:
    from minshi_geo.extract import Draft

# Files a planner may pass that are documents, not text: say what the file is and what to do,
# instead of reading their bytes as (garbled) GB18030 text.
_SAVE_AS_TEXT = "save the plan as plain text (UTF-8 .txt): in Word/WPS 另存为 → 纯文本"
_DOCUMENT_MAGIC = (
    (b"PK\x03\x04", "a Word/WPS .docx (or other zip) document", _SAVE_AS_TEXT),
    (b"%PDF", "a PDF document", "copy its text out (or run pdftotext) into a UTF-8 .txt file"),
    (b"\xd0\xcf\x11\xe0", "a Word 97–2003 .doc (or .xls/.wps) document", _SAVE_AS_TEXT),
    (b"{\\rtf", "an RTF document", _SAVE_AS_TEXT),
)


def read_plan_text(path: Path) -> tuple[str, str]:
    """The text of a plan file and its encoding: UTF-8, GB18030 or UTF-16 with a BOM."""
    from minshi_geo.extract import ExtractError

    data = limits.read_bytes(path, "plan_text")
    for magic, what, hint in _DOCUMENT_MAGIC:
        if data.startswith(magic):
            raise ExtractError(f"{path}: {what}, not text", hint=hint)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode"
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise ExtractError(f"{path}: binary data (NUL bytes), not text", hint=_SAVE_AS_TEXT)
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise ExtractError(
            f"{path}: neither UTF-8 nor GB18030 text", hint="save the plan as UTF-8 text"
        ) from None


def summary(draft: Draft, out: Path) -> str:
    quantified = draft.quantified
    milestones = len(draft.targets) - len(quantified)
    review = sum(1 for t in draft.targets if t.review)
    skipped = Counter(r.rule for r in draft.rejected if r.rule != "no_unit")
    skipped_text = ", ".join(f"{rule} {n}" for rule, n in skipped.most_common())
    return (
        f"wrote {out}: {len(draft.sectors)} sectors, {len(draft.items)} items, "
        f"{len(quantified)} targets with numbers + {milestones} milestones; "
        f"{review} marked REVIEW"
        + (f"; numbers not taken: {skipped_text}" if skipped_text else "")
    )


@app.command("extract")
@friendly
def extract_command(
    plan: Annotated[Path, typer.Argument(help="The plan text (UTF-8 or GB18030).")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Draft catalogue to write (default: PLAN.draft.yaml)."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Plan year, when the text names none.")] = None,
    plan_id: Annotated[
        str | None, typer.Option("--id", help="Plan id (default: province-year).")
    ] = None,
    province_code: Annotated[
        str | None, typer.Option(help='Province adcode, e.g. "220000".')
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Overwrite a file that is not an earlier draft.")
    ] = False,
    region_set: Annotated[
        str | None, typer.Option("--region-set", help="Suggest a basis for every splittable "
                                 "target from the indicators this region set has.")
    ] = None,
) -> None:
    """Turn a plan's 民生实事 text into a draft catalogue (data/targets format) to review."""
    from minshi_geo.catalogue import CatalogueError, load_plan
    from minshi_geo.extract import ExtractError, NotAPlanError, extract_plan
    from minshi_geo.extract.draft import DRAFT_MARK, draft_yaml

    out = atomic.check_writable(output or plan.with_name(plan.stem + ".draft.yaml"))
    text, encoding = read_plan_text(plan)
    if out.exists() and not force and not out.read_text("utf-8", "replace").startswith(DRAFT_MARK):
        raise ExtractError(
            f"{out} exists and is not a draft written by extract (a curated catalogue?)",
            hint="choose another -o path, or pass --force to overwrite it",
        )
    if not text.strip():
        raise NotAPlanError(f"{plan}: the file is empty (no text, nothing to extract)")
    try:
        draft = extract_plan(text, plan_id=plan_id, year=year, province_code=province_code)
    except ExtractError as exc:
        raise type(exc)(f"{plan}: {exc}", hint=exc.hint) from None
    if region_set is not None:
        from minshi_geo.extract.basis import complete_indicators, suggest_bases
        from minshi_geo.indicators import load_indicators
        from minshi_geo.start import load_set

        regions = load_set(region_set)
        suggest_bases(draft, complete_indicators(regions, load_indicators(region_set=regions)))
    source_text = None
    if encoding == "UTF-8":
        import os

        source_text = os.path.relpath(plan.resolve(), out.resolve().parent)
    else:
        draft.notes.append(
            f"plan text is {encoding}: source_text left out (the loader reads UTF-8)"
        )
    yaml_text = draft_yaml(draft, source_text=source_text, origin=plan.name)
    with atomic.atomic_path(out) as tmp:
        tmp.write_text(yaml_text, encoding="utf-8")
        try:
            load_plan(tmp)  # the draft must be valid input for the catalogue loader
        except CatalogueError as exc:
            raise ExtractError(
                f"the draft for {plan} does not load as a catalogue: {exc}",
                hint="this is an extractor bug; please report it with the plan text",
            ) from None
    console.print(summary(draft, out), soft_wrap=True)
    if draft.year_from == "assumed":
        console.print(
            f"计划文本未写明年份（20xx年），草稿暂按 {draft.year} 年；请核对，或用 --year 指定"
            f" (the text names no year: {draft.year} assumed — give it with --year)",
            soft_wrap=True,
        )
