"""Precision and recall of the extractor on the regression corpus and on the held-out set.

``tests/data/extract/plans/`` are the plans the rules were written against (whole corpus);
``tests/data/extract/heldout/`` were collected after the rules of issue 13 were written and
read by hand before the extractor was run on them. Prints one line per plan (missed and
extra targets) and the totals of each set. Asserts nothing.

Run:  .venv/bin/python benchmarks/bench_extract_recall.py [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minshi_geo.extract import extract_plan  # noqa: E402
from minshi_geo.extract.scoring import Score, missed_and_extra, score  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "extract"


def score_set(folder: Path, quiet: bool) -> Score:
    total = Score(0, 0, 0)
    for text in sorted(folder.glob("*.txt")):
        expected = yaml.safe_load(text.with_suffix(".expected.yaml").read_text("utf-8"))
        draft = extract_plan(text.read_text("utf-8"), year=expected.get("year"))
        one = score(draft.quantified, expected["targets"])
        total += one
        if not quiet:
            missed, extra = missed_and_extra(draft.quantified, expected["targets"])
            print(f"  {text.stem:24} P {one.precision:.3f} R {one.recall:.3f}"
                  f"  missed {missed}  extra {extra}")  # fmt: skip
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    results = {}
    for name in ("heldout", "plans"):
        print(f"{name}:")
        results[name] = score_set(DATA / name, args.quiet)
    whole = results["heldout"] + results["plans"]
    for name, s in (*results.items(), ("whole corpus", whole)):
        print(f"{name:14} targets {s.wanted:4}  found {s.found:4}  right {s.right:4}  "
              f"precision {s.precision:.3f}  recall {s.recall:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
