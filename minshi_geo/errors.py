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


MAX_MESSAGE = 1200
"""An error line longer than this is cut (a message must never expand a huge value)."""

BUG_EXIT = 70  # EX_SOFTWARE: not the user's input but a defect of the tool


def for_user(exc: BaseException) -> tuple[str, str | None, int]:
    """The one translation of an exception into ``(message, hint, exit code)`` for a user.

    :class:`MinshiError` → its message and hint, exit 2. ``OSError`` → the path it names and
    the system's reason, exit 2 (outputs are re-told about the path the user gave by
    ``atomic``). Memory and recursion exhaustion → exit 2 with what to check. Anything else
    is a defect of the tool: one line naming the exception type, exit 70, and the hint says
    how to get the traceback (``MINSHI_DEBUG=1``).
    """
    if isinstance(exc, MinshiError):
        return _cut(str(exc)), exc.hint, 2
    if isinstance(exc, OSError):
        where_ = exc.filename if exc.filename is not None else "output"
        return (_cut(f"{where_}: {exc.strerror or exc}"),
                "check the path and free disk space", 2)
    if isinstance(exc, MemoryError):
        return ("out of memory reading the input", "is the input the right file? "
                "see minshi_geo/limits.py for the size limits", 2)
    if isinstance(exc, RecursionError):
        return "input nested too deeply to read", "is the input the right file?", 2
    text = " ".join(str(exc).split())
    return (_cut(f"internal error ({type(exc).__name__}): {text}"),
            "this is a bug in minshi-geo, not in your input; please report it "
            "(MINSHI_DEBUG=1 shows the traceback)", BUG_EXIT)


def _cut(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return f"{message[:MAX_MESSAGE - 1]}… ({len(message)} characters)"
