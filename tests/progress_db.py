"""Progress-store backends for the tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``MINSHI_TEST_PG`` (``.ci/run`` starts a throwaway server and sets it).
Each test gets a fresh database with a random name, dropped afterwards. Without the variable
the PostgreSQL half skips — or fails when ``MINSHI_REQUIRE_PG=1`` (CI), so it never silently
goes missing there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_admin_url() -> str:
    url = os.environ.get("MINSHI_TEST_PG")
    if not url:
        reason = "PostgreSQL store tests need MINSHI_TEST_PG (a server URL; .ci/run sets one)"
        if os.environ.get("MINSHI_REQUIRE_PG") == "1":
            pytest.fail(reason + " — MINSHI_REQUIRE_PG=1 forbids skipping")
        pytest.skip(reason)
    return url


def fresh_database_url(backend: str, tmp_path) -> Iterator[str]:
    """Yield the URL of an empty database on ``backend``; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'progress.db'}"
        return
    admin_url = sa.engine.make_url(postgres_admin_url())
    name = f"minshi_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
