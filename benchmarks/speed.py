"""Issue #16's figures, each measured on the baseline tree and on this tree in one run.

    .venv/bin/python benchmarks/speed.py                 # every figure, 5 runs each
    .venv/bin/python benchmarks/speed.py demo help -n 3  # figures whose name contains a word
    .venv/bin/python benchmarks/speed.py --list
    .venv/bin/python benchmarks/speed.py --baseline none # this tree only

The baseline is the code of ``BASELINE`` (main before the speed work), checked out once with
``git worktree add --detach`` into the cache folder (``MINSHI_BENCH_CACHE``, default
``~/.cache/minshi-geo/bench``). Both trees run with the same interpreter, the same installed
packages and the same data files: each figure is a fresh Python process with
``PYTHONPATH=<tree>`` so ``import minshi_geo`` is that tree's code (the editable install is
only a fallback behind ``PYTHONPATH``). Runs alternate baseline / current so that a busy
moment of the machine hits both.

A figure is declared in a ``benchmarks/figures_*.py`` module as ``FIGURES = [Figure(...)]``:

- ``argv``: a command, timed from outside (wall clock of the whole process, cold imports
  included) — ``{python}`` is the interpreter, ``{root}`` the tree, ``{work}`` a fresh empty
  folder that is also the working directory;
- ``code``: Python run in a fresh interpreter (``ROOT`` is the tree, ``WORK`` a fresh folder);
  it prints ``RESULT <value>`` lines, one per repetition it measured in-process, or one;
- ``setup``: Python run once per tree before the runs (build inputs into ``WORK``; the same
  folder is handed to every run of that tree); ``baseline_code`` / ``baseline_argv`` replace the
  measurement for the baseline tree when its API differs (same work, older spelling);
  ``skip_baseline=True`` leaves the baseline out (too slow to run: ``note`` names the figure
  the issue recorded for it).

Every figure prints min / median / max on both trees and the goal. Nothing here is asserted:
a benchmark prints figures (docs/DEVELOPING.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "a441bc4"  # main at the start of issue #16: "the code of today"


@dataclass(frozen=True)
class Figure:
    name: str
    goal: float | None  # the goal in ``unit``; None: printed for orientation
    unit: str = "s"  # "s", "MB", "KiB" …
    argv: tuple[str, ...] | None = None
    code: str | None = None
    setup: str | None = None
    baseline_code: str | None = None
    baseline_argv: tuple[str, ...] | None = None
    note: str = ""
    # The baseline is not run (it would take many minutes); ``note`` gives its recorded figure.
    skip_baseline: bool = False


def load_figures() -> list[Figure]:
    figures: list[Figure] = []
    for path in sorted(Path(__file__).parent.glob("figures_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        figures.extend(module.FIGURES)
    return figures


def baseline_tree(commit: str) -> Path:
    cache = Path(os.environ.get("MINSHI_BENCH_CACHE", Path.home() / ".cache/minshi-geo/bench"))
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", commit], check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = cache / f"baseline-{sha[:12]}"
    if not (tree / "minshi_geo").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), sha],
                       check=True, capture_output=True)
    return tree


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["MINSHI_HOME"] = str(tree)
    env.setdefault("MINSHI_GEO_CACHE", str(Path.home() / ".cache/minshi-geo"))
    env.pop("COLUMNS", None)
    return env


_PRELUDE = "from pathlib import Path\nROOT = Path({root!r})\nWORK = Path({work!r})\n"


def _python(code: str, tree: Path, work: Path) -> str:
    script = _PRELUDE.format(root=str(tree), work=str(work)) + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", script], cwd=work, env=_env(tree),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return done.stdout


def run_once(figure: Figure, tree: Path, base: bool, prepared: Path) -> list[float]:
    work = Path(tempfile.mkdtemp(prefix="run-", dir=prepared.parent))
    for item in prepared.iterdir():  # the set-up's outputs, fresh for every run
        target = work / item.name
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
    try:
        argv = figure.baseline_argv if base and figure.baseline_argv else figure.argv
        code = figure.baseline_code if base and figure.baseline_code else figure.code
        if argv:
            words = [w.format(python=sys.executable, root=str(tree), work=str(work)) for w in argv]
            start = time.perf_counter()
            done = subprocess.run(words, cwd=work, env=_env(tree), capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()
                raise RuntimeError(tail[-1] if tail else f"exit {done.returncode}")
            return [elapsed]
        out = _python(code, tree, work)
        values = [float(line.split()[1]) for line in out.splitlines() if line.startswith("RESULT ")]
        if not values:
            raise RuntimeError("printed no RESULT line")
        return values
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summary(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{min(values):8.3f} {statistics.median(values):8.3f} {max(values):8.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("words", nargs="*", help="run figures whose name contains one of these")
    parser.add_argument("-n", "--repeat", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE, help="commit, or 'none'")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)

    figures = [f for f in load_figures() if not args.words or any(w in f.name for w in args.words)]
    if args.list:
        for f in figures:
            print(f"{f.name:45s} goal {f.goal if f.goal is not None else '—'} {f.unit}  {f.note}")
        return 0
    trees: list[tuple[str, Path]] = []
    if args.baseline != "none":
        trees.append((f"baseline {args.baseline}", baseline_tree(args.baseline)))
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    trees.append((f"current {head}{'+' if dirty else ''}", ROOT))
    print(f"python {sys.version.split()[0]} · {os.cpu_count()} cores · {args.repeat} runs · "
          f"min / median / max")
    print(f"{'figure':45s} {'tree':22s} {'min':>8s} {'median':>8s} {'max':>8s}  goal")
    scratch = Path(tempfile.mkdtemp(prefix="minshi-speed-"))
    try:
        for figure in figures:
            values: dict[str, list[float]] = {label: [] for label, _ in trees}
            errors: dict[str, str] = {}
            prepared: dict[str, Path] = {}
            for label, tree in trees:
                if figure.skip_baseline and label.startswith("baseline"):
                    errors[label] = "not run (recorded figure in the note)"
                    prepared[label] = scratch
                    continue
                folder = scratch / f"{figure.name}-{len(prepared)}" / "prepared"
                folder.mkdir(parents=True)
                prepared[label] = folder
                if figure.setup:
                    try:
                        _python(figure.setup, tree, folder)
                    except RuntimeError as error:
                        errors[label] = f"set-up failed: {error}"
            for _ in range(args.repeat):
                for label, tree in trees:
                    if label in errors:
                        continue
                    try:
                        values[label] += run_once(figure, tree, label.startswith("baseline"),
                                                  prepared[label])
                    except RuntimeError as error:
                        errors[label] = str(error)
            goal = f"≤ {figure.goal:g} {figure.unit}" if figure.goal is not None else figure.unit
            for label, _ in trees:
                shown = errors.get(label) or summary(values[label])
                print(f"{figure.name:45s} {label:22s} {shown}  {goal}", flush=True)
            if figure.note:
                print(f"{'':45s} {figure.note}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
