"""Task sheets (任务分解表), the summary workbook, returned-report reading and progress sheets.

- :mod:`~minshi_geo.sheets.layout` — the one definition of the task sheet layout;
- :mod:`~minshi_geo.sheets.writer` — per-region workbooks and :func:`write_all_sheets`;
- :mod:`~minshi_geo.sheets.summary` — the summary workbook;
- :mod:`~minshi_geo.sheets.reader` — :func:`read_report` for returned xlsx/CSV;
- :mod:`~minshi_geo.sheets.progress` — progress (通报) workbooks from the status table.
"""

from __future__ import annotations

import importlib
from typing import Any

# The public face, imported on first use (so `import minshi_geo.sheets.reader` stays light
# and the modules here can import each other without a cycle through this file).
_EXPORTS = {
    "write_all_sheets": "writer", "write_region_sheets": "writer", "SheetSet": "writer",
    "SheetsError": "writer", "write_summary": "summary", "read_report": "reader",
    "Report": "reader", "ReportError": "reader", "ReportIdentity": "reader",
    "write_progress_sheets": "progress",
}  # fmt: skip
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
