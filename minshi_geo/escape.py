"""The one place where text from data is made safe for where it goes.

- HTML: :func:`html_text` (element text and attribute values).
- JavaScript: :func:`js_literal` (any JSON-able value embedded in a <script>, safe inside
  ``</script>``, template literals and HTML comments).
- Excel/CSV: :func:`excel_cell` neutralises text that a spreadsheet would run as a formula
  (OWASP "CSV injection"); :func:`csv_frame` applies it to every text cell of a table
  written or printed as CSV (numeric columns stay numeric), :func:`csv_unguard` undoes it
  when the tool reads its own CSV back.
- File names: :func:`safe_filename` builds a name from data that stays inside its folder,
  works on Windows, keeps its extension and fits the 255-byte limit of file systems.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

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


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to write or print as CSV: every text cell (also text in the
    index and column names) through :func:`excel_cell`; numbers, dates and NaN untouched.

    A carriage return inside a cell becomes a line feed: pandas quotes a cell holding ``\n``
    but not one holding a lone ``\r``, which Excel reads as a new row — whose first cell
    could then be a formula."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]) and _texty(out[column].dtype):
            out[column] = out[column].map(csv_cell, na_action="ignore")
    if _texty(out.index.dtype):
        out.index = out.index.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def csv_cell(value: Any) -> Any:
    """:func:`excel_cell` for a CSV cell; a lone CR becomes LF (see :func:`csv_frame`)."""
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return excel_cell(value)


def _texty(dtype: Any) -> bool:
    """object, str/string or category: a column that can hold text."""
    return dtype == object or str(dtype) in ("str", "string", "category")


def csv_unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`csv_unguard` on every text cell of a table the tool wrote with :func:`csv_frame`."""
    from pandas.api.types import is_numeric_dtype

    for column in frame.columns:
        if not is_numeric_dtype(frame[column]) and _texty(frame[column].dtype):
            frame[column] = frame[column].map(csv_unguard, na_action="ignore")
    return frame


def csv_unguard(value: Any) -> Any:
    """Undo :func:`excel_cell` on a value read back from a CSV the tool wrote."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


_WINDOWS_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WINDOWS_RESERVED = {
    "CON", "PRN", "AUX", "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
# Control, format (bidi overrides U+202E, zero-width, BOM …), surrogate, private-use and
# line/paragraph separator characters: invisible or spoofing in a file name.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
MAX_NAME_BYTES = 200
"""UTF-8 bytes of a built file name: under the 255 of ext4/NTFS/APFS with room for the
temporary ``.NAME.XXXXXXXX.tmp`` of atomic writes and a ``-2023-06-30`` suffix."""


def safe_filename(name: str, *, default: str = "unnamed", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name (no directory part) built from data.

    The extension (``.xlsx``) is kept. Control and bidi/format characters (U+202E …) are
    dropped; path separators, ``..`` and Windows-forbidden characters become ``_``; leading
    dots and trailing dots/spaces are stripped; reserved device names (CON, NUL, …) get a
    ``_`` suffix. A name longer than ``max_bytes`` UTF-8 bytes is cut and given ``~`` + 8 hex
    digits of its hash, so two long names that share a beginning stay different. The result
    never contains a separator.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROP_CATEGORIES)
    match = _EXTENSION.search(text)
    ext = match.group(0) if match and match.start() > 0 else ""
    stem = text[: len(text) - len(ext)]
    stem = _WINDOWS_BAD.sub("_", stem).replace("..", "_")
    stem = stem.strip().lstrip(".").rstrip(". ")
    if not stem:
        stem = default
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = stem + "_"
    return _fit(stem, max(max_bytes - len(ext.encode("utf-8")), 16)) + ext


def _fit(stem: str, budget: int) -> str:
    data = stem.encode("utf-8")
    if len(data) <= budget:
        return stem
    digest = hashlib.sha256(data).hexdigest()[:8]
    cut = data[: budget - 9].decode("utf-8", "ignore").rstrip(". ")
    return f"{cut}~{digest}"


def path_inside(folder: str | Path, name: str) -> Path:
    """``folder / safe_filename(name)``, checked to resolve inside ``folder``."""
    folder = Path(folder)
    path = folder / safe_filename(name)
    if folder.resolve() not in path.resolve().parents:
        raise ValueError(f"file name {name!r} would leave {folder}")
    return path
