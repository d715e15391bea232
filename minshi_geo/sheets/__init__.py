"""Task sheets (任务分解表), the summary workbook, returned-report reading and progress sheets.

- :mod:`~minshi_geo.sheets.layout` — the one definition of the task sheet layout;
- :mod:`~minshi_geo.sheets.writer` — per-region workbooks and :func:`write_all_sheets`;
- :mod:`~minshi_geo.sheets.summary` — the summary workbook;
- :mod:`~minshi_geo.sheets.inputs` — what both writers share: :func:`check_inputs`, :class:`SheetSet`;
- :mod:`~minshi_geo.sheets.reader` — :func:`read_report` for returned xlsx/CSV;
- :mod:`~minshi_geo.sheets.progress` — progress (通报) workbooks from the status table.
"""

from __future__ import annotations

from minshi_geo.lazy import lazy_exports

# The public face, imported on first use (so `import minshi_geo.sheets.reader` stays light
# and the modules here can import each other without a cycle through this file).
_EXPORTS = {
    "write_all_sheets": "writer", "write_region_sheets": "writer", "SheetSet": "inputs",
    "SheetsError": "inputs", "write_summary": "summary", "read_report": "reader",
    "Report": "reader", "ReportError": "reader", "ReportIdentity": "reader",
    "write_progress_sheets": "progress",
}  # fmt: skip
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
