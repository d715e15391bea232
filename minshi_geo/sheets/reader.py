"""Read a returned task sheet (进度报告): the region's filled-in 任务分解表, as xlsx or CSV.

:func:`read_report` is the one way a returned sheet enters the tool (the progress store imports
through it). It relies on :mod:`minshi_geo.sheets.layout`, the same definition the writer uses.

Identity — which plan, scenario, region and targets the sheet belongs to — comes from the hidden
``_identity`` sheet; when that is gone (a CSV export, or the rows pasted into a fresh workbook)
from the custom document properties and the visible header block (表格标识, 数据性质), with the
target ids taken from the 指标编号 column. Nothing is guessed: a sheet without an identity is
rejected.

Period end: each row's 截至日期, or when that is blank the sheet's 本期截至日期 (header block). A
row counts as reported when 累计完成, 进展状态 or 备注 is filled in; it then needs a date.

Values
------
累计完成  a number ≥ 0 in the row's unit: 1234, 1,234, １２３４ (full-width), 1.2万, 0.5亿,
          with the row's unit or ``%`` after it (``12公里``, ``85%``); an Excel formula counts
          only if the spreadsheet stored its computed value.
截至日期  a date cell, an Excel serial number, or text 2023-06-30, 2023/6/30, 2023.6.30,
          2023年6月30日, 20230630.
进展状态  未启动 / 推进中 / 已完成.

Every problem in a file is collected; the file is rejected as a whole with a
:class:`ReportError` whose message names the first problem (file, sheet, row, column and what
was expected) and counts the others; ``ReportError.problems`` lists them all.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from minshi_geo import limits, numbers
from minshi_geo.errors import MinshiError
from minshi_geo.messages import say
from minshi_geo.sheets import layout
from minshi_geo.sheets.xlsx_grid import WorkbookGrids, load_grids

LINE_COLUMNS: list[str] = [
    "target_id",
    "region_code",
    "period_end",
    "completed",
    "status",
    "note",
    "sheet",
    "row",
]

# Excel serials for 1990-01-01 … 2100-12-31: a number outside is not a date someone meant.
_SERIAL_MIN, _SERIAL_MAX = 32874, 73415


class ReportError(MinshiError):
    """A returned sheet cannot be imported; ``problems`` lists every problem found in the file."""

    hint = "correct the cells named and send the file again; nothing from this file was imported"

    def __init__(self, message: str, *, problems: list[str] | None = None,
                 path: Path | None = None, hint: str | None = None):
        super().__init__(message, hint=hint if hint is not None else say("reader.hint"))
        self.problems = list(problems or [message])
        self.path = path


@dataclass(frozen=True)
class ReportIdentity:
    """Which plan, scenario, region and targets a returned sheet belongs to."""

    plan_id: str
    scenario_sha256: str
    region_code: str
    target_ids: tuple[str, ...]
    sample: bool
    region_name: str | None = None
    scenario: str | None = None
    catalogue_sha256: str | None = None
    region_set: str | None = None
    source: str = "identity sheet"  # or "header block" (CSV / hidden sheet lost)


@dataclass(frozen=True)
class Report:
    """One returned sheet.

    ``lines``: one row per reported target, columns :data:`LINE_COLUMNS` —
    target_id (str), region_code (str), period_end (``datetime.date``), completed (float in the
    target's unit, NaN when only a status or note was given), status (未启动/推进中/已完成 or
    None), note (str or None), sheet (sheet name, None for CSV), row (1-based row in the file).
    ``period_end``: the latest period end among the lines (None when nothing was filled in).
    """

    path: Path
    identity: ReportIdentity
    period_end: date | None
    lines: pd.DataFrame

    @property
    def plan_id(self) -> str:
        return self.identity.plan_id

    @property
    def region_code(self) -> str:
        return self.identity.region_code

    @property
    def scenario_sha256(self) -> str:
        return self.identity.scenario_sha256

    @property
    def target_ids(self) -> tuple[str, ...]:
        return self.identity.target_ids

    @property
    def sample(self) -> bool:
        return self.identity.sample


# --------------------------------------------------------------------------- value parsing
class _Bad(ValueError):
    """A cell value that does not parse; the message says what was expected."""


def _got(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > 40:
        text = text[:37] + "…"
    return repr(text)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, letters, ％, ，and the ideographic space into ASCII.
    return unicodedata.normalize("NFKC", text).strip()


def _strip_unit(text: str, unit: str | None) -> str:
    def plain(u: str) -> str:
        return re.sub(r"[()（）\s]", "", unicodedata.normalize("NFKC", u))

    candidates = [u for u in (unit, "%") if u]
    for u in sorted({plain(u) for u in candidates}, key=len, reverse=True):
        if u and text.endswith(u):
            return text[: -len(u)].strip()
    return text


def parse_completed(value: Any, unit: str | None = None) -> float | None:
    """累计完成 as a float ≥ 0 (None for an empty cell); :class:`ValueError` explains a bad one."""
    expected = say("value.number", unit=say("value.number_unit", unit=unit) if unit else "")
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad(say("value.got", expected=expected, got=_got(value)))
    if isinstance(value, int | float):
        f = float(value)
        if math.isnan(f):
            return None
        if f < 0 or math.isinf(f):
            raise _Bad(say("value.got", expected=expected, got=_got(_plain_number(f))))
        return f
    if isinstance(value, datetime | date):
        raise _Bad(say("value.got_date", expected=expected, day=f"{value:%Y-%m-%d}"))
    raw = str(value)
    text = re.sub(r"\s+", "", _normalise(raw))
    if text == "":
        return None
    body = _strip_unit(text, unit)
    try:  # ".5" as some spreadsheets show 0.5
        coefficient, multiplier = numbers.parse_parts("0" + body if body[:1] == "." else body)
    except numbers.NumberFormatError:
        raise _Bad(say("value.got", expected=expected, got=_got(raw.strip()))) from None
    # In a row counted in 万元 / 万人, "1.2万" is 1.2 of the unit (the 元 left off), and
    # "3亿" is 30000 of it — never 1.2万 × 万元.
    scale = numbers.BIG_UNITS.get(_normalise(unit or "")[:1], 1) if multiplier > 1 else 1
    return float(coefficient * multiplier / scale)


def _plain_number(f: float) -> str:
    return str(int(f)) if float(f).is_integer() else repr(f)


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?"
)


def parse_date(value: Any) -> date | None:
    """截至日期 as a date (None for an empty cell); :class:`ValueError` explains a bad one."""
    expected = say("value.date")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise _Bad(say("value.got", expected=expected, got=_got(value)))
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        return _from_serial(float(value), value, expected)
    raw = str(value)
    text = _normalise(raw)
    if text == "":
        return None
    if text == "#VALUE!":  # what openpyxl makes of a date-formatted cell beyond year 9999
        raise _Bad(say("value.too_large_date", expected=expected))
    m = _DATE_TEXT.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise _Bad(say("value.no_such_day", expected=expected, got=_got(raw.strip()))) from None
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial that arrived as text (CSV)
        return _from_serial(float(text), raw.strip(), expected)
    raise _Bad(say("value.got", expected=expected, got=_got(raw.strip())))


def _from_serial(serial: float, shown: Any, expected: str) -> date:
    if not (_SERIAL_MIN <= serial <= _SERIAL_MAX) or not float(serial).is_integer():
        raise _Bad(say("value.got", expected=expected, got=_got(shown)))
    return from_excel(serial).date()


def parse_status(value: Any) -> str | None:
    """进展状态: one of 未启动 / 推进中 / 已完成 (None for an empty cell)."""
    if value is None:
        return None
    text = re.sub(r"\s+", "", _normalise(str(value)))
    if text == "":
        return None
    if text in layout.STATUS_CHOICES:
        return text
    raise _Bad(say("value.status", choices=" / ".join(layout.STATUS_CHOICES),
                   got=_got(str(value).strip())))


def _note(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------------- grids
@dataclass
class _Grid:
    """A sheet as rows of values (1-based access), whatever file it came from."""

    rows: list[list[Any]]
    sheet: str | None
    uncomputed: set[tuple[int, int]]  # formula cells without a stored value
    formulas: dict[tuple[int, int], str]  # formula cells: the formula as typed

    def get(self, r: int, c: int) -> Any:
        if r < 1 or r > len(self.rows):
            return None
        row = self.rows[r - 1]
        return row[c - 1] if 0 < c <= len(row) else None


def _open_xlsx(path: Path) -> WorkbookGrids:
    limits.check_zip(path, what="returned workbook")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation extensions it does not read; harmless here.
            warnings.simplefilter("ignore", UserWarning)
            # one pass: the values the spreadsheet stored and the formulas as typed
            grids = load_grids(path)
    except Exception as exc:  # noqa: BLE001 - openpyxl parsing an untrusted file
        # InvalidFileException, BadZipFile, zlib.error, EOFError (damaged zip); SyntaxError
        # (broken sheet XML: ElementTree's ParseError, lxml's XMLSyntaxError); KeyError,
        # ValueError, TypeError … (well-formed XML openpyxl cannot make a workbook of).
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError | MinshiError):
            raise  # the CLI reports these as file problems, with the path
        raise ReportError(
            say("reader.not_xlsx", file=path.name, why=exc.__class__.__name__),
            path=path, hint=say("reader.hint_xlsx"),
        ) from None
    return grids


def _task_grid(book: WorkbookGrids, path: Path) -> _Grid:
    sheets = {s.title: s for s in book.sheets}  # worksheets only (not chart sheets)
    if layout.TASK_SHEET in sheets:
        name = layout.TASK_SHEET
    else:
        visible = [s.title for s in book.sheets if s.sheet_state == "visible"]
        name = next((n for n in visible if _heading_row(sheets[n].rows()) is not None), None)
        if name is None:
            raise ReportError(
                say("reader.no_task_sheet", file=path.name, sheet=repr(layout.TASK_SHEET),
                    id=layout.HEADER_TEXTS["target_id"], completed=layout.HEADER_TEXTS["completed"]),
                path=path, hint=say("reader.hint_task_sheet"),
            )
    sheet = sheets[name]
    rows = sheet.rows()
    uncomputed: set[tuple[int, int]] = set()
    formulas: dict[tuple[int, int], str] = {}
    for (r, c), v in sheet.typed.items():
        if isinstance(v, str) and v.startswith("="):
            formulas[(r, c)] = v
            if sheet.values.get((r, c)) is None:
                uncomputed.add((r, c))
    return _Grid(rows, name, uncomputed, formulas)


def _csv_grid(path: Path) -> _Grid:
    data = limits.read_bytes(path, "report_csv", what="returned CSV")
    for encoding in ("utf-8-sig", "gb18030"):
        # Excel on Chinese Windows saves "CSV" in GBK unless told UTF-8; accept both.
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ReportError(say("reader.not_text", file=path.name), path=path)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[(v if v.strip() != "" else None) for v in row]
                for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:  # a NUL byte, a stray CR in an unquoted field …
        raise ReportError(say("reader.bad_csv", file=path.name, why=exc), path=path,
                          hint=say("reader.hint_csv")) from None
    return _Grid(rows, None, set(), {})


# --------------------------------------------------------------------------- layout
def _clean_heading(value: Any) -> str:
    return re.sub(r"\s+", "", _normalise(str(value))) if value is not None else ""


def _heading_row(rows: list[list[Any]]) -> int | None:
    want = {layout.HEADER_TEXTS["target_id"], layout.HEADER_TEXTS["completed"]}
    for r, row in enumerate(rows[:60], start=1):
        if want <= {_clean_heading(v) for v in row}:
            return r
    return None


def _columns(grid: _Grid, heading_row: int, where: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for c, v in enumerate(grid.rows[heading_row - 1], start=1):
        key = layout.KEY_OF_HEADER.get(_clean_heading(v))
        if key and key not in cols:
            cols[key] = c
    needed = ["target_id", *layout.REPORTING_KEYS]
    missing = [layout.HEADER_TEXTS[k] for k in needed if k not in cols]
    if missing:
        raise ReportError(
            say("reader.missing_columns", where=where, row=heading_row,
                columns=", ".join(missing)),
            hint=say("reader.hint_columns"),
        )
    return cols


def _header_block(grid: _Grid, heading_row: int) -> dict[str, Any]:
    by_label = {label: key for key, label in layout.HEADER_FIELDS}
    found: dict[str, Any] = {}
    for r in range(1, heading_row):
        label = _clean_heading(grid.get(r, layout.HEADER_LABEL_COL))
        key = by_label.get(label)
        if key and key not in found:
            found[key] = (r, grid.get(r, layout.HEADER_VALUE_COL))
    return found


def _identity_from_sheet(book: WorkbookGrids) -> tuple[dict[str, Any], list[str]] | None:
    sheet = next((s for s in book.sheets if s.title == layout.IDENTITY_SHEET), None)
    if sheet is None:
        return None
    values: dict[str, Any] = {}
    targets: list[str] = []
    for row in sheet.rows():
        if not row or row[0] is None:
            continue
        key = str(row[0])
        value = row[1] if len(row) > 1 else None
        if key == layout.IDENTITY_TARGET_KEY:
            targets.append(_unguard(value))
        else:
            values[key] = value
    if values.get("format") != layout.IDENTITY_FORMAT:
        return None
    return values, targets


def _unguard(value: Any) -> str:
    """Identity values were written through excel_cell; undo its guard for comparison."""
    text = "" if value is None else str(value)
    return text[1:] if text.startswith("'") else text


def _doc_properties(wb) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        props = wb.custom_doc_props.props
    except AttributeError:  # pragma: no cover - older openpyxl
        return out
    for prop in props:
        if prop.name and prop.name.startswith(layout.DOC_PROPERTY_PREFIX):
            out[prop.name[len(layout.DOC_PROPERTY_PREFIX):]] = str(prop.value)
    return out


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes", "是"}


# --------------------------------------------------------------------------- entry point
def read_report(path: str | Path) -> Report:
    """Read one returned task sheet (.xlsx or .csv); see the module docstring for the rules.

    Raises :class:`ReportError` naming file, sheet, row and column for anything it cannot
    read — after looking at the whole file, so one round of corrections fixes everything.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    grid, hidden, props, where = _open_report(path)
    sheet = _task_sheet(path, grid, where)
    header = _header_block(grid, sheet.heading_row)
    problems: list[str] = []
    # rows (target ids in sheet order) before identity, which may need them
    data_rows = _data_rows(sheet, problems)
    identity = _identity(path, where, hidden, props, header, [t for _r, t in data_rows])
    _check_target_rows(sheet, data_rows, identity, problems)
    default_end = _default_period_end(header, where, problems)
    units = _units(grid, sheet.cols)
    lines = [
        line
        for r, tid in data_rows
        if (line := _read_line(sheet, r, tid, units.get(r), default_end, problems)) is not None
    ]
    if problems:
        more = len(problems) - 1
        message = problems[0] + (say("reader.more_problems", more=more,
                                     s="s" if more > 1 else "") if more else "")
        raise ReportError(message, problems=problems, path=path)
    for line in lines:
        line["region_code"] = identity.region_code
    frame = _lines_frame(lines)
    period_end = max(frame["period_end"]) if len(frame) else None
    return Report(path=path, identity=identity, period_end=period_end, lines=frame)


