"""Task sheets (任务分解表), the summary workbook, returned-report reading and progress sheets.

- :mod:`~minshi_geo.sheets.layout` — the one definition of the task sheet layout;
- :mod:`~minshi_geo.sheets.writer` — per-region workbooks and :func:`write_all_sheets`;
- :mod:`~minshi_geo.sheets.summary` — the summary workbook;
- :mod:`~minshi_geo.sheets.reader` — :func:`read_report` for returned xlsx/CSV;
- :mod:`~minshi_geo.sheets.progress` — progress (通报) workbooks from the status table.
"""
