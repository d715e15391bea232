"""The one definition of the region task sheet (任务分解表), shared by writer and reader.

A region workbook has one visible sheet, :data:`TASK_SHEET`, laid out as the attachment of a
公文 (附件 line, centred title, issuing office and date)::

    row 1            附件1
    row 2            title: 2023年吉林省民生实事任务分解表——长春市（示例）
    row 3            issuing office and date: 吉林省民生工作领导小组办公室　2023年3月1日
    rows 4..11       header block: label in column A, value in column D (see HEADER_FIELDS);
                     the rows of HIDDEN_HEADER_KEYS are hidden (codes, hashes — and 数据性质
                     when the data are official): the reader still reads them
    row 12           填报单位（盖章） and 填报日期 (SIGN_TOP)
    row 13           column headings (TASK_COLUMNS)
    rows 14..        per sector a heading row (一、促进就业方面, SECTOR_ROW first) then one
                     row per target the region reports on, in catalogue order (FIRST_DATA_ROW:
                     the first target's row)
    after the table  审核人, 填报人, 联系电话 (SIGN_BOTTOM), outside the reporting columns

and a very hidden, protected sheet :data:`IDENTITY_SHEET` (key in A, value in B) that names the
plan, scenario hash, region and the exact target ids of the rows, so a returned sheet is matched
without guessing. The reader finds the heading row and the columns by their Chinese headings, so
an optional column does not shift anything it relies on; the same cells in a CSV export
(``--csv``) carry the same layout, so a CSV comes back through the same reader.

Which targets a region reports on
---------------------------------
- every splittable target allocated to the region (本地区任务 = its allocated quantity);
- every non-splittable target (rates, standards, milestones, linked outcomes): 本地区任务 reads
  :data:`PROVINCE_WIDE`, because progress on province-wide items is tracked per region too.

Reporting cells (unlocked, validated; everything else is locked by sheet protection):
截至日期 (a date; blank rows take 本期截至日期 from the header block), 累计完成 (a number ≥ 0 in
the row's unit, for ``count`` and ``rate`` targets — a rate is reported as the region's current
percentage), 进展状态 (未启动/推进中/已完成, for ``milestone`` and ``standard`` targets, which have
no quantity to count), 备注 (free text).
"""

from __future__ import annotations

from dataclasses import dataclass

LAYOUT_VERSION = 2  # 2: 公文 attachment (附件 line, sector rows, 牵头/责任单位, sign block)

TASK_SHEET = "任务分解表"
IDENTITY_SHEET = "_identity"
TITLE_SUFFIX = "任务分解表"
SUMMARY_SUFFIX = "任务分解汇总表"
SAMPLE_MARK = "示例"
SAMPLE_NOTE = "示例：本表使用示例数据（sample data），仅供演示，不作为正式任务下达"
PROVINCE_WIDE = "全省统一"

STATUS_CHOICES: tuple[str, ...] = ("未启动", "推进中", "已完成")
STATUS_KINDS = frozenset({"milestone", "standard"})
QUANTITY_KINDS = frozenset({"count", "rate"})

# Sheet protection guards against accidental edits of the task columns, not against an
# attacker: Excel/LibreOffice "unprotect sheet" needs no password.
PROTECTION_PASSWORD: str | None = None


@dataclass(frozen=True)
class Column:
    """One column of the task table.

    ``key`` is the name in code and in the reader's lines; ``header`` is the Chinese heading
    written in the sheet (the contract with the regions); ``width`` in Excel character units
    (a CJK character counts about 2) is the least width; ``wrap`` the width at which longer
    text wraps onto more lines (None: the column grows to fit); ``reporting`` marks the cells
    a region fills in. The wrap widths keep the whole table near 180 units, so that A4
    landscape prints it at about 80 % (10-pt text stays readable) instead of 60 %.
    """

    key: str
    header: str
    width: float
    reporting: bool = False
    optional: bool = False
    wrap: float | None = None


TASK_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 5),
    Column("target_id", "指标编号", 9),
    Column("item", "事项", 16, wrap=16),
    Column("metric", "指标", 22, wrap=22),
    Column("unit", "单位", 6),
    Column("province_quantity", "全省目标", 11),
    Column("quantity", "本地区任务", 11),
    Column("share", "占全省比例", 10),
    Column("deadline", "完成时限", 14),
    # the catalogue's lead where it names one; blank and fillable otherwise (never invented)
    Column("lead", "牵头单位", 12, wrap=12),
    Column("responsible", "责任单位", 12, wrap=12),
    Column("period_end", "截至日期", 14, reporting=True),
    Column("completed", "累计完成", 12, reporting=True),
    Column("status", "进展状态", 10, reporting=True),
    Column("note", "备注", 16, reporting=True, wrap=16),
)

REPORTING_KEYS: tuple[str, ...] = tuple(c.key for c in TASK_COLUMNS if c.reporting)
HEADER_TEXTS: dict[str, str] = {c.key: c.header for c in TASK_COLUMNS}
KEY_OF_HEADER: dict[str, str] = {c.header: c.key for c in TASK_COLUMNS}


