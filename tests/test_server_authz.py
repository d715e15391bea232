"""Authorisation of the office server, route by route, from the ONE permission table.

- every route of the app has a rule in ``permissions.RULES`` (and every rule a route): a new
  route without a rule fails here, and is refused by the app (fail closed);
- every route × every role (and no login) gets exactly what its rule says: allowed → not
  401/403; refused → 403 (or the login page without a session);
- a region reporter cannot read or write another region's data or any province page;
- CSRF is required on every POST; login attempts are rate limited; a disabled account's open
  session ends; cookies are HttpOnly + SameSite=Strict.
"""

from __future__ import annotations

import pytest

from server_fixtures import PASSWORD, USERS, client_for, module_state

from minshi_geo.server.accounts import Role
from minshi_geo.server.permissions import RULES, allowed

OWN, OTHER = "220100", "220200"  # changchun's region, jilincity's region
PARAMS = {"code": OWN, "version": "1", "name": "no-such-file.xlsx", "token": "none",
          "username": "nobody"}


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    yield from module_state(tmp_path_factory, "server-authz")


def _routes(app):
    """(name, method, path) of every API route; mounts by name."""
    from starlette.routing import Mount

    out = []
    for route in app.routes:
        if isinstance(route, Mount):
            out.append((route.name, "GET", route.path + "/style.css"))
            continue
        for method in sorted(route.methods - {"HEAD"}):
            out.append((route.name, method, route.path))
    return out


def test_every_route_has_exactly_one_rule(state):
    app = client_for(state).app
    names = [name for name, _m, _p in _routes(app)]
    missing = sorted(set(names) - set(RULES))
    assert not missing, f"routes without a permission rule in permissions.RULES: {missing}"
    stale = sorted(set(RULES) - set(names))
    assert not stale, f"rules for routes that do not exist: {stale}"
    assert len(names) >= 20


def test_a_route_without_a_rule_is_refused(state, monkeypatch):
    client = client_for(state, "admin1")
    monkeypatch.delitem(RULES, "publications")
    response = client.get("/publications")
    assert response.status_code == 403
    assert "未声明访问权限" in response.text


def _path(template: str, code: str) -> str:
    path = template
    for key, value in {**PARAMS, "code": code}.items():
        path = path.replace("{" + key + "}", value)
    return path


def _call(client, method: str, path: str):
    if method == "GET":
        return client.get(path, follow_redirects=False)
    return client.post(path, data={"csrf_token": client.csrf}, follow_redirects=False)


ROLE_USERS = {Role(role): name for name, (role, _region) in USERS.items() if name != "jilincity"}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_route_for_every_role(state, role):
    username = ROLE_USERS[role]
    client = client_for(state, username)
    region = USERS[username][1]
    checked = 0
    for name, method, template in _routes(client.app):
        if name in ("logout", "login"):  # would end this client's session; tested below
            continue
        rule = RULES[name]
        for code in ([OWN, OTHER] if "{code}" in template else [OWN]):
            path = _path(template, code)
            response = _call(client, method, path)
            expect = allowed(rule, role, region, code if "{code}" in template else None)
            where = f"{role.value} {method} {path} ({name})"
            if expect:
                assert response.status_code not in (401, 403), where + f": {response.status_code}"
                assert response.headers.get("location") != "/login", where
            else:
                assert response.status_code == 403, where + f": {response.status_code}"
            checked += 1
    assert checked >= 25


def test_without_login_only_public_routes(state):
    client = client_for(state)
    client.refresh_csrf("/login")
    for name, method, template in _routes(client.app):
        path = _path(template, OWN)
        response = _call(client, method, path)
        if name == "login":  # the form's own answer to empty credentials, not the gate's
            assert "用户名或密码错误" in response.text
        elif RULES[name].public:
            assert response.status_code not in (401, 403), f"{method} {path}"
        elif method == "GET":
            assert response.status_code == 303 and response.headers["location"] == "/login", path
        else:
            assert response.status_code == 401, f"{method} {path}"


def test_reporter_sees_only_its_own_region(state):
    client = client_for(state, "changchun")
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/regions/{OWN}"
    own = client.get(f"/regions/{OWN}")
    assert own.status_code == 200 and "长春市" in own.text
    assert "吉林市（220200）" not in own.text
    for path in (f"/regions/{OTHER}", f"/regions/{OTHER}/sheet.xlsx", f"/regions/{OTHER}/form",
                 "/dashboard", "/dashboard/map", "/studio", "/publications",
                 "/publications/1/allocation.csv", "/admin/users", "/admin/audit"):
        assert client.get(path).status_code == 403, path
    upload = client.post(f"/regions/{OTHER}/upload", data={"csrf_token": client.csrf},
                         files={"file": ("x.csv", b"a,b\n", "text/csv")})
    assert upload.status_code == 403
    form = client.post(f"/regions/{OTHER}/form", data={"csrf_token": client.csrf,
                                                       "period_end": "2023-06-30"})
    assert form.status_code == 403
    # the page shows no link or data of another region
    assert f"/regions/{OTHER}" not in own.text


def test_every_post_needs_the_csrf_token(state):
    client = client_for(state, "admin1")
    for name, method, template in _routes(client.app):
        if method != "POST":
            continue
        path = _path(template, OWN)
        response = client.post(path, data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, f"{path} accepted a POST without CSRF token"
        wrong = client.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, f"{path} accepted a forged CSRF token"
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_login_is_rate_limited(state):
    client = client_for(state)
    for _ in range(5):
        assert client.login("viewer1", "wrong-password!").status_code == 401
    blocked = client.login("viewer1", PASSWORD)
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text
    state.limiter.succeeded("user:viewer1", "ip:testclient")  # let later tests sign in


def test_cookie_flags_and_security_headers(state):
    client = client_for(state)
    client.refresh_csrf("/login")
    response = client.post("/login", data={"username": "viewer1", "password": PASSWORD,
                                           "csrf_token": client.csrf}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/dashboard")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


def test_disabled_account_is_signed_out(state):
    from minshi_geo.server import accounts

    accounts.create_user(state.store, "temp.viewer", PASSWORD, "viewer")
    client = client_for(state, "temp.viewer")
    assert client.get("/dashboard").status_code == 200
    accounts.set_active(state.store, "temp.viewer", False, by="test")
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.login("temp.viewer").status_code == 401


def test_passwords_are_argon2_hashes(state):
    import sqlalchemy as sa

    from minshi_geo.server.accounts import users_table

    hashes = state.store.read(sa.select(users_table.c.password_hash))["password_hash"]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


def test_logout_ends_the_session(state):
    client = client_for(state, "viewer1")
    assert client.post("/logout", data={"csrf_token": client.csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login"
