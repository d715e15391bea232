"""The office server for tests: a real app on a fresh database, with one account per role.

``server_state(db_url, tmp)`` opens the server's state (publishing the bundled baseline as
version 1, as a first start does); ``Client`` is Starlette's TestClient signed in as a user,
sending the page's CSRF token like the browser does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server tests need the 'server' extra")

import warnings  # noqa: E402

with warnings.catch_warnings():
    # Starlette asks for httpx2 in its TestClient; httpx is what the test extra installs.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from minshi_geo.server import accounts  # noqa: E402
from minshi_geo.server.app import create_app  # noqa: E402
from minshi_geo.server.state import ServerConfig, open_state  # noqa: E402

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
    state = open_state(ServerConfig(db_url=db_url, data_dir=data_dir))
    for name, (role, region) in USERS.items():
        accounts.create_user(state.store, name, PASSWORD, role, region, by="test")
    state.current()  # first start: publishes the baseline as 第1版
    return state


class Client(TestClient):
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
                                             "csrf_token": self.csrf}, follow_redirects=False)
        if response.status_code == 303:
            self.refresh_csrf("/login")  # the new session's token
        return response

    def post_json(self, path: str, body: dict):
        return self.post(path, json=body, headers={"X-CSRF-Token": self.csrf})


def client_for(state, username: str | None = None) -> Client:
    client = Client(create_app(state=state), base_url="http://127.0.0.1")
    if username is not None:
        response = client.login(username)
        assert response.status_code == 303, response.text
    return client
