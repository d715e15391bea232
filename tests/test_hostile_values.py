"""A huge or alias-built value never expands in a message; form fields refuse YAML aliases."""

from __future__ import annotations

import time

import pytest
import yaml

from minshi_geo import limits

BOMB = "- &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"- &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))


def test_shorten_bounds_a_value_built_from_aliases():
    value = yaml.safe_load(BOMB)  # shared lists: 387 M strings when expanded
    started = time.perf_counter()
    text = limits.shorten(value, 80)
    assert len(text) <= 80 and text.startswith("[['x'")
    assert time.perf_counter() - started < 5  # str(value) would not end


@pytest.mark.parametrize("value, shown", [
    ([1, 2], "[1, 2]"), (-3, "-3"), ("35%", "35%"), ("x" * 100, "x" * 59 + "… (100 characters)"),
])  # fmt: skip
def test_shorten_keeps_small_values_as_they_are(value, shown):
    assert limits.shorten(value) == shown


def test_scenario_messages_show_an_alias_built_value_briefly():
    from minshi_geo.scenario import _show

    assert len(_show(yaml.safe_load(BOMB))) <= 40


def test_the_studio_refuses_an_alias_bomb_typed_into_a_form_field():
    pytest.importorskip("fastapi", reason="the office server needs fastapi (test extra)")
    from minshi_geo.server.studio import apply_edits

    with pytest.raises(ValueError, match="min: expected a number or a share like 35%"):
        apply_edits({"targets": {}}, {"29.2": {"min": "&a [1, *a]"}})
    with pytest.raises(ValueError, match="max: expected a number"):
        apply_edits({"targets": {}}, {"29.2": {"max": "[unclosed"}})
    assert apply_edits({"targets": {}}, {"29.2": {"min": "3", "max": "35%"}})["targets"]["29.2"] \
        == {"min": 3, "max": "35%"}
