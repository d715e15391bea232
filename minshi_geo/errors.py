"""Errors a planner can act on.

Every error the tool raises on bad input derives from :class:`MinshiError`. Its message is
one line naming the file, the row/key and what was expected; ``hint`` says what to do.
The CLI prints ``error: <message>`` and ``hint: <hint>`` and exits with code 2 — never a
traceback.
"""

from __future__ import annotations

from pathlib import Path


class MinshiError(Exception):
    """Base class: a user-facing problem with the input, not a bug."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint


def where(path: str | Path | None, *parts: object) -> str:
    """Format a location: ``file.yaml: item 29, target 29.2, field quantity``."""
    bits = [str(p) for p in parts if p not in (None, "")]
    head = str(path) if path is not None else ""
    if head and bits:
        return f"{head}: " + ", ".join(bits)
    return head or ", ".join(bits)
