"""Accounts, roles and the audit log of the office server, in the progress store's database.

Three tables beside the store's own (same database, same engine, same write discipline —
:meth:`ProgressStore.write` retries a lost race, SQLite ``BEGIN IMMEDIATE`` / PostgreSQL
advisory locks):

users        username (unique), password_hash (argon2id via argon2-cffi), role, region_code
             (reporters only: the one region they may see), active, created_at
audit_log    at, username, action (login, login_failed, import, import_rejected, publish,
             save_scenario, user_created, user_disabled …), region_code, detail
server_meta  key → value (the session-signing secret, generated once per database so every
             worker and restart shares it)

Roles (:class:`Role`): province admin, province planner, region reporter (bound to one
region), viewer (leaders: dashboard only).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from minshi_geo.errors import MinshiError
from minshi_geo.progress.store import ProgressStore

server_metadata = sa.MetaData()

users_table = sa.Table(
    "server_users",
    server_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("region_code", sa.String(32)),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "role IN ('admin', 'planner', 'reporter', 'viewer')", name="ck_server_users_role"
    ),
    sa.CheckConstraint(
        "(role = 'reporter') = (region_code IS NOT NULL)", name="ck_server_users_region"
    ),
)

audit_table = sa.Table(
    "server_audit",
    server_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("region_code", sa.String(32)),
    sa.Column("detail", sa.Text),
)

meta_table = sa.Table(
    "server_meta",
    server_metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    REPORTER = "reporter"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: "省级管理员",
    Role.PLANNER: "省级测算人员",
    Role.REPORTER: "地区填报人员",
    Role.VIEWER: "领导查看",
}
PROVINCE_ROLES = frozenset({Role.ADMIN, Role.PLANNER, Role.VIEWER})
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters
# A hash to verify against when the user does not exist: same cost, so timing does not
# tell which user names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(MinshiError):
    """A user name, role, region or password is not acceptable."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    region_code: str | None
    active: bool

    @property
    def is_province(self) -> bool:
        return self.role in PROVINCE_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def create_schema(store: ProgressStore) -> None:
    """Create the server's tables that are missing (safe from several processes)."""

    def work(conn: sa.Connection) -> None:
        server_metadata.create_all(conn, checkfirst=True)

    store.write(work, locks=["minshi-server-schema"])


def _user(row: Any) -> User:
    return User(row.id, row.username, Role(row.role), row.region_code, bool(row.active))


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not name or len(name) > 64 or not set(name) <= USERNAME_CHARS:
        raise AccountError(
            f"user name {username!r}: use 1–64 letters a–z, digits, '_', '.' or '-'",
            hint="e.g. changchun.report",
        )
    return name


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(
            f"password too short: at least {MIN_PASSWORD} characters",
            hint="use a passphrase; it is stored only as an argon2 hash",
        )


def create_user(store: ProgressStore, username: str, password: str, role: str,
                region_code: str | None = None, *, by: str = "cli") -> User:
    """Add an account; a reporter must name its region (a code of the region set)."""
    name = check_username(username)
    check_password(password)
    try:
        role_v = Role(role)
    except ValueError:
        raise AccountError(f"role {role!r}: expected one of {', '.join(r.value for r in Role)}",
                           hint="admin | planner | reporter | viewer") from None
    if (role_v == Role.REPORTER) != bool(region_code):
        raise AccountError(
            "a region reporter needs --region (and only a reporter has one)",
            hint="minshi-geo users add NAME --role reporter --region 长春市",
        )
    digest = _hasher.hash(password)
    now = datetime.now(UTC)

    def work(conn: sa.Connection) -> int:
        taken = conn.execute(
            sa.select(users_table.c.id).where(users_table.c.username == name)
        ).first()
        if taken is not None:
            raise AccountError(f"user {name!r} exists already",
                               hint="minshi-geo users list; disable or pick another name")
        new_id = conn.execute(
            users_table.insert().values(
                username=name, password_hash=digest, role=role_v.value,
                region_code=region_code, active=True, created_at=now,
            )
        ).inserted_primary_key[0]
        _audit(conn, by, "user_created", region_code, {"user": name, "role": role_v.value})
        return int(new_id)

    new_id = store.write(work, locks=["minshi-server-users"])
    return User(new_id, name, role_v, region_code, True)


