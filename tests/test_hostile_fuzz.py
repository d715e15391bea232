"""Fuzzing the readers a user's file reaches: catalogue, scenario, returned report (CSV, xlsx).

Any bytes give either a result or one :class:`MinshiError` (the one-line error the CLI
prints) — never another exception — within a time and memory bound per example. Inputs are
random bytes and random mutations (bytes flipped, inserted, deleted) of real, valid files,
which reach much deeper into the readers than noise does. Examples are bounded and
derandomised so the test runs the same in CI, in well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import signal
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from minshi_geo.catalogue import load_plan
from minshi_geo.errors import MinshiError
from minshi_geo.scenario import load_scenario
from minshi_geo.sheets.reader import read_report

DATA = Path(__file__).parent / "data"
MINI_PLAN = (DATA / "catalogue" / "mini.yaml").read_bytes()
SMALL_SCENARIO = (DATA / "scenarios" / "small.yaml").read_bytes()
SECONDS = 20  # per example; a hang (an alias bomb, a quadratic loop) is far beyond it
PEAK_BYTES = 300 << 20  # Python allocations per example

# No shrinking: it can take minutes on a damaged zip; the failing input is printed as found.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@contextlib.contextmanager
def bounded(what: str):
    """Fail (not hang) when one example takes longer than SECONDS or allocates > PEAK_BYTES."""

    def _alarm(*_):
        raise AssertionError(f"{what}: still running after {SECONDS} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
        assert peak < PEAK_BYTES, f"{what}: {peak / 2**20:.0f} MB allocated"
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def mutations(seed: bytes):
    """Random edits of ``seed``: up to 8 bytes replaced, inserted or deleted."""
    edit = st.tuples(st.sampled_from("rid"), st.integers(0, max(len(seed) - 1, 0)),
                     st.integers(0, 255))

    def apply(edits) -> bytes:
        data = bytearray(seed)
        for op, pos, byte in edits:
            pos = min(pos, len(data))
            if op == "r" and pos < len(data):
                data[pos] = byte
            elif op == "i":
                data.insert(pos, byte)
            elif op == "d" and pos < len(data):
                del data[pos]
        return bytes(data)

    return st.lists(edit, min_size=1, max_size=8).map(apply)


def yaml_lines(seed: bytes):
    """Whole lines of ``seed`` dropped, repeated or indented: structural YAML changes."""
    lines = seed.split(b"\n")
    return st.lists(st.tuples(st.integers(0, len(lines) - 1), st.sampled_from("dxt")),
                    min_size=1, max_size=4).map(lambda ops: _line_edits(lines, ops))


def _line_edits(lines: list[bytes], ops) -> bytes:
    out = list(lines)
    for i, op in ops:
        i = min(i, len(out) - 1)
        if op == "d":
            del out[i]
        elif op == "x":
            out.insert(i, out[i])
        else:
            out[i] = b"  " + out[i]
        if not out:
            out = [b""]
    return b"\n".join(out)


def outcome(read, path: Path, data: bytes):
    path.write_bytes(data)
    with bounded(path.name):
        try:
            return read(path)
        except MinshiError as exc:
            text = str(exc)
            assert text and "\n" not in text.strip(), f"not one line: {text!r}"
            assert len(text) < 2000, "an error message must not expand the input"
            return exc
        except (FileNotFoundError, IsADirectoryError):  # pragma: no cover - not fuzzed
            raise


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), mutations(MINI_PLAN), yaml_lines(MINI_PLAN)))
def test_catalogue_reader_gives_a_plan_or_one_error(data, tmp_path):
    (tmp_path / "mini.txt").write_bytes((DATA / "catalogue" / "mini.txt").read_bytes())
    outcome(load_plan, tmp_path / "plan.yaml", data)


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), mutations(SMALL_SCENARIO),
                      yaml_lines(SMALL_SCENARIO)))
def test_scenario_reader_gives_a_scenario_or_one_error(data, tmp_path):
    outcome(load_scenario, tmp_path / "scenario.yaml", data)


def _report_csv() -> bytes:
    rows = ["民生实事方案,2023年吉林省民生实事", "分解单位,长春市", "单位代码,220100",
            "本期截至日期,2023-06-30", "",
            "序号,指标编号,指标,本地区任务,单位,截至日期,累计完成,进展情况,备注",
            "1,1.1,城镇新增就业,105400,人,2023-06-30,52000,正常推进,",
            "2,29.2,改造农村危桥,27,座,2023-06-30,=1+1,@SUM(A1),-3"]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8-sig")


REPORT_CSV = _report_csv()


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), mutations(REPORT_CSV)))
def test_report_reader_gives_a_report_or_one_error_for_csv(data, tmp_path):
    outcome(read_report, tmp_path / "report.csv", data)


@pytest.fixture(scope="module")
def report_xlsx() -> bytes:
    """A real returned task sheet: the baseline's workbook for 长春市, saved by the writer."""
    from maps_fixtures import baseline

    from minshi_geo.catalogue import load_plan as plan_of
    from minshi_geo.regions import load_region_set
    from minshi_geo.sheets.writer import build_region_workbook

    regions = load_region_set("jilin")
    wb, _ = build_region_workbook(baseline(), plan_of(), regions, "220100")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _mutate_member(xlsx: bytes, member_index: int, edits) -> bytes:
    """The workbook with one zip member's bytes mutated, re-zipped (a valid zip whose XML or
    content is broken — what a damaged or hand-crafted file looks like)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    infos = src.infolist()
    target = infos[member_index % len(infos)].filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            data = bytearray(src.read(info.filename))
            if info.filename == target:
                for op, pos, byte in edits:
                    pos = pos % max(len(data), 1)
                    if op == "r" and data:
                        data[pos] = byte
                    elif op == "i":
                        data.insert(pos, byte)
                    elif data:
                        del data[pos]
            zf.writestr(info.filename, bytes(data))
    return out.getvalue()


@settings(FUZZ, max_examples=30)
@given(member=st.integers(0, 40),
       edits=st.lists(st.tuples(st.sampled_from("rid"), st.integers(0, 1 << 20),
                                st.integers(0, 255)), min_size=1, max_size=6),
       raw=st.booleans())
def test_report_reader_gives_a_report_or_one_error_for_xlsx(member, edits, raw, report_xlsx,
                                                            tmp_path):
    if raw:  # the zip container itself damaged
        data = bytearray(report_xlsx)
        for op, pos, byte in edits:
            pos %= len(data)
            if op == "r":
                data[pos] = byte
            elif op == "i":
                data.insert(pos, byte)
            else:
                del data[pos]
        data = bytes(data)
    else:
        data = _mutate_member(report_xlsx, member, edits)
    outcome(read_report, tmp_path / "report.xlsx", data)


def test_the_unmutated_seeds_are_read(report_xlsx, tmp_path):
    """The seeds are valid: mutations start from files the readers accept."""
    assert load_plan(DATA / "catalogue" / "mini.yaml").id == "mini-2023"
    assert load_scenario(DATA / "scenarios" / "small.yaml").name == "small"
    (tmp_path / "r.xlsx").write_bytes(report_xlsx)
    assert read_report(tmp_path / "r.xlsx").identity.region_code == "220100"
