"""limits.show: the one way a value is shown in an error message (catalogue, pace, scenario)."""

from datetime import date

from minshi_geo import catalogue, limits, pace, scenario


def test_show_quotes_what_the_user_wrote_and_cuts_it():
    assert limits.show("-3") == "'-3'"
    assert limits.show(12.5) == "12.5"
    assert limits.show(date(2023, 6, 30)) == "2023-06-30"
    long = limits.show("x" * 500)
    assert len(long) <= 40 and long.startswith("'xxx") and long.endswith("…")


def test_show_never_expands_a_value_built_from_aliases():
    nested: list = [0]
    for _ in range(40):
        nested = [nested] * 10  # 10**40 items if str() expanded it
    assert len(limits.show(nested)) <= 40
    assert len(limits.shorten(nested)) <= 60


def test_shorten_shows_free_text_bare_with_its_length():
    assert limits.shorten("长春市") == "长春市"
    assert limits.shorten("a" * 100, 20) == "a" * 19 + "… (100 characters)"


def test_catalogue_pace_and_scenario_use_the_one_show():
    assert catalogue._show(None) == "nothing"
    assert catalogue._show("y" * 100) == limits.show("y" * 100, 60)
    assert pace._show("1.5x") == scenario._show("1.5x") == limits.show("1.5x")
