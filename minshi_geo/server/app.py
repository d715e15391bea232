"""The FastAPI application: sessions, the one authorisation step, login and administration.

Every route is checked by :func:`authorize` (an app-wide dependency) against
:data:`minshi_geo.server.permissions.RULES` before its handler runs: the session's user, its
role and region, and the CSRF token of every POST. The journeys live in their own routers:
:mod:`.reporting` (region offices), :mod:`.dashboard` (leaders), :mod:`.studio` (planners).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware

from minshi_geo.errors import MinshiError
from minshi_geo.server import accounts
from minshi_geo.server.accounts import ROLE_LABELS, Role, User
from minshi_geo.server.permissions import RULES, allowed
from minshi_geo.server.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    BodyLimit,
    csrf_ok,
    new_csrf_token,
)
from minshi_geo.server.state import ServerConfig, ServerState, open_state

HERE = Path(__file__).parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
templates.globals["role_labels"] = ROLE_LABELS


def _fmt(value: Any, digits: int = 0) -> str:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if f != f else f"{f:,.{digits}f}"


def _pct(value: Any) -> str:
    text = _fmt(None if value is None else float(value) * 100, 1)
    return text if text == "—" else text + "%"


def _indicator_label(name: str) -> str:
    from minshi_geo.indicators import indicator_label

    return indicator_label(name)[0]


def _light(row: Any) -> dict[str, str]:
    """A status or roll-up row's state in the one light vocabulary: key (CSS class) and word."""
    from minshi_geo import lights

    key = lights.row_state(row)
    return {"key": key, "word": lights.word(key)}


def lights_css() -> str:
    """The light palette as CSS classes, from minshi_geo.lights (no second palette)."""
    from minshi_geo import lights

    return "\n".join(f".state-{s.key} {{ background: {s.colour}; color: {s.text_colour}; }}"
                      for s in lights.STATES) + "\n"


templates.globals.update(fmt=_fmt, pct=_pct, indicator_label=_indicator_label, light=_light)


class LoginRequired(Exception):
    pass


def state_of(request: Request) -> ServerState:
    return request.app.state.server


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return token


def session_user(request: Request) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = accounts.get_user(state_of(request).store, uid)
    if user is None or not user.active:  # disabled since signing in: out at once
        request.session.clear()
        return None
    return user


async def authorize(request: Request) -> None:
    """The one gate: route rule, session user, region binding, CSRF on POST."""
    route = request.scope.get("route")
    rule = RULES.get(getattr(route, "name", None) or "")
    if rule is None:  # fail closed: a route nobody declared is nobody's
        raise HTTPException(403, "此页面未声明访问权限，已拒绝")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = (await request.form()).get(CSRF_FIELD)
        if not csrf_ok(request.session.get("csrf"), sent if isinstance(sent, str) else None):
            raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    user = session_user(request)
    request.state.user = user
    if rule.public:
        return
    if user is None:
        raise LoginRequired
    if not allowed(rule, user.role, user.region_code, request.path_params.get("code")):
        raise HTTPException(403, "您的账号无权访问此页面")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    html = templates.get_template(template).render(
        request=request, user=user, csrf=csrf_token(request), **context
    )
    return HTMLResponse(html, status_code=status_code)


def current_user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequired
    return user


def guarded_router(prefix: str = "") -> APIRouter:
    """A router whose every route passes :func:`authorize` first (all routes come from one)."""
    return APIRouter(prefix=prefix, dependencies=[Depends(authorize)])


def create_app(config: ServerConfig | None = None, state: ServerState | None = None) -> FastAPI:
    """The app for ``config`` (or an opened ``state``, as the tests do)."""
    from minshi_geo.server import dashboard, reporting, studio

    state = state or open_state(config or ServerConfig())
    config = state.config
    app = FastAPI(title="民生实事任务分解与进度调度", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.server = state
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (_session_router(), reporting.router, dashboard.router, studio.router,
                   _admin_router()):
        # The routes as they are (each already carries the authorize dependency); flat, so
        # app.routes lists every one for the authorisation table test.
        app.router.routes.extend(router.routes)
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.secret or accounts.session_secret(state.store),
        session_cookie="minshi_session",
        max_age=config.session_hours * 3600,
        same_site="strict",
        https_only=config.https_only,
    )
    _error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Cache-Control", "no-store")
        h.setdefault("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                     "frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
        return response

    # outermost: a too-large body is refused before sessions or routing see it
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes + 64 * 1024)
    return app


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.method in SAFE_METHODS:
            return RedirectResponse("/login", status_code=303)
        return PlainTextResponse("请先登录", status_code=401)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        messages = {404: "页面不存在", 405: "不支持的请求方式"}
        generic = exc.detail in ("Not Found", "Method Not Allowed")
        text = messages.get(exc.status_code, str(exc.detail)) if generic else str(exc.detail)
        return _error(request, exc.status_code, text, None)

    @app.exception_handler(MinshiError)
    async def _minshi(request: Request, exc: MinshiError) -> Response:
        return _error(request, 422, str(exc), exc.hint)


