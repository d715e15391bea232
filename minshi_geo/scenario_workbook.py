"""A scenario as a workbook a planner edits in Excel/WPS, and back.

``write_scenario_workbook(yaml_path, out)`` writes three sheets:

- 规则 — one row per splittable target (plus the 默认 row = ``defaults``): factor weights per
  indicator, min, max, step, objective, method, eligible / excluded regions, a lock per region,
  capacity, milestones and a note. Grey columns (名称, 总量, 单位, 目录因素) are for reading
  only. Row 3 (hidden) holds the YAML key of every column; reading goes by it, not by the
  Chinese headings.
- 方案 — the top-level settings (scenario, title, description, plan, region set, indicator
  files, sample, solver, milestones, plan_rules).
- 说明 — how to fill it in and how to run it.

``read_scenario_workbook(path)`` reads it back into exactly the mapping the YAML holds and
resolves it with :func:`minshi_geo.scenario.scenario_from_mapping`, so ``allocate FILE.xlsx``
runs it like the YAML. Every bad cell is one Chinese line naming file, sheet, row and column;
nothing is allocated or written then. Blank = not set (the 默认 row or the catalogue's basis
applies). Rich values (per-region min/max, capacity tables, milestones, plan_rules) are YAML
flow text in their cell, e.g. ``{default: 1, 长春市: 5}``. Comments of the YAML are not kept.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from minshi_geo import atomic, paths
from minshi_geo.errors import MinshiError
from minshi_geo.escape import excel_cell

RULES_SHEET, SETTINGS_SHEET, HELP_SHEET = "规则", "方案", "说明"
DEFAULTS_ID = "默认"
KEY_ROW, HEAD_ROW, FIRST_ROW = 3, 2, 4
INFO_KEYS = ("_metric", "_quantity", "_unit", "_basis")
CANONICAL_FACTORS = ("population", "gdp_h1_2022", "area", "county_count")
FACTOR_LABELS = {"population": "人口", "gdp_h1_2022": "地区生产总值(2022上半年)",
                 "area": "面积", "county_count": "县级单位数"}
HEADINGS = {
    "id": "指标编号", "_metric": "名称（只读）", "_quantity": "总量（只读）", "_unit": "单位（只读）",
    "_basis": "目录因素（只读，未填权重时使用）", "min": "最小值", "max": "最大值", "step": "步长",
    "objective": "目标", "method": "方法", "eligible": "参与地区", "exclude": "不参与地区",
    "capacity": "容量", "milestones": "节点进度", "note": "备注",
}
INPUT_HELP = {
    "factors": ("因素权重", "填 0 到 1 之间的小数，一行各权重之和为 1；全部留空则用目录因素。"),
    "min": ("最小值", "每个地区至少分到的数量（≥0），或总量的比例如 5%；"
                      "按地区不同写 {default: 1, 长春市: 5}。"),
    "max": ("最大值", "每个地区至多分到的数量，或比例如 40%；按地区不同写 {default: 40%, 长春市: 50%}。"),
    "step": ("步长", "分配数量的倍数，大于 0，如 10 或 100。"),
    "objective": ("目标", "quota：尽量接近因素份额；fair：尽量均衡。"),
    "method": ("方法", "optimal（默认）、largest_remainder、webster、dhondt、huntington_hill 等。"),
    "eligible": ("参与地区", "只在这些地区分配，用顿号“、”分隔；留空为全部地区。"),
    "exclude": ("不参与地区", "不分配给这些地区，用顿号“、”分隔。"),
    "locks": ("锁定", "该地区的数量固定为此值（≥0）；留空则不锁定。"),
    "capacity": ("容量", "每地区上限的指标名，或 {长春市: 10, 吉林市: 8}。"),
    "milestones": ("节点进度", "如 {6-30: 50%, 9-30: 80%}；留空为按时间均匀推进。"),
}
SETTINGS = (  # key, label, help
    ("scenario", "方案编号", "英文短名，用于文件和记录，如 jilin-2023-baseline"),
    ("title", "方案名称", "完整中文名称，显示在表格和地图上"),
    ("description", "方案说明", "可留空"),
    ("plan", "目标清单", "内置名称（jilin-2023）或文件路径"),
    ("region_set", "地区集合", "内置名称（jilin）或文件路径"),
    ("indicators", "补充因素文件", "用顿号“、”分隔的 CSV/XLSX 文件；可留空"),
    ("sample", "示例数据", "是 / 否：方案是否使用示例数据"),
    ("solver", "求解器", "可留空（默认 highs）"),
    ("milestones", "节点进度（全部指标）", "如 {6-30: 50%, 9-30: 80%}；可留空"),
    ("plan_rules", "跨指标规则", "预算、均衡、覆盖率等（YAML 文本）；可留空"),
    ("cascade", "县级分解", "省→市→县：{region_set: 县级地区集合, defaults: {…}, targets: {…}}"
                          "（YAML 文本）；可留空"),
)
LIST_SEP = re.compile(r"[、，,;；\s]+")


class ScenarioWorkbookError(MinshiError):
    """A cell of a scenario workbook is wrong: file, sheet, row, column and what is expected."""

    hint = "改正该单元格后重新运行；各列填法见工作表「说明」"


@dataclass
class _Layout:
    """The columns of the 规则 sheet: YAML keys in order, and where each rule row came from."""

    keys: list[str]
    regions: list[tuple[str, str]]  # (code, name) of the lock columns
    factors: list[str]
    where: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # yaml key → cell


# ------------------------------------------------------------------------------- writing
def write_scenario_workbook(scenario_path: str | Path, out: str | Path) -> Path:
    """Write the scenario file ``scenario_path`` (YAML) as a workbook at ``out`` (atomically)."""
    from openpyxl import Workbook

    from minshi_geo.scenario import load_scenario

    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path)  # validates, and gives plan, regions, indicators
    raw = yaml.safe_load(scenario_path.read_text(encoding="utf-8")) if \
        scenario_path.suffix.lower() in (".yaml", ".yml") else _raw_of_workbook(scenario_path)
    raw = _portable(dict(raw), scenario)
    layout = _layout(raw, scenario)
    wb = Workbook()
    _write_rules(wb.active, raw, scenario, layout)
    _write_settings(wb.create_sheet(SETTINGS_SHEET), raw)
    _write_help(wb.create_sheet(HELP_SHEET), scenario)
    buffer = io.BytesIO()
    wb.save(buffer)
    return atomic.write_bytes(out, buffer.getvalue())


def _portable(raw: dict, scenario: Any) -> dict:
    """File names that only resolve next to the scenario file become absolute, so the
    workbook runs from any folder (bundled names stay as written)."""
    base = Path(scenario.path).parent if scenario.path else Path(".")
    for key, folder in (("plan", paths.TARGETS_DIR), ("region_set", None)):
        value = raw.get(key)
        if isinstance(value, str) and (base / value).is_file():
            bundled = folder is not None and (folder / value).is_file()
            raw[key] = value if bundled else str((base / value).resolve())
    cascade = raw.get("cascade")
    if isinstance(cascade, Mapping) and isinstance(cascade.get("region_set"), str) \
            and (base / cascade["region_set"]).is_file():
        raw["cascade"] = {**cascade, "region_set": str((base / cascade["region_set"]).resolve())}
    files = raw.get("indicators")
    if files:
        files = [files] if isinstance(files, str) else list(files)
        raw["indicators"] = [
            f if (paths.INDICATORS_DIR / str(f)).is_file() or not (base / str(f)).is_file()
            else str((base / str(f)).resolve())
            for f in files
        ]
    return raw


def _layout(raw: Mapping, scenario: Any) -> _Layout:
    used = set(CANONICAL_FACTORS)
    for rule in [raw.get("defaults") or {}, *(raw.get("targets") or {}).values()]:
        used |= set((rule or {}).get("factors") or {})
    for t in scenario.plan.targets:
        used |= set(t.basis or {})
    factors = [f for f in CANONICAL_FACTORS if f in used] + sorted(used - set(CANONICAL_FACTORS))
    regions = [(c, scenario.regions.name_of(c)) for c in scenario.regions.codes]
    keys = (["id", *INFO_KEYS] + [f"factors.{f}" for f in factors]
            + ["min", "max", "step", "objective", "method", "eligible", "exclude"]
            + [f"locks.{c}" for c, _ in regions] + ["capacity", "milestones", "note"])
    return _Layout(keys=keys, regions=regions, factors=factors)


def _heading(key: str, layout: _Layout) -> str:
    if key.startswith("factors."):
        name = key.split(".", 1)[1]
        return f"权重·{FACTOR_LABELS.get(name, name)}"
    if key.startswith("locks."):
        return f"锁定·{dict(layout.regions)[key.split('.', 1)[1]]}"
    return HEADINGS[key]


def _rule_rows(raw: Mapping, scenario: Any) -> list[tuple[str, Any, Mapping]]:
    """(id, target or None, raw rule) for the 默认 row and every splittable target."""
    targets = raw.get("targets") or {}
    rows: list[tuple[str, Any, Mapping]] = [(DEFAULTS_ID, None, raw.get("defaults") or {})]
    for t in scenario.plan.targets:
        if t.splittable or t.id in targets:
            rows.append((t.id, t, targets.get(t.id) or {}))
    return rows


def _cell_value(key: str, rule: Mapping, target: Any, layout: _Layout, regions: Any) -> Any:
    if key == "_metric":
        return target.metric if target else "（所有指标的默认规则）"
    if key == "_quantity":
        return target.quantity if target else None
    if key == "_unit":
        return target.unit if target else None
    if key == "_basis":
        return ("、".join(f"{FACTOR_LABELS.get(k, k)} {v:g}" for k, v in (target.basis or {}).items())
                if target else None)
    if key.startswith("factors."):
        return (rule.get("factors") or {}).get(key.split(".", 1)[1])
    if key.startswith("locks."):
        code = key.split(".", 1)[1]
        locks = rule.get("locks") or {}
        return next((v for k, v in locks.items() if regions.resolve(str(k)) == code), None)
    value = rule.get(key)
    if key in ("eligible", "exclude") and value is not None:
        return "、".join(str(v) for v in ([value] if isinstance(value, str) else value))
    if isinstance(value, (Mapping, list)) or (key in ("min", "max") and _is_share_text(value)):
        return _flow(value) if not isinstance(value, str) else value
    return value


def _write_rules(ws, raw: Mapping, scenario: Any, layout: _Layout) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from minshi_geo.sheets import book

    ws.title = RULES_SHEET
    ws.cell(1, 1, excel_cell(f"方案规则：{raw.get('title', '')}（每行一个指标；空白 = 用“默认”行，"
                             "权重全空 = 用目录因素）")).font = book.FONT_TITLE
    grey = PatternFill("solid", fgColor="EDEDED")
    for col, key in enumerate(layout.keys, start=1):
        head = ws.cell(HEAD_ROW, col, _heading(key, layout))
        head.font, head.fill, head.alignment = book.FONT_BOLD, book.FILL_HEADING, book.CENTER
        ws.cell(KEY_ROW, col, key).font = Font(size=8, color="808080")
        width = 8 if key.startswith(("factors.", "locks.")) else 12
        width = {"_metric": 28, "_basis": 24, "note": 30, "eligible": 18, "exclude": 18,
                 "milestones": 20}.get(key, width)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[KEY_ROW].hidden = True
    ws.row_dimensions[HEAD_ROW].height = 42
    for r, (tid, target, rule) in enumerate(_rule_rows(raw, scenario), start=FIRST_ROW):
        for col, key in enumerate(layout.keys, start=1):
            value = tid if key == "id" else _cell_value(key, rule, target, layout, scenario.regions)
            cell = ws.cell(r, col, excel_cell(value))
            cell.font = book.FONT
            if key in INFO_KEYS or key == "id":
                cell.fill = grey
            else:
                cell.fill = book.FILL_INPUT
    ws.freeze_panes = ws.cell(FIRST_ROW, 3)
    _validations(ws, layout, FIRST_ROW + len(_rule_rows(raw, scenario)) - 1)


def _validations(ws, layout: _Layout, last_row: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from minshi_geo.allocate.apportion import METHOD_ALIASES, OBJECTIVES

    def add(key_prefix: str, dv: DataValidation) -> None:
        title, prompt = INPUT_HELP[key_prefix]
        dv.promptTitle, dv.prompt, dv.showInputMessage = title[:32], prompt[:255], True
        dv.errorTitle, dv.showErrorMessage = "输入有误", True
        dv.error = dv.error or prompt[:255]
        for col, key in enumerate(layout.keys, start=1):
            if key == key_prefix or key.startswith(key_prefix + "."):
                letter = get_column_letter(col)
                dv.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
        ws.add_data_validation(dv)

    add("factors", DataValidation(type="decimal", operator="between", formula1="0",
                                  formula2="1", allow_blank=True))
    add("step", DataValidation(type="decimal", operator="greaterThan", formula1="0",
                               allow_blank=True))
    add("locks", DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True))
    add("objective", DataValidation(type="list", formula1='"' + ",".join(OBJECTIVES) + '"',
                                    allow_blank=True))
    methods = sorted(set(METHOD_ALIASES.values()))
    add("method", DataValidation(type="list", formula1='"' + ",".join(methods) + '"',
                                 allow_blank=True))
    for key in ("min", "max", "eligible", "exclude", "capacity", "milestones"):
        add(key, DataValidation(allow_blank=True))  # input message only (text or number)


def _write_settings(ws, raw: Mapping) -> None:
    from minshi_geo.sheets import book

    for col, (text, width) in enumerate([("键", 14), ("项目", 20), ("值", 60), ("说明", 50)],
                                        start=1):
        cell = ws.cell(1, col, text)
        cell.font, cell.fill = book.FONT_BOLD, book.FILL_HEADING
        ws.column_dimensions["ABCD"[col - 1]].width = width
    for r, (key, label, help_text) in enumerate(SETTINGS, start=2):
        value = raw.get(key)
        if key == "indicators" and value is not None:
            value = "、".join(str(v) for v in ([value] if isinstance(value, str) else value))
        elif key == "sample" and value is not None:
            value = "是" if value else "否"
        elif isinstance(value, (Mapping, list)):
            value = _flow(value)
        ws.cell(r, 1, key).font = book.FONT_NOTE
        ws.cell(r, 2, label).font = book.FONT_BOLD
        cell = ws.cell(r, 3, excel_cell(value))
        cell.font, cell.fill, cell.alignment = book.FONT, book.FILL_INPUT, book.WRAP
        ws.cell(r, 4, help_text).font = book.FONT_NOTE


def _write_help(ws, scenario: Any) -> None:
    from minshi_geo.sheets import book

    lines = [
        "怎样填写和运行本方案表",
        "1. 在「规则」表中修改黄色单元格；灰色列只供参考，改了也不会被读取。",
        "2. 每行一个指标。某格留空 = 用“默认”行的值；一行权重全部留空 = 用目标清单中的目录因素。",
        "3. 权重填 0 到 1 之间的小数（如 0.5），一行之和必须为 1。",
        "4. 最小值、最大值可填数量或比例（如 5%、40%）；按地区不同可写 {default: 1, 长春市: 5}。",
        "5. 参与地区、不参与地区用顿号分隔（长春市、吉林市）；二者只填其一。",
        "6. 锁定·某地区 填写后，该地区的数量固定为此值。",
        "7. 目标：quota（尽量接近因素份额）或 fair（尽量均衡）；方法从下拉列表选择。",
        "8. 「方案」表是方案编号、名称、目标清单等总体设置；“县级分解”一行写省→市→县的县级规则。",
        "运行：minshi-geo allocate 本文件.xlsx --out out/allocation",
        "任何单元格有误时，程序给出一行中文提示（工作表、行、列），不输出任何结果。",
        f"地区：{'、'.join(scenario.regions.name_of(c) for c in scenario.regions.codes)}",
        f"可用因素：{'、'.join(sorted(set(scenario.indicators['indicator'])))}"
        "（新增因素：在「规则」表加一列，隐藏的第3行写 factors.因素名）",
    ]
    ws.column_dimensions["A"].width = 100
    for r, text in enumerate(lines, start=1):
        cell = ws.cell(r, 1, excel_cell(text))
        cell.font = book.FONT_TITLE if r == 1 else book.FONT
        cell.alignment = book.WRAP


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                          sort_keys=False, width=10_000).strip()


def _is_share_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().endswith("%")


# ------------------------------------------------------------------------------- reading
def read_scenario_workbook(path: str | Path):
    """Read a scenario workbook and resolve it like the YAML (a :class:`Scenario`)."""
    from minshi_geo.scenario import ScenarioError, scenario_from_mapping

    path = Path(path)
    data = path.read_bytes()
    raw, where = _raw_and_cells(path)
    try:
        scenario = scenario_from_mapping(raw, path, hashlib.sha256(data).hexdigest())
        if scenario.cascade is not None:
            # the county rules resolve now, so a bad one names its 县级分解 cell
            from minshi_geo.allocate.cascade import county_scenario

            county_scenario(scenario)
        return scenario
    except ScenarioError as exc:
        raise _located(path, str(exc), where) from None


def _raw_of_workbook(path: Path) -> dict:
    return _raw_and_cells(path)[0]


def _raw_and_cells(path: Path) -> tuple[dict, dict[str, tuple[str, int, str, str]]]:
    from openpyxl import load_workbook

    from minshi_geo import limits

    limits.check_zip(path, what="scenario workbook")
    try:
        wb = load_workbook(path, data_only=False)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl parsing an untrusted file (bad zip, XML …)
        raise ScenarioWorkbookError(
            f"{path}: 不是可读取的 Excel 工作簿（{limits.shorten(str(exc) or type(exc).__name__, 80)}）"
        ) from None
    for name in (RULES_SHEET, SETTINGS_SHEET):
        if name not in wb.sheetnames:
            raise ScenarioWorkbookError(
                f"{path}: 缺少工作表「{name}」（应为 minshi-geo scenario workbook 生成的方案表）")
    cells = _Cells(path)
    raw = cells.settings(wb[SETTINGS_SHEET])
    defaults, targets = cells.rules(wb[RULES_SHEET])
    if defaults:
        raw["defaults"] = defaults
    if targets:
        raw["targets"] = targets
    return raw, cells.where


# The resolver's English problems planners meet most, in Chinese (the rest pass as written).
_PROBLEMS = (
    (re.compile(r"unknown region '([^']*)' in region set (\S+)(.*)"), r"地区集合 \2 中没有“\1”\3"),
    (re.compile(r".*: no target '([^']*)' in plan (\S+)(.*)"), r"目标清单 \2 中没有指标 \1\3"),
    (re.compile(r"unknown indicator '([^']*)'(.*)"), r"没有因素“\1”\2"),
    (re.compile(r"locked region (\S+) is not eligible for this target"),
     r"锁定的地区 \1 不参与该指标（见参与地区/不参与地区）"),
    (re.compile(r"region '([^']*)' listed twice"), r"地区“\1”填了两次"),
    (re.compile(r"required: the county region set \(e\.g\. ([^)]*)\)"),
     r"缺少 region_set：县级地区集合（如 \1）"),
    (re.compile(r"expected a mapping"), r"应写成 {键: 值, …}"),
    (re.compile(r"unknown key(?: — did you mean ([^?]*)\?)? \(expected one of (.*)\)"),
     r"未知的键（应为 \2 之一）"),
)


def _chinese(problem: str) -> str:
    for pattern, replacement in _PROBLEMS:
        if pattern.fullmatch(problem):
            return pattern.sub(replacement, problem).replace("did you mean", "是否为")
    return problem


def _located(path: Path, message: str,
             where: Mapping[str, tuple[str, int, str, str]]) -> MinshiError:
    """A resolver error naming a YAML key, re-pointed at the cell it came from."""
    prefix = f"{path.name}: "
    body = message[len(prefix):] if message.startswith(prefix) else message
    key, _, problem = body.partition(": ")
    best = max((k for k in where if key == k or key.startswith(k + ".") or key.startswith(k + "[")),
               key=len, default=None)
    if best is None:
        return ScenarioWorkbookError(f"{path}: {body}")
    sheet, row, col, head = where[best]
    return ScenarioWorkbookError(f"{path}: 工作表「{sheet}」第{row}行 {col}列（{head}）："
                                 f"{_chinese(problem)}")


class _Cells:
    """Reads cells into the YAML mapping; each problem is one located Chinese error."""

    def __init__(self, path: Path):
        self.path = path
        self.where: dict[str, tuple[str, int, str, str]] = {}

    def fail(self, sheet: str, row: int, col: int, heading: str, problem: str):
        from openpyxl.utils import get_column_letter

        return ScenarioWorkbookError(f"{self.path}: 工作表「{sheet}」第{row}行 "
                                     f"{get_column_letter(col)}列（{heading}）：{problem}")

    def note(self, key: str, sheet: str, row: int, col: int, head: str = "") -> None:
        from openpyxl.utils import get_column_letter

        self.where[key] = (sheet, row, get_column_letter(col), head or key)

    # -------------------------------------------------------------- 方案 sheet
    def settings(self, ws) -> dict:
        known = {key: label for key, label, _ in SETTINGS}
        raw: dict[str, Any] = {}
        for row in range(2, ws.max_row + 1):
            key = _text(ws.cell(row, 1).value)
            if not key:
                continue
            if key not in known:
                raise self.fail(SETTINGS_SHEET, row, 1, "键", f"未知的设置项 {key!r}，应为 "
                                + "、".join(known))
            cell = ws.cell(row, 3)
            value = self.value(cell.value, SETTINGS_SHEET, row, 3, known[key])
            if value is None:
                continue
            self.note(key, SETTINGS_SHEET, row, 3, known[key])
            raw[key] = self.setting(key, value, row, known[key])
        return raw

    def setting(self, key: str, value: Any, row: int, label: str) -> Any:
        if key == "sample":
            text = _text(value)
            if text in ("是", "true", "True", "TRUE"):
                return True
            if text in ("否", "false", "False", "FALSE"):
                return False
            raise self.fail(SETTINGS_SHEET, row, 3, label, f"应填“是”或“否”，实际为 {text!r}")
        if key == "indicators":
            return [p for p in LIST_SEP.split(_text(value)) if p]
        if key in ("milestones", "plan_rules", "cascade"):
            return self.flow(value, SETTINGS_SHEET, row, 3, label)
        return _text(value) if not isinstance(value, str) else value

    # -------------------------------------------------------------- 规则 sheet
    def rules(self, ws) -> tuple[dict, dict]:
        keys = [_text(ws.cell(KEY_ROW, c).value) for c in range(1, ws.max_column + 1)]
        if not keys or keys[0] != "id":
            raise self.fail(RULES_SHEET, KEY_ROW, 1, "列标识", "隐藏的第3行列标识被改动（第一格应为 id）；"
                            "请用 minshi-geo scenario workbook 重新生成")
        heads = [_text(ws.cell(HEAD_ROW, c).value) or k for c, k in enumerate(keys, start=1)]
        defaults: dict = {}
        targets: dict = {}
        seen: dict[str, int] = {}
        for row in range(FIRST_ROW, ws.max_row + 1):
            tid = _text(ws.cell(row, 1).value)
            if not tid:
                continue
            if tid in seen:
                raise self.fail(RULES_SHEET, row, 1, heads[0], f"指标 {tid} 出现两次（第{seen[tid]}行"
                                f"和第{row}行），请合并为一行")
            seen[tid] = row
            rule = self.rule(ws, row, keys, heads, tid)
            if tid == DEFAULTS_ID:
                defaults = rule
            elif rule:
                targets[tid] = rule
                self.note(f"targets.{tid}", RULES_SHEET, row, 1, heads[0])
        return defaults, targets

    def rule(self, ws, row: int, keys: list[str], heads: list[str], tid: str) -> dict:
        rule: dict[str, Any] = {}
        prefix = "defaults" if tid == DEFAULTS_ID else f"targets.{tid}"
        for col, key in enumerate(keys, start=1):
            if not key or key == "id" or key in INFO_KEYS:
                continue
            cell = ws.cell(row, col)
            value = self.value(cell.value, RULES_SHEET, row, col, heads[col - 1])
            if value is None:
                continue
            head = heads[col - 1]
            group, _, name = key.partition(".")
            self.note(f"{prefix}.{group}" + (f".{name}" if name else ""), RULES_SHEET, row, col,
                      head)
            if group == "factors":
                rule.setdefault("factors", {})[name] = self.number(value, row, col, head,
                                                                   positive=True)
            elif group == "locks":
                rule.setdefault("locks", {})[name] = self.number(value, row, col, head)
            elif key in ("min", "max"):
                rule[key] = self.bound(value, cell.number_format, row, col, head)
            elif key == "step":
                rule[key] = self.number(value, row, col, head, positive=True)
            elif key in ("eligible", "exclude"):
                rule[key] = [p for p in LIST_SEP.split(_text(value)) if p]
            elif key in ("capacity", "milestones"):
                text = _text(value)
                rule[key] = self.flow(value, RULES_SHEET, row, col, head) \
                    if text.startswith("{") or key == "milestones" else text
            elif key in ("objective", "method"):
                rule[key] = self.choice(key, _text(value), row, col, head)
            elif key == "note":
                rule[key] = str(value)
            else:
                raise self.fail(RULES_SHEET, KEY_ROW, col, head, f"未知的列标识 {key!r}")
        self.check_rule(rule, ws, row, keys, heads)
        return rule

    def check_rule(self, rule: dict, ws, row: int, keys: list[str], heads: list[str]) -> None:
        factors = rule.get("factors")
        if factors and abs(sum(factors.values()) - 1.0) > 1e-6:
            col = keys.index(f"factors.{next(iter(factors))}") + 1
            total = sum(factors.values())
            tail = "（权重是小数：写 0.6，不是 60）" if abs(total - 100) < 1e-4 else ""
            raise self.fail(RULES_SHEET, row, col, "权重", f"一行各权重之和应为 1，实际为 {total:g}{tail}")
        if "eligible" in rule and "exclude" in rule:
            col = keys.index("exclude") + 1
            raise self.fail(RULES_SHEET, row, col, heads[col - 1], "参与地区和不参与地区只能填一个")
        lower, upper = rule.get("min"), rule.get("max")
        if isinstance(lower, (int, float)) and isinstance(upper, (int, float)) and lower > upper:
            col = keys.index("max") + 1
            raise self.fail(RULES_SHEET, row, col, heads[col - 1],
                            f"最大值 {upper:g} 小于最小值 {lower:g}")

    # -------------------------------------------------------------- one cell
    def value(self, value: Any, sheet: str, row: int, col: int, head: str) -> Any:
        if isinstance(value, str):
            if value.startswith("="):
                raise self.fail(sheet, row, col, head, f"请填写数值或文字，不要用公式（{value[:30]}）")
            if value.startswith("'") and value[1:2] in "=+-@＝＋－＠":
                value = value[1:]  # the guard excel_cell wrote
            return value if value.strip() else None
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    def number(self, value: Any, row: int, col: int, head: str, *, positive: bool = False):
        expected = "大于 0 的数字" if positive else "不小于 0 的数字"
        number = _as_number(value)
        if number is None or (number <= 0 if positive else number < 0):
            raise self.fail(RULES_SHEET, row, col, head, f"应为{expected}，实际为 {_text(value)!r}")
        return number

    def choice(self, key: str, text: str, row: int, col: int, head: str) -> str:
        from minshi_geo.allocate.apportion import METHOD_ALIASES, OBJECTIVES

        allowed = OBJECTIVES if key == "objective" else tuple(METHOD_ALIASES)
        if text.lower() not in allowed:
            shown = OBJECTIVES if key == "objective" else sorted(set(METHOD_ALIASES.values()))
            raise self.fail(RULES_SHEET, row, col, head, f"应为下拉列表中的一项（{'、'.join(shown)}），"
                            f"实际为 {text!r}")
        return text.lower() if key == "method" else text

    def bound(self, value: Any, number_format: str, row: int, col: int, head: str) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in str(
                number_format):
            value = f"{value * 100:g}%"  # Excel turned a typed 40% into 0.4
        text = _text(value)
        if text.startswith("{"):
            return self.flow(value, RULES_SHEET, row, col, head)
        if text.endswith("%"):
            share = _as_number(text[:-1])
            if share is None or not 0 <= share <= 100:
                raise self.fail(RULES_SHEET, row, col, head,
                                f"比例应在 0% 到 100% 之间，实际为 {text!r}")
            return text
        return self.number(value, row, col, head)

    def flow(self, value: Any, sheet: str, row: int, col: int, head: str) -> Any:
        text = _text(value)
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problem = " ".join(str(getattr(exc, "problem", "") or exc).split())
            raise self.fail(sheet, row, col, head, f"无法读取（{problem}）；应写成 {{键: 值, …}}，"
                            "如 {6-30: 50%, 9-30: 80%}") from None
        if not isinstance(parsed, Mapping):
            raise self.fail(sheet, row, col, head, f"应写成 {{键: 值, …}}，实际为 {text[:30]!r}")
        return parsed


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    text = _text(value).replace("，", "").replace(",", "")
    text = text.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and "." not in text else number


def workbook_to_yaml(path: str | Path, out: str | Path) -> Path:
    """The workbook back as a scenario YAML file (the same mapping; validated first)."""
    read_scenario_workbook(path)  # every cell checked, and the scenario resolves
    raw = _raw_of_workbook(Path(path))
    text = ("# written by minshi-geo scenario yaml from " + Path(path).name + "\n"
            + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100))
    return atomic.write_text(out, text)
