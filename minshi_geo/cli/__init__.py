"""Command-line interface: a thin layer over the Python API.

Each area registers its commands in its own module on the shared ``app``.
"""

from __future__ import annotations

import sys

from minshi_geo.cli import (  # noqa: F401  (imported for their command registrations)
    allocate,
    demo,
    explain,
    extract,
    geo,
    maps,
    progress,
    scenario,
    server,
    sheets,
    start,
    targets,
)
from minshi_geo.cli.app import app, quiet_broken_pipe


def main() -> None:
    try:
        app()
        sys.stdout.flush()  # a broken pipe shows here when the output was buffered
    except BrokenPipeError:
        quiet_broken_pipe()
