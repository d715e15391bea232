"""Input limits: the one place that says how much of a user's file the tool will read.

Every file a user can hand the tool (plan text, catalogue / scenario / region-set YAML,
returned workbooks and CSVs, indicator tables, a saved allocation folder) is checked here
*before* it is parsed, so a wrong or hostile file is refused in milliseconds with one line
naming it — instead of running for minutes or filling memory.

=================  ==========  =============================================================
limit              default     why this size
=================  ==========  =============================================================
plan_text          256 KB      Jilin 2023's 民生实事 text is 6.5 KB, a whole 政府工作报告 ~60 KB;
                               the extractor is still superlinear (200 KB: 3.6 s, 500 KB:
                               15 s on a loaded 2-core machine), so the cap stays near need
yaml               10 MB       catalogue, scenario, region set: rules and names, not data
workbook           20 MB       a returned task sheet is ~20 KB (xlsx, compressed)
workbook_unzipped  100 MB      sum of an xlsx's members once decompressed (zip bombs)
workbook_members   2000        zip entries in one xlsx (a sheet is ~15)
report_csv         20 MB       a returned sheet saved as CSV
table              100 MB      indicator tables (CSV/XLSX), allocation.csv, factors.csv
json               10 MB       allocation.json (metadata)
boundaries         1 GB        a GeoPackage / GeoJSON of boundaries (all China's counties
                               at full detail is ~300 MB)
=================  ==========  =============================================================

Override any limit with an environment variable ``MINSHI_LIMIT_<NAME>`` (``MINSHI_LIMIT_PLAN_TEXT=20MB``,
``MINSHI_LIMIT_WORKBOOK_MEMBERS=5000``); sizes take ``KB``/``MB``/``GB`` suffixes (binary).

YAML: :class:`SafeYamlLoader` is ``yaml.SafeLoader`` that refuses aliases (``*name``) —
a few nested aliases expand to billions of nodes (the "billion laughs"), and no file of ours
needs them. Every YAML reader builds its loader on it and turns :class:`YamlAliasRefused`
into its own error naming the file.
"""

from __future__ import annotations

import os
import re
import reprlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from minshi_geo.errors import MinshiError

KB, MB, GB = 1024, 1024**2, 1024**3


@dataclass(frozen=True)
class Limit:
    name: str
    default: int
    what: str  # how the error names the file kind
    is_size: bool = True

    @property
    def env(self) -> str:
        return f"MINSHI_LIMIT_{self.name.upper()}"


LIMITS: dict[str, Limit] = {
    lim.name: lim
    for lim in (
        Limit("plan_text", 256 * KB, "plan text"),
        Limit("yaml", 10 * MB, "YAML file"),
        Limit("workbook", 20 * MB, "workbook"),
        Limit("workbook_unzipped", 100 * MB, "workbook (decompressed)"),
        Limit("workbook_members", 2000, "workbook", is_size=False),
        Limit("report_csv", 20 * MB, "CSV report"),
        Limit("table", 100 * MB, "table"),
        Limit("json", 10 * MB, "JSON file"),
        Limit("boundaries", 1 * GB, "boundary file"),
    )
}


MAX_QUANTITY = 10**15
"""The largest target quantity the tool splits: above 2**53 (≈ 9·10^15) floating-point numbers
stop holding every whole number, so a split could not add up exactly. No plan hands down more
than ~10^9 of anything."""


class InputTooLargeError(MinshiError):
    """A file is bigger than its limit (or is a zip bomb)."""


class InvalidLimitError(MinshiError):
    """A ``MINSHI_LIMIT_*`` variable that is not a size."""


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*", re.IGNORECASE)


def limit(name: str) -> int:
    """The limit ``name`` in bytes (or a count), after the environment override."""
    lim = LIMITS[name]
    raw = os.environ.get(lim.env)
    if raw is None or not raw.strip():
        return lim.default
    match = _SIZE.fullmatch(raw)
    if not match:
        raise InvalidLimitError(f"{lim.env}={raw[:40]!r}: expected a size like 20MB or 5000")
    unit = (match.group(2) or "B").upper()[:1]
    return int(float(match.group(1)) * {"B": 1, "K": KB, "M": MB, "G": GB}[unit])


def human(n: int) -> str:
    """``20 MB``, ``1.5 GB``, ``812 bytes``."""
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _too_large(path: Path | str, name: str, size: int, what: str | None = None) -> InputTooLargeError:
    lim = LIMITS[name]
    cap = limit(name)
    shown = human(size) if lim.is_size else str(size)
    cap_shown = human(cap) if lim.is_size else str(cap)
    return InputTooLargeError(
        f"{path}: {shown} is too large for a {what or lim.what} (limit {cap_shown}): "
        "is this the right file?",
        hint=f"set {lim.env} to raise the limit",
    )


