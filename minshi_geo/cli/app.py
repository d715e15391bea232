"""The Typer app and the one error handler every command shares."""

from __future__ import annotations

import errno
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import typer
import typer.exceptions
from rich.console import Console
from rich.text import Text

from minshi_geo.errors import MinshiError, for_user
from minshi_geo.messages import LANGS, say, set_lang

app = typer.Typer(
    name="minshi-geo",
    help="Split a province's 民生实事 plan among its regions: targets, allocation, maps, "
    "task sheets and progress.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _CommandConsole:
    """The rich Console of the current command run, made on first use (not at import) so that
    the terminal and ``COLUMNS`` are read when the command runs; :func:`friendly` starts each
    command with a fresh one. Attribute access goes to the Console; :meth:`get` is the Console
    itself, for APIs that want one (``rich.progress.Progress(console=…)``)."""

    def __init__(self, stderr: bool = False):
        self._stderr = stderr
        self._console: Console | None = None

    def get(self) -> Console:
        if self._console is None:
            if self._stderr:
                self._console = Console(stderr=True)
            else:
                # Piped output (to a file, `less`, a CI log) is not cut to rich's 80-column
                # default: wide Chinese tables stay readable. COLUMNS still wins when set.
                wide = sys.stdout.isatty() or "COLUMNS" in os.environ
                self._console = Console(width=None if wide else 200)
        return self._console

    def reset(self) -> None:
        self._console = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


console = _CommandConsole()
err_console = _CommandConsole(stderr=True)


def fail(message: str, hint: str | None = None, code: int = 2) -> None:
    """Print one clear error line (plus a hint) and exit."""
    err_console.print(Text(say("cli.error"), style="bold red") + Text(message), soft_wrap=True)
    if hint:
        err_console.print(Text(say("cli.hint"), style="yellow") + Text(hint), soft_wrap=True)
    raise typer.Exit(code)


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for commands: every exception becomes one ``error:`` line + hint
    (``errors.for_user``, the one translation); exit 2 for bad input, 70 for a defect."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        console.reset()
        err_console.reset()
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                quiet_broken_pipe()
            message, hint, code = for_user(exc)
            fail(message, hint, code)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place every error reaches the user
            if os.environ.get("MINSHI_DEBUG") and not isinstance(exc, MinshiError):
                raise
            message, hint, code = for_user(exc)
            fail(message, hint, code)

    return wrapper


def quiet_broken_pipe() -> None:
    """The reader of our stdout went away (``minshi-geo targets | head``): stop quietly, as
    ``cat`` does. Later writes and the interpreter's final flush go to /dev/null, so no
    second error appears; exit status 141 (128 + SIGPIPE) like a process killed by SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(141)


def _lang_option(value: str | None) -> str | None:
    if value is not None:
        if value not in LANGS:
            raise typer.BadParameter(f"expected one of {', '.join(LANGS)}")
        set_lang(value)
    return value


@app.callback()
def _root(
    lang: str = typer.Option(None, "--lang", callback=_lang_option, is_eager=True,
                             help="Language of messages: zh (default) or en (also $MINSHI_LANG)."),
) -> None:
    """Split a province's 民生实事 plan among its regions."""
