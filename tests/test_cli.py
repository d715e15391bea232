"""The shared CLI error handler: one line plus a hint, exit 2, never a traceback."""

import errno

import pytest
import typer
from typer.testing import CliRunner

from minshi_geo.cli.app import friendly
from minshi_geo.errors import MinshiError


def _app_raising(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @friendly
    def run() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    "exc, expected",
    [
        (MinshiError("plan.yaml: item 3, field quantity: expected a number", hint="fix it"),
         "plan.yaml: item 3"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "missing.csv"), "missing.csv"),
        (FileExistsError(errno.EEXIST, "File exists", "out/allocation"), "out/allocation"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "out/x.csv/y"), "out/x.csv/y"),
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    ],
)
def test_errors_are_one_line_with_a_hint_and_exit_2(exc, expected):
    result = CliRunner().invoke(_app_raising(exc), [])
    assert result.exit_code == 2
    output = result.output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert lines[1].startswith("hint: ")
    assert len(lines) == 2


def test_message_with_brackets_is_not_eaten_as_markup():
    result = CliRunner().invoke(_app_raising(MinshiError("cell [H12] is bad")), [])
    assert "[H12]" in result.output
