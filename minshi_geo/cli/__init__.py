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


def localise_help(typer_app, path: str = "") -> None:
    """Put the Chinese one-line descriptions (``messages.HELP_ZH``) on the commands."""
    from minshi_geo.messages import HELP_ZH

    if path == "" and "" in HELP_ZH:
        typer_app.info.help = HELP_ZH[""]
    for command in typer_app.registered_commands:
        key = (path + " " + (command.name or command.callback.__name__)).strip()
        if key in HELP_ZH:
            command.help = HELP_ZH[key]
            command.short_help = HELP_ZH[key]
    for group in typer_app.registered_groups:
        key = (path + " " + group.name).strip()
        if key in HELP_ZH:
            group.help = HELP_ZH[key]
            group.typer_instance.info.help = HELP_ZH[key]
        localise_help(group.typer_instance, key)


def main() -> None:
    from minshi_geo.messages import lang_from_argv

    if lang_from_argv(sys.argv[1:]) == "zh":
        localise_help(app)
    try:
        app()
        sys.stdout.flush()  # a broken pipe shows here when the output was buffered
    except BrokenPipeError:
        quiet_broken_pipe()
