"""Request-level defences: CSRF tokens, login rate limiting, request body size limit.

- **CSRF**: every session carries a random token; every unsafe request (POST) must send it
  back as the form field ``csrf_token`` or the ``X-CSRF-Token`` header (checked centrally in
  the app's authorisation step, so no form can forget it). Cookies are also SameSite=Strict.
- **Login rate limit**: at most :data:`LOGIN_FAILURES` failed logins per user name and per
  client address in :data:`LOGIN_WINDOW_S` seconds; then 429 until the window passes. In
  memory, per server process (the office runs one process; argon2 makes each try slow too).
- **Body size**: a request body over ``max_bytes`` is refused with 413 before it is read
  (Content-Length) or as soon as it passes the limit (chunked), so a huge upload never fills
  memory or disk.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from typing import Any

LOGIN_FAILURES = 5
LOGIN_WINDOW_S = 300.0
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(session_token: str | None, sent: str | None) -> bool:
    return bool(session_token) and bool(sent) and hmac.compare_digest(
        str(session_token), str(sent)
    )


class LoginLimiter:
    """Sliding-window count of failed logins per key (user name, client address)."""

    def __init__(self, failures: int = LOGIN_FAILURES, window_s: float = LOGIN_WINDOW_S):
        self.failures = failures
        self.window_s = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._seen.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def blocked_for(self, *keys: str) -> float:
        """Seconds until a login for any of ``keys`` may be tried again (0 = now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window_s - (now - q[0])
                for q in (self._recent(k, now) for k in keys)
                if len(q) >= self.failures
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._seen.pop(k, None)


class BodyLimit:
    """ASGI middleware: 413 for a request body larger than ``max_bytes``."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Any, max_bytes: int) -> None:
    body = (
        f"上传内容过大：上限 {max_bytes // (1024 * 1024)} MB。请只上传本地区的任务分解表（xlsx 或 csv）。"
    ).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
