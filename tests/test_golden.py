"""No behaviour change (issue #16): the bundled runs' outputs equal the recorded golden files.

The allocation tables of the Jilin baseline and of the 省→市→县 cascade, every task and
summary workbook's cell values, the allocation / comparison / progress maps' data, the demo's
示例 reports, their import and the status table at a fixed as-of date — computed now with the
code under test and compared, text for text, with ``tests/golden/*.xz``, recorded from a441bc4
(the code before the speed work). See ``tests/golden/record.py`` for what is normalised and for
when re-recording is legitimate.
"""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "golden_record", Path(__file__).parent / "golden" / "record.py"
)
record = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(record)

RECORDED = record.recorded_names()
# every test of this file reads one computation: keep them on one xdist worker
pytestmark = pytest.mark.xdist_group("golden")


@pytest.fixture(scope="session")
def computed(tmp_path_factory) -> dict[str, str]:
    # session, not module: xdist may run another module's test between two of these on the
    # same worker, and a module fixture would then be computed again (~40 s)
    return record.outputs(tmp_path_factory.mktemp("golden"))


def test_the_same_outputs_are_produced(computed):
    assert len(RECORDED) >= 20, "tests/golden holds the recorded outputs"
    assert sorted(computed) == RECORDED


def _first_difference(expected: str, actual: str, name: str) -> str:
    diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                f"recorded {name}", f"computed {name}", n=2, lineterm="")
    lines = list(diff)
    more = f"\n… {len(lines) - 60} more diff lines" if len(lines) > 60 else ""
    return "\n".join(lines[:60]) + more


@pytest.mark.parametrize("name", RECORDED)
def test_output_is_unchanged(computed, name):
    assert name in computed, f"{name} is no longer produced"
    expected, actual = record.recorded(name), computed[name]
    if actual != expected:
        pytest.fail(f"{name} changed:\n{_first_difference(expected, actual, name)}", pytrace=False)
