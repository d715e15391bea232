"""Progress import and status timings on the Jilin 2023 baseline and the 示例 sample sheets.

    .venv/bin/python benchmarks/bench_progress.py [--pg URL] [--processes 4]

For SQLite (a temp file) and, with ``--pg`` or ``$MINSHI_TEST_PG``, PostgreSQL (a fresh
database created and dropped here), prints:

- writing the 33 sample sheets (11 regions × 3 months);
- importing each month's 11 sheets in one call (read + check + store), then all three months
  again (every file unchanged: the no-op path);
- computing the status table for all periods and the roll-ups;
- N processes importing one region's three months each at the same moment: wall time, rows
  stored, duplicates (must be 0).

Figures are printed, never asserted (docs/DEVELOPING.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from minshi_geo.progress import status as st
from minshi_geo.demo import baseline_inputs
from minshi_geo.progress.importer import import_reports, load_inputs
from minshi_geo.progress.sample import SAMPLE_PERIODS, write_sample_reports
from minshi_geo.progress.store import ProgressStore


def _worker(url: str, allocation_dir: str, paths: list[str], barrier) -> float:
    allocation, plan, regions = load_inputs(allocation_dir)
    barrier.wait()
    started = time.perf_counter()
    import_reports(paths, url, allocation=allocation, plan=plan, regions=regions,
                   imported_by="bench")  # fmt: skip
    return time.perf_counter() - started


def run(url: str, label: str, inputs, files: list[Path], allocation_dir: Path, n: int) -> None:
    allocation, plan, regions = inputs
    print(f"\n== {label}")
    ProgressStore(url).close()
    total = 0.0
    for period in SAMPLE_PERIODS:
        month = [f for f in files if f.name.endswith(f"{period.isoformat()}.xlsx")]
        started = time.perf_counter()
        result = import_reports(month, url, allocation=allocation, plan=plan, regions=regions,
                                imported_by="bench")  # fmt: skip
        took = time.perf_counter() - started
        total += took
        lines = sum(o.lines for o in result.outcomes)
        print(f"import {period}: {len(month)} files, {lines} lines, {took:.2f} s")
    print(f"import three months: {total:.2f} s")
    started = time.perf_counter()
    again = import_reports(files, url, allocation=allocation, plan=plan, regions=regions)
    print(f"re-import all {len(files)} (unchanged {again.count('unchanged')}): "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip
    started = time.perf_counter()
    status = st.compute_status(url, allocation, plan)
    st.province_rollup(status), st.region_rollup(status), st.lagging(status)
    print(f"status: {len(status)} rows over {len(st.periods(status))} periods + roll-ups: "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip

    # Concurrency: a fresh store, n regions' three months each, all at once.
    fresh = url + "-concurrent" if url.startswith("sqlite") else None
    conc_url = fresh or url
    if fresh is None:
        with ProgressStore(url) as store, store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM report_lines")
            conn.exec_driver_sql("DELETE FROM report_files")
    codes = regions.codes[:n]
    batches = [[str(f) for f in files if f"-{regions.name_of(c)}-" in f.name] for c in codes]
    ctx = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(batches))
        with ctx.Pool(len(batches)) as pool:
            jobs = [pool.apply_async(_worker, (conc_url, str(allocation_dir), b, barrier))
                    for b in batches]  # fmt: skip
            each = [j.get(timeout=600) for j in jobs]
    wall = time.perf_counter() - started
    with ProgressStore(conc_url) as store:
        lines = store.lines()
        current = store.current_values(plan.id)
    dups = int(current.duplicated(["target_id", "region_code", "period_end"]).sum())
    print(
        f"concurrent: {n} processes × 3 files, {len(lines)} lines stored, {dups} duplicates; "
        f"per-process import {min(each):.2f}–{max(each):.2f} s, wall incl. start-up {wall:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("MINSHI_TEST_PG"))
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    inputs = baseline_inputs()
    allocation, plan, regions = inputs
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        allocation.save(tmp_path / "allocation")
        started = time.perf_counter()
        files = write_sample_reports(allocation, plan, regions, tmp_path / "reports")
        print(f"write {len(files)} sample sheets: {time.perf_counter() - started:.2f} s")
        run(f"sqlite:///{tmp_path / 'bench.db'}", "SQLite (WAL)", inputs, files,
            tmp_path / "allocation", args.processes)  # fmt: skip
        if args.pg:
            admin_url = sa.engine.make_url(args.pg)
            name = f"minshi_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                url = admin_url.set(database=name).render_as_string(hide_password=False)
                run(url, "PostgreSQL", inputs, files, tmp_path / "allocation", args.processes)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print("\n(PostgreSQL skipped: give --pg URL or set MINSHI_TEST_PG)", file=sys.stderr)


if __name__ == "__main__":
    main()
