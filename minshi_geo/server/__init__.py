"""The office server (``minshi-geo serve``): scenario studio, region reporting, dashboard.

FastAPI + Starlette sessions + Jinja2 over the existing Python API (allocate, maps, sheets,
progress store/importer/status); see docs/ARCHITECTURE.md "Office server".
"""
