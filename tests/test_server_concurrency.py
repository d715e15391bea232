"""Concurrent uploads from every region's reporter, over real HTTP to a live server, on SQLite
and PostgreSQL: nothing is lost and nothing is stored twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from progress_db import BACKENDS, fresh_database_url
from server_fixtures import HttpUser, live_server, server_state

from minshi_geo.server import accounts

PERIODS = (date(2023, 3, 31), date(2023, 6, 30))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    yield from fresh_database_url(request.param, tmp_path)


def test_concurrent_uploads_lose_and_duplicate_nothing(db_url, tmp_path):
    from minshi_geo.progress.sample import write_sample_reports
    from minshi_geo.sheets.reader import read_report

    state = server_state(db_url, tmp_path / "data")
    cur = state.current()
    codes = list(cur.regions.codes)
    for code in codes:
        accounts.create_user(state.store, f"r-{code}", "reporter-pass-1", "reporter", code)
    paths = write_sample_reports(cur.allocation, cur.plan, cur.regions, tmp_path / "reports",
                                 periods=PERIODS)
    by_region = {c: [p for p in paths if f"-{cur.regions.name_of(c)}-" in p.name] for c in codes}
    expected_lines = sum(len(read_report(p).lines) for p in paths)
    with live_server(state) as base:
        # two sessions per region, each sending all of its region's files: every file
        # arrives twice at about the same time
        users = [(c, HttpUser(base, f"r-{c}", "reporter-pass-1")) for c in codes for _ in (1, 2)]

        def send(item):
            code, user = item
            return [user.upload(code, p).status_code for p in by_region[code]]

        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            statuses = [s for batch in pool.map(send, users) for s in batch]
        for _code, user in users:
            user.close()
    assert statuses.count(200) == len(statuses), statuses
    files = state.store.files(cur.plan.id)
    assert len(files) == len(paths)  # each file once
    assert files["sha256"].is_unique
    assert files["active"].all()
    assert not files.duplicated(["region_code", "period_end"]).any()
    values = state.store.current_values(cur.plan.id)
    assert len(values) == expected_lines  # no line lost
    assert not values.duplicated(["target_id", "region_code", "period_end"]).any()
    log = accounts.audit_rows(state.store, limit=1000)
    assert (log["action"] == "import").sum() == 2 * len(paths)
    state.store.close()
