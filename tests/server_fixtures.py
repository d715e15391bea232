"""The office server for tests: a real app on a fresh database, with one account per role.

``server_state(db_url, tmp)`` opens the server's state (publishing the bundled baseline as
version 1, as a first start does); ``client_for(state, user)`` is Starlette's TestClient
signed in as that user, sending the page's CSRF token like the browser does.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import re
import shutil
import warnings
from pathlib import Path

import pytest

if importlib.util.find_spec("fastapi") is None:  # found without importing it (~1 s)
    pytest.skip("the server tests need the 'server' extra", allow_module_level=True)

PASSWORD = "correct-horse-battery"
USERS = {
    # name: (role, region)
    "admin1": ("admin", None),
    "planner1": ("planner", None),
    "viewer1": ("viewer", None),
    "changchun": ("reporter", "220100"),
    "jilincity": ("reporter", "220200"),
}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def server_state(db_url: str, data_dir: Path):
    from minshi_geo.server import accounts
    from minshi_geo.server.state import ServerConfig, open_state

    state = open_state(ServerConfig(db_url=db_url, data_dir=data_dir))
    for name, (role, region) in USERS.items():
        accounts.create_user(state.store, name, PASSWORD, role, region, by="test")
    state.current()  # first start: publishes the baseline as 第1版
    return state


_TEMPLATE: dict[str, Path] = {}  # this process's published first start, made once


def _published_template(tmp_path_factory) -> Path:
    """A first start on SQLite (accounts made, the baseline published as 第1版), made once per
    session (per xdist worker) and copied by every module: publishing allocates and writes
    every task sheet, the same work each time."""
    if "root" not in _TEMPLATE:
        root = tmp_path_factory.mktemp("server-first-start")
        state = server_state(f"sqlite:///{root / 'db.sqlite'}", root / "data")
        state.store.close()
        _TEMPLATE["root"] = root
    return _TEMPLATE["root"]


def module_state(tmp_path_factory, name: str):
    """A module-scoped server state on SQLite (use with ``yield from``): its own copy of the
    first start's database and data folder, so modules never see each other's changes."""
    from minshi_geo.server.state import ServerConfig, open_state

    template = _published_template(tmp_path_factory)
    root = tmp_path_factory.mktemp(name)
    for db in template.glob("db.sqlite*"):  # with any -wal / -shm beside it
        shutil.copy2(db, root / db.name)
    shutil.copytree(template / "data", root / "data")
    state = open_state(ServerConfig(db_url=f"sqlite:///{root / 'db.sqlite'}",
                                    data_dir=root / "data"))
    assert state.current().publication.version == 1  # the copied 第1版, not a new publication
    yield state
    state.store.close()


@functools.cache
def _client_class():
    """Starlette's TestClient with the page's CSRF token; fastapi is imported when a test
    makes its first client, not at collection."""
    with warnings.catch_warnings():
        # Starlette asks for httpx2 in its TestClient; httpx is what the test extra installs.
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    class _Client(TestClient):
        """A TestClient that knows its session's CSRF token."""

        csrf: str = ""

        def refresh_csrf(self, path: str = "/login") -> str:
            page = self.get(path)
            found = CSRF_RE.search(page.text)
            assert found, f"no CSRF token on {path}"
            self.csrf = found.group(1)
            return self.csrf

        def login(self, username: str, password: str = PASSWORD):
            self.refresh_csrf("/login")
            response = self.post("/login", data={"username": username, "password": password,
                                                 "csrf_token": self.csrf},
                                 follow_redirects=False)
            if response.status_code == 303:
                self.refresh_csrf("/login")  # the new session's token
            return response

        def post_json(self, path: str, body: dict):
            return self.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    return _Client


def client_for(state, username: str | None = None):
    from minshi_geo.server.app import create_app

    client = _client_class()(create_app(state=state), base_url="http://127.0.0.1")
    if username is not None:
        response = client.login(username)
        assert response.status_code == 303, response.text
    return client


# ---------------------------------------------------------------------- a live server
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(state):
    """Yield the base URL of the app served by uvicorn on a free loopback port (a thread)."""
    import threading
    import time

    import uvicorn

    from minshi_geo.server.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(state=state), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class HttpUser:
    """A signed-in user talking to a live server over real HTTP (httpx)."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD):
        import httpx

        self.http = httpx.Client(base_url=base_url, timeout=120, follow_redirects=False)
        self.csrf = CSRF_RE.search(self.http.get("/login").text).group(1)
        response = self.http.post("/login", data={"username": username, "password": password,
                                                  "csrf_token": self.csrf})
        assert response.status_code == 303, response.text
        self.csrf = CSRF_RE.search(self.http.get("/login").text).group(1)

    def upload(self, code: str, path: Path):
        return self.http.post(f"/regions/{code}/upload", data={"csrf_token": self.csrf},
                              files={"file": (path.name, path.read_bytes())})

    def post_json(self, path: str, body: dict):
        return self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    def close(self) -> None:
        self.http.close()
