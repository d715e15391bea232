"""Task sheets, summary, report reading and progress sheets: time and size.

    .venv/bin/python benchmarks/bench_sheets.py [--counties] [--libreoffice]

Cases: the Jilin 2023 baseline (11 regions, real allocation) and, with ``--counties``, the
60-county set (every count target split by area, as in the map benchmark). Prints, for each:
the time to write the whole set (all region workbooks + summary, atomically), the time with
``--csv``, file sizes, the time to read one returned sheet (filled with openpyxl), the time to
write the progress (通报) workbooks from the status table, and with ``--libreoffice`` the time
headless LibreOffice takes to convert the summary and one region workbook to PDF.
Figures are printed, never asserted (docs/DEVELOPING.md).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import pandas as pd  # noqa: E402

from minshi_geo.catalogue import load_plan  # noqa: E402
from minshi_geo.progress.status import status_from_values  # noqa: E402
from minshi_geo.regions import load_region_set  # noqa: E402
from minshi_geo.sheets.progress import write_progress_sheets  # noqa: E402
from minshi_geo.sheets.reader import read_report  # noqa: E402
from minshi_geo.sheets.writer import write_all_sheets  # noqa: E402


def timed(fn, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def case(name: str, allocation, plan, regions, work: Path, libreoffice: bool) -> None:
    print(f"\n== {name}: {len(regions.codes)} regions, {len(allocation.table)} allocation rows")
    out = work / name
    t, sheet_set = timed(lambda: write_all_sheets(allocation, plan, regions, out))
    print(f"write_all_sheets            {t:6.2f} s  ({len(sheet_set.workbooks)} workbooks)")
    t, with_csv = timed(lambda: write_all_sheets(allocation, plan, regions, work / "csv", csv=True))
    print(f"write_all_sheets --csv      {t:6.2f} s  ({len(with_csv.csv)} CSV files)")
    sizes = [p.stat().st_size for p in sheet_set.regions.values()]
    print(f"region workbook size        {statistics.median(sizes) / 1024:6.1f} KiB median, "
          f"{max(sizes) / 1024:.1f} KiB max")
    print(f"summary workbook size       {sheet_set.summary.stat().st_size / 1024:6.1f} KiB")

    from test_sheets import fill_region

    code = next(iter(sheet_set.regions))
    table = allocation.table[allocation.table.region_code == code]
    values = {tid: {"累计完成": int(q) // 2} for tid, q in zip(table.target_id, table.quantity)}
    filled = fill_region(sheet_set.regions[code], work / "filled.xlsx", values,
                         period_end=date(2023, 6, 30))
    t, report = timed(lambda: read_report(filled), repeat=5)
    print(f"read_report (one region)    {t * 1000:6.0f} ms  ({len(report.lines)} lines)")

    frames = []
    for c, path in sheet_set.regions.items():
        table = allocation.table[allocation.table.region_code == c]
        vals = {tid: {"累计完成": int(q) // 2} for tid, q in zip(table.target_id, table.quantity)}
        rep = read_report(fill_region(path, work / f"r-{c}.xlsx", vals, period_end=date(2023, 6, 30)))
        lines = rep.lines.assign(region_name=regions.name_of(c), sample=False)
        frames.append(lines)
    status = status_from_values(pd.concat(frames, ignore_index=True), allocation, plan)
    t, progress = timed(lambda: write_progress_sheets(status, plan, regions, work / "progress",
                                                      allocation.meta))
    print(f"write_progress_sheets       {t:6.2f} s  ({len(progress.workbooks)} workbooks, "
          f"{len(status)} status rows)")

    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if libreoffice and exe:
        for book in (sheet_set.summary, sheet_set.regions[code]):
            t0 = time.perf_counter()
            subprocess.run([exe, f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(work / "pdf"), str(book)],
                           capture_output=True, check=True)
            pdf = work / "pdf" / (book.stem + ".pdf")
            print(f"LibreOffice → PDF           {time.perf_counter() - t0:6.2f} s  "
                  f"{book.name} ({pdf.stat().st_size / 1024:.0f} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", action="store_true", help="also the 60-county set")
    parser.add_argument("--libreoffice", action="store_true", help="time PDF conversion")
    args = parser.parse_args()
    from maps_fixtures import area_split, baseline

    plan = load_plan()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        case("jilin", baseline(), plan, load_region_set("jilin"), work, args.libreoffice)
        if args.counties:
            case("jilin-counties", area_split("jilin-counties"), plan,
                 load_region_set("jilin-counties"), work, args.libreoffice)


if __name__ == "__main__":
    main()
