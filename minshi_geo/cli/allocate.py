"""CLI commands for this area (filled in by its issue)."""

from __future__ import annotations

from minshi_geo.cli.app import app  # noqa: F401
