"""``minshi-geo users`` and ``minshi-geo serve`` from the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

pytest.importorskip("fastapi", reason="the server commands need the 'server' extra")

from minshi_geo.cli import app  # noqa: E402


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def test_users_add_list_disable_enable(tmp_path):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    added = _run("users", "add", "changchun", "--role", "reporter", "--region", "长春",
                 "--password-stdin", "--db", db, stdin="a-long-passphrase\n")
    assert added.exit_code == 0, added.output
    assert "220100" in added.output
    listed = _run("users", "list", "--db", db)
    assert "changchun" in listed.output and "reporter" in listed.output
    assert _run("users", "disable", "changchun", "--db", db).exit_code == 0
    assert "no" in _run("users", "list", "--db", db).output.split("changchun")[1].splitlines()[0]
    assert _run("users", "enable", "changchun", "--db", db).exit_code == 0


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["users", "add", "x", "--role", "boss"], "a-long-passphrase\n", "role 'boss'"),
        (["users", "add", "x", "--role", "reporter"], "a-long-passphrase\n", "needs --region"),
        (["users", "add", "x", "--role", "viewer"], "short\n", "password too short"),
        (["users", "add", "Bad Name!", "--role", "viewer"], "a-long-passphrase\n", "user name"),
        (["users", "add", "x", "--role", "reporter", "--region", "火星"], "a-long-passphrase\n",
         "火星"),
        (["users", "disable", "ghost"], None, "no user 'ghost'"),
    ],
)
def test_users_errors_are_one_line(tmp_path, args, stdin, expected):
    result = _run(*args, "--password-stdin", "--db", f"sqlite:///{tmp_path / 'u.db'}",
                  stdin=stdin) if "--role" in args else _run(
        *args, "--db", f"sqlite:///{tmp_path / 'u.db'}")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_same_user_twice_is_refused(tmp_path):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    args = ("users", "add", "viewer1", "--role", "viewer", "--password-stdin", "--db", db)
    assert _run(*args, stdin="a-long-passphrase\n").exit_code == 0
    again = _run(*args, stdin="a-long-passphrase\n")
    assert again.exit_code == 2 and "exists already" in again.output


def test_serve_help_names_its_options():
    result = _run("serve", "--help")
    assert result.exit_code == 0
    for option in ("--db", "--host", "--port", "--data"):
        assert option in result.output
