"""Load on the office server: many signed-in clients at once, over real HTTP on loopback.

    .venv/bin/python benchmarks/bench_server.py [--clients 50] [--requests 100] [--max-seconds 240]

Starts ``minshi-geo serve`` (one uvicorn process, SQLite in a temp folder, the bundled baseline
published as 第1版), signs in ``--clients`` planners and ``--clients`` region reporters, then
measures two requests, each first with one client alone (the baseline) and then with all
clients at once:

- a scenario change: ``POST /studio/run`` (a new lock for 29.2 改造农村危桥 → validate,
  allocate the edited target, compare, explanation);
- a report upload: ``POST /regions/{code}/upload`` of a filled task sheet (each a different
  file, so each is a real import: read, check, store, audit).

Bounded: ``--requests`` per measurement and no new request after ``--max-seconds``. Prints
count, errors, p50 / p95 / max latency and throughput; figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "bench-password-1"


def sign_in(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=600, follow_redirects=False)
    token = CSRF_RE.search(client.get("/login").text).group(1)
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 303, r.text
    return client, CSRF_RE.search(client.get("/login").text).group(1)


def variants(path: Path, n: int, folder: Path) -> list[Path]:
    """``n`` copies of a filled sheet, each with a different 备注 (so a different file)."""
    from openpyxl import load_workbook

    from minshi_geo.sheets import layout

    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        wb = load_workbook(path)
        ws = wb[layout.TASK_SHEET]
        heading = {ws.cell(row=layout.HEADING_ROW, column=c).value: c
                   for c in range(1, ws.max_column + 1)}
        ws.cell(row=layout.FIRST_DATA_ROW, column=heading["备注"], value=f"示例：第{i + 1}次更正")
        target = folder / f"{path.stem}-v{i:03d}.xlsx"
        buffer = io.BytesIO()
        wb.save(buffer)
        target.write_bytes(buffer.getvalue())
        out.append(target)
    return out


def measure(label: str, jobs: list, workers: int, max_seconds: float) -> None:
    """Run ``jobs`` (callables returning an HTTP status) on ``workers`` threads; print figures."""
    stop = time.monotonic() + max_seconds
    times: list[float] = []
    errors = 0

    def one(job):
        if time.monotonic() > stop:
            return None
        t0 = time.perf_counter()
        status = job()
        return time.perf_counter() - t0, status

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(one, jobs):
            if result is None:
                continue
            times.append(result[0])
            errors += result[1] != 200
    wall = time.perf_counter() - started
    if not times:
        print(f"{label:<44} no request finished within {max_seconds:.0f} s")
        return
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(f"{label:<44} n={len(times):>4} errors={errors:<3} p50={statistics.median(times):6.2f}s "
          f"p95={p95:6.2f}s max={times[-1]:6.2f}s  {len(times) / wall:5.1f} req/s")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", choices=("scenario", "upload"), default=None)
    args = parser.parse_args()

    from minshi_geo.progress.sample import write_sample_reports
    from minshi_geo.server import accounts
    from minshi_geo.server.state import ServerConfig, open_state

    tmp = Path(tempfile.mkdtemp(prefix="bench-server-"))
    db = f"sqlite:///{tmp / 'minshi.db'}"
    t0 = time.perf_counter()
    state = open_state(ServerConfig(db_url=db, data_dir=tmp / "data"))
    cur = state.current()
    codes = list(cur.regions.codes)
    n = args.clients
    for i in range(n):
        accounts.create_user(state.store, f"planner{i}", PASSWORD, "planner")
        accounts.create_user(state.store, f"rep{i}", PASSWORD, "reporter", codes[i % len(codes)])
    filled = write_sample_reports(cur.allocation, cur.plan, cur.regions, tmp / "filled",
                                  periods=(date(2023, 6, 30),))
    per_region = -(-(args.requests + 5) // len(codes)) + 1
    files = {c: variants(next(p for p in filled if f"-{cur.regions.name_of(c)}-" in p.name),
                         per_region, tmp / "variants") for c in codes}
    state.store.close()
    print(f"set-up (publish baseline, {2 * n} accounts, {per_region * len(codes)} sheets): "
          f"{time.perf_counter() - t0:.1f} s")

    env = {**os.environ, "COLUMNS": "200"}
    server = subprocess.Popen(
        [sys.executable, "-m", "minshi_geo.cli", "serve", "--db", db, "--data",
         str(tmp / "data"), "--port", str(args.port)],
        cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(base + "/login", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("server did not start:\n" + (server.stdout.read() or ""))
            time.sleep(0.5)
        planners = [sign_in(base, f"planner{i}") for i in range(n)]
        reporters: dict[str, list] = {c: [] for c in codes}
        for i in range(n):
            reporters[codes[i % len(codes)]].append(sign_in(base, f"rep{i}"))
        queues = {c: list(files[c]) for c in codes}

        def scenario_job(i: int):
            client, token = planners[i % n]
            body = {"scenario": "b:jilin-2023-baseline",
                    "edits": {"29.2": {"locks": {"220100": 10 + i % 30}}}}
            return lambda: client.post("/studio/run", json=body,
                                       headers={"X-CSRF-Token": token}).status_code

        def upload_job(i: int):
            code = codes[i % len(codes)]  # regions in turn, each region's reporters in turn
            mine = reporters[code]
            client, token = mine[(i // len(codes)) % len(mine)]
            path = queues[code].pop()
            return lambda: client.post(f"/regions/{code}/upload", data={"csrf_token": token},
                                       files={"file": (path.name, path.read_bytes())}).status_code

        print(f"server: {base}, one uvicorn process; clients on {os.cpu_count()} CPU(s)")
        if args.only in (None, "scenario"):
            measure("scenario change, 1 client (baseline)", [scenario_job(i) for i in range(5)],
                    1, args.max_seconds)
            measure(f"scenario change, {n} clients at once",
                    [scenario_job(i) for i in range(args.requests)], n, args.max_seconds)
        if args.only in (None, "upload"):
            measure("report upload, 1 client (baseline)", [upload_job(i) for i in range(5)], 1,
                    args.max_seconds)
            measure(f"report upload, {n} clients at once",
                    [upload_job(i) for i in range(args.requests)], n, args.max_seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