def check_size(path: str | Path, name: str, *, what: str | None = None) -> int:
    """Raise :class:`InputTooLargeError` when the file at ``path`` exceeds limit ``name``.

    Only regular files are measured; the size is returned. A missing file is left to the
    reader (its own error names it)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return 0
    if size > limit(name):
        raise _too_large(path, name, size, what)
    return size


def read_bytes(path: str | Path, name: str, *, what: str | None = None) -> bytes:
    """The bytes of ``path``, refused when over limit ``name``.

    Reads at most limit + 1 bytes, so a device or a file that grows (``/dev/zero``, a log)
    cannot make it run forever."""
    check_size(path, name, what=what)
    cap = limit(name)
    with open(path, "rb") as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise _too_large(path, name, len(data), what)
    return data


def read_text(path: str | Path, name: str, *, encoding: str = "utf-8", what: str | None = None) -> str:
    """:func:`read_bytes` decoded; ``UnicodeDecodeError`` is left to the caller."""
    return read_bytes(path, name, what=what).decode(encoding)


def check_zip(path: str | Path, *, what: str = "workbook") -> None:
    """Refuse an xlsx whose compressed size, member count or decompressed total is over limit.

    Python's zipfile never inflates a member beyond its declared size, so summing the
    declared sizes of the central directory bounds what openpyxl will decompress.
    A file that is not a zip is left to the reader."""
    check_size(path, "workbook", what=what)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return  # not a (readable) zip: the reader says so, naming the file
    if len(infos) > limit("workbook_members"):
        raise _too_large(path, "workbook_members", len(infos), f"{what} (zip entries)")
    total = sum(max(i.file_size, 0) for i in infos)
    if total > limit("workbook_unzipped"):
        raise _too_large(path, "workbook_unzipped", total, f"{what} once decompressed")


# ── YAML ───────────────────────────────────────────────────────────────────────────────────


class YamlAliasRefused(Exception):
    """An alias (``*name``) in a YAML file. ``str()`` is ``YAML alias *a (line 6): aliases
    are not read``, without the file name; each reader adds the file and what to write."""

    def __init__(self, anchor: str, line: int):
        self.anchor, self.line = anchor, line
        super().__init__(f"YAML alias *{shorten(anchor, 30)} (line {line}): aliases are not read")

    def told(self, name: str) -> str:
        """The whole one-line reason for a file ``name`` other than a scenario."""
        return (f"{name}: {self} (a few nested aliases expand to billions of values); "
                "write the value out")


class SafeYamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises :class:`YamlAliasRefused` at the first alias."""

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlAliasRefused(str(event.anchor), event.start_mark.line + 1)
        return super().compose_node(parent, index)


_REPR = reprlib.Repr()  # (Python 3.11's Repr takes no keyword arguments)
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 3, 6, 6, 6, 6
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 80, 80, 40


def show(value: object, width: int = 40, *, quote: bool = True, none: str = "None") -> str:
    """A value for an error message, on one line and at most about ``width`` characters, so
    a message never expands a huge value — the one place that says how values are shown.

    ``quote`` (values the user wrote: ``got '-3'``): a string in quotes (``repr``), cut with
    ``…``. Otherwise (free text: names, titles) a string is shown bare, cut with ``…`` and
    its full length. Numbers, dates and booleans read as written; lists and mappings get a
    bounded ``reprlib`` repr — ``str()`` of nested shared lists (what YAML aliases build)
    would expand to billions of items. ``none`` is how a missing value reads."""
    if value is None:
        return none
    if isinstance(value, str):
        if quote:
            text = " ".join(repr(value[: 10 * width]).split())
            return text if len(text) <= width else text[: width - 3] + "…"
        text = " ".join(value[: 10 * width].split())
        if len(value) <= width and len(text) <= width:
            return text
        return f"{text[: width - 1]}… ({len(value)} characters)"
    if isinstance(value, (int, list, tuple, dict, set, frozenset)) and not isinstance(value, bool):
        text = " ".join(_REPR.repr(value).split())
    else:
        text = " ".join(str(value)[: 10 * width].split())
    if len(text) <= width:
        return text
    return text[: width - 3] + "…" if quote else f"{text[: width - 1]}…"


def shorten(value: object, width: int = 60) -> str:
    """Free text of a value cut to ``width`` characters (:func:`show` without quotes)."""
    return show(value, width, quote=False)
