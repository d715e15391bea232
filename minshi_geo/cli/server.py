"""``minshi-geo serve`` (the office server) and ``minshi-geo users`` (its accounts)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import typer
from rich.table import Table

from minshi_geo.cli.app import app, console, fail, friendly

users_app = typer.Typer(name="users", help="Accounts of the office server (minshi-geo serve).",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")

_DB_HELP = "Database URL (default: $MINSHI_DB, else sqlite:///./minshi.db)."
_DATA_HELP = "Server folder: published versions, saved scenarios, uploads in progress."


def _need_server_extra() -> None:
    try:
        import argon2  # noqa: F401
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        fail(f"the server needs the 'server' extra ({exc.name} is not installed)",
             "pip install -e '.[server]'")


def _store(db: str | None):
    from minshi_geo.progress.store import ProgressStore
    from minshi_geo.server import accounts

    store = ProgressStore(db)
    accounts.create_schema(store)
    return store


@app.command("serve")
@friendly
def serve(
    db: str = typer.Option(None, "--db", help=_DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (127.0.0.1: "
                             "this machine only; 0.0.0.0: the office network)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    data: Path = typer.Option(Path("minshi-server"), "--data", help=_DATA_HELP),
    https_only: bool = typer.Option(False, "--https-only", help="Mark the session cookie "
                                    "Secure (set when a TLS proxy is in front)."),
) -> None:
    """Start the office server: scenario studio, region reporting, leaders' dashboard."""
    _need_server_extra()
    import uvicorn

    from minshi_geo.server import accounts
    from minshi_geo.server.app import create_app
    from minshi_geo.server.state import ServerConfig, open_state

    state = open_state(ServerConfig(db_url=db, data_dir=data, https_only=https_only))
    if accounts.count_users(state.store) == 0:
        password = secrets.token_urlsafe(12)
        accounts.create_user(state.store, "admin", password, "admin", by="serve (first start)")
        console.print(f"初始管理员账号 admin，密码 [bold]{password}[/bold]（只显示这一次；"
                      "用 minshi-geo users add 建立其他账号）")
    console.print(f"正在准备当前发布版本（首次启动时发布基准方案）… 数据库 {state.store.url}")
    pub = state.current().publication
    from minshi_geo.server import studio

    studio.warm(state)
    console.print(f"{pub.label}《{pub.scenario_title}》 — 打开 http://{host}:{port}/")
    uvicorn.run(create_app(state=state), host=host, port=port, log_level="warning")


def _region_code(region: str | None, region_set: str) -> str | None:
    if not region:
        return None
    from minshi_geo.regions import load_region_set

    return load_region_set(region_set).resolve(region)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
@friendly
def users_add(
    username: str = typer.Argument(..., help="Login name (a–z, digits, _ . -)."),
    role: str = typer.Option(..., "--role", help="admin | planner | reporter | viewer"),
    region: str = typer.Option(None, "--region", help="A reporter's region (name or code)."),
    region_set: str = typer.Option("jilin", "--region-set", help="Region set of --region."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from the first line of stdin."),
    db: str = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Create an account (the password is stored as an argon2 hash only)."""
    _need_server_extra()
    from minshi_geo.server import accounts

    store = _store(db)
    code = _region_code(region, region_set)
    user = accounts.create_user(store, username, _password(password_stdin), role, code)
    console.print(f"created {user.username} ({user.role_label}"
                  f"{', ' + code if code else ''})")


def _set_active(username: str, active: bool, db: str | None) -> None:
    _need_server_extra()
    from minshi_geo.server import accounts

    user = accounts.set_active(_store(db), username, active)
    console.print(f"{user.username}: {'enabled' if active else 'disabled'}")


@users_app.command("disable")
@friendly
def users_disable(username: str = typer.Argument(...),
                  db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Disable an account (its open sessions end at their next request)."""
    _set_active(username, False, db)


@users_app.command("enable")
@friendly
def users_enable(username: str = typer.Argument(...),
                 db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Enable a disabled account again."""
    _set_active(username, True, db)


@users_app.command("passwd")
@friendly
def users_passwd(username: str = typer.Argument(...),
                 password_stdin: bool = typer.Option(False, "--password-stdin"),
                 db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Set a new password for an account."""
    _need_server_extra()
    from minshi_geo.server import accounts

    accounts.set_password(_store(db), username, _password(password_stdin))
    console.print(f"{username}: password changed")


@users_app.command("list")
@friendly
def users_list(db: str = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """List accounts: name, role, region, active."""
    _need_server_extra()
    from minshi_geo.server import accounts

    table = Table("username", "role", "region_code", "active")
    for u in accounts.list_users(_store(db)):
        table.add_row(u.username, u.role.value, u.region_code or "", "yes" if u.active else "no")
    console.print(table)