def set_active(store: ProgressStore, username: str, active: bool, *, by: str = "cli") -> User:
    name = check_username(username)

    def work(conn: sa.Connection) -> User:
        row = conn.execute(sa.select(users_table).where(users_table.c.username == name)).first()
        if row is None:
            raise AccountError(f"no user {name!r}", hint="minshi-geo users list")
        conn.execute(users_table.update().where(users_table.c.id == row.id).values(active=active))
        _audit(conn, by, "user_enabled" if active else "user_disabled", row.region_code,
               {"user": name})
        return replace(_user(row), active=active)

    return store.write(work, locks=["minshi-server-users"])


def set_password(store: ProgressStore, username: str, password: str, *, by: str = "cli") -> None:
    name = check_username(username)
    check_password(password)
    digest = _hasher.hash(password)

    def work(conn: sa.Connection) -> None:
        done = conn.execute(
            users_table.update().where(users_table.c.username == name).values(password_hash=digest)
        )
        if done.rowcount != 1:
            raise AccountError(f"no user {name!r}", hint="minshi-geo users list")
        _audit(conn, by, "password_changed", None, {"user": name})

    store.write(work, locks=["minshi-server-users"])


def list_users(store: ProgressStore) -> list[User]:
    frame = store.read(sa.select(users_table).order_by(users_table.c.username))
    return [_user(r) for r in frame.itertuples(index=False)]


def count_users(store: ProgressStore) -> int:
    frame = store.read(sa.select(sa.func.count()).select_from(users_table))
    return int(frame.iloc[0, 0])


def get_user(store: ProgressStore, user_id: int) -> User | None:
    frame = store.read(sa.select(users_table).where(users_table.c.id == int(user_id)))
    if frame.empty:
        return None
    return _user(next(frame.itertuples(index=False)))


def authenticate(store: ProgressStore, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    name = (username or "").strip().lower()
    frame = store.read(sa.select(users_table).where(users_table.c.username == name))
    row = next(frame.itertuples(index=False), None)
    digest = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(digest, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(digest):
        def work(conn: sa.Connection) -> None:
            conn.execute(users_table.update().where(users_table.c.id == row.id)
                         .values(password_hash=_hasher.hash(password)))
        store.write(work)
    return _user(row)


# ---------------------------------------------------------------------- audit log
def _audit(conn: sa.Connection, username: str, action: str, region_code: str | None,
           detail: dict[str, Any] | None) -> None:
    conn.execute(
        audit_table.insert().values(
            at=datetime.now(UTC), username=username, action=action, region_code=region_code,
            detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
        )
    )


def audit(store: ProgressStore, username: str, action: str, region_code: str | None = None,
          **detail: Any) -> None:
    """Record who did what (one row, its own transaction)."""
    store.write(lambda conn: _audit(conn, username, action, region_code, detail))


def audit_rows(store: ProgressStore, limit: int = 500, region_code: str | None = None):
    query = sa.select(audit_table).order_by(audit_table.c.id.desc()).limit(limit)
    if region_code is not None:
        query = query.where(audit_table.c.region_code == region_code)
    return store.read(query)


# ---------------------------------------------------------------------- secret
def session_secret(store: ProgressStore) -> str:
    """The session-signing key of this database: made once, shared by every worker."""

    def work(conn: sa.Connection) -> str:
        row = conn.execute(
            sa.select(meta_table.c.value).where(meta_table.c.key == "session_secret")
        ).first()
        if row is not None:
            return row.value
        value = secrets.token_urlsafe(48)
        conn.execute(meta_table.insert().values(key="session_secret", value=value))
        return value

    return store.write(work, locks=["minshi-server-meta"])
