"""Progress tracking: returned report files → store → 序时进度 status and lights.

- :func:`import_reports` — read, check and store returned sheets as one batch (importer.py);
- :func:`load_inputs` — the allocation folder the reports answer to (no default: progress
  never allocates);
- :class:`ProgressStore` — the store (SQLite or PostgreSQL, store.py);
- :func:`compute_status` and the roll-ups — 序时进度 status and lights (status.py);
- :func:`write_sample_reports` — 示例 returned sheets (sample.py).
"""

from __future__ import annotations

from minshi_geo.lazy import lazy_exports

# The public face, imported on first use (like minshi_geo.sheets): importing one module of
# the package does not load the others.
_EXPORTS = {
    "import_reports": "importer", "load_inputs": "importer", "ImportResult": "importer",
    "ProgressStore": "store", "ReportRejected": "store", "compute_status": "status",
    "STATUS_COLUMNS": "status", "province_rollup": "status", "region_rollup": "status",
    "lagging": "status", "latest": "status", "write_sample_reports": "sample",
}  # fmt: skip
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