def _open_report(path: Path) -> tuple[_Grid, Any, dict[str, str], str]:
    """(task grid, hidden identity, document properties, where) of an .xlsx or .csv file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        book = _open_xlsx(path)
        grid = _task_grid(book, path)
        return grid, _identity_from_sheet(book), _doc_properties(book), (
            path.name + say("at.sheet", sheet=grid.sheet))
    if suffix == ".csv":
        return _csv_grid(path), None, {}, path.name
    raise ReportError(
        say("reader.wrong_suffix", file=path.name,
            got=path.suffix or say("reader.no_extension")),
        path=path, hint=say("reader.hint_xls"),
    )


@dataclass(frozen=True)
class _TaskSheet:
    """The task table of a report: its grid, heading row and columns, and how to name a cell."""

    grid: _Grid
    heading_row: int
    cols: dict[str, int]
    where: str

    def at(self, r: int, key: str | None = None, c: int | None = None) -> str:
        c = c if c is not None else self.cols[key]  # type: ignore[index]
        heading = layout.HEADER_TEXTS.get(key or "", None) or _clean_heading(
            self.grid.get(self.heading_row, c))
        return say("at.cell", where=self.where, row=r, heading=heading, col=get_column_letter(c))


def _task_sheet(path: Path, grid: _Grid, where: str) -> _TaskSheet:
    heading_row = _heading_row(grid.rows)
    if heading_row is None:
        raise ReportError(
            say("reader.no_heading", where=where, id=layout.HEADER_TEXTS["target_id"],
                completed=layout.HEADER_TEXTS["completed"]),
            path=path, hint=say("reader.hint_task_sheet"),
        )
    return _TaskSheet(grid, heading_row, _columns(grid, heading_row, where), where)


def _data_rows(sheet: _TaskSheet, problems: list[str]) -> list[tuple[int, str]]:
    """(row, target id) of every row with a target id; a filled row without one is a problem."""
    grid, cols = sheet.grid, sheet.cols
    data_rows: list[tuple[int, str]] = []
    for r in range(sheet.heading_row + 1, len(grid.rows) + 1):
        tid_raw = grid.get(r, cols["target_id"])
        tid = _unguard(tid_raw).strip() if tid_raw is not None else ""
        filled = [grid.get(r, cols[k]) for k in layout.REPORTING_KEYS]
        if not tid:
            if any(v is not None and str(v).strip() for v in filled):
                problems.append(say("reader.row_without_id", at=sheet.at(r, "target_id")))
            continue
        if isinstance(tid_raw, float) and tid_raw.is_integer():  # "3" typed as a number
            tid = str(int(tid_raw))
        data_rows.append((r, tid))
    return data_rows


def _check_target_rows(sheet: _TaskSheet, data_rows: list[tuple[int, str]],
                       identity: ReportIdentity, problems: list[str]) -> None:
    """Every row's target is the sheet's, once; no target row was deleted."""
    known = set(identity.target_ids)
    seen: dict[str, int] = {}
    for r, tid in data_rows:
        if tid not in known:
            problems.append(say("reader.foreign_id", at=sheet.at(r, "target_id"), got=_got(tid)))
        if tid in seen:
            problems.append(say("reader.twice", at=sheet.at(r, "target_id"), target=tid,
                                other=seen[tid]))
        seen.setdefault(tid, r)
    sheet_ids = {t for _r, t in data_rows}
    missing = [t for t in identity.target_ids if t not in sheet_ids]
    if missing:
        problems.append(say("reader.rows_missing", where=sheet.where, targets=", ".join(missing)))


def _default_period_end(header: dict[str, Any], where: str, problems: list[str]) -> date | None:
    """截至日期 from the header block, for rows that leave theirs empty."""
    if "period_end" not in header:
        return None
    r, value = header["period_end"]
    try:
        return parse_date(value)
    except _Bad as exc:
        problems.append(say("at.problem", at=say("at.field", where=where, row=r,
                            field=layout.HEADER_LABELS["period_end"],
                            col=get_column_letter(layout.HEADER_VALUE_COL)),
                            what=exc))
        return None


def _read_line(sheet: _TaskSheet, r: int, tid: str, unit: str | None,
               default_end: date | None, problems: list[str]) -> dict[str, Any] | None:
    """One reported row as a line (region_code filled in later), or None when nothing was
    reported in it or it cannot be read (the problems say why)."""
    grid, cols = sheet.grid, sheet.cols
    raw = {k: grid.get(r, cols[k]) for k in layout.REPORTING_KEYS}
    # A note that Excel took for a formula (typed starting with = + - @) is kept as the
    # text that was typed; numbers, dates and statuses need the value the formula gave.
    if (r, cols["note"]) in grid.formulas:
        raw["note"] = grid.formulas[(r, cols["note"])]
    for k in ("period_end", "completed", "status"):
        if (r, cols[k]) in grid.uncomputed:
            problems.append(say("reader.uncomputed", at=sheet.at(r, k)))
            raw[k] = None
    completed = _parsed(parse_completed, (raw["completed"], unit), sheet.at(r, "completed"), problems)
    status = _parsed(parse_status, (raw["status"],), sheet.at(r, "status"), problems)
    note = _note(raw["note"])
    try:
        row_end = parse_date(raw["period_end"])
    except _Bad as exc:
        problems.append(say("at.problem", at=sheet.at(r, "period_end"), what=exc))
        return None
    if not any(raw[k] is not None and str(raw[k]).strip() for k in ("completed", "status", "note")):
        return None
    period_end = row_end or default_end
    if period_end is None:
        problems.append(say("reader.no_date", at=sheet.at(r, "period_end"),
                            field=layout.HEADER_LABELS["period_end"]))
        return None
    return {
        "target_id": tid, "region_code": None, "period_end": period_end,
        "completed": float("nan") if completed is None else completed,
        "status": status, "note": note, "sheet": grid.sheet, "row": r,
    }  # fmt: skip


def _parsed(parse: Any, args: tuple, at: str, problems: list[str]) -> Any:
    """``parse(*args)``, or None with the problem noted at ``at``."""
    try:
        return parse(*args)
    except _Bad as exc:
        problems.append(say("at.problem", at=at, what=exc))
        return None


def _lines_frame(lines: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(lines, columns=LINE_COLUMNS)
    frame["completed"] = frame["completed"].astype(float)
    for col in ("status", "note", "sheet"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    frame["row"] = frame["row"].astype(int)
    return frame


def _units(grid: _Grid, cols: dict[str, int]) -> dict[int, str | None]:
    if "unit" not in cols:
        return {}
    out: dict[int, str | None] = {}
    for r in range(1, len(grid.rows) + 1):
        v = grid.get(r, cols["unit"])
        out[r] = _unguard(v).strip() if v is not None else None
    return out


def _identity(path: Path, where: str, hidden, props: dict[str, str], header: dict[str, Any],
              sheet_target_ids: list[str]) -> ReportIdentity:
    visible = None
    if "identity" in header and header["identity"][1] is not None:
        visible = layout.parse_identity_text(_unguard(header["identity"][1]))
    if hidden is not None:
        values, target_ids = hidden
        identity = ReportIdentity(
            plan_id=_unguard(values.get("plan_id")),
            scenario_sha256=_unguard(values.get("scenario_sha256")),
            region_code=_unguard(values.get("region_code")),
            target_ids=tuple(target_ids),
            sample=_truthy(values.get("sample")),
            region_name=_unguard(values.get("region_name")) or None,
            scenario=_unguard(values.get("scenario")) or None,
            catalogue_sha256=_unguard(values.get("catalogue_sha256")) or None,
            region_set=_unguard(values.get("region_set")) or None,
            source="identity sheet",
        )
        shown = (identity.plan_id, identity.region_code, identity.scenario_sha256)
        if visible is not None and visible != shown:
            raise ReportError(
                say("reader.identity_mismatch", where=where, visible="|".join(visible),
                    hidden="|".join(shown)),
                path=path, hint=say("reader.hint_identity_mismatch"),
            )
        _check_region_header(path, where, header, identity.region_code, identity.region_name)
        return identity
    # No hidden identity sheet: the visible header (and document properties) must say it all.
    if visible is None and props.get("plan_id") and props.get("region_code"):
        visible = (props["plan_id"], props["region_code"], props.get("scenario_sha256", ""))
    if visible is None:
        raise ReportError(
            say("reader.no_identity", where=where, sheet=layout.IDENTITY_SHEET,
                field=layout.HEADER_LABELS["identity"]),
            path=path, hint=say("reader.hint_no_identity"),
        )
    region_name = header.get("region", (None, None))[1]
    _check_region_header(path, where, header, visible[1], None)
    data = header.get("data", (None, None))[1]
    sample = (str(data).strip().startswith(layout.SAMPLE_MARK) if data is not None
              else _truthy(props.get("sample", "false")))
    return ReportIdentity(
        plan_id=visible[0],
        scenario_sha256=visible[2],
        region_code=visible[1],
        target_ids=tuple(dict.fromkeys(sheet_target_ids)),
        sample=sample,
        region_name=_unguard(region_name) if region_name is not None else None,
        source="header block",
    )


def _check_region_header(path: Path, where: str, header: dict[str, Any], region_code: str,
                         region_name: str | None) -> None:
    """单位代码 and 分解单位 in the header block must name the identity's region.

    A region that unprotects another region's sheet and types its own code and name over the
    header would otherwise have its figures stored for the region the identity names.
    """
    checks = [("region_code", region_code)]
    if region_name:
        checks.append(("region", region_name))
    for key, expected in checks:
        if key not in header:
            continue
        r, value = header[key]
        shown = "" if value is None else _unguard(value).strip()
        if isinstance(value, float) and value.is_integer():
            shown = str(int(value))  # 220100 retyped as a number
        if shown != str(expected):
            raise ReportError(
                say("at.field", where=where, row=r, field=layout.HEADER_LABELS[key],
                    col=get_column_letter(layout.HEADER_VALUE_COL))
                + say("reader.header_edited", expected=repr(expected),
                      got=_got(shown) if shown else say("reader.nothing")),
                path=path, hint=say("reader.hint_header_edited"),
            )