def _error(request: Request, status: int, message: str, hint: str | None) -> Response:
    """An error as the caller reads it: JSON for the studio's fetch calls, else a page."""
    if "application/json" in request.headers.get("content-type", ""):
        return JSONResponse({"ok": False, "error": message, "hint": hint}, status_code=status)
    request.state.user = getattr(request.state, "user", None)
    return render(request, "error.html", status_code=status, message=message, hint=hint)


# ---------------------------------------------------------------------- session routes
def _session_router():
    router = guarded_router()

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request):
        return render(request, "login.html")

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, username: str = Form(""), password: str = Form("")):
        state = state_of(request)
        client = request.client.host if request.client else "?"
        keys = (f"user:{username.strip().lower()}", f"ip:{client}")
        wait = state.limiter.blocked_for(*keys)
        if wait > 0:
            accounts.audit(state.store, username[:64] or "?", "login_blocked", client=client)
            return render(request, "login.html", status_code=429,
                          error=f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试")
        user = accounts.authenticate(state.store, username, password)
        if user is None:
            state.limiter.failed(*keys)
            accounts.audit(state.store, username[:64] or "?", "login_failed", client=client)
            return render(request, "login.html", status_code=401, error="用户名或密码错误")
        state.limiter.succeeded(*keys)
        request.session.clear()  # a fresh session (and CSRF token) after signing in
        request.session["uid"] = user.id
        request.session["csrf"] = new_csrf_token()
        accounts.audit(state.store, user.username, "login", user.region_code, client=client)
        return RedirectResponse("/", status_code=303)

    @router.get("/lights.css")
    async def lights_stylesheet(request: Request):
        return Response(lights_css(), media_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})

    @router.post("/logout")
    async def logout(request: Request):
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @router.get("/")
    async def home(request: Request):
        user = current_user(request)
        target = {
            Role.REPORTER: f"/regions/{user.region_code}",
            Role.VIEWER: "/dashboard",
            Role.PLANNER: "/studio",
            Role.ADMIN: "/dashboard",
        }[user.role]
        return RedirectResponse(target, status_code=303)

    return router


# ---------------------------------------------------------------------- administration
def _admin_router():
    router = guarded_router("/admin")

    @router.get("/users", response_class=HTMLResponse)
    def admin_users(request: Request):
        state = state_of(request)
        regions = state.current().regions
        return render(request, "users.html", users=accounts.list_users(state.store),
                      roles=list(Role), regions=[(c, regions.name_of(c)) for c in regions.codes])

    @router.post("/users")
    def admin_user_create(request: Request, username: str = Form(...),
                          password: str = Form(...), role: str = Form(...),
                          region_code: str = Form("")):
        state = state_of(request)
        regions = state.current().regions
        code = region_code.strip() or None
        if code is not None and code not in regions.codes:
            raise HTTPException(422, f"地区代码 {code} 不在地区集 {regions.name} 中")
        accounts.create_user(state.store, username, password, role,
                             code if role == Role.REPORTER else None,
                             by=current_user(request).username)
        return RedirectResponse("/admin/users", status_code=303)

    @router.post("/users/{username}/active")
    def admin_user_active(request: Request, username: str, active: str = Form("0")):
        state = state_of(request)
        accounts.set_active(state.store, username, active == "1",
                            by=current_user(request).username)
        return RedirectResponse("/admin/users", status_code=303)

    @router.get("/audit", response_class=HTMLResponse)
    def admin_audit(request: Request):
        rows = accounts.audit_rows(state_of(request).store)
        return render(request, "audit.html", rows=rows.to_dict("records"))

    return router