def task_columns(with_lead: bool = True) -> list[Column]:
    """The columns of a task sheet (``with_lead=False`` drops the optional ones; none is
    optional since 牵头单位 is always shown, blank and fillable where the catalogue names none)."""
    return [c for c in TASK_COLUMNS if not c.optional or with_lead]


# Header block: (key, label). Labels sit in column A, values in column D.
HEADER_FIELDS: tuple[tuple[str, str], ...] = (
    ("plan", "民生实事方案"),
    ("region", "分解单位"),
    ("region_code", "单位代码"),
    ("scenario", "分解方案"),
    ("created", "生成日期"),
    ("data", "数据性质"),
    ("period_end", "本期截至日期"),
    ("identity", "表格标识"),
)
HEADER_LABELS: dict[str, str] = dict(HEADER_FIELDS)
# Rows a planner need not read: kept (hidden) for the reader and for a copy without the hidden
# identity sheet. 数据性质 is hidden too when the data are official (only 示例 is news).
HIDDEN_HEADER_KEYS = frozenset({"region_code", "created", "identity"})
ATTACHMENT_ROW = 1
TITLE_ROW = 2
ISSUER_ROW = 3
HEADER_FIRST_ROW = 4
HEADER_LABEL_COL = 1
HEADER_VALUE_COL = 4
SIGN_ROW = HEADER_FIRST_ROW + len(HEADER_FIELDS)  # 填报单位（盖章）… 填报日期
HEADING_ROW = SIGN_ROW + 1
SECTOR_ROW = HEADING_ROW + 1  # the first sector heading (一、促进就业方面)
FIRST_DATA_ROW = SECTOR_ROW + 1  # the first target's row (every target follows its sector row)
# The reporting block: (label, column key where the label starts, key where the input cell
# starts, key where it ends). Above the table: who reports and when; below it: who signs.
SIGN_TOP: tuple[tuple[str, str, str, str], ...] = (
    ("填报单位（盖章）：", "seq", "metric", "province_quantity"),
    ("填报日期：", "quantity", "share", "deadline"),
)
SIGN_BOTTOM: tuple[tuple[str, str, str, str], ...] = (
    ("审核人：", "seq", "item", "item"),
    ("填报人：", "metric", "unit", "province_quantity"),
    ("联系电话：", "quantity", "share", "deadline"),
)

DATA_OFFICIAL = "正式"


def header_row_of(key: str) -> int:
    """Row number of a header-block field."""
    for i, (k, _label) in enumerate(HEADER_FIELDS):
        if k == key:
            return HEADER_FIRST_ROW + i
    raise KeyError(key)


def identity_text(plan_id: str, region_code: str, scenario_sha256: str) -> str:
    """The visible identity line (表格标识): ``plan_id|region_code|scenario sha256``.

    The hidden identity sheet is authoritative; this line lets a CSV export, or a copy pasted
    into a fresh workbook (which loses hidden sheets), still be matched.
    """
    return f"{plan_id}|{region_code}|{scenario_sha256}"


def parse_identity_text(text: str) -> tuple[str, str, str] | None:
    parts = str(text).strip().split("|")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def workbook_title(plan_title: str, region_name: str | None = None) -> str:
    """``2023年吉林省民生实事任务分解表`` (summary) or ``…任务分解表——长春市`` (region)."""
    if region_name is None:
        return f"{plan_title}{SUMMARY_SUFFIX}"
    return f"{plan_title}{TITLE_SUFFIX}——{region_name}"


def region_file_stem(plan_title: str, region_name: str, sample: bool) -> str:
    """``2023年吉林省民生实事任务分解表-长春市`` (``-示例`` appended for sample data)."""
    stem = f"{plan_title}{TITLE_SUFFIX}-{region_name}"
    return f"{stem}-{SAMPLE_MARK}" if sample else stem


def summary_file_stem(plan_title: str, sample: bool) -> str:
    stem = f"{plan_title}{SUMMARY_SUFFIX}"
    return f"{stem}-{SAMPLE_MARK}" if sample else stem


# Identity sheet keys (column A) — values in column B; target ids one per row.
IDENTITY_KEYS: tuple[str, ...] = (
    "format",
    "layout_version",
    "plan_id",
    "plan_title",
    "scenario",
    "scenario_sha256",
    "catalogue_sha256",
    "region_set",
    "region_code",
    "region_name",
    "sample",
    "created_at",
    "heading_row",
)
IDENTITY_FORMAT = "minshi-geo task sheet"
IDENTITY_TARGET_KEY = "target_id"

# Custom document properties (File → Properties) repeat the key identity fields; they survive
# some copy operations the hidden sheet does not, and the reader uses them as a second source.
DOC_PROPERTY_PREFIX = "minshi."
DOC_PROPERTY_KEYS: tuple[str, ...] = ("plan_id", "scenario_sha256", "region_code", "sample")
