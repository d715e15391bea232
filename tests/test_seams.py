"""Where the rooms meet: one factor matrix, the rules vocabulary without the solver, progress
without the allocator, STATUS_COLUMNS once, and the package faces."""

from __future__ import annotations

import subprocess
import sys

import pytest

from minshi_geo.indicators import MissingIndicatorError, factor_matrix, load_indicators
from minshi_geo.regions import load_region_set


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    return set(run.stdout.split())


def test_reading_a_scenario_does_not_load_the_solver():
    loaded = _modules_after("import minshi_geo.scenario")
    assert "pulp" not in loaded and "highspy" not in loaded
    assert not any(m.startswith("minshi_geo.allocate") for m in loaded)


def test_progress_never_imports_the_scenario_loader_or_the_allocator():
    loaded = _modules_after(
        "import minshi_geo.progress.importer, minshi_geo.progress.status, "
        "minshi_geo.progress.sample, minshi_geo.cli.progress"
    )
    assert "minshi_geo.scenario" not in loaded
    assert not any(m.startswith("minshi_geo.allocate") for m in loaded)
    assert "pulp" not in loaded


def test_the_rules_vocabulary_is_one_list_for_scenario_and_allocator():
    from minshi_geo import rules, scenario
    from minshi_geo.allocate import ENGINES, apportion, solver

    assert apportion.METHOD_ALIASES is rules.METHOD_ALIASES is scenario.METHOD_ALIASES
    assert solver.SOLVER_NAMES is rules.SOLVER_NAMES and ENGINES is rules.ENGINES


@pytest.fixture(scope="module")
def jilin():
    return load_region_set("jilin")


@pytest.fixture(scope="module")
def table(jilin):
    return load_indicators(region_set=jilin)


def test_the_factor_matrix_lets_a_locked_region_lack_its_factor(jilin, table):
    matrix = factor_matrix(jilin, table, ["area"], locked=["changbaishan"])
    assert len(matrix) == 11 and matrix["area"].isna().sum() == 1
    assert matrix["area"].isna()["changbaishan"]


def test_a_rule_label_starts_the_message_and_the_hint_names_the_point_region(jilin, table):
    with pytest.raises(MissingIndicatorError) as caught:
        factor_matrix(jilin, table, ["population", "area"], label="29.2 改造农村危桥")
    assert str(caught.value) == ("29.2 改造农村危桥: factor area has no value for "
                                 "长白山保护开发区管理委员会 (changbaishan)")
    # built from the region set's data (its point regions' short names), not a fixed text
    assert "exclude: [长白山管委会]" in caught.value.hint


def test_the_allocator_reads_factors_through_the_one_matrix(tmp_path):
    from minshi_geo.allocate import allocate
    from minshi_geo.scenario import load_scenario

    text = ('scenario: t\ntitle: t\ntargets:\n  "29.2":\n    factors: {area: 1.0}\n')
    (tmp_path / "area.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(MissingIndicatorError,
                       match=r"^area\.yaml: \d+\.\d+ \S+: factor area has no value for 长白山"):
        allocate(load_scenario(tmp_path / "area.yaml"))


def test_status_columns_are_defined_once():
    from minshi_geo.maps import progress as maps_progress
    from minshi_geo.progress import status

    assert maps_progress.STATUS_COLUMNS is status.STATUS_COLUMNS


def test_sheets_and_progress_have_a_public_face():
    import minshi_geo.progress as progress
    import minshi_geo.sheets as sheets
    from minshi_geo.progress.importer import import_reports
    from minshi_geo.sheets.reader import read_report

    assert sheets.read_report is read_report and progress.import_reports is import_reports
    assert {"write_all_sheets", "write_progress_sheets"} <= set(sheets.__all__)
    assert {"compute_status", "ProgressStore"} <= set(progress.__all__)
    with pytest.raises(AttributeError):
        sheets.no_such_thing  # noqa: B018
