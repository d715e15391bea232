"""A workbook read once: every worksheet's stored values *and* formulas, as plain grids.

The reader of returned sheets needs both what Excel computed (``data_only=True``) and what was
typed (the formulas); openpyxl's :func:`~openpyxl.load_workbook` gives one or the other, so the
file was loaded twice, and most of each load went into building a styled ``Cell`` per cell and
re-drawing the borders of every merged range — neither of which reading needs.

:func:`load_grids` runs openpyxl's own reader (:class:`~openpyxl.reader.excel.ExcelReader`: the
same parts of the file are read and validated, so a damaged or strange file fails the same way
it failed with ``load_workbook``), with a worksheet binder that keeps, per cell, the value as
``data_only=True`` gives it and the value as ``data_only=False`` gives it, both exactly as
openpyxl computes them (:meth:`~openpyxl.worksheet._reader.WorkSheetParser.parse_cell` and
``parse_formula``). Merged ranges still become ``MergedCell`` s (their covered cells read as
empty, as before); only their border re-formatting is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.cell import MergedCell
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList, get_dependents, get_rels_path
from openpyxl.pivot.table import TableDefinition
from openpyxl.reader.drawings import find_images
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser, WorksheetReader
from openpyxl.worksheet.table import Table
from openpyxl.xml.constants import COMMENTS_NS
from openpyxl.xml.functions import fromstring


@dataclass
class SheetGrid:
    """One worksheet: ``values`` as ``data_only=True`` reads them, ``typed`` as
    ``data_only=False`` does (a formula cell: ``"=…"`` or openpyxl's array/table formula)."""

    title: str
    sheet_state: str = "visible"
    values: dict[tuple[int, int], Any] = field(default_factory=dict)
    typed: dict[tuple[int, int], Any] = field(default_factory=dict)
    max_row: int = 0
    max_column: int = 0

    def rows(self, typed: bool = False) -> list[list[Any]]:
        """Rows 1…max_row of columns 1…max_column, like ``ws.iter_rows(values_only=True)``."""
        cells = self.typed if typed else self.values
        return [[cells.get((r, c)) for c in range(1, self.max_column + 1)]
                for r in range(1, self.max_row + 1)]


@dataclass
class WorkbookGrids:
    """The worksheets (in workbook order) and what else the reader looks at."""

    sheets: list[SheetGrid]
    custom_doc_props: Any  # openpyxl CustomPropertyList
    sheetnames: list[str]

    def __getitem__(self, name: str) -> SheetGrid:
        return next(s for s in self.sheets if s.title == name)


class _Parser(WorkSheetParser):
    """``parse_cell`` of both modes at once: (cell dict of data_only=True, typed value)."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)  # self.data_only is True: the stored value
        typed = cell["value"]
        if element.find(FORMULA_TAG) is not None:
            typed = self.parse_formula(element)
        cell["typed"] = typed
        return cell


class _Binder(WorksheetReader):
    def __init__(self, ws, xml_source, shared_strings, grid: SheetGrid):
        super().__init__(ws, xml_source, shared_strings, True, False)
        parent = ws.parent
        self.parser = _Parser(xml_source, shared_strings, True, parent.epoch,
                              parent._date_formats, parent._timedelta_formats, False)
        self.grid = grid

    def bind_cells(self):
        styles = self.ws.parent._cell_styles
        values, typed = self.grid.values, self.grid.typed
        max_row = max_col = 0
        for _idx, row in self.parser.parse():
            for cell in row:
                styles[cell["style_id"]]  # noqa: B018 - an unknown style fails as it did
                key = (cell["row"], cell["column"])
                values[key] = cell["value"]
                typed[key] = cell["typed"]
                max_row, max_col = max(max_row, key[0]), max(max_col, key[1])
        self.grid.max_row, self.grid.max_column = max_row, max_col

    def bind_merged_cells(self):
        from openpyxl.worksheet.cell_range import MultiCellRange
        from openpyxl.worksheet.merge import MergedCellRange

        if not self.parser.merged_cells:
            return
        ranges = []
        grid = self.grid
        for cr in self.parser.merged_cells.mergeCell:
            mcr = MergedCellRange(self.ws, cr.ref)
            cells = mcr.cells
            next(cells)  # the top-left cell keeps its value
            for key in cells:
                self.ws._cells[key] = MergedCell(self.ws, *key)
                grid.values.pop(key, None)
                grid.typed.pop(key, None)
            if grid.max_row:  # an empty sheet stays empty, as ws.iter_rows() had it
                grid.max_row = max(grid.max_row, mcr.max_row)
                grid.max_column = max(grid.max_column, mcr.max_col)
            ranges.append(mcr)
        self.ws.merged_cells = MultiCellRange(ranges)


class _Reader(ExcelReader):
    """openpyxl's reader with :class:`_Binder` for worksheets (read_worksheets, otherwise as
    in openpyxl 3.1)."""

    def __init__(self, path):
        super().__init__(path, read_only=False, keep_vba=False, data_only=True,
                         keep_links=True, rich_text=False)
        self.grids: list[SheetGrid] = []

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels_path = get_rels_path(rel.target)
            rels = RelationshipList()
            if rels_path in self.valid_files:
                rels = get_dependents(self.archive, rels_path)
            grid = SheetGrid(sheet.name)
            with self.archive.open(rel.target) as fh:
                ws = self.wb.create_sheet(sheet.name)
                ws._rels = rels
                binder = _Binder(ws, fh, self.shared_strings, grid)
                binder.bind_all()
            self._dependents(ws, rels, binder)
            ws.sheet_state = grid.sheet_state = sheet.state
            grid.title = ws.title
            self.grids.append(grid)

    def _dependents(self, ws, rels, binder) -> None:
        """Comments, tables, drawings and pivot tables: read (and failing) as openpyxl does."""
        for r in rels.find(COMMENTS_NS):
            comment_sheet = CommentSheet.from_tree(fromstring(self.archive.read(r.target)))
            for ref, comment in comment_sheet.comments:
                try:
                    ws[ref].comment = comment
                except AttributeError:
                    if isinstance(ws[ref], MergedCell):
                        continue
        ws.legacy_drawing = None
        for t in binder.tables:
            ws.add_table(Table.from_tree(fromstring(self.archive.read(t))))
        for rel in rels.find(SpreadsheetDrawing._rel_type):
            charts, images = find_images(self.archive, rel.target)
            for c in charts:
                ws.add_chart(c, c.anchor)
            for im in images:
                ws.add_image(im, im.anchor)
        for r in rels.find(TableDefinition.rel_type):
            pivot = TableDefinition.from_tree(fromstring(self.archive.read(r.Target)))
            pivot.cache = self.parser.pivot_caches[pivot.cacheId]
            ws.add_pivot(pivot)


def load_grids(path) -> WorkbookGrids:
    """Read ``path`` once; raise whatever openpyxl's ``load_workbook`` raises for it."""
    reader = _Reader(path)
    reader.read()
    return WorkbookGrids(reader.grids, reader.wb.custom_doc_props, reader.wb.sheetnames)
