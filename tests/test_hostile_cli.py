"""Every CLI command, given a broken or hostile input of each kind, answers with exactly one
``error:`` line naming what the user gave, exits 2, prints no traceback and writes nothing.

The inputs are the corpus in ``tests/data/hostile/`` (see its README) plus files built here
from the bundled data (a saved allocation folder, sparse oversize files, garbage bytes).
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from maps_fixtures import baseline
from typer.testing import CliRunner

from minshi_geo.cli import app

HOSTILE = Path(__file__).parent / "data" / "hostile"
GARBAGE = random.Random(18).randbytes(4096)


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    w = {"root": root}
    w["alloc"] = root / "alloc"
    baseline().save(w["alloc"])
    (root / "empty").mkdir()
    w["empty"] = root / "empty"
    w["file"] = root / "a-file.txt"
    w["file"].write_text("keep me\n", encoding="utf-8")
    for name in ("garbage.yaml", "garbage.csv", "garbage.xlsx", "garbage.txt"):
        (root / name).write_bytes(GARBAGE)
        w[name] = root / name
    # Sparse files: stat() says hundreds of MB, the disk holds nothing. A limit must refuse
    # them by size, before reading a byte.
    for name, size in (("huge.yaml", 64 << 20), ("huge.txt", 50 << 20), ("huge.csv", 300 << 20),
                       ("huge.xlsx", 300 << 20)):
        with open(root / name, "wb") as fh:
            fh.truncate(size)
        w[name] = root / name
    for name, change in (
        ("alloc-garbage-json", lambda d: (d / "allocation.json").write_bytes(GARBAGE)),
        ("alloc-garbage-csv", lambda d: (d / "allocation.csv").write_bytes(GARBAGE)),
        ("alloc-huge-csv", lambda d: open(d / "allocation.csv", "r+b").truncate(300 << 20)),
        ("alloc-json-list", lambda d: (d / "allocation.json").write_text("[1, 2]")),
    ):
        shutil.copytree(w["alloc"], root / name)
        change(root / name)
        w[name] = root / name
    return w


@dataclass(frozen=True)
class Case:
    id: str
    args: Callable[[dict[str, Path]], list]
    expect: str | Callable[[dict[str, Path]], str]  # fragment of the error line


def _db(url: str) -> list[str]:
    return ["--db", url]


H = HOSTILE
CASES = [
    # ── a file that is not there ────────────────────────────────────────────────────────
    Case("targets-missing", lambda w: ["targets", "--plan", w["root"] / "nope.yaml"], "nope.yaml"),
    Case("regions-missing", lambda w: ["regions", "--set", w["root"] / "nope.yaml"], "nope.yaml"),
    Case("indicators-missing", lambda w: ["indicators", "-f", w["root"] / "nope.csv"], "nope.csv"),
    Case("allocate-missing", lambda w: ["allocate", w["root"] / "nope.yaml", "--out",
                                        w["root"] / "o1"], "nope.yaml"),
    Case("compare-missing", lambda w: ["compare", w["alloc"], w["root"] / "nope.yaml"], "nope.yaml"),
    Case("extract-missing", lambda w: ["extract", w["root"] / "nope.txt", "-o",
                                       w["root"] / "d.yaml"], "nope.txt"),
    Case("sheets-missing", lambda w: ["sheets", w["root"] / "nope", "-o", w["root"] / "s1"], "nope"),
    Case("map-allocation-missing", lambda w: ["map", "allocation", w["root"] / "nope", "-o",
                                              w["root"] / "m.html"], "nope"),
    Case("map-compare-missing", lambda w: ["map", "compare", w["alloc"], w["root"] / "nope", "-o",
                                           w["root"] / "m.html"], "nope"),
    Case("map-progress-missing", lambda w: ["map", "progress", "--allocation", w["root"] / "nope",
                                            "-o", w["root"] / "m.html"], "nope"),
    Case("import-missing", lambda w: ["progress", "import", w["root"] / "nope.xlsx", "--allocation",
                                      w["alloc"], *_db(f"sqlite:///{w['root']}/p.db")], "nope.xlsx"),
    Case("status-missing", lambda w: ["progress", "status", "--allocation", w["root"] / "nope"],
         "nope"),
    Case("progress-sheets-missing", lambda w: ["progress", "sheets", "--allocation",
                                               w["root"] / "nope", "-o", w["root"] / "ps"], "nope"),
    Case("sample-missing", lambda w: ["progress", "sample", "-o", w["root"] / "smp",
                                      "--allocation", w["root"] / "nope"], "nope"),
    # ── garbage bytes where text, YAML, a table or a workbook is expected ───────────────
    Case("targets-garbage", lambda w: ["targets", "--plan", w["garbage.yaml"]], "garbage.yaml"),
    Case("regions-garbage", lambda w: ["regions", "--set", w["garbage.yaml"]], "garbage.yaml"),
    Case("indicators-garbage-csv", lambda w: ["indicators", "-f", w["garbage.csv"]], "garbage.csv"),
    Case("indicators-garbage-xlsx", lambda w: ["indicators", "-f", w["garbage.xlsx"]],
         "garbage.xlsx"),
    Case("allocate-garbage", lambda w: ["allocate", w["garbage.yaml"], "--out", w["root"] / "o2"],
         "garbage.yaml"),
    Case("extract-garbage", lambda w: ["extract", w["garbage.txt"], "-o", w["root"] / "d.yaml"],
         "garbage.txt"),
    Case("extract-nul", lambda w: ["extract", H / "plan-nul.txt", "-o", w["root"] / "d.yaml"],
         "plan-nul.txt"),
    Case("import-garbage-xlsx", lambda w: ["progress", "import", w["garbage.xlsx"],
                                           "--allocation", w["alloc"],
                                           *_db(f"sqlite:///{w['root']}/p.db")], "garbage.xlsx"),
    Case("import-garbage-csv", lambda w: ["progress", "import", H / "report-garbage.csv",
                                          "--allocation", w["alloc"],
                                          *_db(f"sqlite:///{w['root']}/p.db")],
         "report-garbage.csv"),
    # ── returned workbooks that are broken zips / broken XML ─────────────────────────────
    Case("import-broken-xml", lambda w: ["progress", "import", H / "report-broken-xml.xlsx",
                                         "--allocation", w["alloc"],
                                         *_db(f"sqlite:///{w['root']}/p.db")],
         "report-broken-xml.xlsx"),
    Case("import-not-zip", lambda w: ["progress", "import", H / "report-not-zip.xlsx",
                                      "--allocation", w["alloc"],
                                      *_db(f"sqlite:///{w['root']}/p.db")], "report-not-zip.xlsx"),
    Case("allocate-scenario-workbook-garbage", lambda w: ["allocate", w["garbage.xlsx"],
                                                          "--out", w["root"] / "o6"],
         "garbage.xlsx"),
    Case("allocate-scenario-workbook-broken-xml", lambda w: ["allocate",
                                                             H / "report-broken-xml.xlsx",
                                                             "--out", w["root"] / "o7"],
         "report-broken-xml.xlsx"),
    # ── YAML alias bombs (billion laughs) in fields the loaders accept ──────────────────
    Case("targets-alias-bomb", lambda w: ["targets", "--plan", H / "catalogue-alias-bomb.yaml"],
         "YAML alias"),
    Case("regions-alias-bomb", lambda w: ["regions", "--set", H / "regionset-alias-bomb.yaml"],
         "YAML alias"),
    Case("indicators-alias-bomb", lambda w: ["indicators", "--set",
                                             H / "regionset-alias-bomb.yaml"], "YAML alias"),
    Case("allocate-alias-bomb", lambda w: ["allocate", H / "scenario-alias-bomb.yaml", "--out",
                                           w["root"] / "o3"], "YAML alias"),
    # ── text that is not UTF-8; boundaries that are not a GeoPackage ─────────────────────
    Case("regions-gbk", lambda w: ["regions", "--set", H / "regionset-gbk.yaml"], "not UTF-8"),
    Case("indicators-gbk-set", lambda w: ["indicators", "--set", H / "regionset-gbk.yaml"],
         "not UTF-8"),
    Case("regions-not-gpkg", lambda w: ["regions", "--set",
                                        H / "regionset-boundaries-not-gpkg.yaml"],
         "not-a-geopackage.gpkg: not a boundary GeoPackage"),
    # ── a quantity too large to split exactly ──────────────────────────────────────────
    Case("targets-quantity-too-large", lambda w: ["targets", "--plan",
                                                  H / "catalogue-quantity-too-large.yaml"],
         "too large to split exactly"),
    Case("allocate-quantity-too-large", lambda w: ["allocate",
                                                   H / "scenario-quantity-too-large.yaml",
                                                   "--out", w["root"] / "o5"],
         "too large to split exactly"),
    # ── inputs far over their size limit (sparse files: refused by size, unread) ────────
    Case("targets-huge", lambda w: ["targets", "--plan", w["huge.yaml"]], "too large"),
    Case("regions-huge", lambda w: ["regions", "--set", w["huge.yaml"]], "too large"),
    Case("allocate-huge", lambda w: ["allocate", w["huge.yaml"], "--out", w["root"] / "o4"],
         "too large"),
    Case("extract-50mb", lambda w: ["extract", w["huge.txt"], "-o", w["root"] / "d.yaml"],
         "huge.txt: 50 MB is too large for a plan text (limit 256 KB)"),
    Case("indicators-huge", lambda w: ["indicators", "-f", w["huge.csv"]], "too large"),
    Case("import-huge-xlsx", lambda w: ["progress", "import", w["huge.xlsx"], "--allocation",
                                        w["alloc"], *_db(f"sqlite:///{w['root']}/p.db")],
         "too large"),
    Case("import-huge-csv", lambda w: ["progress", "import", w["huge.csv"], "--allocation",
                                       w["alloc"], *_db(f"sqlite:///{w['root']}/p.db")],
         "too large"),
    # ── a broken allocation folder, for every command that reads one ────────────────────
    *[
        Case(f"{cmd}-{kind}", (lambda c, k: lambda w: [*c(w, w[k])])(argv, kind), expect)
        for kind, expect in (("empty", "allocation"), ("alloc-garbage-json", "allocation.json"),
                             ("alloc-garbage-csv", "allocation.csv"),
                             ("alloc-huge-csv", "too large"),
                             ("alloc-json-list", "allocation.json"))
        for cmd, argv in (
            ("sheets", lambda w, d: ["sheets", d, "-o", w["root"] / "s2"]),
            ("map-allocation", lambda w, d: ["map", "allocation", d, "-o", w["root"] / "m.html"]),
            ("map-compare", lambda w, d: ["map", "compare", w["alloc"], d, "-o",
                                          w["root"] / "m.html"]),
            ("map-progress", lambda w, d: ["map", "progress", "--allocation", d, "-o",
                                           w["root"] / "m.html"]),
            ("status", lambda w, d: ["progress", "status", "--allocation", d]),
            ("compare", lambda w, d: ["compare", w["alloc"], d]),
        )
    ],
    # ── output paths that cannot be written: named as given, refused before the work ───
    Case("allocate-out-file", lambda w: ["allocate", "--out", w["file"]], "a-file.txt"),
    Case("allocate-out-under-file", lambda w: ["allocate", "--out", w["file"] / "x"], "a-file.txt"),
    Case("compare-out-file", lambda w: ["compare", w["alloc"], w["alloc"], "--out", w["file"]],
         "a-file.txt"),
    Case("extract-out-dir", lambda w: ["extract", H / "plan-nul.txt", "-o", w["empty"]],
         lambda w: f"{w['empty']}: output file is a folder"),
    Case("sheets-out-file", lambda w: ["sheets", w["alloc"], "-o", w["file"]], "a-file.txt"),
    Case("map-allocation-out-dir", lambda w: ["map", "allocation", w["alloc"], "-o", w["empty"]],
         lambda w: f"{w['empty']}: output file is a folder"),
    Case("map-allocation-out-under-file", lambda w: ["map", "allocation", w["alloc"], "-o",
                                                     w["file"] / "m.html"],
         lambda w: f"{w['file'] / 'm.html'}: output file lies under {w['file']}"),
    Case("map-allocation-png-file", lambda w: ["map", "allocation", w["alloc"], "-o",
                                               w["root"] / "m.html", "--png", w["file"]],
         "a-file.txt"),
    Case("map-compare-out-dir", lambda w: ["map", "compare", w["alloc"], w["alloc"], "-o",
                                           w["empty"]], "output file is a folder"),
    Case("map-progress-out-dir", lambda w: ["map", "progress", "--allocation", w["alloc"], "-o",
                                            w["empty"]], "output file is a folder"),
    Case("progress-sheets-out-file", lambda w: ["progress", "sheets", "--allocation", w["alloc"],
                                                "-o", w["file"]], "a-file.txt"),
    Case("sample-out-file", lambda w: ["progress", "sample", "-o", w["file"], "--allocation",
                                       w["alloc"]], "a-file.txt"),
    Case("demo-out-file", lambda w: ["demo", "--out", w["file"]], "a-file.txt"),
    Case("demo-maps-file", lambda w: ["demo", "--out", w["root"] / "demo", "--maps", w["file"]],
         "a-file.txt"),
    # ── progress store URLs: driver not installed, not a number for a port, no such DB ──
    *[
        Case(f"{cmd}-{kind}", (lambda c, u: lambda w: c(w, u))(argv, url), expect)
        for kind, url, expect in (
            ("psycopg2", "postgresql+psycopg2://u@localhost/db", "driver 'psycopg2' is not installed"),
            ("mysql", "mysql://u@localhost/db", "SQLite or PostgreSQL only"),
            ("port", "postgresql://u@localhost:abc/db", "port is not a number"),
            ("garbage", "::::", "not a database URL"),
        )
        for cmd, argv in (
            ("status", lambda w, u: ["progress", "status", "--allocation", w["alloc"], "--db", u]),
            ("import", lambda w, u: ["progress", "import", H / "report-broken-xml.xlsx",
                                     "--allocation", w["alloc"], "--db", u]),
            ("map-progress", lambda w, u: ["map", "progress", "--allocation", w["alloc"], "--db", u,
                                           "-o", w["root"] / "m.html"]),
        )
    ],
    # ── an empty folder given to import names the folder ────────────────────────────────
    Case("import-empty-folder", lambda w: ["progress", "import", w["empty"], "--allocation",
                                           w["alloc"], *_db(f"sqlite:///{w['root']}/p.db")],
         lambda w: f"{w['empty']}: no .xlsx or .csv report files in this folder"),
]


def _invoke(args: list, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def check_one_error_line(result, expect: str) -> str:
    output = result.output
    assert "Traceback" not in output, output
    assert result.exit_code == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert expect in errors[0], output
    assert ".tmp" not in errors[0], output
    return errors[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_input_gives_one_error_line_and_exit_2(case: Case, ws):
    before = {p: p.stat().st_mtime_ns for p in ws["root"].rglob("*")}
    result = _invoke(case.args(ws))
    expect = case.expect(ws) if callable(case.expect) else case.expect
    check_one_error_line(result, expect)
    after = {p for p in ws["root"].rglob("*") if p.name != "p.db" and "p.db-" not in p.name}
    created = sorted(str(p.relative_to(ws["root"])) for p in after - set(before))
    assert created == [], f"a failed command left {created}"
    assert ws["file"].read_text(encoding="utf-8") == "keep me\n"


def test_zip_bomb_workbook_is_refused_by_its_decompressed_size(ws, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 << 20))  # 3 MB → ~3 KB
    assert bomb.stat().st_size < 20_000
    result = _invoke(["progress", "import", bomb, "--allocation", ws["alloc"],
                      "--db", f"sqlite:///{tmp_path}/p.db"],
                     env={"MINSHI_LIMIT_WORKBOOK_UNZIPPED": "1MB"})
    line = check_one_error_line(result, "bomb.xlsx: 3 MB is too large for a returned workbook "
                                        "once decompressed (limit 1 MB)")
    assert "MINSHI_LIMIT_WORKBOOK_UNZIPPED" in result.output  # the hint says how to raise it
    assert line


def test_a_limit_that_is_not_a_size_is_named(ws):
    result = _invoke(["targets"], env={"MINSHI_LIMIT_YAML": "lots"})
    check_one_error_line(result, "MINSHI_LIMIT_YAML='lots': expected a size")


def test_limits_can_be_raised_by_environment(ws, tmp_path):
    small = tmp_path / "plan.txt"
    small.write_text("一、促进就业\n1. 城镇新增就业23万人。\n" * 200, encoding="utf-8")
    result = _invoke(["extract", small, "-o", tmp_path / "d.yaml"],
                     env={"MINSHI_LIMIT_PLAN_TEXT": "1KB"})
    check_one_error_line(result, "plan.txt: 10 KB is too large for a plan text (limit 1 KB)")


def test_an_unexpected_exception_is_one_line_exit_70_not_a_traceback():
    import typer

    from minshi_geo.cli.app import friendly

    bug = typer.Typer()

    @bug.command()
    @friendly
    def run() -> None:
        raise ZeroDivisionError("x" * 100_000)

    result = CliRunner().invoke(bug, [])
    assert result.exit_code == 70
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "internal error (ZeroDivisionError)" in errors[0]
    assert len(errors[0]) < 1300  # never the whole huge value
    assert "MINSHI_DEBUG=1" in result.output

