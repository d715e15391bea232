"""One strict YAML reading (minshi_geo.strict_yaml) for catalogue, scenario and region-set files."""

from __future__ import annotations

import pytest
import yaml

from minshi_geo import limits, paths, strict_yaml
from minshi_geo.catalogue import CatalogueError, load_plan
from minshi_geo.regions import RegionSetError, load_region_set
from minshi_geo.scenario import ScenarioError, load_scenario


@pytest.mark.parametrize("text, error, line", [
    ("a: 1\na: 2\n", strict_yaml.DuplicateKey, 2),
    ("? [1, 2]\n: x\n", strict_yaml.KeyTypeRefused, 1),
    ("a: &x 1\nb: *x\n", limits.YamlAliasRefused, 2),
])  # fmt: skip
def test_the_strict_loader_refuses_what_would_change_the_meaning(text, error, line):
    with pytest.raises(error) as caught:
        yaml.load(text, Loader=strict_yaml.StrictLoader)  # noqa: S506
    assert caught.value.line == line


def test_dates_are_read_or_left_as_text():
    assert str(yaml.load("d: 2023-06-30", Loader=strict_yaml.StrictLoader)["d"]) == "2023-06-30"
    assert yaml.load("d: 2023-06-30", Loader=strict_yaml.NoDatesLoader) == {"d": "2023-06-30"}


def _region_yaml(tmp_path, extra: str) -> str:
    text = (paths.REGIONS_DIR / "jilin-prefectures.yaml").read_text(encoding="utf-8")
    path = tmp_path / "set.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return str(path)


def test_every_kind_of_file_refuses_a_duplicate_key(tmp_path):
    plan = paths.DEFAULT_PLAN.read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(plan + "\nid: again\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"plan\.yaml line \d+: duplicate key 'id'"):
        load_plan(tmp_path / "plan.yaml")
    (tmp_path / "s.yaml").write_text("scenario: s\ntitle: t\ntitle: u\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s\.yaml: title: duplicate key \(line 3\)"):
        load_scenario(tmp_path / "s.yaml")
    # region sets were read with plain safe_load: a second `name:` passed silently
    with pytest.raises(RegionSetError, match=r"set\.yaml line \d+: duplicate key 'name'"):
        load_region_set(_region_yaml(tmp_path, "\nname: other\n"))


def test_a_list_as_a_key_is_refused_in_every_kind_of_file(tmp_path):
    (tmp_path / "plan.yaml").write_text("? [1, 2]\n: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"plan\.yaml line 1: a key must be a name"):
        load_plan(tmp_path / "plan.yaml")
    with pytest.raises(RegionSetError, match=r"set\.yaml line \d+: a key must be a name"):
        load_region_set(_region_yaml(tmp_path, "\n? [1, 2]\n: x\n"))
