"""The one place where text from data is made safe for where it goes.

- HTML: :func:`html_text` (element text and attribute values).
- JavaScript: :func:`js_literal` (any JSON-able value embedded in a <script>, safe inside
  ``</script>``, template literals and HTML comments).
- Excel/CSV: :func:`excel_cell` neutralises text that a spreadsheet would run as a formula
  (OWASP "CSV injection").
- File names: :func:`safe_filename` builds a name from data that stays inside its folder
  and works on Windows.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def html_text(value: Any) -> str:
    """Escape a value for HTML element text or a quoted attribute value."""
    return html.escape("" if value is None else str(value), quote=True)


def js_literal(value: Any) -> str:
    """Serialise ``value`` as a JavaScript literal that is safe inside an HTML <script>.

    ``<``, ``>``, ``&``, the backtick, ``$`` and the JS line separators are written as
    ``\\uXXXX`` escapes, so a string cannot close the script tag, open a comment, or be
    interpolated if the code later puts it in a template literal.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    for ch, rep in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("`", "\\u0060"),
        ("$", "\\u0024"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, rep)
    return text


def excel_cell(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell.

    Numbers, dates and ``None`` pass through. Text that a spreadsheet would read as a formula
    (starting with ``= + - @``, tab, CR/LF, or their full-width forms) gets a leading
    apostrophe-like guard: a single quote, which Excel and LibreOffice show as text.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


_WINDOWS_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_filename(name: str, *, default: str = "unnamed", max_length: int = 120) -> str:
    """A file name (no directory part) built from data.

    Path separators, ``..``, Windows-forbidden characters and control characters become
    ``_``; leading dots and trailing dots/spaces are stripped; reserved device names
    (CON, NUL, …) get a ``_`` suffix. The result never contains a separator.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = _WINDOWS_BAD.sub("_", text)
    text = text.replace("..", "_")
    text = text.strip().lstrip(".").rstrip(". ")
    if not text:
        text = default
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = text + "_"
    return text[:max_length]


def path_inside(folder: str | Path, name: str) -> Path:
    """``folder / safe_filename(name)``, checked to resolve inside ``folder``."""
    folder = Path(folder)
    path = folder / safe_filename(name)
    if folder.resolve() not in path.resolve().parents:
        raise ValueError(f"file name {name!r} would leave {folder}")
    return path
