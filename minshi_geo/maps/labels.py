"""The labels every map page shares: title, scenario, status and date lines, the 示例 banner,
a number with its unit. The allocation, comparison and progress pages import them from here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minshi_geo.maps.legend import format_number

SAMPLE_BANNER = "示例数据：本图使用示例（sample）数据，仅供演示，不是正式分解结果"


def with_unit(value: float | None, unit: str | None, digits: int | None = None) -> str:
    text = format_number(value, digits)
    if text == "—" or not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def plan_title(meta: dict[str, Any]) -> str:
    """The plan's title from its catalogue when it can be read, else its id.

    Only for a caller that has no plan at hand: the commands and the demo pass the title of
    the plan they loaded (``title=``), so its file is not read again here."""
    path = meta.get("plan_path")
    if path and Path(path).is_file():
        from minshi_geo.catalogue import load_plan
        from minshi_geo.errors import MinshiError

        try:
            return load_plan(Path(path)).title
        except MinshiError:
            pass
    return str(meta.get("plan_id") or "民生实事方案")


def scenario_label(meta: dict[str, Any]) -> str:
    title = meta.get("scenario_title") or ""
    key = meta.get("scenario") or ""
    if title and key and title != key:
        return f"{title}（{key}）"
    return str(title or key or "未命名方案")


def status_label(meta: dict[str, Any]) -> str:
    return "示例数据" if meta.get("sample") else "正式数据"


def run_date(meta: dict[str, Any]) -> str:
    created = str(meta.get("created_at") or "")
    return created[:10]
